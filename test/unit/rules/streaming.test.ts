/**
 * The streaming form: every rule sees each connection's frames once, in order, with small state.
 * Proven on time: a hand-made log with 20,000 ENHANCE_YOUR_CALM verdicts on one connection (each a
 * snapshot of the load), and the same log 8× longer, analysed in time linear in the frames.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { parseGoHttp2debug } from '../../../server/src/core/formats/goHttp2debug.ts';
import { buildTrace } from '../../../server/src/core/model/trace.ts';
import { runRules, RULES } from '../../../server/src/core/rules/index.ts';
import { PROFILES } from '../../../server/src/core/rules/profiles.ts';
import { clientPreface, pingQ, read, wrote } from '../helpers.ts';

/**
 * hand-made: `verdicts` streams, each opened by the client and refused by the server with RST_STREAM
 * ENHANCE_YOUR_CALM, a PING (and its ACK) every 16th, a WINDOW_UPDATE every 8th; one connection.
 */
function verdictLog(verdicts: number): string {
  const lines = clientPreface(0);
  for (let i = 0; i < verdicts; i++) {
    const s = 2 * i + 1;
    const t = i / 1000;
    lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`, t), read(`RST_STREAM stream=${s} len=4 ErrCode=ENHANCE_YOUR_CALM`, t));
    if (i % 16 === 0) {
      const p = pingQ([0, 0, 0, 0, (i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]);
      lines.push(wrote(`PING len=8 ping=${p}`, t), read(`PING flags=ACK len=8 ping=${p}`, t));
    }
    if (i % 8 === 0) lines.push(wrote('WINDOW_UPDATE len=4 (conn) incr=1024', t));
  }
  return lines.join('\n');
}

/** Best of `runs` timings of the whole analysis (parse, trace, every rule), in ms per frame. */
function perFrame(text: string, runs = 2): { ms: number; frames: number } {
  let best = Infinity;
  let frames = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const a = analyzeText(text);
    best = Math.min(best, performance.now() - t0);
    frames = a.trace!.frames.length;
  }
  return { ms: best / frames, frames };
}

describe('streaming form', () => {
  it('20,000 verdicts on one connection: 10 explained one by one, the rest summed up with the load', () => {
    const a = analyzeText(verdictLog(20_000));
    const eyc = a.findings.filter((f) => f.rule === 'enhance-your-calm');
    assert.equal(eyc.length, 11);
    assert.ok(eyc.slice(0, 10).every((f, i) => f.message.startsWith(`The peer sent RST_STREAM on stream ${2 * i + 1} ENHANCE_YOUR_CALM`)));
    assert.match(eyc[9]!.message, /Most likely cause on this connection: 1 PING from the client/);
    assert.match(eyc[10]!.message, /^19,990 more ENHANCE_YOUR_CALM frames on this connection after the first 10/);
    assert.match(eyc[10]!.message, /Largest load on this connection: /);
  });

  it('time is linear in the frames: 8× the verdicts costs at most ~3× the time per frame (hand-made, 20,000 vs 160,000 verdicts)', () => {
    analyzeText(verdictLog(2_000)); // warm up the JIT
    const small = perFrame(verdictLog(20_000));
    const large = perFrame(verdictLog(160_000), 1);
    assert.ok(large.frames > 7.9 * small.frames);
    const ratio = large.ms / small.ms;
    assert.ok(ratio <= 3, `per-frame time grew ${ratio.toFixed(2)}× for 8× the input (${(small.ms * 1e3).toFixed(2)} vs ${(large.ms * 1e3).toFixed(2)} µs/frame)`);
  });

  it('runRules gives the same findings as each rule\'s own check (one pass for all vs one pass each)', () => {
    const text = verdictLog(300);
    const trace = buildTrace(parseGoHttp2debug(text));
    const ctx = { profiles: PROFILES };
    const together = runRules(trace, ctx);
    const alone = RULES.flatMap((r) => r.check(trace, ctx)).sort((a, b) => a.line - b.line || a.startChar - b.startChar || a.rule.localeCompare(b.rule));
    assert.deepEqual(together, alone);
  });
});
