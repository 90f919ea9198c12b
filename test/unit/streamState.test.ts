/**
 * RFC 9113 §5.1 stream states: the `transition` table, and what buildTrace makes of whole
 * (hand-made) logs: CONTINUATION rules, logs that join mid-connection, implicit closing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseGoHttp2debug } from '../../server/src/core/formats/goHttp2debug.ts';
import { FrameType } from '../../server/src/core/model/frame.ts';
import type { FrameLike, StreamStatus } from '../../server/src/core/model/streamState.ts';
import { isStreamFrame, transition } from '../../server/src/core/model/streamState.ts';
import type { Trace } from '../../server/src/core/model/trace.ts';
import { buildTrace } from '../../server/src/core/model/trace.ts';
import { clientPreface, read, wrote } from './helpers.ts';

const ES = 0x1;
const { DATA, HEADERS, PRIORITY, RST_STREAM, WINDOW_UPDATE, CONTINUATION, PUSH_PROMISE } = FrameType;
const sent = (type: number, flags = 0): FrameLike => ({ type, flags, direction: 'sent' });
const recv = (type: number, flags = 0): FrameLike => ({ type, flags, direction: 'received' });
const st = (state: StreamStatus['state'], closedBy?: StreamStatus['closedBy']): StreamStatus => (closedBy ? { state, closedBy } : { state });

/** Runs frames through the state machine from `start`; returns the final status and every violation. */
function run(start: StreamStatus, frames: FrameLike[]): { status: StreamStatus; violations: string[] } {
  let status = start;
  const violations: string[] = [];
  for (const f of frames) {
    const t = transition(status, f);
    if (t.violation) violations.push(`${t.violation.scope}:${t.violation.error}`);
    status = t.after;
  }
  return { status, violations };
}

const trace = (lines: string[]): Trace => buildTrace(parseGoHttp2debug(lines.join('\n')));
const violations = (t: Trace): string[] => t.frames.filter((f) => f.violation).map((f) => `${f.line}:${f.violation!.scope}:${f.violation!.error}`);

describe('transition: legal paths of RFC 9113 §5.1', () => {
  const cases: Array<[string, StreamStatus, FrameLike[], StreamStatus]> = [
    ['idle → open by HEADERS sent', st('idle'), [sent(HEADERS)], st('open')],
    ['idle → open by HEADERS received', st('idle'), [recv(HEADERS)], st('open')],
    ['idle → half-closed (local) by HEADERS+END_STREAM sent', st('idle'), [sent(HEADERS, ES)], st('half-closed (local)')],
    ['idle → half-closed (remote) by HEADERS+END_STREAM received', st('idle'), [recv(HEADERS, ES)], st('half-closed (remote)')],
    ['open → half-closed (local) by DATA+END_STREAM sent', st('open'), [sent(DATA, ES)], st('half-closed (local)')],
    ['open → half-closed (remote) by DATA+END_STREAM received', st('open'), [recv(DATA, ES)], st('half-closed (remote)')],
    ['open stays open on DATA both ways and WINDOW_UPDATE', st('open'), [sent(DATA), recv(DATA), recv(WINDOW_UPDATE), sent(WINDOW_UPDATE)], st('open')],
    ['half-closed (local) → closed by END_STREAM received', st('half-closed (local)'), [recv(HEADERS), recv(DATA), recv(DATA, ES)], st('closed', 'end-stream')],
    ['half-closed (remote) → closed by END_STREAM sent', st('half-closed (remote)'), [sent(HEADERS), sent(DATA, ES)], st('closed', 'end-stream')],
    ['half-closed (remote) may still receive WINDOW_UPDATE and PRIORITY', st('half-closed (remote)'), [recv(WINDOW_UPDATE), recv(PRIORITY)], st('half-closed (remote)')],
    ['half-closed (local) may still send WINDOW_UPDATE', st('half-closed (local)'), [sent(WINDOW_UPDATE)], st('half-closed (local)')],
    ['a request/response exchange: both END_STREAMs close', st('idle'), [sent(HEADERS, ES), recv(HEADERS), recv(DATA), recv(DATA, ES)], st('closed', 'end-stream')],
    ['open → closed by RST_STREAM sent', st('open'), [sent(RST_STREAM)], st('closed', 'reset-sent')],
    ['open → closed by RST_STREAM received', st('open'), [recv(RST_STREAM)], st('closed', 'reset-received')],
    ['half-closed (local) → closed by RST_STREAM sent', st('half-closed (local)'), [sent(RST_STREAM)], st('closed', 'reset-sent')],
    ['half-closed (remote) → closed by RST_STREAM received', st('half-closed (remote)'), [recv(RST_STREAM)], st('closed', 'reset-received')],
    ['reserved (remote) → half-closed (local) by HEADERS received', st('reserved (remote)'), [recv(HEADERS)], st('half-closed (local)')],
    ['reserved (local) → half-closed (remote) by HEADERS sent', st('reserved (local)'), [sent(HEADERS)], st('half-closed (remote)')],
    ['reserved (local) → closed by RST', st('reserved (local)'), [recv(RST_STREAM)], st('closed', 'reset-received')],
  ];
  for (const [name, start, frames, end] of cases) {
    it(name, () => {
      const r = run(start, frames);
      assert.deepEqual(r.violations, []);
      assert.deepEqual(r.status, end);
    });
  }

  it('PRIORITY is allowed in every state and changes nothing', () => {
    const states: StreamStatus[] = [st('idle'), st('reserved (local)'), st('reserved (remote)'), st('open'), st('half-closed (local)'), st('half-closed (remote)'), st('closed', 'end-stream'), st('closed', 'reset-sent'), st('closed', 'reset-received'), st('unknown')];
    for (const s of states) {
      for (const f of [sent(PRIORITY), recv(PRIORITY)]) {
        const t = transition(s, f);
        assert.equal(t.violation, undefined, `${s.state} ${f.direction}`);
        assert.deepEqual(t.after, s);
      }
    }
  });

  it('tolerated on closed streams: RST_STREAM and WINDOW_UPDATE either way (they cross on the wire)', () => {
    for (const by of ['end-stream', 'reset-sent', 'reset-received', 'implicit'] as const) {
      const r = run(st('closed', by), [recv(RST_STREAM), sent(RST_STREAM), recv(WINDOW_UPDATE), sent(WINDOW_UPDATE)]);
      assert.deepEqual(r.violations, [], by);
      assert.deepEqual(r.status, st('closed', by));
    }
  });

  it('tolerated: anything received after this endpoint sent RST_STREAM (§5.1 closed: must be minimally processed)', () => {
    const r = run(st('open'), [sent(RST_STREAM), recv(HEADERS), recv(DATA), recv(DATA, ES), recv(CONTINUATION), recv(WINDOW_UPDATE), recv(RST_STREAM)]);
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.status, st('closed', 'reset-sent'));
  });

  it('tolerated: frames sent after the peer reset the stream (ours were in flight)', () => {
    assert.deepEqual(run(st('open'), [recv(RST_STREAM), sent(DATA), sent(DATA, ES)]).violations, []);
  });

  it('unknown state (log joined late): nothing is a violation, RST closes', () => {
    const r = run(st('unknown'), [recv(DATA), sent(WINDOW_UPDATE), recv(DATA, ES), sent(DATA)]);
    assert.deepEqual(r.violations, []);
    assert.equal(r.status.state, 'unknown');
    assert.deepEqual(run(st('unknown'), [sent(RST_STREAM)]).status, st('closed', 'reset-sent'));
  });
});

describe('transition: violations', () => {
  it('DATA on an idle stream → connection PROTOCOL_ERROR (either direction)', () => {
    for (const f of [recv(DATA), sent(DATA), recv(WINDOW_UPDATE), recv(CONTINUATION)]) {
      const t = transition(st('idle'), f);
      assert.deepEqual(t.violation && [t.violation.scope, t.violation.error], ['connection', 'PROTOCOL_ERROR']);
      assert.match(t.violation!.why, /idle/);
    }
  });

  it('RST_STREAM on an idle stream → PROTOCOL_ERROR, and the stream is closed', () => {
    const t = transition(st('idle'), recv(RST_STREAM));
    assert.equal(t.violation?.error, 'PROTOCOL_ERROR');
    assert.deepEqual(t.after, st('closed', 'reset-received'));
  });

  it('DATA received in half-closed (remote) → stream STREAM_CLOSED', () => {
    for (const type of [DATA, HEADERS, CONTINUATION]) {
      const t = transition(st('half-closed (remote)'), recv(type));
      assert.deepEqual(t.violation && [t.violation.scope, t.violation.error], ['stream', 'STREAM_CLOSED']);
      assert.match(t.violation!.why, /after the peer had already sent END_STREAM/);
    }
  });

  it('DATA sent after this endpoint\'s own END_STREAM → STREAM_CLOSED', () => {
    const r = run(st('idle'), [sent(HEADERS, ES), sent(DATA)]);
    assert.deepEqual(r.violations, ['stream:STREAM_CLOSED']);
    assert.match(transition(st('half-closed (local)'), sent(DATA)).violation!.why, /sent after this endpoint had already sent END_STREAM/);
  });

  it('DATA received on a stream both sides closed with END_STREAM → STREAM_CLOSED', () => {
    const t = transition(st('closed', 'end-stream'), recv(DATA));
    assert.equal(t.violation?.error, 'STREAM_CLOSED');
    assert.match(t.violation!.why, /both sides had already closed/);
  });

  it('DATA received after the peer itself reset the stream → STREAM_CLOSED', () => {
    assert.equal(run(st('open'), [recv(RST_STREAM), recv(DATA)]).violations[0], 'stream:STREAM_CLOSED');
  });

  it('DATA sent on a stream closed by END_STREAM → STREAM_CLOSED', () => {
    assert.equal(transition(st('closed', 'end-stream'), sent(DATA)).violation?.error, 'STREAM_CLOSED');
  });

  it('reserved streams: DATA → PROTOCOL_ERROR', () => {
    assert.equal(transition(st('reserved (local)'), recv(DATA)).violation?.error, 'PROTOCOL_ERROR');
    assert.equal(transition(st('reserved (remote)'), recv(DATA)).violation?.error, 'PROTOCOL_ERROR');
  });

  it('isStreamFrame: only stream frames with a stream id go through the machine', () => {
    assert.equal(isStreamFrame(DATA, 1), true);
    assert.equal(isStreamFrame(PUSH_PROMISE, 1), true);
    assert.equal(isStreamFrame(WINDOW_UPDATE, 0), false);
    assert.equal(isStreamFrame(FrameType.PING, 0), false);
    assert.equal(isStreamFrame(FrameType.PRIORITY_UPDATE, 1), false, 'extension frames are ignored');
    assert.equal(isStreamFrame(12, 1), false);
    assert.equal(isStreamFrame(-1, 1), false, 'an unnamed extension frame (x/net ≥ v0.50) is ignored');
  });
});

describe('buildTrace: whole logs (hand-made)', () => {
  it('a request/response, with states recorded on each frame', () => {
    const t = trace([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
    ]);
    assert.deepEqual(violations(t), []);
    const s = t.connections[0]!.streams.get(1)!;
    assert.equal(s.status.state, 'closed');
    assert.deepEqual(s.frames.map((i) => [t.frames.get(i)!.stateBefore, t.frames.get(i)!.stateAfter]), [
      ['idle', 'half-closed (local)'], ['half-closed (local)', 'half-closed (local)'], ['half-closed (local)', 'closed'],
    ]);
    assert.equal(s.endStreamSent, 5);
    assert.equal(s.endStreamReceived, 7);
    assert.equal(s.dataBytesReceived, 2);
  });

  it('HEADERS without END_HEADERS followed by CONTINUATIONs is fine', () => {
    const t = trace([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM stream=1 len=16384'),
      read('WINDOW_UPDATE len=4 (conn) incr=10'), // the other direction may interleave
      wrote('CONTINUATION stream=1 len=16384'),
      wrote('CONTINUATION flags=END_HEADERS stream=1 len=100'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('CONTINUATION flags=END_HEADERS stream=1 len=5'), // that HEADERS had END_HEADERS: this one is an orphan
    ]);
    assert.deepEqual(violations(t), ['10:connection:PROTOCOL_ERROR'], 'only the orphan, not the continued block');
    const ok = trace([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM stream=1 len=16384'),
      wrote('CONTINUATION stream=1 len=16384'),
      wrote('CONTINUATION flags=END_HEADERS stream=1 len=100'),
      read('PUSH_PROMISE stream=1 len=20'),
      read('CONTINUATION flags=END_HEADERS stream=1 len=20'),
      read('HEADERS stream=1 len=5'),
      read('CONTINUATION flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=0 data=""'),
    ]);
    assert.deepEqual(violations(ok), []);
    assert.equal(ok.connections[0]!.streams.get(1)!.status.state, 'closed');
  });

  it('an orphan CONTINUATION is a connection PROTOCOL_ERROR', () => {
    const t = trace([...clientPreface(), read('CONTINUATION flags=END_HEADERS stream=1 len=5')]);
    assert.equal(t.frames.get(5)!.violation?.error, 'PROTOCOL_ERROR');
    assert.match(t.frames.get(5)!.violation!.why, /CONTINUATION without a preceding HEADERS/);
  });

  it('another frame, or a CONTINUATION of another stream, inside an open field block is a PROTOCOL_ERROR', () => {
    const a = trace([...clientPreface(), wrote('HEADERS stream=1 len=5'), wrote('DATA stream=1 len=1 data="x"')]);
    assert.match(a.frames.get(6)!.violation!.why, /field block of stream 1 is still open/);
    const b = trace([...clientPreface(), wrote('HEADERS stream=1 len=5'), wrote('CONTINUATION flags=END_HEADERS stream=3 len=5')]);
    assert.match(b.frames.get(6)!.violation!.why, /CONTINUATION on stream 3 while the field block of stream 1 is open/);
  });

  it('a log that joins mid-connection (first frame not SETTINGS) gives no idle violations', () => {
    const t = trace([
      read('DATA stream=5 len=10 data="0123456789"'),
      wrote('WINDOW_UPDATE stream=5 len=4 incr=10'),
      read('CONTINUATION flags=END_HEADERS stream=7 len=5'),
      read('DATA flags=END_STREAM stream=5 len=0 data=""'),
      wrote('RST_STREAM stream=3 len=4 ErrCode=CANCEL'),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=9 len=10'),
      read('HEADERS flags=END_HEADERS stream=9 len=5'),
      read('DATA flags=END_STREAM stream=9 len=2 data="ok"'),
    ]);
    assert.equal(t.connections[0]!.joinedMidway, true);
    assert.deepEqual(violations(t), []);
    assert.equal(t.connections[0]!.streams.get(5)!.status.state, 'unknown');
    assert.equal(t.connections[0]!.streams.get(9)!.status.state, 'closed');
  });

  it('the same DATA on an idle stream of a log that starts with SETTINGS is a violation', () => {
    const t = trace([...clientPreface(), read('DATA stream=5 len=10 data="0123456789"')]);
    assert.deepEqual(violations(t), ['5:connection:PROTOCOL_ERROR']);
  });

  it('opening stream N closes lower idle streams implicitly (§5.1.1): late frames there are tolerated', () => {
    const t = trace([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=5 len=10'),
      read('WINDOW_UPDATE stream=3 len=4 incr=1'),
      read('RST_STREAM stream=1 len=4 ErrCode=STREAM_CLOSED'),
    ]);
    assert.deepEqual(violations(t), []);
    assert.deepEqual(t.connections[0]!.streams.get(3)!.status, { state: 'closed', closedBy: 'implicit' });
  });

  it('an unnamed extension frame (x/net ≥ v0.50 `read  stream=1 len=4`) is ignored, not an idle-stream violation', () => {
    const t = trace([...clientPreface(), read(' stream=1 len=4'), read('UNKNOWN_FRAME_TYPE_12 stream=3 len=4')]);
    assert.deepEqual(violations(t), []);
    assert.equal(t.connections[0]!.streams.size, 0);
  });

  it('stream ids are split by initiator: odd client, even server (push)', () => {
    const t = trace([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      read('PUSH_PROMISE flags=END_HEADERS stream=1 len=20'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
    ]);
    assert.equal(t.connections[0]!.streams.get(1)!.initiator, 'client');
    assert.equal(t.connections[0]!.role, 'client');
    assert.deepEqual(violations(t), []);
  });

  it('10^5 connections of one stream each fit in a 256 MB heap (stream pages start small)', () => {
    // In a child process with a small heap: pages of 4096 ids made whole (32 KB each) needed 3 GB here.
    const child = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', resolve(__dirname, 'manyConnections.child.ts'), '100000'], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr.slice(-2000));
    assert.deepEqual(JSON.parse(child.stdout), { connections: 100_000, streams: 100_000 });
  });

  it('a stream whose id jumped far ahead keeps its frames when the dense ids later reach it', () => {
    // Stream 20001 opens first (a jump: it is kept apart from the dense ids), then ids 1…20003 are
    // opened in order; frames on 20001 afterwards must still land on the stream first opened there.
    const opened = Array.from({ length: 10_002 }, (_, k) => wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${2 * k + 1} len=10`));
    const t = trace([
      ...clientPreface(),
      wrote('HEADERS flags=END_HEADERS stream=20001 len=10'),
      ...opened.filter((_, k) => 2 * k + 1 !== 20001),
      wrote('DATA flags=END_STREAM stream=20001 len=3 data="abc"'),
    ]);
    const conn = t.connections[0]!;
    const jumped = conn.streams.get(20001)!;
    assert.equal(conn.streams.size, 10_002);
    assert.equal(jumped.frames.length, 2);
    assert.equal(jumped.dataBytesSent, 3);
    assert.equal(jumped.status.state, 'half-closed (local)');
    // Every frame of the connection is listed once, in log order.
    assert.deepEqual(conn.frames, t.frames.map((f) => f.index));
  });
});
