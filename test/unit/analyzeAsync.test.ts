/**
 * The editor's sliced analysis (analyzeTextAsync) against the one-go analysis (analyzeText): same
 * frames, findings and notes whatever falls on a slice boundary (line ends, CRLF, non-ASCII, a line
 * longer than a slice, a surrogate pair at the cut).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeParsed, analyzeParsedAsync, analyzeText, type Analysis } from '../../server/src/core/analyze.ts';
import { parseGoHttp2debug } from '../../server/src/core/formats/goHttp2debug.ts';
import { STEP_FRAMES } from '../../server/src/core/steps.ts';
import { SLICE, analyzeTextAsync, sliceEnd } from '../../server/src/core/analyzeAsync.ts';
import { AnalysisCancelled } from '../../server/src/core/steps.ts';
import { fixture } from './helpers.ts';

const LOG = fixture('go-undrained-body/go1.24-std-empty/client.log');
const MB = 1 << 20;

/** What an analysis shows the user, in comparable form. */
function shape(a: Analysis): unknown {
  return {
    error: a.error,
    format: a.format,
    notes: a.notes,
    frames: (a.trace?.frames ?? []).map((f) => [f.line, f.startChar, f.endChar, f.connection, f.direction, f.type, f.flags, f.streamId, f.length, f.dataPreview, JSON.stringify(f.headers)]),
    findings: a.findings.map((f) => [f.rule, f.severity, f.line, f.startChar, f.endChar, f.message, JSON.stringify(f.related)]),
  };
}

async function sameAsOneGo(text: string): Promise<void> {
  assert.ok(text.length > MB, 'big enough to be sliced');
  assert.deepEqual(shape(await analyzeTextAsync(text)), shape(analyzeText(text)));
}

describe('analyzeTextAsync (sliced) = analyzeText (one go)', () => {
  it('sliceEnd cuts after the last line end, else at the size, never inside a surrogate pair', () => {
    assert.equal(sliceEnd('ab\ncd\nef', 0, 7), 6);
    assert.equal(sliceEnd('ab\ncd\nef', 6, 7), 8, 'the rest fits');
    assert.equal(sliceEnd('abcdefgh', 0, 4), 4, 'no line end: cut at the size');
    assert.equal(sliceEnd('abc\u{1F600}def', 0, 4), 3, 'a cut between the halves of 😀 moves before it');
    assert.equal(sliceEnd('\n'.repeat(10), 4, 3), 7);
  });

  it('a real Go log repeated past several slices', async () => {
    await sameAsOneGo(LOG.repeat(Math.ceil((2.5 * MB) / LOG.length)));
  });

  it('CRLF line ends, non-ASCII application lines, a line longer than a slice, 😀 at a cut', async () => {
    const crlf = LOG.replace(/\n/g, '\r\n');
    const noise = `app: données reçues ✓ ${'é'.repeat(1000)}\n`;
    // The giant line puts 😀's two halves either side of the first cut (after SLICE characters).
    const giant = `${'x'.repeat(SLICE - 1)}\u{1F600}${'y'.repeat(MB / 2)}\n`;
    await sameAsOneGo(giant + crlf + noise.repeat(200) + crlf + giant + LOG);
  });

  it('a run made stale (aborted) throws AnalysisCancelled at the next slice', async () => {
    const controller = new AbortController();
    const run = analyzeTextAsync(LOG.repeat(Math.ceil((2.5 * MB) / LOG.length)), {}, controller.signal);
    controller.abort();
    await assert.rejects(run, AnalysisCancelled);
  });
});

describe('analyzeParsedAsync: the trace and the rules pause for the event loop', () => {
  // The real log repeated: 500 × 152 frames, more than two pauses' worth (STEP_FRAMES each).
  const big = LOG.repeat(500);

  it('gives the one-go result, and other work runs while it is under way', async () => {
    let ranMeanwhile = 0;
    const tick = (): void => { ranMeanwhile++; };
    const pending = analyzeParsedAsync(parseGoHttp2debug(big));
    setImmediate(tick);
    setImmediate(tick);
    const sliced = await pending;
    assert.ok(sliced.trace!.frames.length > 2 * STEP_FRAMES);
    assert.equal(ranMeanwhile, 2, 'callbacks queued after the analysis started ran before it ended');
    assert.deepEqual(shape(sliced), shape(analyzeParsed(parseGoHttp2debug(big))));
  });

  it('stops at a pause once its signal fires', async () => {
    const controller = new AbortController();
    const pending = analyzeParsedAsync(parseGoHttp2debug(big), {}, controller.signal);
    controller.abort();
    await assert.rejects(pending, AnalysisCancelled);
  });
});
