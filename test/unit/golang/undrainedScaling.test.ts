// Scaling of the undrained-body analysis. The inputs are hand-made Go source: one function with thousands of
// statements that use the response (`use(resp)`) or defer its Close (`defer resp.Body.Close()`). Linear time is
// asserted by ratios of run times, never absolute limits (as in test/unit/fuzz.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeGoSource, nestedDefers } from './helpers.ts';
import { analyzeGoSourceFully } from '../../../server/src/core/golang/index.ts';

/** `func f` fetching a response, then `head`, then `stmt` k times, then `tail`. */
function prog(k: number, stmt: string, head: string[] = [], tail: string[] = []): string {
  const l = ['package main', '', 'import (', '\t"io"', '\t"net/http"', ')', '', 'func use(x any) {}', '', 'func f() {'];
  l.push('\tresp, err := http.Get("http://x")', '\tif err != nil {', '\t\treturn', '\t}', ...head);
  for (let i = 0; i < k; i++) l.push(stmt);
  l.push(...tail, '\t_ = io.EOF', '}');
  return l.join('\n') + '\n';
}

/** Best of `reps` runs, in ms. */
async function best(fn: () => Promise<unknown>, reps = 3): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/**
 * Asserts that the ×8 input costs less than 8 × 3 times the ×1 input. Test files run in parallel, so a
 * ratio above the limit is measured again (up to 3 times): a quadratic cost fails every time.
 */
async function assertLinear(name: string, make: (scale: number) => string, k: number): Promise<void> {
  const small = make(k);
  const large = make(8 * k);
  await analyzeGoSource(small); // warm-up
  let report = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const ts = await best(() => analyzeGoSource(small));
    const tl = await best(() => analyzeGoSource(large));
    const ratio = tl / Math.max(ts, 0.5);
    report = `${name}: ${tl.toFixed(1)} ms for ×8 input vs ${ts.toFixed(1)} ms (ratio ${ratio.toFixed(1)}, limit 24)`;
    if (process.env['H2LENS_TIMING']) console.log(report);
    if (ratio < 8 * 3) return;
  }
  assert.fail(report);
}

/** [0-based line, reason, closeKind] of each finding. */
async function verdicts(src: string): Promise<string[]> {
  return (await analyzeGoSource(src)).map((f) => `${f.line} ${f.reason} ${f.closeKind}`);
}

const lineOfLast = (src: string, needle: string): number => src.split('\n').lastIndexOf(needle);

test('many statements using resp: linear time, same verdict', async () => {
  const make = (k: number) => prog(k, '\tuse(resp)', ['\tdefer resp.Body.Close()']);
  // passed along: somebody else may drain it, so no finding, whatever the count
  assert.deepEqual(await verdicts(make(3)), []);
  await assertLinear('use(resp) statements', make, 3000);
  assert.deepEqual(await verdicts(make(24000)), []);
});

test('many deferred Close calls: linear time', async () => {
  await assertLinear('defer resp.Body.Close() statements', (k) => prog(k, '\tdefer resp.Body.Close()'), 600);
});

test('10,000 deferred Close calls: no stack overflow, same verdict as a few', async () => {
  const D = '\tdefer resp.Body.Close()';
  for (const k of [3, 10_000]) {
    // nothing read: the last deferred Close (the first to run) closes the unread body
    const undrained = prog(k, D);
    assert.deepEqual(await verdicts(undrained), [`${lineOfLast(undrained, D)} never-read defer`], `k=${k}`);
    // drained before the function returns: nothing to report
    const drained = prog(k, D, [], ['\t_, _ = io.Copy(io.Discard, resp.Body)']);
    assert.deepEqual(await verdicts(drained), [], `k=${k} drained`);
  }
});

test('paths that multiply past the budget end the analysis of that response (no hang, no partial finding)', async () => {
  // Depth 1 (8 defer sequences) stays within the budget and is analysed: the body is never read.
  const shallow = await analyzeGoSource(nestedDefers(1));
  assert.ok(shallow.length > 0);
  // Depth 3: 2^39 defer sequences. The walk stops at the budget; what it saw is dropped.
  const t = performance.now();
  const deep = await analyzeGoSourceFully(nestedDefers(3));
  const ms = performance.now() - t;
  assert.deepEqual(deep.findings, []);
  // ...and says so, on the variable, instead of staying silent as if the body were drained.
  assert.equal(deep.unanalysed.length, 1);
  const u = deep.unanalysed[0]!;
  assert.deepEqual([u.variable, u.line, u.startChar, u.endChar], ['resp', 5, 1, 5]);
  assert.match(u.message, /did not check whether resp\.Body is drained.*too many paths.*Nothing is reported for resp/);
  assert.deepEqual((await analyzeGoSourceFully(nestedDefers(1))).unanalysed, []);
  if (process.env['H2LENS_TIMING']) console.log(`nested defers, depth 3: ${ms.toFixed(0)} ms`);
});
