/**
 * Chrome NetLog: a real net-export of Chromium against a Go HTTPS server (test/fixtures/netlog,
 * made by make-netlog.sh), checked against the NetLog's own event counts (truth.json, counted by
 * python through constants.logEventTypes) and the Go server's own log of the same traffic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { detectText } from '../../../server/src/core/formats/detect.ts';
import { parseGoHttp2debug } from '../../../server/src/core/formats/goHttp2debug.ts';
import { createNetlogParser, parseNetlog } from '../../../server/src/core/formats/netlog.ts';
import { assertWellFormed, byDirection, fixture, fixtureJson, shape } from './helpers.ts';

interface Truth {
  http2_sessions: number;
  netlog_event_counts: Record<string, number>;
  netlog_sent_rst_stream: Array<{ stream: number; error_code: string }>;
  truncated_cut_line: number;
  go_server_framer: { read: Record<string, number>; wrote: Record<string, number> };
  expected: Array<{ finding: string; streams: number[] }>;
}

const truth = fixtureJson<Truth>('netlog/truth.json');
const text = fixture('netlog/chrome-netlog.json');
const parsed = parseNetlog(text);

describe('Chrome NetLog (real, chromium --log-net-log)', () => {
  it('is detected by its content ({"constants": …, "events": […]})', () => {
    const d = detectText(text);
    assert.ok('format' in d && d.format === 'chrome-netlog');
  });

  it('one HTTP2_SESSION source = one connection, Chrome is the client, the session\'s host is the peer', () => {
    assertWellFormed(parsed, text);
    assert.equal(parsed.connections.size, truth.http2_sessions);
    const c = [...parsed.connections.values()][0]!;
    assert.equal(c.role, 'client');
    assert.match(c.peer!, /^127\.0\.0\.1:\d+$/);
    assert.match(c.endNote!, /net_error/);
  });

  it('frame counts equal the NetLog\'s own event counts', () => {
    const n = truth.netlog_event_counts;
    const d = byDirection(parsed.frames);
    assert.deepEqual(d.sent, {
      SETTINGS: n['HTTP2_SESSION_SEND_SETTINGS']! + n['HTTP2_SESSION_SEND_SETTINGS_ACK']!,
      WINDOW_UPDATE: n['HTTP2_SESSION_SEND_WINDOW_UPDATE']!,
      HEADERS: n['HTTP2_SESSION_SEND_HEADERS']!,
      RST_STREAM: n['HTTP2_SESSION_SEND_RST_STREAM']!,
    });
    assert.deepEqual(d.received, {
      SETTINGS: n['HTTP2_SESSION_RECV_SETTINGS']! + n['HTTP2_SESSION_RECV_SETTINGS_ACK']!,
      WINDOW_UPDATE: n['HTTP2_SESSION_RECV_WINDOW_UPDATE']!,
      HEADERS: n['HTTP2_SESSION_RECV_HEADERS']!,
      DATA: n['HTTP2_SESSION_RECV_DATA']!,
    });
    const recvSettings = parsed.frames.find((f) => f.direction === 'received' && f.typeName === 'SETTINGS' && f.flags === 0)!;
    assert.equal(recvSettings.settings!.length, n['HTTP2_SESSION_RECV_SETTING'], 'RECV_SETTING events join their SETTINGS frame');
  });

  it('…and the Go server\'s own account of the same connection (what Chrome sent, the server read)', () => {
    const go = parseGoHttp2debug(fixture('netlog/go-server.log'));
    const used = [...go.connections.keys()].find((id) => go.frames.some((f) => f.connection === id && f.typeName === 'HEADERS'))!;
    const goFrames = byDirection(go.frames.filter((f) => f.connection === used));
    const d = byDirection(parsed.frames);
    assert.deepEqual(d.sent, goFrames.received);
    assert.deepEqual(d.received, goFrames.sent);
  });

  it('headers, :path and :status, and the two resets (CANCEL) as the NetLog has them', () => {
    const rst = parsed.frames.filter((f) => f.typeName === 'RST_STREAM');
    assert.deepEqual(rst.map((f) => [f.streamId, f.errorCode]), truth.netlog_sent_rst_stream.map((r) => [r.stream, parseInt(r.error_code, 10)]));
    const first = parsed.frames.find((f) => f.typeName === 'HEADERS' && f.direction === 'sent')!;
    assert.deepEqual(first.headers!.slice(0, 4).map((h) => h.name), [':method', ':authority', ':scheme', ':path']);
    assert.ok(parsed.frames.some((f) => f.direction === 'received' && f.headers?.some((h) => h.name === ':status' && h.value === '200')));
    for (const f of parsed.frames) if (f.typeName === 'HEADERS') assert.ok(f.length >= 1, 'unknown HEADERS lengths are a lower bound, never 0');
  });

  it('the rules find cancelled-response on the same streams as on the Go server\'s log, as deliberately caused', () => {
    const expected = truth.expected.find((e) => e.finding === 'cancelled-response')!.streams;
    const onNetlog = analyzeText(text).findings.filter((f) => f.rule === 'cancelled-response').map((f) => f.stream);
    const onGo = analyzeText(fixture('netlog/go-server.log')).findings.filter((f) => f.rule === 'cancelled-response').map((f) => f.stream);
    assert.deepEqual(onNetlog, expected);
    assert.deepEqual(onGo, expected);
  });

  it('reads the same in small chunks', () => {
    const p = createNetlogParser();
    for (let i = 0; i < text.length; i += 777) p.write(text.slice(i, i + 777));
    assert.deepEqual(shape(p.finish().frames), shape(parsed.frames));
  });
});

describe('Chrome NetLog: truncated and bad input', () => {
  it('the real file cut mid-event (an aborted capture): the events before the cut, and a note', () => {
    const cut = fixture('netlog/chrome-netlog-truncated.json');
    const p = parseNetlog(cut);
    assertWellFormed(p, cut);
    assert.ok(p.frames.length > 0);
    assert.deepEqual(shape(p.frames), shape(parsed.frames).slice(0, p.frames.length));
    assert.ok(p.notes.some((n) => /truncated/.test(n) && new RegExp(`line ${truth.truncated_cut_line}`).test(n)), p.notes.join(' | '));
    assert.ok(!p.frames.some((f) => f.typeName === 'RST_STREAM'), 'cut in the middle of the first RST_STREAM event');
  });

  it('cut at any point: never throws, always a prefix of the whole', () => {
    const step = Math.floor(text.length / 61);
    for (let at = 1; at < text.length; at += step) {
      const p = parseNetlog(text.slice(0, at));
      assertWellFormed(p, text.slice(0, at));
      assert.deepEqual(shape(p.frames), shape(parsed.frames).slice(0, p.frames.length));
    }
  });

  it('events without constants, or a JSON that is no NetLog: notes that say so', () => {
    const noConstants = parseNetlog('{"events": [\n{"type": 1, "source": {"id": 1, "type": 1}, "time": "1"}\n]}');
    assert.ok(noConstants.notes.some((n) => /no "constants"/.test(n)));
    const other = parseNetlog('{"a": [1, 2]}');
    assert.ok(other.notes.some((n) => /not a Chrome NetLog/.test(n)));
  });
});
