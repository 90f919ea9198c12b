// Generated programs: random combinations of response source, receiver name, read step, close form and an
// early status return, judged against a small oracle; then the fix must silence the rule, be idempotent,
// and (with the Go toolchain) produce gofmt-clean code that builds.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HAVE_GO, HAVE_GOFMT, NO_GO_REASON, analyzeGoSource, fix, gofmtList, goVetBuild, removeTempDirs, writeGoModule } from './helpers.ts';
import { drainEdits } from '../../../server/src/core/golang/index.ts';

after(removeTempDirs);

type Read = 'none' | 'decode' | 'decodeThenCopy' | 'readAll' | 'copy' | 'readFull' | 'scanLoop' | 'limited' | 'unknown';
type Close = 'defer' | 'plain' | 'blank' | 'assignErr' | 'ifErr' | 'deferClosure';

interface Case {
  source: 'http.Get(url)' | 'client.Get(url)' | 'client.Do(req)' | 'http.DefaultClient.Do(req)' | 'fetch(url)';
  name: 'resp' | 'res' | 'r' | 'response' | 'out';
  read: Read;
  close: Close;
  statusReturn: boolean;
  nested: boolean;
}

const arbCase: fc.Arbitrary<Case> = fc.record({
  source: fc.constantFrom('http.Get(url)', 'client.Get(url)', 'client.Do(req)', 'http.DefaultClient.Do(req)', 'fetch(url)'),
  name: fc.constantFrom('resp', 'res', 'r', 'response', 'out'),
  read: fc.constantFrom<Read>('none', 'decode', 'decodeThenCopy', 'readAll', 'copy', 'readFull', 'scanLoop', 'limited', 'unknown'),
  close: fc.constantFrom<Close>('defer', 'plain', 'blank', 'assignErr', 'ifErr', 'deferClosure'),
  statusReturn: fc.boolean(),
  nested: fc.boolean(),
});

/** A gofmt-clean Go file with one function `f<idx>`. */
function render(c: Case, idx: number): string {
  const v = c.name;
  const imports = new Set(['net/http']);
  const st: string[] = [];
  st.push(`${v}, err := ${c.source}`, 'if err != nil {', '\treturn err', '}');
  if (c.close === 'defer') st.push(`defer ${v}.Body.Close()`);
  if (c.close === 'deferClosure') st.push('defer func() {', `\t_ = ${v}.Body.Close()`, '}()');
  if (c.statusReturn) {
    imports.add('fmt');
    st.push(`if ${v}.StatusCode != http.StatusOK {`, `\treturn fmt.Errorf("status %d", ${v}.StatusCode)`, '}');
  }
  switch (c.read) {
    case 'none':
      break;
    case 'decode':
      imports.add('encoding/json');
      st.push('var v map[string]any', `_ = json.NewDecoder(${v}.Body).Decode(&v)`);
      break;
    case 'decodeThenCopy':
      imports.add('encoding/json').add('io');
      st.push('var v map[string]any', `_ = json.NewDecoder(${v}.Body).Decode(&v)`, `_, _ = io.Copy(io.Discard, ${v}.Body)`);
      break;
    case 'readAll':
      imports.add('io');
      st.push(`_, _ = io.ReadAll(${v}.Body)`);
      break;
    case 'copy':
      imports.add('io');
      st.push(`_, _ = io.Copy(io.Discard, ${v}.Body)`);
      break;
    case 'readFull':
      imports.add('io');
      st.push('buf := make([]byte, 8)', `_, _ = io.ReadFull(${v}.Body, buf)`);
      break;
    case 'scanLoop':
      imports.add('bufio');
      st.push(`sc := bufio.NewScanner(${v}.Body)`, 'for sc.Scan() {', '\t_ = sc.Text()', '}');
      break;
    case 'limited':
      imports.add('io');
      st.push(`_, _ = io.ReadAll(io.LimitReader(${v}.Body, 512))`);
      break;
    case 'unknown':
      st.push(`consume(${v}.Body)`);
      break;
  }
  switch (c.close) {
    case 'plain':
      st.push(`${v}.Body.Close()`);
      break;
    case 'blank':
      st.push(`_ = ${v}.Body.Close()`);
      break;
    case 'assignErr':
      st.push(`err = ${v}.Body.Close()`, 'return err');
      break;
    case 'ifErr':
      st.push(`if err := ${v}.Body.Close(); err != nil {`, '\treturn err', '}');
      break;
    default:
      break;
  }
  if (c.close !== 'assignErr') st.push('return nil');
  let body = st.map((s) => `\t${s}`);
  if (c.nested) body = ['\tif url != "" {', ...body.map((s) => `\t${s}`), '\t}', '\treturn nil'];
  const imp = [...imports].sort();
  const importText = imp.length === 1 ? `import "${imp[0]}"\n` : `import (\n${imp.map((i) => `\t"${i}"\n`).join('')})\n`;
  return `package main\n\n${importText}\nfunc f${idx}(url string, client *http.Client, req *http.Request) error {\n${body.join('\n')}\n}\n`;
}

/** Expected verdict: null (no finding) or the reason. */
function oracle(c: Case): 'never-read' | 'partial-read' | null {
  const isDefer = c.close === 'defer' || c.close === 'deferClosure';
  const undrained: string[] = [];
  if (isDefer && c.statusReturn) undrained.push('never'); // the early return runs the deferred Close unread
  const drained = ['decodeThenCopy', 'readAll', 'copy', 'scanLoop', 'unknown'].includes(c.read);
  if (!drained) undrained.push(c.read === 'none' ? 'never' : 'partial');
  if (undrained.length === 0) return null;
  return undrained.includes('partial') ? 'partial-read' : 'never-read';
}

const FETCH = 'package main\n\nimport "net/http"\n\nfunc fetch(url string) (*http.Response, error) {\n\treturn http.Get(url)\n}\n';
const MAIN = 'package main\n\nimport "io"\n\nfunc consume(r io.Reader) { _, _ = io.Copy(io.Discard, r) }\n\nfunc main() {}\n';

test('generated programs: verdict matches the oracle; the fix silences the rule and is idempotent', async (t) => {
  const fixedFiles: Record<string, string> = {};
  const originals: Record<string, string> = {};
  let idx = 0;
  const seen = { flagged: 0, clean: 0 };
  await fc.assert(
    fc.asyncProperty(arbCase, async (c) => {
      const i = idx++;
      // `fetch` is declared in another file for the build; declare it here for the analysis of this file
      const src = render(c, i) + (c.source === 'fetch(url)' ? '\nfunc fetch(url string) (*http.Response, error) {\n\treturn http.Get(url)\n}\n' : '');
      const fs = await analyzeGoSource(src);
      const want = oracle(c);
      assert.deepEqual(
        fs.map((f) => f.reason),
        want ? [want] : [],
        `${JSON.stringify(c)}\n${src}`,
      );
      seen[want ? 'flagged' : 'clean']++;
      if (want) {
        assert.equal(fs[0]!.bodyExpr, `${c.name}.Body`);
        assert.equal(fs[0]!.closeKind, c.close === 'defer' ? 'defer' : 'plain');
      }
      const out = await fix(src);
      assert.deepEqual(await analyzeGoSource(out), [], out);
      assert.deepEqual(await drainEdits(out), []);
      originals[`f${i}.go`] = src;
      fixedFiles[`f${i}.go`] = out;
    }),
    { numRuns: 150, seed: 20240611 },
  );
  assert.ok(seen.flagged > 20 && seen.clean > 20, JSON.stringify(seen));
  if (!HAVE_GOFMT || !HAVE_GO) return t.skip(`gofmt / go build of the generated programs skipped: ${NO_GO_REASON}`);
  // `fetch` is defined once, in its own file, for the build
  const strip = (s: string) => s.replace('\nfunc fetch(url string) (*http.Response, error) {\n\treturn http.Get(url)\n}\n', '');
  const before = writeGoModule(Object.fromEntries(Object.entries(originals).map(([k, v]) => [k, strip(v)])));
  assert.deepEqual(gofmtList(before).files, [], 'generated inputs are gofmt-clean');
  const dir = writeGoModule({
    ...Object.fromEntries(Object.entries(fixedFiles).map(([k, v]) => [k, strip(v)])),
    'fetch.go': FETCH,
    'main.go': MAIN,
  });
  assert.deepEqual(gofmtList(dir).files, []);
  const r = goVetBuild(dir);
  assert.ok(r.ok, r.output);
});
