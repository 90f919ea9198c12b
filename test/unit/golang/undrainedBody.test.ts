import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import assert from 'node:assert/strict';
import { analyzeGoSource, fixtureNames, readFixture, summarize, wantMarkers } from './helpers.ts';

/** Wraps statements into a small Go file (gofmt layout not needed for analysis-only tests). */
function prog(body: string, extra = '', imports = ['encoding/json', 'io', 'net/http']): string {
  return `package main\n\nimport (\n${imports.map((i) => `\t"${i}"\n`).join('')})\n\n${extra}\nfunc f(url string, client *http.Client, req *http.Request) error {\n${body}\n}\n`;
}

const GET = '\tresp, err := http.Get(url)\n\tif err != nil {\n\t\treturn err\n\t}\n';

/** 1-based line of the first line containing `needle`. */
function at(src: string, needle: string): number {
  const i = src.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i + 1;
}

// ---- the real program ------------------------------------------------------------------------------------

test('real client.go (fixtures/go-undrained-body): flagged where the body is really closed undrained', async () => {
  // client.go chooses the body handling at run time with -mode, inside the request loop:
  //   case "undrained":   json Decode, then resp.Body.Close()     -> partial read: flagged (line 97)
  //   case "empty":       resp.Body.Close() with nothing read     -> never read:   flagged (line 100)
  //   case "drained-raw": io.Copy(io.Discard, resp.Body); Close   -> drained:      not flagged (line 104)
  //   case "drained":     Decode, io.Copy(io.Discard), Close      -> drained:      not flagged (line 111)
  // Each path is judged on its own, so the two undrained modes are flagged although the program also has
  // drained modes. `if err != nil { log.Fatalf }` ends the program: no verdict there. resp.Proto and
  // resp.StatusCode after the switch are plain field reads.
  const src = readFileSync(resolve(__dirname, '../../fixtures/go-undrained-body/client.go'), 'utf8');
  const lines = src.split('\n');
  const fs = await analyzeGoSource(src);
  assert.deepEqual(summarize(fs), ['97:partial-read:plain', '100:never-read:plain']);
  for (const f of fs) {
    assert.equal(f.rule, 'undrained-body');
    assert.equal(f.bodyExpr, 'resp.Body');
    assert.equal(lines[f.line]!.slice(f.startChar, f.endChar), 'resp.Body.Close()');
    assert.match(f.message, /RST_STREAM CANCEL/);
    assert.match(f.message, /ENHANCE_YOUR_CALM/);
  }
  // sanity: the file is the one described above
  assert.equal(lines[91]!.trim(), 'case "undrained":');
  assert.equal(lines[98]!.trim(), 'case "empty":');
  assert.match(fs[0]!.message, /json\.Decoder\.Decode/);
  assert.equal(lines[103]!.trim(), 'resp.Body.Close()'); // drained-raw: no finding
  assert.equal(lines[111]!.trim(), 'resp.Body.Close()'); // drained: no finding
});

// ---- labelled hand-made fixtures ----------------------------------------------------------------------------

for (const name of fixtureNames()) {
  test(`fixture ${name}: findings exactly at the "// want:" markers`, async () => {
    const src = readFixture(name);
    assert.ok(src.startsWith('// hand-made test input'), 'hand-made fixtures start with the label');
    const want = wantMarkers(src).map((w) => `${w.line + 1}:${w.reason}:${w.closeKind}`);
    assert.deepEqual(summarize(await analyzeGoSource(src)), want);
  });
}

// ---- finding fields -----------------------------------------------------------------------------------------

test('ranges: the whole defer statement, or the Close call', async () => {
  const src = prog(`${GET}\tdefer resp.Body.Close()\n\tvar v any\n\treturn json.NewDecoder(resp.Body).Decode(&v)`);
  const [f] = await analyzeGoSource(src);
  assert.ok(f);
  const line = src.split('\n')[f.line]!;
  assert.equal(line.slice(f.startChar, f.endChar), 'defer resp.Body.Close()');
  assert.equal(f.closeKind, 'defer');
  assert.equal(f.reason, 'partial-read');
  assert.match(f.message, /^resp\.Body is closed after a partial read \(json\.Decoder\.Decode/);

  const src2 = prog(`${GET}\terr = resp.Body.Close()\n\treturn err`);
  const [g] = await analyzeGoSource(src2);
  assert.ok(g);
  assert.equal(src2.split('\n')[g.line]!.slice(g.startChar, g.endChar), 'resp.Body.Close()');
  assert.equal(g.closeKind, 'plain');
  assert.equal(g.reason, 'never-read');
  assert.match(g.message, /^resp\.Body is closed without being read to EOF/);
  assert.match(g.message, /io\.Copy\(io\.Discard, resp\.Body\)/);
});

test('the message names the early return when the body is drained on other paths', async () => {
  const src = prog(
    `${GET}\tdefer resp.Body.Close()\n\tif resp.StatusCode != 200 {\n\t\treturn nil\n\t}\n\t_, err = io.Copy(io.Discard, resp.Body)\n\treturn err`,
  );
  const [f] = await analyzeGoSource(src);
  assert.ok(f);
  assert.equal(f.reason, 'never-read');
  const retLine = src.split('\n').findIndex((l) => l.trim() === 'return nil') + 1;
  assert.match(f.message, new RegExp(`not when the function returns at line ${retLine}\\.`));
});

// ---- sources of responses and non-responses -----------------------------------------------------------------

test('only HTTP responses: other values with a Body field are left alone', async () => {
  const src = prog('\tout, err := s3.GetObject(url)\n\tif err != nil {\n\t\treturn err\n\t}\n\tout.Body.Close()\n\treturn nil', 'var s3 store\n');
  assert.deepEqual(await analyzeGoSource(src), []);
});

test('client.Do / client.Get on a *http.Client parameter, any receiver name', async () => {
  for (const name of ['resp', 'res', 'r', 'response', 'httpResp']) {
    const src = prog(`\t${name}, err := client.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer ${name}.Body.Close()\n\treturn nil`);
    const fs = await analyzeGoSource(src);
    assert.deepEqual(summarize(fs), [`${at(src, 'defer')}:never-read:defer`], name);
    assert.equal(fs[0]!.bodyExpr, `${name}.Body`);
  }
});

test('var declarations and plain assignment of the response', async () => {
  const src = prog('\tvar resp *http.Response\n\tvar err error\n\tresp, err = http.Get(url)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn resp.Body.Close()');
  assert.deepEqual(summarize(await analyzeGoSource(src)), [`${at(src, 'Close()')}:never-read:plain`]);
  const src2 = prog('\tvar resp, err = client.Get(url)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn resp.Body.Close()');
  assert.deepEqual(summarize(await analyzeGoSource(src2)), [`${at(src2, 'Close()')}:never-read:plain`]);
});

// ---- uses that may drain the body: no warning ---------------------------------------------------------------

test('unknown uses silence the rule (prefer no warning over a false one)', async () => {
  const cases = [
    `${GET}\tdefer resp.Body.Close()\n\treturn consume(resp.Body)`, // unknown function
    `${GET}\tdefer resp.Body.Close()\n\treturn consumeResp(resp)`, // the whole response handed on
    `${GET}\tdefer resp.Body.Close()\n\tkeep = resp.Body\n\treturn nil`, // stored
    `${GET}\tb, _ := io.ReadAll(resp.Body)\n\tresp.Body = io.NopCloser(bytes.NewReader(b))\n\treturn resp.Body.Close()`, // body replaced
    `${GET}\tdefer resp.Body.Close()\n\tdone := make(chan bool)\n\tgo func() {\n\t\tio.Copy(io.Discard, resp.Body)\n\t\tdone <- true\n\t}()\n\t<-done\n\treturn nil`, // goroutine
    `${GET}\tdefer resp.Body.Close()\n\tread := func() { io.Copy(io.Discard, resp.Body) }\n\tread()\n\treturn nil`, // closure
    `${GET}\tdefer resp.Body.Close()\n\tfor i := 0; i < 3; i++ {\n\t\tvar v any\n\t\tjson.NewDecoder(resp.Body).Decode(&v)\n\t}\n\treturn nil`, // inline decoders in a loop: unknown
    `${GET}\tdefer resp.Body.Close()\n\tdec := json.NewDecoder(resp.Body)\n\tfor dec.More() {\n\t\tvar v any\n\t\tif err := dec.Decode(&v); err != nil {\n\t\t\treturn err\n\t\t}\n\t}\n\treturn nil`, // stream decode without EOF check: unknown
  ];
  for (const body of cases) assert.deepEqual(await analyzeGoSource(prog(body)), [], body);
});

test('drained forms: WriteTo, CopyBuffer, csv ReadAll, TeeReader, read loop without condition', async () => {
  const cases = [
    `${GET}\tdefer resp.Body.Close()\n\t_, err = bufio.NewReader(resp.Body).WriteTo(io.Discard)\n\treturn err`,
    `${GET}\tdefer resp.Body.Close()\n\t_, err = io.CopyBuffer(io.Discard, resp.Body, make([]byte, 64))\n\treturn err`,
    `${GET}\tdefer resp.Body.Close()\n\t_, err = csv.NewReader(resp.Body).ReadAll()\n\treturn err`,
    `${GET}\tdefer resp.Body.Close()\n\tvar buf bytes.Buffer\n\t_, err = io.ReadAll(io.TeeReader(resp.Body, &buf))\n\treturn err`,
    `${GET}\tdefer resp.Body.Close()\n\tbuf := make([]byte, 8)\n\tfor {\n\t\tif _, err := resp.Body.Read(buf); err != nil {\n\t\t\tbreak\n\t\t}\n\t}\n\treturn nil`,
    `${GET}\tbody := resp.Body\n\tdefer resp.Body.Close()\n\t_, err = io.Copy(io.Discard, body)\n\treturn err`,
  ];
  const imports = ['bufio', 'bytes', 'encoding/csv', 'io', 'net/http'];
  for (const body of cases) assert.deepEqual(await analyzeGoSource(prog(body, '', imports)), [], body);
});

test('a single Read, a bounded MaxBytesReader, io.CopyN: partial reads', async () => {
  const cases = [
    `${GET}\tdefer resp.Body.Close()\n\tbuf := make([]byte, 8)\n\t_, err = resp.Body.Read(buf)\n\treturn err`,
    `${GET}\tdefer resp.Body.Close()\n\t_, err = io.ReadAll(http.MaxBytesReader(nil, resp.Body, 10))\n\treturn err`,
    `${GET}\tdefer resp.Body.Close()\n\t_, err = io.CopyN(io.Discard, resp.Body, 10)\n\treturn err`,
  ];
  for (const body of cases) {
    const src = prog(body);
    assert.deepEqual(summarize(await analyzeGoSource(src)), [`${at(src, 'defer')}:partial-read:defer`], body);
  }
});

// ---- control flow -------------------------------------------------------------------------------------------

test('defer inside a loop: each iteration judged; log.Fatal / t.Fatal / panic end the path', async () => {
  const loop = prog(
    '\tfor _, u := range []string{url} {\n\t\tresp, err := http.Get(u)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\tdefer resp.Body.Close()\n\t\tvar v any\n\t\tjson.NewDecoder(resp.Body).Decode(&v)\n\t}\n\treturn nil',
  );
  assert.deepEqual(summarize(await analyzeGoSource(loop)), [`${at(loop, 'defer')}:partial-read:defer`]);
  const fatal = prog(`${GET}\tdefer resp.Body.Close()\n\tif resp.StatusCode != 200 {\n\t\tpanic("bad")\n\t}\n\t_, err = io.ReadAll(resp.Body)\n\treturn err`);
  assert.deepEqual(await analyzeGoSource(fatal), []);
});

test('goto, labels, select and type switches do not break the analysis', async () => {
  const src = prog(
    `${GET}\tvar x any = resp\n\tswitch x.(type) {\n\tcase int:\n\t\tgoto done\n\t}\n\tselect {\n\tdefault:\n\t}\ndone:\n\tresp.Body.Close()\n\treturn nil`,
  );
  // resp escapes into x (unknown use): silent
  assert.deepEqual(await analyzeGoSource(src), []);
  const src2 = prog(
    `${GET}\tswitch resp.StatusCode {\n\tcase 200:\n\t\tfallthrough\n\tcase 201:\n\t\tio.Copy(io.Discard, resp.Body)\n\t}\n\tresp.Body.Close()\n\treturn nil`,
  );
  assert.deepEqual(summarize(await analyzeGoSource(src2)), [`${at(src2, 'Close()')}:never-read:plain`]);
});

test('a deferred closure drains; a deferred closure that only closes is flagged inside', async () => {
  const ok = prog(`${GET}\tdefer func() {\n\t\tio.Copy(io.Discard, resp.Body)\n\t\tresp.Body.Close()\n\t}()\n\treturn nil`);
  assert.deepEqual(await analyzeGoSource(ok), []);
  const bad = prog(`${GET}\tdefer func() {\n\t\t_ = resp.Body.Close()\n\t}()\n\treturn nil`);
  const fs = await analyzeGoSource(bad);
  assert.deepEqual(summarize(fs), [`${at(bad, 'Close()')}:never-read:plain`]);
  assert.match(fs[0]!.message, /in a deferred function/);
});
