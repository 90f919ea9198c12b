/**
 * Each flood rule at its profile's limit: limit − 1 (nothing), limit (budget used up: info, or
 * warning for ping-flood), limit + 1 (cut: warning, error for ping-flood), on labelled hand-made Go
 * http2debug logs built from the real format strings (helpers.ts). One profile is selected per test so
 * that the edge is that profile's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import { clientPreface, pingQ, read, stamp, wrote } from '../helpers.ts';
import { analyzeLines, byRule } from './ruleHelpers.ts';

const ping = (i: number): string => pingQ([0, 0, 0, 0, i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]);

/** Severity of the one finding of `rule`, or 'none'. */
function verdictOf(lines: string[], rule: string, profiles: string[], thresholds?: Record<string, Record<string, number>>): string {
  const found = byRule(analyzeLines(lines, { profiles, ...(thresholds ? { thresholds } : {}) }), rule);
  assert.ok(found.length <= 1, `one finding at most, got ${found.length}`);
  return found[0]?.severity ?? 'none';
}

describe('ping-flood edges (nghttp2 queued ACKs: 1,000)', () => {
  // hand-made: N PINGs never acknowledged, no timestamps (no per-second reading)
  const pings = (count: number): string[] => [...clientPreface(), ...Array.from({ length: count }, (_, i) => wrote(`PING len=8 ping=${ping(i)}`))];
  it('999 → nothing, 1,000 → warning (used up), 1,001 → error (cut at the 1,001st)', () => {
    assert.equal(verdictOf(pings(999), 'ping-flood', ['nghttp2']), 'none');
    assert.equal(verdictOf(pings(1000), 'ping-flood', ['nghttp2']), 'warning');
    const a = analyzeLines(pings(1001), { profiles: ['nghttp2'] });
    const [f] = byRule(a, 'ping-flood');
    assert.equal(f!.severity, 'error');
    assert.equal(f!.line, 5 + 1000, 'the 1,001st PING');
  });
  it('an ACK takes one off the queue (hand-made: 1,001 PINGs, the first one answered)', () => {
    const lines = pings(1001);
    lines.splice(6, 0, read(`PING flags=ACK len=8 ping=${ping(0)}`));
    assert.equal(verdictOf(lines, 'ping-flood', ['nghttp2']), 'warning');
  });
  it('at risk: 1,001 PINGs (and the preface SETTINGS) within one second, each answered at once → warning (a peer reading them in one go queues them all)', () => {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < 1001; i++) lines.push(wrote(`PING len=8 ping=${ping(i)}`, 0.5), read(`PING flags=ACK len=8 ping=${ping(i)}`, 0.5));
    const [f] = byRule(analyzeLines(lines, { profiles: ['nghttp2'] }), 'ping-flood');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /could cut the connection: at most 1 PING\/SETTINGS frame awaiting an ACK at once, of 1,000 queued ACKs allowed; but 1,002 sent within one second/);
  });
});

describe('profiles a connection\'s peer cannot be', () => {
  // hand-made: one request answered, with its fields as Go's Transport logs them, then PINGs 5 s apart
  // without data (grpc-go strikes: closer than 5 min, no HEADERS/DATA from the server in between)
  const field = (at: number, kind: 'Transport encoding header' | 'decoded hpack field header field', name: string, value: string): string => `${stamp(at)}http2: ${kind} "${name}" = "${value}"`;
  const lines = (grpc: boolean): string[] => [
    ...clientPreface(0),
    field(0, 'Transport encoding header', ':method', grpc ? 'POST' : 'GET'),
    field(0, 'Transport encoding header', ':path', grpc ? '/pkg.Service/Method' : '/item/1'),
    ...(grpc ? [field(0, 'Transport encoding header', 'content-type', 'application/grpc')] : []),
    wrote(`HEADERS flags=${grpc ? '' : 'END_STREAM|'}END_HEADERS stream=1 len=10`, 0),
    read('HEADERS flags=END_HEADERS stream=1 len=5', 0),
    field(0, 'decoded hpack field header field', ':status', '200'),
    field(0, 'decoded hpack field header field', 'content-type', grpc ? 'application/grpc' : 'text/plain'),
    read('DATA flags=END_STREAM stream=1 len=3 data="ok\\n"', 0),
    ...Array.from({ length: 4 }, (_, i) => [wrote(`PING len=8 ping=${ping(i)}`, 5 * (i + 1)), read(`PING flags=ACK len=8 ping=${ping(i)}`, 5 * (i + 1))]).flat(),
  ];
  it('grpc-go\'s keepalive strikes are not counted on a connection that carried a plain HTTP request and its answer; they are on a gRPC one', () => {
    const [grpcCut] = byRule(analyzeLines(lines(true)), 'ping-flood');
    assert.equal(grpcCut!.severity, 'error');
    assert.match(grpcCut!.message, /grpc-go server \(keepalive EnforcementPolicy defaults\) would cut the connection here/);
    assert.deepEqual(byRule(analyzeLines(lines(false)), 'ping-flood'), []);
  });
});

describe('settings-flood edges', () => {
  // hand-made: SETTINGS beyond the preface, never acknowledged, no timestamps
  const settings = (count: number): string[] => [...clientPreface(), ...Array.from({ length: count }, () => wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=1048576'))];
  it('nghttp2 queue: 999 → nothing, 1,000 → info, 1,001 → warning on the 1,001st', () => {
    assert.equal(verdictOf(settings(999), 'settings-flood', ['nghttp2']), 'none');
    assert.equal(verdictOf(settings(1000), 'settings-flood', ['nghttp2']), 'info');
    const [f] = byRule(analyzeLines(settings(1001), { profiles: ['nghttp2'] }), 'settings-flood');
    assert.equal(f!.severity, 'warning');
    assert.equal(f!.line, 5 + 1000);
    assert.match(f!.message, /^1,001 SETTINGS frames from the client after its connection preface\. nghttp2 .* would cut the connection here: NGHTTP2_ERR_FLOODED/);
  });
  it('the go profile does not queue SETTINGS ACKs (it coalesces them): 10,001 SETTINGS → nothing', () => {
    assert.equal(verdictOf(settings(10_001), 'settings-flood', ['go']), 'none');
  });
  const entries = (k: number): string[] => [
    ...clientPreface(),
    // hand-made: one SETTINGS frame with k entries (unknown ids are legal, RFC 9113 §6.5.2)
    wrote(`SETTINGS len=${6 * k}, settings: ${Array.from({ length: k }, (_, i) => `UNKNOWN_SETTING_${100 + i}=1`).join(', ')}`),
    read('SETTINGS flags=ACK len=0'),
  ];
  it('nghttp2 entries per SETTINGS (32): 32 → nothing, 33 → warning "too many setting entries"', () => {
    assert.equal(verdictOf(entries(32), 'settings-flood', ['nghttp2']), 'none');
    const [f] = byRule(analyzeLines(entries(33), { profiles: ['nghttp2'] }), 'settings-flood');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /SETTINGS: too many setting entries/);
  });
  it('Go entries per SETTINGS (100): 100 → nothing, 101 → warning PROTOCOL_ERROR', () => {
    assert.equal(verdictOf(entries(100), 'settings-flood', ['go']), 'none');
    const [f] = byRule(analyzeLines(entries(101), { profiles: ['go'] }), 'settings-flood');
    assert.match(f!.message, /GOAWAY PROTOCOL_ERROR/);
  });
  it('a SETTINGS never acknowledged although the peer answered a later frame → warning; acknowledged → nothing (hand-made)', () => {
    const settings = [...clientPreface(), wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=1048576')];
    for (const answer of [
      [wrote(`PING len=8 ping=${ping(7)}`), read(`PING flags=ACK len=8 ping=${ping(7)}`)],
      [wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'), read('HEADERS flags=END_HEADERS stream=1 len=5')],
    ]) {
      const base = [...settings, read('WINDOW_UPDATE len=4 (conn) incr=5'), ...answer];
      const [f] = byRule(analyzeLines(base, { profiles: ['envoy'] }), 'settings-flood');
      assert.equal(f!.severity, 'warning');
      assert.match(f!.message, /1 SETTINGS frame from the client never acknowledged, although the server read past them/);
      assert.equal(f!.line, 5);
      assert.equal(f!.related![0]!.line, base.length - 1, 'the answer that shows the server had the SETTINGS');
      assert.equal(verdictOf([...base, read('SETTINGS flags=ACK len=0')], 'settings-flood', ['envoy']), 'none');
    }
  });
  it('frames of the peer that may have been in flight do not show it read the SETTINGS → nothing (hand-made)', () => {
    // A peer that stalled and resumes sends its backlog, written before it could read the SETTINGS.
    const lines = [...clientPreface(), wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=1048576'), read('WINDOW_UPDATE len=4 (conn) incr=5'), read(`PING len=8 ping=${ping(1)}`), wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10')];
    assert.equal(verdictOf(lines, 'settings-flood', ['envoy']), 'none');
  });
});

describe('reset-flood edges', () => {
  /** hand-made: n complete requests each answered, then reset by the client (not rapid), all at t. */
  function resets(n: number, at = 1, last?: number): string[] {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < n; i++) {
      const s = 2 * i + 1;
      const t = i === n - 1 && last !== undefined ? last : at;
      lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`, t), read(`HEADERS flags=END_HEADERS stream=${s} len=5`, t), wrote(`RST_STREAM stream=${s} len=4 ErrCode=CANCEL`, t));
    }
    return lines;
  }
  it('nghttp2 bucket (burst 1,000, 33/s): 999 → nothing, 1,000 → info, 1,001 within the second → warning GOAWAY INTERNAL_ERROR', () => {
    assert.equal(verdictOf(resets(999), 'reset-flood', ['nghttp2']), 'none');
    assert.equal(verdictOf(resets(1000), 'reset-flood', ['nghttp2']), 'info');
    const a = analyzeLines(resets(1001), { profiles: ['nghttp2'] });
    const [f] = byRule(a, 'reset-flood');
    assert.equal(f!.severity, 'warning');
    assert.equal(a.trace!.frames.get(f!.frame!)!.streamId, 2001, 'on the 1,001st reset');
    assert.match(f!.message, /GOAWAY INTERNAL_ERROR/);
  });
  it('the bucket refills by 33 per second: the 1,001st reset one second later is fine', () => {
    assert.equal(verdictOf(resets(1001, 1, 2), 'reset-flood', ['nghttp2']), 'info');
  });
  it('h2o reset budget (100): 99 → nothing, 100 → info (throttling, no cut)', () => {
    assert.equal(verdictOf(resets(99), 'reset-flood', ['h2o']), 'none');
    const [f] = byRule(analyzeLines(resets(100), { profiles: ['h2o'] }), 'reset-flood');
    assert.equal(f!.severity, 'info');
    assert.match(f!.message, /h2o would start throttling here: each request is delayed by dos_delay/);
  });
  it('h2o: streams that end normally earn the budget back (100 resets among 50 normal streams → nothing)', () => {
    const lines = resets(100);
    for (let i = 0; i < 50; i++) {
      const s = 1001 + 2 * i;
      lines.splice(5 + i * 6, 0, wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`, 1), read(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=5`, 1));
    }
    assert.equal(verdictOf(lines, 'reset-flood', ['h2o']), 'none');
  });

  /** hand-made MadeYouReset: the client sends an invalid frame on each stream, the server resets it. */
  function provoked(n: number, code = 'PROTOCOL_ERROR'): string[] {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < n; i++) {
      const s = 2 * i + 1;
      lines.push(wrote(`HEADERS flags=END_HEADERS stream=${s} len=10`, 1));
      lines.push(code === 'FLOW_CONTROL_ERROR' ? wrote(`DATA stream=${s} len=4 data="abcd"`, 1) : wrote(`WINDOW_UPDATE stream=${s} len=4 incr=0`, 1));
      lines.push(read(`RST_STREAM stream=${s} len=4 ErrCode=${code}`, 1));
    }
    return lines;
  }
  it('MadeYouReset, Rust h2 (1,024 server resets for client errors): 1,023 → nothing, 1,024 → info, 1,025 → warning naming CVE-2025-8671', () => {
    assert.equal(verdictOf(provoked(1023), 'reset-flood', ['rust-h2']), 'none');
    assert.equal(verdictOf(provoked(1024), 'reset-flood', ['rust-h2']), 'info');
    const [f] = byRule(analyzeLines(provoked(1025), { profiles: ['rust-h2'] }), 'reset-flood');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /1,025 streams reset by the server in answer to a client frame/);
    assert.match(f!.message, /MadeYouReset \(CVE-2025-8671\)/);
    assert.match(f!.message, /too_many_internal_resets/);
  });
  it('MadeYouReset, Apache H2MaxStreamErrors (8 FLOW_CONTROL_ERROR resets): 8 → info, 9 → warning GOAWAY PROTOCOL_ERROR', () => {
    assert.equal(verdictOf(provoked(7, 'FLOW_CONTROL_ERROR'), 'reset-flood', ['apache']), 'none');
    assert.equal(verdictOf(provoked(8, 'FLOW_CONTROL_ERROR'), 'reset-flood', ['apache']), 'info');
    const [f] = byRule(analyzeLines(provoked(9, 'FLOW_CONTROL_ERROR'), { profiles: ['apache'] }), 'reset-flood');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /GOAWAY PROTOCOL_ERROR \(H2_SESSION_EV_BAD_CLIENT\)/);
  });
  it('a server reset that answers no client frame (the server gave up on its own) is not MadeYouReset', () => {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < 1030; i++) {
      const s = 2 * i + 1;
      lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`, 1), read(`HEADERS flags=END_HEADERS stream=${s} len=5`, 1), read(`RST_STREAM stream=${s} len=4 ErrCode=PROTOCOL_ERROR`, 1));
    }
    assert.equal(verdictOf(lines, 'reset-flood', ['rust-h2']), 'none');
  });
});

describe('rapid-reset edges', () => {
  /** hand-made: n × (HEADERS, RST_STREAM) with no response; reset `lifetime` seconds after opening. */
  function rapid(n: number, lifetime = 0): string[] {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < n; i++) {
      const s = 2 * i + 1;
      lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`, 1 + i * 0.001), wrote(`RST_STREAM stream=${s} len=4 ErrCode=CANCEL`, 1 + i * 0.001 + lifetime));
    }
    return lines;
  }
  it('Rust h2 (20 resets before accept): 19 → nothing, 20 → info, 21 → warning on the 21st reset', () => {
    assert.equal(verdictOf(rapid(19), 'rapid-reset', ['rust-h2']), 'none');
    assert.equal(verdictOf(rapid(20), 'rapid-reset', ['rust-h2']), 'info');
    const a = analyzeLines(rapid(21), { profiles: ['rust-h2'] });
    const [f] = byRule(a, 'rapid-reset');
    assert.equal(f!.severity, 'warning');
    const anchor = a.trace!.frames.get(f!.frame!)!;
    assert.equal(anchor.type, FrameType.RST_STREAM);
    assert.equal(anchor.streamId, 41);
  });
  it('Rust h2: a response from the server in between (it accepted what was pending) restarts the count', () => {
    const lines = rapid(15);
    lines.push(wrote('HEADERS flags=END_STREAM|END_HEADERS stream=31 len=10', 2), read('HEADERS flags=END_STREAM|END_HEADERS stream=31 len=5', 2));
    for (let i = 0; i < 15; i++) lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${33 + 2 * i} len=10`, 3), wrote(`RST_STREAM stream=${33 + 2 * i} len=4 ErrCode=CANCEL`, 3));
    assert.equal(verdictOf(lines, 'rapid-reset', ['rust-h2']), 'none');
  });
  it('Envoy (half of 500 closed streams premature): 249 → nothing, 250 → warning on the 250th', () => {
    assert.equal(verdictOf(rapid(249), 'rapid-reset', ['envoy']), 'none');
    const a = analyzeLines(rapid(250), { profiles: ['envoy'] });
    const [f] = byRule(a, 'rapid-reset');
    assert.equal(f!.severity, 'warning');
    assert.equal(a.trace!.frames.get(f!.frame!)!.streamId, 499);
  });
  it('Envoy: streams reset 3 s after they opened are not premature (lifetime in whole seconds above 1)', () => {
    assert.equal(verdictOf(rapid(400, 3), 'rapid-reset', ['envoy']), 'none');
  });
  it('a reset after the response began is not a rapid reset (that is cancelled-response)', () => {
    const lines = [...clientPreface(0)];
    for (let i = 0; i < 30; i++) {
      const s = 2 * i + 1;
      lines.push(wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`, 1), read(`HEADERS flags=END_HEADERS stream=${s} len=5`, 1), wrote(`RST_STREAM stream=${s} len=4 ErrCode=CANCEL`, 1));
    }
    assert.equal(verdictOf(lines, 'rapid-reset', ['rust-h2', 'envoy']), 'none');
  });
});

describe('empty-frames-flood edges', () => {
  const open = [...clientPreface(), wrote('HEADERS flags=END_HEADERS stream=1 len=10')];
  const empty = wrote('DATA stream=1 len=0 data=""');
  const full = wrote('DATA stream=1 len=2 data="ok"');
  it('Envoy (1 empty frame in a row): 1 → nothing, 2 in a row → warning on the 2nd, 2 separated by a DATA with payload → nothing', () => {
    assert.equal(verdictOf([...open, empty], 'empty-frames-flood', ['envoy']), 'none');
    const [f] = byRule(analyzeLines([...open, empty, empty], { profiles: ['envoy'] }), 'empty-frames-flood');
    assert.equal(f!.severity, 'warning');
    assert.equal(f!.line, 7);
    assert.equal(verdictOf([...open, empty, full, empty], 'empty-frames-flood', ['envoy']), 'none');
  });
  it('an empty DATA with END_STREAM ends a body legitimately and is not counted', () => {
    assert.equal(verdictOf([...open, empty, wrote('DATA flags=END_STREAM stream=1 len=0 data=""')], 'empty-frames-flood', ['envoy']), 'none');
  });
  const spread = (k: number): string[] => [...open, ...Array.from({ length: k }, () => [empty, full]).flat()];
  it('Rust h2 (100 empty DATA per connection): 99 → nothing, 100 → info, 101 → warning "too_many_data_frames"', () => {
    assert.equal(verdictOf(spread(99), 'empty-frames-flood', ['rust-h2']), 'none');
    assert.equal(verdictOf(spread(100), 'empty-frames-flood', ['rust-h2']), 'info');
    const [f] = byRule(analyzeLines(spread(101), { profiles: ['rust-h2'] }), 'empty-frames-flood');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /too_many_data_frames/);
  });
});

describe('continuation-flood edges', () => {
  /** hand-made: a HEADERS without END_HEADERS and k CONTINUATIONs of `size` bytes, the last ending the block. */
  function block(k: number, size = 50, first = 39): string[] {
    const lines = [...clientPreface(), wrote(`HEADERS flags=END_STREAM stream=1 len=${first}`)];
    for (let i = 0; i < k; i++) lines.push(wrote(`CONTINUATION${i === k - 1 ? ' flags=END_HEADERS' : ''} stream=1 len=${size}`));
    return lines;
  }
  it('nghttp2 (8 CONTINUATIONs after a HEADERS): 8 → nothing, 9 → warning on the 9th', () => {
    assert.equal(verdictOf(block(8), 'continuation-flood', ['nghttp2']), 'none');
    const [f] = byRule(analyzeLines(block(9), { profiles: ['nghttp2'] }), 'continuation-flood');
    assert.equal(f!.severity, 'warning');
    assert.equal(f!.line, 6 + 8);
  });
  it('nginx (32,768 bytes of field block): 32,768 → nothing, 32,769 → warning GOAWAY ENHANCE_YOUR_CALM', () => {
    assert.equal(verdictOf(block(1, 16384, 16384), 'continuation-flood', ['nginx']), 'none');
    const [f] = byRule(analyzeLines(block(1, 16385, 16384), { profiles: ['nginx'] }), 'continuation-flood');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /client sent too large header/);
  });
  it('each field block counts on its own: two blocks of 8 CONTINUATIONs → nothing', () => {
    const lines = block(8);
    lines.push(wrote('HEADERS flags=END_STREAM stream=3 len=39'), ...Array.from({ length: 8 }, (_, i) => wrote(`CONTINUATION${i === 7 ? ' flags=END_HEADERS' : ''} stream=3 len=50`)));
    assert.equal(verdictOf(lines, 'continuation-flood', ['nghttp2']), 'none');
  });
});

describe('window-update-dribble edges', () => {
  it('Envoy (5 + 2 × (streams + 10 × DATA frames sent)): with 1 stream and no DATA, 7 WINDOW_UPDATEs → nothing, 8 → info', () => {
    // hand-made: the preface has one connection WINDOW_UPDATE from the client
    const lines = (k: number): string[] => [...clientPreface(), wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'), ...Array.from({ length: k }, () => wrote('WINDOW_UPDATE len=4 (conn) incr=1'))];
    assert.equal(verdictOf(lines(6), 'window-update-dribble', ['envoy']), 'none');
    const [f] = byRule(analyzeLines(lines(7), { profiles: ['envoy'] }), 'window-update-dribble');
    assert.equal(f!.severity, 'info');
    assert.equal(f!.line, 6 + 6);
  });
  /** hand-made: the client's stream window of 16,384 filled by the server, then credit `after` seconds later. */
  function zero(after: number): string[] {
    return [
      wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=16384', 0),
      read('SETTINGS len=0', 0),
      wrote('SETTINGS flags=ACK len=0', 0),
      read('SETTINGS flags=ACK len=0', 0),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10', 0),
      read('HEADERS flags=END_HEADERS stream=1 len=5', 0),
      read('DATA stream=1 len=16384 data="x"', 0),
      wrote('WINDOW_UPDATE stream=1 len=4 incr=16384', after),
      read('DATA flags=END_STREAM stream=1 len=10 data="x"', after),
    ];
  }
  it('nginx send_timeout (60 s): credit after 59 s → nothing, after 61 s → info on the late WINDOW_UPDATE', () => {
    assert.equal(verdictOf(zero(59), 'window-update-dribble', ['nginx']), 'none');
    const [f] = byRule(analyzeLines(zero(61), { profiles: ['nginx'] }), 'window-update-dribble');
    assert.equal(f!.severity, 'info');
    assert.equal(f!.line, 7);
    assert.match(f!.message, /send_timeout/);
  });
});
