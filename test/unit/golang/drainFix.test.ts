import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeGoSource, applyEdits, drainEdits } from '../../../server/src/core/golang/index.ts';
import { fix, fixtureNames, readFixture } from './helpers.ts';

/** The import section of a Go file: from the first `import` line to the first `func`/`type`/`var` line. */
function importSection(src: string): string {
  const lines = src.split('\n');
  const start = lines.findIndex((l) => l.startsWith('import'));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && /^(func|type|var|const) /.test(l));
  return lines.slice(start, end).join('\n').trimEnd();
}

// ---- statement rewrites -------------------------------------------------------------------------------------

test('defer resp.Body.Close() becomes a deferred drain-and-close, at the statement indentation', async () => {
  const src = [
    'package main',
    '',
    'import (',
    '\t"encoding/json"',
    '\t"io"',
    '\t"net/http"',
    ')',
    '',
    'func f(url string, v any) error {',
    '\tif url != "" {',
    '\t\tres, err := http.Get(url)',
    '\t\tif err != nil {',
    '\t\t\treturn err',
    '\t\t}',
    '\t\tdefer res.Body.Close()',
    '\t\treturn json.NewDecoder(res.Body).Decode(v)',
    '\t}',
    '\treturn nil',
    '}',
    '',
  ].join('\n');
  const out = await fix(src);
  assert.equal(
    out,
    src.replace(
      '\t\tdefer res.Body.Close()\n',
      '\t\tdefer func() {\n\t\t\t_, _ = io.Copy(io.Discard, res.Body)\n\t\t\tres.Body.Close()\n\t\t}()\n',
    ),
  );
});

test('plain closes get the drain on the line before, whatever the statement form', async () => {
  const forms = ['resp.Body.Close()', '_ = resp.Body.Close()', 'err = resp.Body.Close()', 'return resp.Body.Close()'];
  for (const form of forms) {
    const tail = form.startsWith('return') ? '' : form.startsWith('err') ? '\treturn err\n' : '\treturn nil\n';
    const src = `package main\n\nimport (\n\t"io"\n\t"net/http"\n)\n\nfunc f(url string) error {\n\tresp, err := http.Get(url)\n\tif err != nil {\n\t\treturn err\n\t}\n\t${form}\n${tail}}\n`;
    const out = await fix(src);
    assert.equal(out, src.replace(`\t${form}\n`, `\t_, _ = io.Copy(io.Discard, resp.Body)\n\t${form}\n`), form);
  }
  const ifForm = `package main\n\nimport (\n\t"io"\n\t"net/http"\n)\n\nfunc f(url string) error {\n\tresp, err := http.Get(url)\n\tif err != nil {\n\t\treturn err\n\t}\n\tif err := resp.Body.Close(); err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n`;
  assert.equal(
    await fix(ifForm),
    ifForm.replace('\tif err := resp.Body.Close()', '\t_, _ = io.Copy(io.Discard, resp.Body)\n\tif err := resp.Body.Close()'),
  );
});

test('a Close inside a deferred func literal gets the drain inside the literal', async () => {
  const src = readFixture('closures_loops.go');
  const out = await fix(src);
  assert.ok(
    out.includes(
      '\tdefer func() {\n\t\t_, _ = io.Copy(io.Discard, resp.Body)\n\t\tif cerr := resp.Body.Close(); cerr != nil { // want: partial-read plain\n',
    ),
  );
});

// ---- the import ---------------------------------------------------------------------------------------------

test('import: grouped block gets "io" in sorted position', async () => {
  assert.equal(
    importSection(await fix(readFixture('imports_grouped.go'))),
    'import (\n\t"encoding/json"\n\t"fmt"\n\t"io"\n\t"net/http"\n\t"os"\n)',
  );
});

test('import: a single import becomes a block', async () => {
  assert.equal(importSection(await fix(readFixture('imports_single.go'))), 'import (\n\t"io"\n\t"net/http"\n)');
});

test('import: several single imports get one more declaration', async () => {
  assert.equal(
    importSection(await fix(readFixture('imports_multi_single.go'))),
    'import "fmt"\nimport "net/http"\nimport "io"',
  );
});

test('import: none at all, `import "io"` after the package clause', async () => {
  const out = await fix(readFixture('imports_none.go'));
  assert.ok(out.includes('package main\n\nimport "io"\n\nfunc (s *svc) ping('), out);
  // no trailing newline after the package clause
  const bare = 'package p\n\nfunc (s *svc) f() {\n\tr, _ := s.client.Get("x")\n\tr.Body.Close()\n}';
  assert.ok((await fix(bare)).startsWith('package p\n\nimport "io"\n\nfunc'));
  const eofPkg = await drainEdits('package p');
  assert.deepEqual(eofPkg, []); // nothing to fix: no import added on its own
});

test('import: io under another name is used, no import added', async () => {
  const out = await fix(readFixture('imports_aliased.go'));
  assert.equal(importSection(out), importSection(readFixture('imports_aliased.go')));
  assert.ok(out.includes('_, _ = stdio.Copy(stdio.Discard, resp.Body)'));
});

test('import: io shadowed at the fix site is imported again under a fresh name', async () => {
  const out = await fix(readFixture('imports_shadowed.go'));
  assert.equal(importSection(out), 'import (\n\t"encoding/json"\n\t"fmt"\n\t"io"\n\tstdio "io"\n\t"net/http"\n)');
  assert.ok(out.includes('_, _ = stdio.Copy(stdio.Discard, resp.Body)'));
});

test('import: io imported only as _ gets a usable import next to it', async () => {
  const out = await fix(readFixture('imports_blank.go'));
  assert.equal(importSection(out), 'import (\n\t"fmt"\n\t"io"\n\t_ "io"\n\t"net/http"\n)');
});

test('import: std group chosen among runs; comments stay with their spec; third-party-only block', async () => {
  const body = '\nfunc f() {\n\tresp, _ := http.Get("x")\n\tresp.Body.Close()\n}\n';
  const groups = `package main\n\nimport (\n\t"fmt"\n\t// http, for the client\n\t"net/http"\n\n\t"example.com/a"\n)\n\nvar _ = fmt.Sprint\nvar _ = a.X\n${body}`;
  assert.equal(
    importSection(await fix(groups)),
    'import (\n\t"fmt"\n\t"io"\n\t// http, for the client\n\t"net/http"\n\n\t"example.com/a"\n)',
  );
  const std2nd = `package main\n\nimport (\n\t"example.com/a"\n\n\t"net/http"\n\t"os"\n)\n\nvar _ = a.X\nvar _ = os.Args\n${body}`;
  assert.equal(importSection(await fix(std2nd)), 'import (\n\t"example.com/a"\n\n\t"io"\n\t"net/http"\n\t"os"\n)');
  const third = `package main\n\nimport (\n\thttp "example.com/myhttp"\n)\n\nvar _ = http.X\n${body}`;
  // http here is not net/http: nothing to flag
  assert.deepEqual(await drainEdits(third), []);
  const oneLine = `package main\n\nimport ("fmt"; "net/http")\n\nvar _ = fmt.Sprint\n${body}`;
  assert.equal(importSection(await fix(oneLine)), 'import (\n\t"fmt"\n\t"io"\n\t"net/http"\n)');
});

test('import: another package imported as io forces a fresh name', async () => {
  const src = `package main\n\nimport (\n\tio "example.com/myio"\n\t"net/http"\n)\n\nvar _ = io.X\n\nfunc f() {\n\tresp, _ := http.Get("x")\n\tresp.Body.Close()\n}\n`;
  const out = await fix(src);
  assert.equal(importSection(out), 'import (\n\tio "example.com/myio"\n\tstdio "io"\n\t"net/http"\n)');
  assert.ok(out.includes('\t_, _ = stdio.Copy(stdio.Discard, resp.Body)\n\tresp.Body.Close()\n'));
  assert.deepEqual(await analyzeGoSource(out), []);
});

// ---- edit-set properties ------------------------------------------------------------------------------------

test('one consistent edit set: several findings, the import added once, only the given findings', async () => {
  const src = readFixture('never_read.go'); // five findings, no "io" import
  const findings = await analyzeGoSource(src);
  assert.equal(findings.length, 5);
  const all = await drainEdits(src);
  assert.equal(all.filter((e) => e.newText.includes('"io"')).length, 1);
  assert.equal(all.length, 6); // 5 fixes + 1 import
  const some = await drainEdits(src, [findings[1]!]);
  assert.equal(some.length, 2);
  const out = applyEdits(src, some);
  assert.deepEqual(
    (await analyzeGoSource(out)).map((f) => f.bodyExpr),
    findings.filter((_, i) => i !== 1).map((f) => f.bodyExpr),
  );
  // a stale finding (no longer matching the text) yields no edit
  assert.deepEqual(await drainEdits(src, [{ ...findings[0]!, line: 0 }]), []);
});

test('CRLF files keep CRLF line endings', async () => {
  const src = 'package main\r\n\r\nimport "net/http"\r\n\r\nfunc f() {\r\n\tresp, _ := http.Get("x")\r\n\tdefer resp.Body.Close()\r\n}\r\n';
  const out = await fix(src);
  assert.equal(
    out,
    'package main\r\n\r\nimport (\r\n\t"io"\r\n\t"net/http"\r\n)\r\n\r\nfunc f() {\r\n\tresp, _ := http.Get("x")\r\n\tdefer func() {\r\n\t\t_, _ = io.Copy(io.Discard, resp.Body)\r\n\t\tresp.Body.Close()\r\n\t}()\r\n}\r\n',
  );
  assert.deepEqual(await analyzeGoSource(out), []);
});

test('applyEdits: positions refer to the original text; overlapping edits are refused', () => {
  const text = 'ab\ncd\nef';
  assert.equal(
    applyEdits(text, [
      { startLine: 2, startChar: 0, endLine: 2, endChar: 1, newText: 'E' },
      { startLine: 0, startChar: 1, endLine: 1, endChar: 1, newText: '-' },
      { startLine: 9, startChar: 0, endLine: 9, endChar: 0, newText: '!' },
    ]),
    'a-d\nEf!',
  );
  assert.equal(
    applyEdits('x', [
      { startLine: 0, startChar: 0, endLine: 0, endChar: 0, newText: '1' },
      { startLine: 0, startChar: 0, endLine: 0, endChar: 0, newText: '2' },
    ]),
    '12x',
  );
  assert.throws(() =>
    applyEdits(text, [
      { startLine: 0, startChar: 0, endLine: 1, endChar: 1, newText: '' },
      { startLine: 1, startChar: 0, endLine: 1, endChar: 2, newText: '' },
    ]),
  );
});

// ---- every fixture: idempotence and minimal edits -----------------------------------------------------------

for (const name of fixtureNames()) {
  test(`fixture ${name}: fix, then no finding; fixing again changes nothing; only close statements and imports edited`, async () => {
    const src = readFixture(name);
    const findings = await analyzeGoSource(src);
    const edits = await drainEdits(src);
    const out = applyEdits(src, edits);
    assert.deepEqual(await analyzeGoSource(out), []);
    assert.deepEqual(await drainEdits(out), []);
    assert.equal(await fix(out), out);
    if (findings.length === 0) {
      assert.deepEqual(edits, []);
      return;
    }
    const lines = src.split('\n');
    for (const e of edits) {
      const before = e.startLine === e.endLine ? lines[e.startLine]!.slice(e.startChar, e.endChar) : null;
      const isInsert = e.startLine === e.endLine && e.startChar === e.endChar;
      const isDefer = before !== null && /^defer \w+\.Body\.Close\(\)$/.test(before);
      const isImport = e.newText.includes('"io"');
      assert.ok(isInsert || isDefer || isImport, `unexpected edit ${JSON.stringify(e)}`);
      if (isInsert && !isImport) assert.match(e.newText, /^_, _ = \w+\.Copy\(\w+\.Discard, \w+\.Body\)\n\t*$/);
    }
  });
}
