/**
 * The Go GODEBUG=http2debug parser: checked against the truth of real Go runs (test/fixtures, see
 * their truth.json), then line by line against hand-made lines built from the exact Go format
 * strings (golang/net http2/frame.go summarizeFrame, log package prefixes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../server/src/core/analyze.ts';
import { findHttp2Message, parseFrameSummary, parseGoHttp2debug } from '../../server/src/core/formats/goHttp2debug.ts';
import { decodeGoQuoted } from '../../server/src/core/formats/goQuoted.ts';
import { parseLeadingTimestamp } from '../../server/src/core/formats/timestamps.ts';
import type { FrameEvent } from '../../server/src/core/model/frame.ts';
import { FrameType } from '../../server/src/core/model/frame.ts';
import { buildTrace } from '../../server/src/core/model/trace.ts';
import { ErrorCode, NGHTTP2_ERR_FLOODED_ON_WIRE } from '../../server/src/core/knowledge/rfc9113.ts';
import { clientPreface, expected, fixture, FRAMER, goRuns, hex, linesOf, pingQ, read, wrote } from './helpers.ts';

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** Frames counted by type name, per direction. */
function countByType(frames: Iterable<FrameEvent>, direction: 'sent' | 'received'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of frames) if (f.direction === direction) out[f.typeName] = (out[f.typeName] ?? 0) + 1;
  return out;
}

/** Parses one hand-made line and returns its only frame. */
function one(line: string): FrameEvent {
  const p = parseGoHttp2debug(line);
  assert.equal(p.frames.length, 1, `expected one frame from: ${line}`);
  return p.frames.get(0)!;
}

describe('Go parser on the real Go fixtures (truth.json)', () => {
  for (const run of goRuns()) {
    const clientText = fixture(`${run.scenario}/${run.files.client_log}`);
    const serverText = fixture(`${run.scenario}/${run.files.server_log}`);
    const client = parseGoHttp2debug(clientText);
    const server = parseGoHttp2debug(serverText);
    const rstCancel = expected(run, 'client-rst-stream-cancel').streams!;

    describe(run.name, () => {
      it('client log: frames by type and direction are the truth\'s client_frames', () => {
        assert.deepEqual(countByType(client.frames, 'sent'), run.client_frames.written);
        assert.deepEqual(countByType(client.frames, 'received'), run.client_frames.read);
      });

      it('server log: frames are the mirror image (what the client wrote the server read)', () => {
        // Checked against the files: `grep -o 'Framer 0x[0-9a-f]*: read [A-Z_]*' server.log | sort | uniq -c`
        // gives exactly the client's `written` counts, and `wrote` the client's `read` counts.
        assert.deepEqual(countByType(server.frames, 'received'), run.client_frames.written);
        assert.deepEqual(countByType(server.frames, 'sent'), run.client_frames.read);
      });

      it('one connection, 40 streams, roles client/server', () => {
        for (const [p, role] of [[client, 'client'], [server, 'server']] as const) {
          const trace = buildTrace(p);
          assert.equal(trace.connections.length, run.connections);
          assert.equal(p.connections.size, 1);
          assert.equal(trace.connections[0]!.streams.size, run.deliberate.requests);
          assert.equal(trace.connections[0]!.role, role);
          assert.equal(trace.connections[0]!.joinedMidway, false);
        }
      });

      it('RST_STREAM CANCEL stream ids are the truth\'s client-rst-stream-cancel', () => {
        const sent = client.frames.filter((f) => f.type === FrameType.RST_STREAM && f.direction === 'sent');
        assert.deepEqual(sent.map((f) => f.streamId), rstCancel);
        assert.ok(sent.every((f) => f.errorCode === ErrorCode.CANCEL));
        const got = server.frames.filter((f) => f.type === FrameType.RST_STREAM && f.direction === 'received');
        assert.deepEqual(got.map((f) => f.streamId), run.server_rst_read);
        assert.deepEqual(got.map((f) => f.streamId), rstCancel);
        assert.ok(got.every((f) => f.errorCode === ErrorCode.CANCEL));
      });

      it('decoded hpack fields are attached to the HEADERS read', () => {
        const responses = client.frames.filter((f) => f.type === FrameType.HEADERS && f.direction === 'received');
        assert.equal(responses.length, 40);
        for (const h of responses) {
          assert.equal(h.headers?.find((x) => x.name === ':status')?.value, '200', `stream ${h.streamId}`);
        }
        // Every `decoded hpack field` line of the client log lands on exactly one HEADERS read.
        const decodedLines = linesOf(clientText).filter((l) => l.includes('http2: decoded hpack field ')).length;
        assert.equal(responses.reduce((n, h) => n + h.headers!.length, 0), decodedLines);
        const requests = server.frames.filter((f) => f.type === FrameType.HEADERS && f.direction === 'received');
        assert.equal(requests.length, 40);
        for (const h of requests) {
          assert.equal(h.headers?.find((x) => x.name === ':method')?.value, 'GET');
          const path = h.headers?.find((x) => x.name === ':path')?.value;
          assert.ok(path?.endsWith(`/${(h.streamId + 1) / 2}`), `request i uses stream 2i-1: ${path} on ${h.streamId}`);
        }
      });

      it('Transport encoding header lines are attached to the client\'s written HEADERS', () => {
        const written = client.frames.filter((f) => f.type === FrameType.HEADERS && f.direction === 'sent');
        assert.equal(written.length, 40);
        for (const h of written) {
          const names = h.headers?.map((x) => x.name);
          assert.deepEqual(names?.slice(0, 4), [':authority', ':method', ':path', ':scheme'], `stream ${h.streamId}`);
        }
        // Every `Transport encoding header` line lands on exactly one written HEADERS.
        const encodingLines = linesOf(clientText).filter((l) => l.includes('http2: Transport encoding header ')).length;
        assert.equal(written.reduce((n, h) => n + h.headers!.length, 0), encodingLines);
        // The server side: `server encoding header ":status" = "200"` before each response HEADERS.
        const responses = server.frames.filter((f) => f.type === FrameType.HEADERS && f.direction === 'sent');
        assert.ok(responses.every((h) => h.headers?.[0]?.name === ':status' && h.headers[0].value === '200'));
      });

      it('echo lines (Transport received / server read frame) are not frames', () => {
        for (const [text, p] of [[clientText, client], [serverText, server]] as const) {
          const lines = linesOf(text);
          const framerLines = lines.filter((l) => /http2: Framer 0x[0-9a-f]+: (wrote|read) /.test(l)).length;
          assert.equal(p.frames.length, framerLines);
          assert.ok(lines.some((l) => l.includes('http2: Transport received ') || l.includes('http2: server read frame ')));
          for (const f of p.frames) assert.match(lines[f.line]!, /http2: Framer 0x/);
        }
      });

      it('timestamps of the log prefix are decoded', () => {
        const first = client.frames.get(0)!;
        const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) /.exec(linesOf(clientText)[first.line]!)!;
        assert.equal(first.time, Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
      });
    });
  }

  it('without the level-1 lines the roles are still inferred (from who sends HEADERS on odd streams)', () => {
    const run = goRuns()[0]!;
    for (const [file, role] of [[run.files.client_log, 'client'], [run.files.server_log, 'server']] as const) {
      const only = linesOf(fixture(`${run.scenario}/${file}`)).filter((l) => l.includes('http2: Framer ')).join('\n');
      const trace = buildTrace(parseGoHttp2debug(only));
      assert.equal(trace.connections[0]!.role, role);
    }
  });

  it('the flood client\'s Framer-only logs: CONTINUATION and rapid-reset floods', () => {
    const nginx = parseGoHttp2debug(fixture('floods/nginx/continuation/client.log'));
    const sent = countByType(nginx.frames, 'sent');
    assert.equal(sent['CONTINUATION'], 10000);
    assert.deepEqual(countByType(nginx.frames, 'received'), { SETTINGS: 2, WINDOW_UPDATE: 1, GOAWAY: 1 });
    const goaway = nginx.frames.find((f) => f.type === FrameType.GOAWAY)!;
    assert.equal(goaway.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(goaway.lastStreamId, 1);
    assert.equal(goaway.debugData, '');

    const h2o = parseGoHttp2debug(fixture('floods/h2o/continuation/client.log'));
    assert.deepEqual(countByType(h2o.frames, 'received'), { SETTINGS: 2, GOAWAY: 1, RST_STREAM: 1 });
    const g = h2o.frames.find((f) => f.type === FrameType.GOAWAY)!;
    assert.equal(g.errorCode, ErrorCode.PROTOCOL_ERROR);
    assert.equal(g.debugData, 'unexpected stream id in CONTINUATION frame');
    assert.equal(h2o.frames.find((f) => f.type === FrameType.RST_STREAM)!.errorCode, ErrorCode.REFUSED_STREAM);

    const rr = parseGoHttp2debug(fixture('floods/nghttpd/rapid-reset/client.log'));
    const trace = buildTrace(rr);
    assert.equal(trace.connections[0]!.streams.size, 1000);
    assert.equal(rr.frames.filter((f) => f.type === FrameType.RST_STREAM && f.direction === 'sent' && f.errorCode === ErrorCode.CANCEL).length, 1000);
    assert.equal(trace.connections[0]!.role, 'client');
  });

  it('the 10,000-PING flood log (gzipped fixture)', () => {
    const p = parseGoHttp2debug(fixture('floods/go-xnet/ping/client.log.gz'));
    assert.equal(p.frames.filter((f) => f.type === FrameType.PING && f.direction === 'sent' && f.flags === 0).length, 10000);
    assert.equal(p.frames.filter((f) => f.type === FrameType.PING && f.direction === 'received' && f.flags === 1).length, 10000);
  });
});

describe('Go parser: every frame type\'s summary (hand-made from summarizeFrame\'s format strings)', () => {
  it('DATA: data=%q and (N bytes omitted)', () => {
    // hand-made: DATA longer than 256 bytes, the rest omitted
    const f = one(wrote('DATA stream=3 len=300 data="xxxxxxxxxx" (44 bytes omitted)'));
    assert.equal(f.type, FrameType.DATA);
    assert.equal(f.direction, 'sent');
    assert.equal(f.streamId, 3);
    assert.equal(f.length, 300);
    assert.equal(f.dataPreview, 'xxxxxxxxxx');
    assert.equal(f.dataOmitted, 44);
    // hand-made: empty END_STREAM terminator
    const e = one(read('DATA flags=END_STREAM stream=1 len=0 data=""'));
    assert.equal(e.flags, 0x1);
    assert.equal(e.dataPreview, '');
    assert.equal(e.dataOmitted, undefined);
    // hand-made: PADDED
    assert.equal(one(read('DATA flags=END_STREAM|PADDED stream=1 len=10 data="abc"')).flags, 0x9);
  });

  it('DATA: Go-quoted escapes (\\x00 \\t \\a \\" \\\\ \\n, raw UTF-8)', () => {
    // hand-made: %q of the bytes 00 09 07 22 5c 0a then "é日本" raw
    const f = one(read('DATA stream=1 len=15 data="\\x00\\t\\a\\"\\\\\\né日本"'));
    assert.equal(f.dataPreview, '\u0000\t\u0007"\\\né日本');
    // hand-made: real gzip preview from golang/go#16974
    const g = one(read('DATA stream=1 len=10 data="\\x1f\\x8b\\b\\x00\\x00\\tn\\x88"'));
    assert.equal(g.dataPreview!.charCodeAt(0), 0x1f);
    const q = decodeGoQuoted('"\\x1f\\x8b\\b\\x00\\x00\\tn\\x88"', 0);
    assert.deepEqual(q.bytes, [0x1f, 0x8b, 8, 0, 0, 9, 0x6e, 0x88]);
    assert.equal(q.end, 27);
  });

  it('HEADERS / PRIORITY / PUSH_PROMISE / CONTINUATION: flags and stream', () => {
    // hand-made: flags are printed by ascending bit
    const h = one(wrote('HEADERS flags=END_STREAM|END_HEADERS|PADDED|PRIORITY stream=5 len=36'));
    assert.equal(h.type, FrameType.HEADERS);
    assert.equal(h.flags, 0x1 | 0x4 | 0x8 | 0x20);
    assert.equal(h.streamId, 5);
    // hand-made
    const p = one(read('PRIORITY stream=3 len=5'));
    assert.equal(p.type, FrameType.PRIORITY);
    assert.equal(p.flags, 0);
    // hand-made
    const pp = one(read('PUSH_PROMISE flags=END_HEADERS stream=1 len=25'));
    assert.equal(pp.type, FrameType.PUSH_PROMISE);
    assert.equal(pp.flags, 0x4);
    // hand-made
    const c = one(wrote('CONTINUATION flags=END_HEADERS stream=1 len=1200'));
    assert.equal(c.type, FrameType.CONTINUATION);
    assert.equal(c.flags, 0x4);
    assert.equal(c.length, 1200);
  });

  it('SETTINGS: the settings list, ACK, none, unknown ids', () => {
    // hand-made: [lab] shape
    const s = one(wrote('SETTINGS len=18, settings: ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=4194304, MAX_HEADER_LIST_SIZE=10485760'));
    assert.equal(s.type, FrameType.SETTINGS);
    assert.equal(s.streamId, 0);
    assert.deepEqual(s.settings, [['ENABLE_PUSH', 0], ['INITIAL_WINDOW_SIZE', 4194304], ['MAX_HEADER_LIST_SIZE', 10485760]]);
    // hand-made
    const a = one(read('SETTINGS flags=ACK len=0'));
    assert.equal(a.flags, 0x1);
    assert.ok(a.settings === undefined || a.settings.length === 0);
    // hand-made: older Go names unknown ids UNKNOWN_SETTING_%d; x/net ≥ v0.50 knows NO_RFC7540_PRIORITIES
    const u = one(read('SETTINGS len=12, settings: UNKNOWN_SETTING_8=1, NO_RFC7540_PRIORITIES=1'));
    assert.deepEqual(u.settings, [['UNKNOWN_SETTING_8', 1], ['NO_RFC7540_PRIORITIES', 1]]);
  });

  it('PING and PING ACK: the 8 opaque bytes', () => {
    // hand-made: grpc-go BDP ping as Go prints it
    const p = one(read('PING len=8 ping="\\x02\\x04\\x10\\x10\\t\\x0e\\a\\a"'));
    assert.equal(p.type, FrameType.PING);
    assert.equal(p.pingPayload, '02041010090e0707');
    // hand-made: Rust h2 user ping, with raw printable bytes
    const a = one(read('PING flags=ACK len=8 ping=";|\\xdbz\\v\\x87\\x16\\xb4"'));
    assert.equal(a.flags, 0x1);
    assert.equal(a.pingPayload, '3b7cdb7a0b8716b4');
  });

  it('GOAWAY: LastStreamID, ErrCode, Debug (too_many_pings)', () => {
    // hand-made: the real grpc-go line of grpc/grpc-go PR #2602
    const g = one(read('GOAWAY len=22 LastStreamID=0 ErrCode=ENHANCE_YOUR_CALM Debug="too_many_pings"'));
    assert.equal(g.type, FrameType.GOAWAY);
    assert.equal(g.lastStreamId, 0);
    assert.equal(g.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(g.debugData, 'too_many_pings');
    // hand-made: graceful
    const n = one(wrote('GOAWAY len=8 LastStreamID=3 ErrCode=NO_ERROR Debug=""'));
    assert.equal(n.lastStreamId, 3);
    assert.equal(n.errorCode, ErrorCode.NO_ERROR);
    assert.equal(n.debugData, '');
  });

  it('ErrCode=unknown error code 0x… (contains spaces) in RST_STREAM and GOAWAY', () => {
    // hand-made: Apache mod_http2's flood verdict (-904) as Go prints an unknown code
    const r = one(read('RST_STREAM stream=3 len=4 ErrCode=unknown error code 0xfffffc78'));
    assert.equal(r.type, FrameType.RST_STREAM);
    assert.equal(r.errorCode, NGHTTP2_ERR_FLOODED_ON_WIRE);
    // hand-made
    const g = one(read('GOAWAY len=75 LastStreamID=0 ErrCode=unknown error code 0xfffffc78 Debug="Flooding was detected in this HTTP/2 session, and it must be closed"'));
    assert.equal(g.errorCode, 0xfffffc78);
    assert.equal(g.lastStreamId, 0);
    assert.equal(g.debugData, 'Flooding was detected in this HTTP/2 session, and it must be closed');
  });

  it('WINDOW_UPDATE: (conn) and per stream', () => {
    // hand-made
    const c = one(wrote('WINDOW_UPDATE len=4 (conn) incr=1073741824'));
    assert.equal(c.type, FrameType.WINDOW_UPDATE);
    assert.equal(c.streamId, 0);
    assert.equal(c.increment, 1073741824);
    // hand-made
    const s = one(read('WINDOW_UPDATE stream=1 len=4 incr=32768'));
    assert.equal(s.streamId, 1);
    assert.equal(s.increment, 32768);
  });

  it('x/net ≥ v0.50 empty type name, UNKNOWN_FRAME_TYPE_n, PRIORITY_UPDATE, unknown flag bits', () => {
    // hand-made: types 0x0a–0x0f print an empty name: `read  stream=1 len=4` (two spaces)
    const e = one(read(' stream=1 len=4'));
    assert.equal(e.typeName, '');
    assert.equal(e.streamId, 1);
    assert.equal(e.length, 4);
    // hand-made: older x/net
    const u = one(read('UNKNOWN_FRAME_TYPE_12 stream=1 len=4'));
    assert.equal(u.type, 12);
    assert.equal(u.typeName, 'UNKNOWN_FRAME_TYPE_12');
    // hand-made
    assert.equal(one(read('PRIORITY_UPDATE len=9')).type, FrameType.PRIORITY_UPDATE);
    // hand-made: a bit without a name for the type prints as 0x%x
    const f = one(wrote('DATA flags=END_STREAM|0x2 stream=1 len=0 data=""'));
    assert.equal(f.flags, 0x3);
    assert.equal(one(read('WINDOW_UPDATE flags=0x80 stream=1 len=4 incr=1')).flags, 0x80);
  });

  it('lines that are not frames are skipped', () => {
    const p = parseGoHttp2debug([
      // hand-made: Framer failure line
      `http2: Framer ${FRAMER}: failed to decode just-written frame`,
      // hand-made: garbage type / flag names
      wrote('BOGUS len=1'),
      wrote('DATA flags=NOT_A_FLAG stream=1 len=1 data="x"'),
      wrote('DATA stream=1 data="no len"'),
      // hand-made: level-1 lines that are not frames
      'http2: Transport failed to get client conn for 127.0.0.1:1: http2: no cached connection was available',
      'http2: server processing setting [ENABLE_PUSH = 0]',
      'http2: Transport readFrame error on conn 0xc0: (*errors.errorString) EOF',
    ].join('\n'));
    assert.equal(p.frames.length, 0);
    assert.equal(p.lineCount, 7);
  });

  it('parseFrameSummary reads the grammar from an offset', () => {
    const s = 'xx HEADERS flags=END_STREAM|END_HEADERS stream=7 len=36 tail';
    const sum = parseFrameSummary(s, 3)!;
    assert.equal(sum.type, FrameType.HEADERS);
    assert.equal(sum.flags, 0x5);
    assert.equal(sum.streamId, 7);
    assert.equal(sum.length, 36);
    assert.equal(sum.rest, ' tail');
    assert.equal(parseFrameSummary('NOPE len=1', 0), undefined);
  });
});

describe('Go parser: level-1 and hpack lines', () => {
  it('client: creating client conn names peer and role; encoding headers go to the written HEADERS; readFrame error ends it', () => {
    const text = [
      // hand-made: catalogue §1.4 B, format strings with invented values
      'http2: Transport creating client conn 0xc000108300 to 127.0.0.1:45425',
      ...clientPreface(),
      'http2: Transport encoding header ":authority" = "example.com"',
      'http2: Transport encoding header ":method" = "POST"',
      'http2: Transport encoding header ":path" = "/a\\tb"',
      wrote('HEADERS flags=END_HEADERS stream=1 len=20'),
      read('HEADERS flags=END_HEADERS stream=1 len=5'),
      'http2: decoded hpack field header field ":status" = "204"',
      'http2: decoded hpack field header field "x-secret" = "s3" (sensitive)',
      'http2: Transport received HEADERS flags=END_HEADERS stream=1 len=5',
      'http2: Transport readFrame error on conn 0xc000108300: (*errors.errorString) EOF',
    ].join('\n');
    const p = parseGoHttp2debug(text);
    const c = p.connections.get(FRAMER)!;
    assert.equal(c.role, 'client');
    assert.equal(c.peer, '127.0.0.1:45425');
    assert.equal(c.line, 0);
    assert.equal(c.endNote, '(*errors.errorString) EOF');
    assert.equal(c.endLine, 14);
    const req = p.frames.find((f) => f.type === FrameType.HEADERS && f.direction === 'sent')!;
    assert.deepEqual(req.headers?.map((h) => [h.name, h.value]), [[':authority', 'example.com'], [':method', 'POST'], [':path', '/a\tb']]);
    const resp = p.frames.find((f) => f.type === FrameType.HEADERS && f.direction === 'received')!;
    assert.deepEqual(resp.headers?.map((h) => [h.name, h.value]), [[':status', '204'], ['x-secret', 's3']]);
    assert.equal(p.frames.length, 7, 'the Transport received echo is not a frame');
    const trace = buildTrace(p);
    const s = trace.connections[0]!.streams.get(1)!;
    assert.equal(s.method, 'POST');
    assert.equal(s.status_, '204');
  });

  it('hpack fields decoded after a CONTINUATION belong to the HEADERS that opened the field block', () => {
    const p = parseGoHttp2debug([
      ...clientPreface(),
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'),
      // hand-made: Go decodes each fragment as it reads it, so the fields interleave with the frames
      read('HEADERS stream=1 len=16384'),
      'http2: decoded hpack field header field "x-big" = "aaaa"',
      read('CONTINUATION flags=END_HEADERS stream=1 len=20'),
      'http2: decoded hpack field header field ":status" = "200"',
      read('DATA flags=END_STREAM stream=1 len=2 data="ok"'),
    ].join('\n'));
    const h = p.frames.find((f) => f.type === FrameType.HEADERS && f.direction === 'received')!;
    assert.deepEqual(h.headers?.map((x) => x.name), ['x-big', ':status']);
    assert.equal(buildTrace(p).connections[0]!.streams.get(1)!.status_, '200');
  });

  it('server: server connection from names the peer, role server', () => {
    const p = parseGoHttp2debug([
      // hand-made
      'http2: server connection from 127.0.0.1:41040 on 0xc00011a000',
      wrote('SETTINGS len=0'),
      read('SETTINGS len=0'),
      read('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=13'),
      'http2: decoded hpack field header field ":method" = "GET"',
      'http2: decoded hpack field header field ":path" = "/x"',
      'http2: server read frame HEADERS flags=END_STREAM|END_HEADERS stream=1 len=13',
      'http2: server encoding header ":status" = "200"',
      wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=3'),
    ].join('\n'));
    const c = p.connections.get(FRAMER)!;
    assert.equal(c.role, 'server');
    assert.equal(c.peer, '127.0.0.1:41040');
    assert.equal(p.frames.length, 4);
    assert.equal(p.frames.get(3)!.headers?.[0]?.value, '200');
  });

  it('http2debug=1 (no Framer lines): the echoes become the frames, with a note', () => {
    const p = parseGoHttp2debug([
      // hand-made: level-1 only client
      'http2: Transport received SETTINGS len=0',
      'http2: Transport received HEADERS flags=END_HEADERS stream=1 len=5',
      'http2: Transport received DATA flags=END_STREAM stream=1 len=2 data="ok"',
    ].join('\n'));
    assert.equal(p.frames.length, 3);
    assert.ok(p.frames.every((f) => f.direction === 'received' && f.connection === 'transport'));
    assert.equal(p.connections.get('transport')?.role, 'client');
    assert.equal(p.frames.get(2)!.dataPreview, 'ok');
    assert.match(p.notes.join(' '), /http2debug=2/);
  });
});

describe('Go parser: log prefixes (log flags, prefixes, container runtimes, slog)', () => {
  const MSG = `http2: Framer ${FRAMER}: wrote PING len=8 ping="\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\a"`;
  const T = Date.UTC(2025, 8, 10, 12, 0, 0);
  const cases: Array<[string, string, number | undefined]> = [
    ['SetFlags(0): no prefix', MSG, undefined],
    ['LstdFlags: date and time', `2025/09/10 12:00:00 ${MSG}`, T],
    ['Lmicroseconds', `2025/09/10 12:00:00.123456 ${MSG}`, T + 123.456],
    ['Lshortfile', `2025/09/10 12:00:00 h2_bundle.go:1234: ${MSG}`, T],
    ['Lshortfile (x/net)', `2025/09/10 12:00:00.000001 frame.go:1640: ${MSG}`, T + 0.001],
    ['Llongfile', `2025/09/10 12:00:00 /usr/lib/go-1.24/src/net/http/h2_bundle.go:1234: ${MSG}`, T],
    ['SetPrefix before the date', `app: 2025/09/10 12:00:00 ${MSG}`, T],
    ['SetPrefix with Lmsgprefix (after the date)', `2025/09/10 12:00:00 app: ${MSG}`, T],
    ['container runtime + SetFlags(0)', `2025-09-10T12:00:00.123456789Z stderr F ${MSG}`, T + 123.456789],
    ['container runtime + LstdFlags (the Go date wins)', `2025-09-10T11:59:59.123456789Z stdout F 2025/09/10 12:00:00 ${MSG}`, T],
    ['slog TextHandler', `time=2025-09-10T12:00:00.000Z level=INFO msg="http2: Framer ${FRAMER}: wrote PING len=8 ping=\\"\\\\x00\\\\x01\\\\x02\\\\x03\\\\x04\\\\x05\\\\x06\\\\a\\""`, T],
  ];
  for (const [name, line, time] of cases) {
    it(name, () => {
      // hand-made: the same PING line with the prefix of this log configuration, between application lines
      const text = [
        '2025/09/10 12:00:00 listening on :8080',
        'GET /item/1 -> 200 (12 ms)',
        '2025/09/10 12:00:00 INFO: [transport] [client-transport 0xc0001] Closing: connection closed',
        line,
        'time=2025-09-10T12:00:00.000Z level=INFO msg="request done" status=200',
        'panic: runtime error: index out of range [3] with length 3',
        '\tmain.go:12 +0x1d',
      ].join('\n');
      const p = parseGoHttp2debug(text);
      assert.equal(p.frames.length, 1);
      const f = p.frames.get(0)!;
      assert.equal(f.type, FrameType.PING);
      assert.equal(f.direction, 'sent');
      assert.equal(f.connection, FRAMER);
      assert.equal(f.line, 3);
      assert.equal(f.pingPayload, '0001020304050607');
      assert.equal(f.startChar, line.indexOf('http2: '));
      assert.equal(f.endChar, line.length);
      if (time === undefined) assert.equal(f.time, undefined);
      else assert.ok(Math.abs(f.time! - time) < 1e-3, `time ${f.time} vs ${time}`);
      assert.deepEqual(analyzeText(text).findings.filter((x) => x.rule === 'stream-state-violation'), []);
    });
  }

  it('CRLF line endings', () => {
    const p = parseGoHttp2debug(`2025/09/10 12:00:00 ${MSG}\r\n2025/09/10 12:00:00 ${MSG}\r\n`);
    assert.equal(p.frames.length, 2);
    assert.equal(p.frames.get(1)!.line, 1);
    assert.equal(p.frames.get(1)!.pingPayload, '0001020304050607');
  });

  it('findHttp2Message and parseLeadingTimestamp on their own', () => {
    assert.equal(findHttp2Message('nothing here'), undefined);
    const m = findHttp2Message('x 2025/09/10 12:00:00 http2: hello')!;
    assert.equal(m.text, 'hello');
    assert.equal(m.tagStart, 22);
    assert.equal(m.time, T);
    assert.equal(parseLeadingTimestamp('2025/13/10 12:00:00 http2: x', 20), undefined, 'month 13 is no date');
    assert.equal(parseLeadingTimestamp('http2: 2025/09/10 12:00:00', 0), undefined, 'a date after the tag is not the prefix');
  });
});

describe('Go-quoted strings (strconv.Quote output)', () => {
  const cases: Array<[string, number[]]> = [
    ['""', []],
    ['"\\x00\\xff"', [0, 0xff]],
    ['"\\a\\b\\f\\n\\r\\t\\v\\\\\\""', [7, 8, 12, 10, 13, 9, 11, 92, 34]],
    ['"\\u00e9\\U0001f600"', utf8('é😀')],
    ['"é😀"', utf8('é😀')],
    ['"\\101"', [65]],
  ];
  for (const [q, bytes] of cases) {
    it(`decodes ${q}`, () => {
      const d = decodeGoQuoted(`${q} rest`, 0);
      assert.deepEqual(d.bytes, bytes);
      assert.equal(d.end, q.length);
    });
  }
  it('unterminated, not a quote, bad escapes, maxBytes', () => {
    assert.equal(decodeGoQuoted('"abc', 0).end, -1);
    assert.equal(decodeGoQuoted('"abc\n"', 0).end, -1, 'a Go-quoted string never spans lines');
    assert.equal(decodeGoQuoted('abc"', 0).end, -1);
    assert.deepEqual(decodeGoQuoted('"\\q"', 0).bytes, [92, 113]);
    assert.deepEqual(decodeGoQuoted('"\\xZZ"', 0).bytes, utf8('\\xZZ'));
    const d = decodeGoQuoted(`"${'x'.repeat(1000)}"`, 0, 10);
    assert.equal(d.bytes.length, 10);
    assert.equal(d.end, 1002);
  });
  it('hex helper agrees with the parser', () => {
    const b = [1, 2, 3, 250, 251, 252, 253, 254];
    assert.equal(one(read(`PING len=8 ping=${pingQ(b)}`)).pingPayload, hex(b));
  });
});
