/**
 * concurrent-streams-exceeded, flow-control-violation and stream-id-violation on labelled hand-made
 * Go http2debug logs (limit − 1 / limit / limit + 1 where there is a limit), and silent on the real Go
 * fixtures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPreface, read, wrote } from '../helpers.ts';
import { analyzeLines, byRule } from './ruleHelpers.ts';

/** hand-made client preface with the server's SETTINGS as given. */
function preface(serverSettings: string, ack = true): string[] {
  return [
    wrote('SETTINGS len=18, settings: ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=4194304, MAX_HEADER_LIST_SIZE=10485760'),
    wrote('WINDOW_UPDATE len=4 (conn) incr=1073741824'),
    read(`SETTINGS len=6, settings: ${serverSettings}`),
    wrote('SETTINGS flags=ACK len=0'),
    ...(ack ? [read('SETTINGS flags=ACK len=0')] : []),
  ];
}
const open = (s: number): string => wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${s} len=10`);

describe('concurrent-streams-exceeded', () => {
  it('the server allows 2: 2 open → nothing, a 3rd → error on its HEADERS (hand-made)', () => {
    const two = [...preface('MAX_CONCURRENT_STREAMS=2'), open(1), open(3)];
    assert.deepEqual(byRule(analyzeLines(two), 'concurrent-streams-exceeded'), []);
    const a = analyzeLines([...two, open(5)]);
    const [f, ...rest] = byRule(a, 'concurrent-streams-exceeded');
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'error');
    assert.equal(f!.stream, 5);
    assert.equal(f!.line, 7);
    assert.match(f!.message, /The client opened stream 5 with 2 streams already open .* over the server's SETTINGS_MAX_CONCURRENT_STREAMS of 2/);
    assert.ok(f!.related.some((r) => r.line === 2 && /MAX_CONCURRENT_STREAMS = 2/.test(r.message)));
  });
  it('a stream closed by both END_STREAMs frees its slot (hand-made)', () => {
    const lines = [...preface('MAX_CONCURRENT_STREAMS=2'), open(1), open(3), read('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=5'), open(5)];
    assert.deepEqual(byRule(analyzeLines(lines), 'concurrent-streams-exceeded'), []);
  });
  it('before the client has read the server\'s SETTINGS, no limit binds it (hand-made)', () => {
    const lines = [wrote('SETTINGS len=0'), open(1), open(3), open(5), read('SETTINGS len=6, settings: MAX_CONCURRENT_STREAMS=1')];
    assert.deepEqual(byRule(analyzeLines(lines), 'concurrent-streams-exceeded'), []);
  });
  it('server side: the client exceeds the server\'s limit only once it acknowledged it (hand-made)', () => {
    const server = (acked: boolean): string[] => [
      'http2: server connection from 127.0.0.1:1 on 0xc0',
      wrote('SETTINGS len=6, settings: MAX_CONCURRENT_STREAMS=1'),
      read('SETTINGS len=0'),
      wrote('SETTINGS flags=ACK len=0'),
      ...(acked ? [read('SETTINGS flags=ACK len=0')] : []),
      read('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_STREAM|END_HEADERS stream=3 len=10'),
    ];
    assert.deepEqual(byRule(analyzeLines(server(false)), 'concurrent-streams-exceeded'), []);
    const [f] = byRule(analyzeLines(server(true)), 'concurrent-streams-exceeded');
    assert.match(f!.message, /The client opened stream 3 with 1 streams already open/);
    assert.ok(f!.related.some((r) => /acknowledged by the client/.test(r.message)));
  });
});

describe('flow-control-violation', () => {
  // hand-made: the server granted the connection plenty, the stream window is the default 65,535
  const base = [...clientPreface(), read('WINDOW_UPDATE len=4 (conn) incr=10000000'), wrote('HEADERS flags=END_HEADERS stream=1 len=10')];
  const data = (len: number): string => wrote(`DATA stream=1 len=${len} data="x"`);
  it('DATA up to the stream window (65,535) → nothing; one byte more → error FLOW_CONTROL_ERROR', () => {
    assert.deepEqual(byRule(analyzeLines([...base, data(65_000), data(535)]), 'flow-control-violation'), []);
    const [f, ...rest] = byRule(analyzeLines([...base, data(65_000), data(536)]), 'flow-control-violation');
    assert.equal(rest.length, 0);
    assert.equal(f!.line, 8);
    assert.match(f!.message, /This endpoint sent 536 bytes of DATA on stream 1 with only 535 bytes left in the stream's flow-control window/);
  });
  it('a WINDOW_UPDATE on the stream gives more room', () => {
    assert.deepEqual(byRule(analyzeLines([...base, data(65_000), read('WINDOW_UPDATE stream=1 len=4 incr=1000'), data(1535)]), 'flow-control-violation'), []);
  });
  it('the connection window (65,535 without a WINDOW_UPDATE) counts across streams', () => {
    const lines = [...clientPreface(), wrote('HEADERS flags=END_HEADERS stream=1 len=10'), wrote('HEADERS flags=END_HEADERS stream=3 len=10'), wrote('DATA stream=1 len=40000 data="x"'), wrote('DATA stream=3 len=25535 data="x"')];
    assert.deepEqual(byRule(analyzeLines(lines), 'flow-control-violation'), []);
    const [f] = byRule(analyzeLines([...lines, wrote('DATA stream=3 len=1 data="x"')]), 'flow-control-violation');
    assert.match(f!.message, /only 0 bytes left in the connection's flow-control window/);
  });
  it('SETTINGS_INITIAL_WINDOW_SIZE from the peer moves open streams\' windows by the difference (§6.9.2)', () => {
    const lines = [...base, read('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=100'), wrote('SETTINGS flags=ACK len=0')];
    assert.deepEqual(byRule(analyzeLines([...lines, data(100)]), 'flow-control-violation'), []);
    assert.equal(byRule(analyzeLines([...lines, data(101)]), 'flow-control-violation').length, 1);
  });
  it('the peer\'s DATA beyond this endpoint\'s window (4,194,304 as it advertised) → error blaming the peer', () => {
    const lines = [...clientPreface(), open(1), read('HEADERS flags=END_HEADERS stream=1 len=5'), read('DATA stream=1 len=4194304 data="x"')];
    assert.deepEqual(byRule(analyzeLines(lines), 'flow-control-violation'), []);
    const [f] = byRule(analyzeLines([...lines, read('DATA stream=1 len=1 data="x"')]), 'flow-control-violation');
    assert.match(f!.message, /^The peer sent 1 bytes of DATA on stream 1/);
  });
  it('a lowered INITIAL_WINDOW_SIZE only binds the peer once acknowledged (frames in flight are not blamed)', () => {
    const lines = [...clientPreface(), open(1), read('HEADERS flags=END_HEADERS stream=1 len=5'), wrote('SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=10'), read('DATA stream=1 len=100 data="x"')];
    assert.deepEqual(byRule(analyzeLines(lines), 'flow-control-violation'), []);
    const acked = [...lines, read('SETTINGS flags=ACK len=0'), read('DATA stream=1 len=4194204 data="x"')];
    assert.equal(byRule(analyzeLines(acked), 'flow-control-violation').length, 1, 'after the ACK the window is 10 − 100 − … and DATA beyond it is an error');
  });
  it('WINDOW_UPDATE with increment 0 → error PROTOCOL_ERROR (stream and connection)', () => {
    const [s] = byRule(analyzeLines([...base, wrote('WINDOW_UPDATE stream=1 len=4 incr=0')]), 'flow-control-violation');
    assert.match(s!.message, /WINDOW_UPDATE with increment 0 on stream 1: a stream error PROTOCOL_ERROR/);
    const [c] = byRule(analyzeLines([...base, read('WINDOW_UPDATE len=4 (conn) incr=0')]), 'flow-control-violation');
    assert.match(c!.message, /^The peer sent a WINDOW_UPDATE with increment 0 for the connection: a connection error PROTOCOL_ERROR/);
  });
  it('a window above 2^31−1 → error; exactly 2^31−1 → nothing', () => {
    const conn = [...clientPreface()];
    assert.deepEqual(byRule(analyzeLines([...conn, read(`WINDOW_UPDATE len=4 (conn) incr=${2 ** 31 - 1 - 65_535}`)]), 'flow-control-violation'), []);
    const [f] = byRule(analyzeLines([...conn, read(`WINDOW_UPDATE len=4 (conn) incr=${2 ** 31 - 65_535}`)]), 'flow-control-violation');
    assert.match(f!.message, /above the maximum of 2\^31−1 = 2,147,483,647/);
  });
  it('a log that joined midway tracks no window (only increment 0 is checked)', () => {
    const lines = [wrote('HEADERS flags=END_HEADERS stream=1 len=10'), wrote('DATA stream=1 len=100000 data="x"'), wrote('WINDOW_UPDATE stream=1 len=4 incr=0')];
    const found = byRule(analyzeLines(lines), 'flow-control-violation');
    assert.equal(found.length, 1);
    assert.match(found[0]!.message, /increment 0/);
  });
});

describe('stream-id-violation', () => {
  it('a new stream id below an earlier one → error (hand-made)', () => {
    const [f, ...rest] = byRule(analyzeLines([...clientPreface(), open(5), open(3)]), 'stream-id-violation');
    assert.equal(rest.length, 0);
    assert.equal(f!.stream, 3);
    assert.match(f!.message, /The client opened stream 3 after stream 5: new stream ids must increase/);
  });
  it('increasing ids with gaps are fine (hand-made)', () => {
    assert.deepEqual(byRule(analyzeLines([...clientPreface(), open(1), open(7), open(9)]), 'stream-id-violation'), []);
  });
  it('the client opening an even stream → error (hand-made)', () => {
    const [f] = byRule(analyzeLines([...clientPreface(), open(1), open(4)]), 'stream-id-violation');
    assert.match(f!.message, /The client opened stream 4, an even id: clients open odd-numbered streams/);
  });
  it('a stream opened after the peer\'s GOAWAY, above its last-stream-id → error; at or below → nothing (hand-made)', () => {
    const before = [...clientPreface(), open(1), open(3), read('GOAWAY len=8 LastStreamID=3 ErrCode=NO_ERROR Debug=""')];
    const [f] = byRule(analyzeLines([...before, open(5)]), 'stream-id-violation');
    assert.match(f!.message, /opened stream 5 after it had received a GOAWAY with last-stream-id 3/);
    assert.ok(f!.related.some((r) => r.line === 7));
    assert.deepEqual(byRule(analyzeLines(before), 'stream-id-violation'), []);
  });
  it('a GOAWAY whose last-stream-id goes up → error; the graceful 2^31−1 then the real id → nothing (hand-made)', () => {
    const up = [...clientPreface(), open(1), read('GOAWAY len=8 LastStreamID=1 ErrCode=NO_ERROR Debug=""'), read('GOAWAY len=8 LastStreamID=3 ErrCode=NO_ERROR Debug=""')];
    const [f] = byRule(analyzeLines(up), 'stream-id-violation');
    assert.match(f!.message, /The server sent a GOAWAY with last-stream-id 3, above the 1 of its earlier GOAWAY/);
    const graceful = [...clientPreface(), open(1), read('GOAWAY len=8 LastStreamID=2147483647 ErrCode=NO_ERROR Debug=""'), read('GOAWAY len=8 LastStreamID=1 ErrCode=NO_ERROR Debug=""')];
    assert.deepEqual(byRule(analyzeLines(graceful), 'stream-id-violation'), []);
  });
  it('only the first 10 per connection are explained, the rest summed up', () => {
    const lines = [...clientPreface(), open(101)];
    for (let s = 1; s < 50; s += 2) lines.push(open(s));
    const found = byRule(analyzeLines(lines), 'stream-id-violation');
    assert.equal(found.length, 11);
    assert.match(found[10]!.message, /^15 more stream-id violations/);
  });
});
