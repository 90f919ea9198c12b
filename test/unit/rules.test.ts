/**
 * The rules on real fixtures (test/fixtures, see their truth.json) and on labelled hand-made edge
 * cases built from the exact Go format strings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../server/src/core/analyze.ts';
import { analyzeText } from '../../server/src/core/analyze.ts';
import { parseGoHttp2debug } from '../../server/src/core/formats/goHttp2debug.ts';
import { FrameType } from '../../server/src/core/model/frame.ts';
import { buildTrace } from '../../server/src/core/model/trace.ts';
import { pingReport } from '../../server/src/core/rules/pingBudget.ts';
import { PROFILES, profileById } from '../../server/src/core/rules/profiles.ts';
import { RULES } from '../../server/src/core/rules/index.ts';
import type { Finding } from '../../server/src/core/rules/types.ts';
import { clientPreface, expected, fixture, goRuns, linesOf, pingQ, read, wrote } from './helpers.ts';

const byRule = (a: Analysis, rule: string): Finding[] => a.findings.filter((f) => f.rule === rule);
const analyze = (lines: string[]): Analysis => analyzeText(lines.join('\n'));
const P = (last: number): number[] => [1, 2, 3, 4, 5, 6, 7, last];

/** Every real log that comes with the tests (Go both sides, and the Go flood client). */
const REAL_LOGS = [
  ...goRuns().flatMap((r) => [`${r.scenario}/${r.files.client_log}`, `${r.scenario}/${r.files.server_log}`]),
  'floods/nginx/continuation/client.log',
  'floods/h2o/continuation/client.log',
  'floods/nghttpd/rapid-reset/client.log',
  'floods/go-xnet/ping/client.log.gz',
];
const analyses = new Map<string, Analysis>();
function analyzed(rel: string): Analysis {
  let a = analyses.get(rel);
  if (!a) analyses.set(rel, (a = analyzeText(fixture(rel))));
  return a;
}

describe('rule catalogue', () => {
  it('every rule has an id, a severity and a description; ids are unique', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of RULES) {
      assert.match(r.id, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(r.description.length > 20);
      assert.ok(['error', 'warning', 'info', 'hint'].includes(r.defaultSeverity));
    }
  });

  it('severity overrides: off disables, a severity replaces', () => {
    const text = fixture('go-undrained-body/go1.24-std-empty/client.log');
    assert.equal(analyzeText(text, { ctx: { severity: { 'cancelled-response': 'off' } } }).findings.filter((f) => f.rule === 'cancelled-response').length, 0);
    const hinted = analyzeText(text, { ctx: { severity: { 'cancelled-response': 'hint' } } }).findings.filter((f) => f.rule === 'cancelled-response');
    assert.equal(hinted.length, 9);
    assert.ok(hinted.every((f) => f.severity === 'hint'));
  });
});

describe('cancelled-response', () => {
  for (const run of goRuns().filter((r) => r.scenario === 'go-undrained-body')) {
    const cancels = expected(run, 'client-rst-stream-cancel').streams!;
    const afterEnd = expected(run, 'rst-after-end-stream').streams!;
    const go124 = run.name.startsWith('go1.24');
    for (const side of ['client', 'server'] as const) {
      const rel = `${run.scenario}/${side === 'client' ? run.files.client_log : run.files.server_log}`;
      it(`${run.name} ${side} log: one finding per client RST_STREAM(CANCEL) of the truth`, () => {
        const a = analyzed(rel);
        const found = byRule(a, 'cancelled-response');
        assert.deepEqual(found.map((f) => f.stream), cancels);
        const lines = linesOf(fixture(rel));
        for (const f of found) {
          assert.equal(f.severity, 'warning');
          assert.equal(f.fix, 'drain-go-body');
          assert.match(lines[f.line]!, /RST_STREAM stream=\d+ len=4 ErrCode=CANCEL/);
          assert.equal(a.trace!.frames.get(f.frame!)!.streamId, f.stream);
          assert.match(f.message, /resp\.Body\.Close\(\)/);
          assert.ok(f.related.some((r) => /response HEADERS \(:status 200\)/.test(r.message)));
          const pingRel = f.related.filter((r) => /PING/.test(r.message));
          if (go124) {
            assert.equal(pingRel.length, 1, `stream ${f.stream}: the PING that went with the reset`);
            const ping = a.trace!.frames.get(pingRel[0]!.frame!)!;
            assert.equal(ping.type, FrameType.PING);
            assert.equal(ping.flags, 0);
            assert.equal(pingRel[0]!.line, ping.line);
            assert.match(lines[pingRel[0]!.line]!, /: (wrote|read) PING len=8 ping="/);
            assert.ok(ping.line > f.line, 'the PING follows the reset');
          } else {
            assert.deepEqual(pingRel, [], `go1.19 sends no PING with the reset (stream ${f.stream})`);
            assert.doesNotMatch(f.message, /PING went out/);
          }
        }
      });

      it(`${run.name} ${side} log: reset after END_STREAM reads "already complete"/"unnecessary"`, () => {
        const found = byRule(analyzed(rel), 'cancelled-response');
        const complete = found.filter((f) => /already complete/.test(f.message) && /unnecessary/.test(f.message)).map((f) => f.stream!);
        if (side === 'client') {
          // The client's own view is exactly what the truth observed from its frame lines.
          assert.deepEqual(complete, afterEnd);
        } else {
          // The server sent END_STREAM before it read the reset on at least those streams.
          for (const s of afterEnd) assert.ok(complete.includes(s), `stream ${s}`);
        }
        for (const f of found) {
          if (!complete.includes(f.stream!)) assert.ok(f.related.every((r) => !/already/.test(r.message)));
        }
      });
    }
  }

  it('drained control: zero findings of any rule on both logs', () => {
    for (const run of goRuns().filter((r) => r.scenario === 'go-drained-body')) {
      for (const file of [run.files.client_log, run.files.server_log]) {
        const a = analyzed(`${run.scenario}/${file}`);
        assert.equal(a.error, undefined);
        assert.deepEqual(a.findings, [], file);
        assert.deepEqual(a.notes, []);
      }
    }
  });

  it('a reset before the response HEADERS is not reported (hand-made, Go 1.24 client)', () => {
    const a = analyze([
      ...clientPreface(),
      // hand-made: request sent, context cancelled before any response
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      wrote('RST_STREAM stream=1 len=4 ErrCode=CANCEL'),
      wrote(`PING len=8 ping=${pingQ(P(1))}`),
      read(`PING flags=ACK len=8 ping=${pingQ(P(1))}`),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
    ]);
    assert.deepEqual(byRule(a, 'cancelled-response'), []);
  });

  it('nor a reset before the request was complete, nor a reset with another code (hand-made)', () => {
    const a = analyze([
      ...clientPreface(),
      // hand-made: upload cut off while the response had begun
      wrote('HEADERS flags=END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      wrote('RST_STREAM stream=1 len=4 ErrCode=CANCEL'),
      // hand-made: complete exchange, then a NO_ERROR reset
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=3 len=10'),
      read('HEADERS flags=END_HEADERS stream=3 len=5'),
      wrote('RST_STREAM stream=3 len=4 ErrCode=NO_ERROR'),
    ]);
    assert.deepEqual(byRule(a, 'cancelled-response'), []);
  });

  it('rapid reset (1000 × HEADERS + RST_STREAM before any response, real nghttpd fixture) is not a cancelled response', () => {
    const a = analyzed('floods/nghttpd/rapid-reset/client.log');
    assert.deepEqual(byRule(a, 'cancelled-response'), []);
  });

  it('a hand-made minimal story: END_STREAM read, then RST_STREAM CANCEL + PING', () => {
    const a = analyze([
      ...clientPreface(),
      'http2: Transport encoding header ":method" = "GET"',
      'http2: Transport encoding header ":path" = "/v1/thing"',
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      'http2: decoded hpack field header field ":status" = "200"',
      read('DATA stream=1 len=12 data="{\\"a\\":1}\\n   "'),
      read('DATA flags=END_STREAM stream=1 len=0 data=""'),
      wrote('RST_STREAM stream=1 len=4 ErrCode=CANCEL'),
      wrote(`PING len=8 ping=${pingQ(P(9))}`),
    ]);
    const [f, ...rest] = byRule(a, 'cancelled-response');
    assert.equal(rest.length, 0);
    assert.match(f!.message, /^Stream 1 GET \/v1\/thing:/);
    assert.match(f!.message, /already complete/);
    assert.match(f!.message, /A PING went out with the reset/);
    assert.deepEqual(f!.related.map((r) => r.line), [8, 11, 13]);
  });
});

describe('enhance-your-calm', () => {
  it('nginx CONTINUATION flood (real): one error on the GOAWAY line, CONTINUATION named first', () => {
    const rel = 'floods/nginx/continuation/client.log';
    const a = analyzed(rel);
    const found = byRule(a, 'enhance-your-calm');
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.severity, 'error');
    assert.match(linesOf(fixture(rel))[f.line]!, /read GOAWAY len=8 LastStreamID=1 ErrCode=ENHANCE_YOUR_CALM Debug=""/);
    assert.match(f.message, /Most likely cause on this connection: [\d,]+ CONTINUATION frames from the client/);
    assert.ok(f.related.length > 0);
    assert.ok(f.related.every((r) => a.trace!.frames.get(r.frame!)!.type === FrameType.CONTINUATION));
    // The truth: the server read 386 frames before its GOAWAY.
    const truth = fixture('floods/truth.json');
    assert.match(truth, /"after_frames_written": 386/);
    assert.match(f.message, /386 CONTINUATION frames/);
    assert.deepEqual(byRule(a, 'goaway'), [], 'ENHANCE_YOUR_CALM is not also a plain goaway finding');
  });

  it('GOAWAY Debug="too_many_pings" after a few PINGs (hand-made): names PINGs and gRPC', () => {
    const a = analyze([
      ...clientPreface(0),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10', 0),
      wrote(`PING len=8 ping=${pingQ(P(1))}`, 10),
      read(`PING flags=ACK len=8 ping=${pingQ(P(1))}`, 10),
      wrote(`PING len=8 ping=${pingQ(P(2))}`, 20),
      read(`PING flags=ACK len=8 ping=${pingQ(P(2))}`, 20),
      wrote(`PING len=8 ping=${pingQ(P(3))}`, 30),
      read(`PING flags=ACK len=8 ping=${pingQ(P(3))}`, 30),
      // hand-made: the real grpc-go line (grpc/grpc-go PR #2602)
      read('GOAWAY len=22 LastStreamID=0 ErrCode=ENHANCE_YOUR_CALM Debug="too_many_pings"', 30),
    ]);
    const [f, ...rest] = byRule(a, 'enhance-your-calm');
    assert.equal(rest.length, 0);
    assert.equal(f!.line, 12);
    assert.match(f!.message, /too_many_pings/);
    assert.match(f!.message, /PINGs/);
    assert.match(f!.message, /gRPC|grpc/);
    assert.match(f!.message, /Most likely cause on this connection: 3 PINGs from the client/);
    assert.ok(f!.related.some((r) => a.trace!.frames.get(r.frame!)!.type === FrameType.PING));
    assert.ok(!/SETTINGS flood/.test(f!.message), 'the preface SETTINGS is no flood');
  });

  it('GOAWAY with ErrCode=unknown error code 0xfffffc78 (Apache flood verdict, hand-made) is reported too', () => {
    const lines = [...clientPreface()];
    for (let i = 0; i < 30; i++) lines.push(wrote(`PING len=8 ping=${pingQ(P(i))}`));
    lines.push(read('GOAWAY len=75 LastStreamID=0 ErrCode=unknown error code 0xfffffc78 Debug="Flooding was detected in this HTTP/2 session, and it must be closed"'));
    const a = analyze(lines);
    const [f, ...rest] = byRule(a, 'enhance-your-calm');
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'error');
    assert.equal(f!.line, 35);
    assert.match(f!.message, /0xfffffc78/);
    assert.match(f!.message, /Flooding was detected/);
    assert.match(f!.message, /30 PINGs from the client/);
    assert.deepEqual(byRule(a, 'goaway'), []);
  });

  it('an ENHANCE_YOUR_CALM with nothing visible before it says so', () => {
    const a = analyze([...clientPreface(), read('GOAWAY len=8 LastStreamID=0 ErrCode=ENHANCE_YOUR_CALM Debug=""')]);
    const [f] = byRule(a, 'enhance-your-calm');
    assert.match(f!.message, /No flood pattern is visible/);
  });

  it('a SETTINGS flood is counted without the mandatory preface SETTINGS (hand-made)', () => {
    const lines = [...clientPreface()];
    for (let i = 0; i < 20; i++) lines.push(wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=1048576'));
    lines.push(read('GOAWAY len=8 LastStreamID=0 ErrCode=ENHANCE_YOUR_CALM Debug=""'));
    const [f] = byRule(analyze(lines), 'enhance-your-calm');
    assert.match(f!.message, /Most likely cause on this connection: 20 SETTINGS frames from the client after its connection preface/);
  });

  it('RST_STREAM ENHANCE_YOUR_CALM is reported on its stream', () => {
    const a = analyze([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('RST_STREAM stream=1 len=4 ErrCode=ENHANCE_YOUR_CALM'),
    ]);
    const [f] = byRule(a, 'enhance-your-calm');
    assert.equal(f!.stream, 1);
    assert.match(f!.message, /RST_STREAM on stream 1 ENHANCE_YOUR_CALM/);
  });
});

describe('goaway', () => {
  it('h2o CONTINUATION flood (real): GOAWAY PROTOCOL_ERROR with debug data → warning', () => {
    const rel = 'floods/h2o/continuation/client.log';
    const found = byRule(analyzed(rel), 'goaway');
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.severity, 'warning');
    assert.match(linesOf(fixture(rel))[f.line]!, /read GOAWAY .*ErrCode=PROTOCOL_ERROR/);
    assert.match(f.message, /PROTOCOL_ERROR/);
    assert.match(f.message, /last-stream-id 1/);
    assert.match(f.message, /unexpected stream id in CONTINUATION frame/);
  });

  it('graceful NO_ERROR GOAWAY (hand-made) → info', () => {
    const a = analyze([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
      read('GOAWAY len=8 LastStreamID=1 ErrCode=NO_ERROR Debug=""'),
    ]);
    const found = byRule(a, 'goaway');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.severity, 'info');
    assert.equal(found[0]!.line, 8);
    assert.match(found[0]!.message, /^The peer sent GOAWAY NO_ERROR with last-stream-id 1/);
    assert.deepEqual(found[0]!.related, []);
  });

  it('streams above last-stream-id are listed as lost (hand-made)', () => {
    const a = analyze([
      ...clientPreface(),
      ...[1, 3, 5, 7].map((s) => wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`)),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
      read('GOAWAY len=8 LastStreamID=3 ErrCode=NO_ERROR Debug=""'),
    ]);
    const [f, ...rest] = byRule(a, 'goaway');
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'warning', 'streams were lost');
    assert.match(f!.message, /2 streams in flight above it \(5, 7\)/);
    assert.deepEqual(f!.related.map((r) => r.line), [7, 8]);
    assert.ok(f!.related.every((r) => /above last-stream-id 3/.test(r.message)));
  });

  it('a GOAWAY this endpoint sent (server side) names the client\'s lost streams', () => {
    const a = analyze([
      'http2: server connection from 127.0.0.1:1 on 0xc0',
      wrote('SETTINGS len=0'),
      read('SETTINGS len=0'),
      read('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_STREAM|END_HEADERS stream=3 len=10'),
      wrote('GOAWAY len=8 LastStreamID=1 ErrCode=PROTOCOL_ERROR Debug=""'),
    ]);
    const [f] = byRule(a, 'goaway');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /^This endpoint sent GOAWAY PROTOCOL_ERROR/);
    assert.match(f!.message, /\(3\)/);
  });
});

describe('ping-flood', () => {
  it('go-xnet PING flood (real, 10,000 PINGs): an error naming a profile that would cut', () => {
    const a = analyzed('floods/go-xnet/ping/client.log.gz');
    const found = byRule(a, 'ping-flood');
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.severity, 'error');
    assert.match(f.message, /10,000 PINGs/);
    assert.match(f.message, /would cut the connection here/);
    assert.ok(PROFILES.some((p) => f.message.includes(p.name)), 'a profile is named');
    assert.ok(f.budget && f.budget.length >= 2);
    assert.equal(a.trace!.frames.get(f.frame!)!.type, FrameType.PING);
  });

  /** grpc-go keepalive strikes: client PINGs `gap` seconds apart on an active stream. */
  function strikes(n: number, gap: number, serverDataBetween: boolean): string[] {
    const lines = [
      ...clientPreface(0),
      wrote('HEADERS flags=END_HEADERS stream=1 len=10', 0),
      read('HEADERS flags=END_HEADERS stream=1 len=5', 0),
    ];
    for (let i = 0; i < n; i++) {
      if (serverDataBetween) lines.push(read('DATA stream=1 len=2 data="ok"', 1 + i * gap - 0.5));
      lines.push(wrote(`PING len=8 ping=${pingQ(P(i))}`, 1 + i * gap));
      lines.push(read(`PING flags=ACK len=8 ping=${pingQ(P(i))}`, 1 + i * gap + 0.001));
    }
    return lines;
  }

  it('grpc-go strikes (hand-made, PINGs 1 s apart, nothing from the server between): 2 strikes → warning, 3rd strike → error', () => {
    const two = byRule(analyze(strikes(3, 1, false)), 'ping-flood');
    assert.equal(two.length, 1);
    assert.equal(two[0]!.severity, 'warning');
    assert.match(two[0]!.message, /grpc-go.*budget is used up/);
    assert.ok(two[0]!.budget!.some((b) => /2 strikes of 2 allowed/.test(b)));

    const a = analyze(strikes(4, 1, false));
    const three = byRule(a, 'ping-flood');
    assert.equal(three.length, 1);
    assert.equal(three[0]!.severity, 'error');
    assert.match(three[0]!.message, /grpc-go.*would cut the connection here/);
    assert.match(three[0]!.message, /too_many_pings/);
    assert.ok(three[0]!.budget!.some((b) => /3 strikes of 2 allowed/.test(b)));
    const pings = a.trace!.frames.filter((f) => f.type === FrameType.PING && f.flags === 0);
    assert.equal(three[0]!.frame, pings[3]!.index, 'anchored on the 4th PING: the 3rd strike');
  });

  it('grpc-go strikes are forgiven when the server sent DATA/HEADERS in between (hand-made)', () => {
    const a = analyze(strikes(10, 1, true));
    assert.deepEqual(byRule(a, 'ping-flood'), []);
    const trace = a.trace!;
    const r = pingReport(trace, trace.connections[0]!, 'client', [profileById('grpc-go')!]);
    assert.equal(r.verdicts[0]!.used, 0);
  });

  it('PINGs far enough apart are no strikes (hand-made, 6 min apart)', () => {
    assert.deepEqual(byRule(analyze(strikes(5, 360, false)), 'ping-flood'), []);
  });

  it('without timestamps the strike profile is not evaluated (hand-made)', () => {
    const lines = [...clientPreface(), wrote('HEADERS flags=END_HEADERS stream=1 len=10')];
    for (let i = 0; i < 10; i++) lines.push(wrote(`PING len=8 ping=${pingQ(P(i))}`), read(`PING flags=ACK len=8 ping=${pingQ(P(i))}`));
    const a = analyze(lines);
    assert.deepEqual(byRule(a, 'ping-flood'), []);
    const trace = a.trace!;
    const v = pingReport(trace, trace.connections[0]!, 'client', PROFILES).verdicts.find((x) => x.profile.id === 'grpc-go')!;
    assert.match(v.unavailable!, /no timestamps/);
    assert.match(v.summary, /not evaluated/);
    assert.equal(v.cutAt, undefined);
  });

  it('queued-ACK budget: 1,001 unanswered PINGs exceed nghttp2\'s 1,000 even without timestamps (hand-made)', () => {
    const lines = [...clientPreface()];
    for (let i = 0; i < 1001; i++) lines.push(wrote(`PING len=8 ping=${pingQ([0, 0, 0, 0, 0, 0, i >> 8, i & 0xff])}`));
    const a = analyze(lines);
    const [f] = byRule(a, 'ping-flood');
    assert.equal(f!.severity, 'error');
    assert.match(f!.message, /nghttp2|Envoy/);
    assert.ok(f!.budget!.some((b) => /not evaluated \(no timestamps/.test(b)));
  });

  it('PINGs paired with resets are called out (hand-made Go 1.24 pattern)', () => {
    const lines = [...clientPreface()];
    for (let i = 0; i < 1001; i++) {
      const s = 2 * i + 1;
      lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`), read(`HEADERS flags=END_HEADERS stream=${s} len=5`));
      lines.push(wrote(`RST_STREAM stream=${s} len=4 ErrCode=CANCEL`), wrote(`PING len=8 ping=${pingQ([0, 0, 0, 0, 0, 0, i >> 8, i & 0xff])}`));
    }
    const [f] = byRule(analyze(lines), 'ping-flood');
    assert.match(f!.message, /came straight after a RST_STREAM/);
    assert.ok(f!.related.some((r) => /RST_STREAM that this PING accompanied/.test(r.message)));
  });
});

describe('unanswered-ping', () => {
  it('a PING with no ACK although the peer answered later frames → warning (hand-made)', () => {
    for (const answer of [
      [wrote(`PING len=8 ping=${pingQ(P(2))}`), read(`PING flags=ACK len=8 ping=${pingQ(P(2))}`)],
      [wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'), read('HEADERS flags=END_HEADERS stream=1 len=5')],
    ]) {
      const a = analyze([...clientPreface(), wrote(`PING len=8 ping=${pingQ(P(1))}`), read('WINDOW_UPDATE len=4 (conn) incr=5'), ...answer]);
      const found = byRule(a, 'unanswered-ping');
      assert.equal(found.length, 1);
      assert.equal(found[0]!.severity, 'warning');
      assert.equal(found[0]!.line, 5);
      assert.match(found[0]!.message, /1 PING sent by this endpoint never got an ACK/);
    }
  });

  it('frames of the peer that may have been in flight do not show it read the PING → nothing (hand-made)', () => {
    // The connection ends abruptly, or the peer stalled and sends its backlog: nothing answers a later frame.
    const a = analyze([...clientPreface(), wrote(`PING len=8 ping=${pingQ(P(1))}`), read('WINDOW_UPDATE len=4 (conn) incr=5'), read('SETTINGS len=0'), wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10')]);
    assert.deepEqual(byRule(a, 'unanswered-ping'), []);
  });

  it('a PING of the peer left without ACK although this endpoint answered its later frames → warning (hand-made)', () => {
    const a = analyze([...clientPreface(), read(`PING len=8 ping=${pingQ(P(1))}`), read(`PING len=8 ping=${pingQ(P(2))}`), wrote(`PING flags=ACK len=8 ping=${pingQ(P(2))}`)]);
    const found = byRule(a, 'unanswered-ping');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.line, 5);
    assert.match(found[0]!.message, /1 PING sent by the peer never got an ACK/);
  });

  it('with its ACK → nothing (hand-made)', () => {
    const a = analyze([
      ...clientPreface(),
      wrote(`PING len=8 ping=${pingQ(P(1))}`),
      read(`PING flags=ACK len=8 ping=${pingQ(P(1))}`),
      read('WINDOW_UPDATE len=4 (conn) incr=5'),
    ]);
    assert.deepEqual(byRule(a, 'unanswered-ping'), []);
  });

  it('an ACK with another payload does not answer it (hand-made)', () => {
    const a = analyze([
      ...clientPreface(),
      wrote(`PING len=8 ping=${pingQ(P(1))}`),
      wrote(`PING len=8 ping=${pingQ(P(2))}`),
      read(`PING flags=ACK len=8 ping=${pingQ(P(2))}`),
    ]);
    assert.deepEqual(byRule(a, 'unanswered-ping').map((f) => f.line), [5]);
  });

  it('the last frame of the log, with no later peer frame and no timestamps → nothing (the log may just end)', () => {
    assert.deepEqual(byRule(analyze([...clientPreface(), wrote(`PING len=8 ping=${pingQ(P(1))}`)]), 'unanswered-ping'), []);
  });

  it('an ACK 20 s later (timestamps) → late warning (hand-made)', () => {
    const a = analyze([
      ...clientPreface(0),
      wrote(`PING len=8 ping=${pingQ(P(1))}`, 1),
      read(`PING flags=ACK len=8 ping=${pingQ(P(1))}`, 21),
    ]);
    const found = byRule(a, 'unanswered-ping');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.line, 6, 'on the ACK');
    assert.match(found[0]!.message, /PING ACK after 20 s/);
    assert.match(found[0]!.message, /15 s/);
    assert.equal(found[0]!.related[0]!.line, 5);
  });

  it('an ACK 2 s later is in time (hand-made)', () => {
    const a = analyze([...clientPreface(0), wrote(`PING len=8 ping=${pingQ(P(1))}`, 1), read(`PING flags=ACK len=8 ping=${pingQ(P(1))}`, 3)]);
    assert.deepEqual(byRule(a, 'unanswered-ping'), []);
  });

  it('the real Go runs answer every PING', () => {
    for (const rel of REAL_LOGS) assert.deepEqual(byRule(analyzed(rel), 'unanswered-ping'), [], rel);
  });
});

describe('stream-state-violation', () => {
  it('DATA received after the peer\'s END_STREAM → error with STREAM_CLOSED wording (hand-made)', () => {
    const a = analyze([
      ...clientPreface(),
      wrote('HEADERS flags=END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
      read('DATA stream=1 len=2 data="!!"'),
    ]);
    const found = byRule(a, 'stream-state-violation');
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.severity, 'error');
    assert.equal(f.line, 8);
    assert.equal(f.stream, 1);
    assert.match(f.message, /STREAM_CLOSED/);
    assert.match(f.message, /received after the peer had already sent END_STREAM/);
    assert.match(f.message, /half-closed \(remote\)/);
    assert.deepEqual(f.related.map((r) => r.line), [5], 'where the stream was opened');
  });

  it('DATA received on a stream both sides had closed (hand-made)', () => {
    const a = analyze([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
      read('DATA stream=1 len=2 data="!!"'),
    ]);
    const [f] = byRule(a, 'stream-state-violation');
    assert.match(f!.message, /STREAM_CLOSED/);
  });

  it('none on every real fixture log', () => {
    for (const rel of REAL_LOGS) {
      const a = analyzed(rel);
      assert.deepEqual(byRule(a, 'stream-state-violation'), [], rel);
      assert.equal(a.trace!.frames.filter((f) => f.violation).length, 0, rel);
    }
  });
});

describe('findings are well-formed on every real fixture log', () => {
  it('positions on real lines, related locations too, known rule ids', () => {
    const ids = new Set(RULES.map((r) => r.id));
    for (const rel of REAL_LOGS) {
      const a = analyzed(rel);
      const lines = linesOf(fixture(rel));
      for (const f of a.findings) {
        assert.ok(ids.has(f.rule));
        for (const loc of [f, ...f.related]) {
          assert.ok(loc.line >= 0 && loc.line < lines.length, `${rel}: line ${loc.line}`);
          assert.ok(loc.startChar >= 0 && loc.startChar <= loc.endChar && loc.endChar <= lines[loc.line]!.length);
        }
      }
      // Sorted by position.
      for (let i = 1; i < a.findings.length; i++) assert.ok(a.findings[i - 1]!.line <= a.findings[i]!.line);
    }
  });

  it('buildTrace is deterministic: the same text gives the same findings', () => {
    const text = fixture('go-undrained-body/go1.24-std-empty/server.log');
    assert.deepEqual(analyzeText(text).findings, analyzeText(text).findings);
    assert.equal(buildTrace(parseGoHttp2debug(text)).frames.length, 152);
  });
});

describe('finding order', () => {
  it('rule ids sort the same by code point (how findings on one spot are ordered) as by locale', () => {
    const ids = [...RULES.map((r) => r.id), 'undrained-body'];
    assert.ok(ids.every((id) => /^[a-z]+(-[a-z]+)*$/.test(id)), 'ids are lowercase words and hyphens');
    const byCodePoint = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(byCodePoint, [...ids].sort((a, b) => a.localeCompare(b)));
  });
});
