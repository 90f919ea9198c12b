/**
 * The flood rules on the real floods of test/fixtures/floods (a raw-frame Go client against nghttpd,
 * nginx, h2o and an x/net server; truth.json and REACTIONS.md say what each server did). For every
 * run the expected rule fires; where a server cut the connection, the profile of that server predicts
 * the cut within an order of magnitude.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import type { FrameRecord } from '../../../server/src/core/model/trace.ts';
import type { ProfileVerdict } from '../../../server/src/core/rules/budget.ts';
import { fixtureJson } from '../helpers.ts';
import { analyzedFixture, byRule, firstConnectionLoad as load, floodLogPath } from './ruleHelpers.ts';

interface FloodRun {
  name: string;
  attack: string;
  repeat_of: string | null;
  attack_frames_written: number;
  goaway: Array<{ code: string; after_frames_written: number; last_stream_id: number }>;
  rst_stream_received: Record<string, number>;
  server_reaction: string;
}

const truth = fixtureJson<{ runs: FloodRun[] }>('floods/truth.json');
const RUNS = truth.runs.filter((r) => r.repeat_of === null);

/** The rule each attack must fire, the frame type it sits on, and the other rules allowed there. */
const EXPECT: Record<string, { rule: string; type: number; others: string[] }> = {
  'rapid-reset': { rule: 'rapid-reset', type: FrameType.RST_STREAM, others: ['reset-flood'] },
  ping: { rule: 'ping-flood', type: FrameType.PING, others: [] },
  'ping-noread': { rule: 'ping-flood', type: FrameType.PING, others: [] },
  settings: { rule: 'settings-flood', type: FrameType.SETTINGS, others: [] },
  'settings-noread': { rule: 'settings-flood', type: FrameType.SETTINGS, others: [] },
  'empty-data': { rule: 'empty-frames-flood', type: FrameType.DATA, others: [] },
  continuation: { rule: 'continuation-flood', type: FrameType.CONTINUATION, others: ['enhance-your-calm', 'goaway'] },
};

function split(name: string): [string, string] {
  const [server, attack] = name.split('/') as [string, string];
  return [server, attack];
}


const verdict = (vs: ProfileVerdict[], profile: string): ProfileVerdict | undefined => vs.find((v) => v.profile.id === profile);

/** Frames of `type` sent by the client up to `f` (inclusive): "the flood's N-th frame". */
function nth(a: Analysis, f: FrameRecord, type: number): number {
  let n = 0;
  for (const g of a.trace!.frames) {
    if (g.index > f.index) break;
    if (g.type === type && g.direction === 'sent' && (g.flags & 1) === 0) n++;
  }
  return n;
}

describe('real floods: the expected rule fires on every run of truth.json', () => {
  it('the fixtures hold every first run of the shared set (28 client logs)', () => {
    assert.equal(RUNS.length, 28);
  });
  for (const run of RUNS) {
    const [server, attack] = split(run.name);
    const exp = EXPECT[attack]!;
    it(`${run.name}: ${exp.rule}${exp.others.length ? ` (and at most ${exp.others.join(', ')})` : ''}`, () => {
      const a = analyzedFixture(floodLogPath(server, attack));
      assert.equal(a.error, undefined);
      const found = byRule(a, exp.rule);
      assert.equal(found.length, 1, `${exp.rule} on ${run.name}: ${a.findings.map((f) => f.rule).join(', ')}`);
      const f = found[0]!;
      assert.equal(a.trace!.frames.get(f.frame!)!.type, exp.type, 'anchored on a frame of the flood');
      assert.ok(f.budget && f.budget.length >= 2, 'the hover has the budget per profile');
      assert.match(f.budget![0]!, /^[\d,]+ /, 'the first budget line is the count');
      const rules = new Set(a.findings.map((x) => x.rule));
      for (const r of rules) assert.ok(r === exp.rule || exp.others.includes(r), `unexpected ${r} on ${run.name}`);
      // Real traffic from a Go Framer: never a protocol violation.
      for (const r of ['flow-control-violation', 'stream-id-violation', 'stream-state-violation', 'concurrent-streams-exceeded']) assert.ok(!rules.has(r), `${r} on ${run.name}`);
    });
  }
});

describe('real floods: the profile of the server that cut predicts the cut', () => {
  it('nginx CONTINUATION flood: GOAWAY ENHANCE_YOUR_CALM after ≤ 386 frames; the nginx profile cuts at the same order (32 KiB of header block)', () => {
    const run = RUNS.find((r) => r.name === 'nginx/continuation')!;
    const real = run.goaway[0]!;
    assert.equal(real.code, 'ENHANCE_YOUR_CALM');
    const a = analyzedFixture(floodLogPath('nginx', 'continuation'));
    const v = verdict(load(a).continuation.client.measure()!.verdicts, 'nginx')!;
    assert.ok(v.cutAt, 'nginx would cut');
    assert.match(v.action!, /GOAWAY ENHANCE_YOUR_CALM/, 'and answer the way it did');
    const predicted = nth(a, v.cutAt, FrameType.CONTINUATION);
    assert.ok(predicted >= real.after_frames_written / 10 && predicted <= real.after_frames_written * 10, `predicted ${predicted}, real ≤ ${real.after_frames_written}`);
    // The enhance-your-calm finding on the real GOAWAY names the CONTINUATIONs, and nginx as the peer that answers so.
    const [eyc] = byRule(a, 'enhance-your-calm');
    assert.match(eyc!.message, /Most likely cause on this connection: 386 CONTINUATION frames from the client/);
    assert.match(eyc!.message, /nginx: at most [\d,]+ of 32,768 bytes in one field block \(it answers GOAWAY ENHANCE_YOUR_CALM\)/);
  });

  it('h2o CONTINUATION flood: REFUSED_STREAM then GOAWAY after 6,758 frames; the h2o profile (417,792 bytes) cuts within 10 %', () => {
    const run = RUNS.find((r) => r.name === 'h2o/continuation')!;
    const real = run.goaway[0]!.after_frames_written;
    assert.equal(run.rst_stream_received.REFUSED_STREAM, 1);
    const a = analyzedFixture(floodLogPath('h2o', 'continuation'));
    const v = verdict(load(a).continuation.client.measure()!.verdicts, 'h2o')!;
    assert.match(v.action!, /REFUSED_STREAM/);
    const predicted = nth(a, v.cutAt!, FrameType.CONTINUATION);
    assert.ok(Math.abs(predicted - real) / real < 0.1, `predicted ${predicted}, real ${real}`);
    // The GOAWAY PROTOCOL_ERROR that followed: the goaway rule names the load h2o would have cut.
    const [g] = byRule(a, 'goaway');
    assert.match(g!.message, /Load before it that a real server's defence would have cut: [\d,]+ CONTINUATION frames/);
  });

  it('nghttpd CONTINUATION flood: closed after a few frames (write failed after 94); the nghttp2 profile cuts at the 9th', () => {
    const run = RUNS.find((r) => r.name === 'nghttpd/continuation')!;
    assert.equal(run.attack_frames_written, 94);
    const a = analyzedFixture(floodLogPath('nghttpd', 'continuation'));
    const v = verdict(load(a).continuation.client.measure()!.verdicts, 'nghttp2')!;
    const predicted = nth(a, v.cutAt!, FrameType.CONTINUATION);
    assert.equal(predicted, 9);
    assert.ok(predicted <= run.attack_frames_written, 'before the client noticed the close');
    const [f] = byRule(a, 'continuation-flood');
    assert.equal(f!.frame, v.cutAt!.index, 'the finding sits where nghttp2 cuts');
  });

  it('PING floods: Apache (nghttp2 queue) cut the same client after 1,740–5,664 PINGs; the apache profile cuts or is at risk within that order', () => {
    for (const server of ['nghttpd', 'nginx', 'h2o', 'go-xnet']) {
      const a = analyzedFixture(floodLogPath(server, 'ping'));
      const v = verdict(load(a).ping.client.verdicts(), 'apache')!;
      assert.match(v.action!, /0xfffffc78/);
      if (v.cutAt) {
        const predicted = nth(a, v.cutAt, FrameType.PING);
        assert.ok(predicted >= 1740 / 10 && predicted <= 5664 * 10, `${server}: predicted ${predicted}`);
      } else assert.ok(v.atRisk, `${server}: at risk at least`);
    }
  });

  it('SETTINGS floods: Go servers coalesce SETTINGS ACKs and never cut; the go profile does not count SETTINGS', () => {
    for (const attack of ['settings', 'settings-noread']) {
      const a = analyzedFixture(floodLogPath('go-xnet', attack));
      const v = verdict(load(a).settings.client.verdicts(), 'go');
      assert.equal(v, undefined, `${attack}: no Go queue verdict on SETTINGS`);
      const acks = a.trace!.frames.filter((f) => f.type === FrameType.SETTINGS && f.direction === 'received' && f.flags & 1).length;
      assert.ok(acks < 5000, 'the real Go server coalesced its ACKs');
    }
  });

  it('rapid reset against nginx: 83 streams refused, no GOAWAY; the nginx profile (GOAWAY past 129 refusals) does not cut either', () => {
    const run = RUNS.find((r) => r.name === 'nginx/rapid-reset')!;
    assert.equal(run.rst_stream_received.REFUSED_STREAM, 83);
    assert.deepEqual(run.goaway, []);
    const a = analyzedFixture(floodLogPath('nginx', 'rapid-reset'));
    const v = verdict(load(a).rapid.verdicts(), 'nginx')!;
    assert.equal(v.used, 83);
    assert.equal(v.cutAt, undefined);
    const [f] = byRule(a, 'rapid-reset');
    assert.ok(f!.budget!.some((b) => /nginx: 83 of 129 streams refused/.test(b)), f!.budget!.join('\n'));
  });

  it('rapid reset (1,000 × HEADERS + RST_STREAM): Rust h2 cuts at the 21st, Envoy after 250 premature resets; the hover says so', () => {
    const a = analyzedFixture(floodLogPath('nghttpd', 'rapid-reset'));
    const [f] = byRule(a, 'rapid-reset');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /^1,000 streams reset by the client before any response/);
    assert.equal(nth(a, a.trace!.frames.get(f!.frame!)!, FrameType.RST_STREAM), 21);
    assert.match(f!.message, /Rust h2 \(hyper\) server would cut the connection here: GOAWAY ENHANCE_YOUR_CALM "too_many_resets"/);
    assert.ok(f!.budget!.some((b) => /^Envoy: .*cut after 250 closed streams/.test(b)), f!.budget!.join('\n'));
    assert.ok(f!.budget!.some((b) => /^nghttp2 .*allows a burst of 1,000 RST_STREAM then 33\/s/.test(b)));
    assert.ok(f!.budget!.some((b) => /^Cloudflare edge: .*publishes no number/.test(b)));
    const envoyCut = f!.related.find((r) => /Envoy would cut the connection here/.test(r.message))!;
    assert.equal(nth(a, a.trace!.frames.get(envoyCut.frame!)!, FrameType.RST_STREAM), 250);
  });

  it('empty DATA floods (10,000 frames): no server objected; nghttp2\'s glitch bucket is used up but not passed, Envoy and Rust h2 would cut', () => {
    for (const server of ['nghttpd', 'nginx', 'h2o', 'go-xnet']) {
      const a = analyzedFixture(floodLogPath(server, 'empty-data'));
      const m = load(a).empty.client.measure()!;
      assert.equal(m.count, 10_000);
      const nghttp2 = verdict(m.verdicts, 'nghttp2')!;
      assert.equal(nghttp2.cutAt, undefined, server);
      assert.ok(verdict(m.verdicts, 'envoy')!.cutAt);
      assert.ok(verdict(m.verdicts, 'rust-h2')!.cutAt);
    }
  });
});
