/**
 * nghttp / nghttpd -v (nghttp2 1.52): the other-formats logs, checked against their truth.json,
 * the Go server's own log of the same traffic (resets), and the flood client's own summary of the
 * PING flood nghttpd logged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { detectText } from '../../../server/src/core/formats/detect.ts';
import { parseGoHttp2debug } from '../../../server/src/core/formats/goHttp2debug.ts';
import { createNghttpParser, parseNghttp } from '../../../server/src/core/formats/nghttp.ts';
import { buildTrace } from '../../../server/src/core/model/trace.ts';
import { assertWellFormed, byDirection, fixture, fixtureJson, shape } from './helpers.ts';

interface Artifact { file: string; format: string; connections: number; requests?: { streams: Record<string, string> }; expected?: Array<{ finding: string; status?: number; count: number; streams?: number[]; side?: string; path?: string }> }
const artifacts = fixtureJson<{ artifacts: Artifact[] }>('nghttp/truth.json').artifacts.filter((a) => a.format.startsWith('nghttp'));

function statuses(text: string): Map<number, { path?: string; status?: string }> {
  const trace = buildTrace(parseNghttp(text));
  const out = new Map<number, { path?: string; status?: string }>();
  for (const c of trace.connections) for (const s of c.streams.values()) if (s.status_ || s.path) out.set(s.id, { ...(s.path ? { path: s.path } : {}), ...(s.status_ ? { status: s.status_ } : {}) });
  return out;
}

describe('nghttp / nghttpd -v (real, nghttp2 1.52)', () => {
  for (const a of artifacts) {
    describe(a.file, () => {
      const text = fixture(`nghttp/${a.file.split('/').pop()}`);
      const parsed = parseNghttp(text);

      it('is detected by its content and well-formed', () => {
        const d = detectText(text);
        assert.ok('format' in d && d.format === 'nghttp-verbose', JSON.stringify(d));
        assertWellFormed(parsed, text);
        assert.equal(parsed.connections.size, a.connections);
        const role = a.format === 'nghttpd-verbose' ? 'server' : 'client';
        for (const c of parsed.connections.values()) assert.equal(c.role, role);
      });

      it('requests and response statuses as truth.json says', () => {
        const st = statuses(text);
        for (const [stream, path] of Object.entries(a.requests?.streams ?? {})) assert.equal(st.get(Number(stream))?.path, path, `stream ${stream}`);
        for (const e of a.expected ?? []) {
          if (e.finding !== 'responses') continue;
          const hits = [...st.values()].filter((s) => s.status === String(e.status) && (!e.path || s.path === e.path));
          assert.equal(hits.length, e.count, `${e.status} ${e.path ?? ''}`);
        }
      });

      it('GOAWAY and RST_STREAM as truth.json says', () => {
        for (const e of a.expected ?? []) {
          if (e.finding === 'goaway-no-error') {
            const dir = e.side === 'client' ? 'sent' : 'received';
            assert.equal(parsed.frames.filter((f) => f.typeName === 'GOAWAY' && f.errorCode === 0 && f.direction === dir).length, e.count);
          }
          if (e.finding === 'rst-stream') assert.equal(parsed.frames.filter((f) => f.typeName === 'RST_STREAM').length, e.count);
          if (e.finding === 'server-rst-stream-internal-error') {
            const rst = parsed.frames.filter((f) => f.typeName === 'RST_STREAM' && f.direction === 'received' && f.errorCode === 2).map((f) => f.streamId);
            assert.deepEqual(rst.sort((x, y) => x - y), e.streams);
          }
        }
      });
    });
  }

  it('nghttp\'s view of the server resets equals the Go server\'s own log of them', () => {
    const ng = parseNghttp(fixture('nghttp/nghttp-v-server-resets.log'));
    const go = parseGoHttp2debug(fixture('nghttp/go-resetserver-for-nghttp.log'));
    const mine = ng.frames.filter((f) => f.typeName === 'RST_STREAM').map((f) => [f.direction, f.streamId, f.errorCode]);
    const theirs = go.frames.filter((f) => f.typeName === 'RST_STREAM').map((f) => [f.direction === 'sent' ? 'received' : 'sent', f.streamId, f.errorCode]);
    assert.deepEqual(mine, theirs);
    // Every frame type the Go server wrote, nghttp read (the same counts).
    const g = byDirection(go.frames);
    const n = byDirection(ng.frames);
    for (const t of ['HEADERS', 'DATA', 'RST_STREAM']) assert.equal(n.received[t], g.sent[t], t);
  });

  it('received header lines come before their frame: they land on it', () => {
    const p = parseNghttp(fixture('nghttp/nghttpd-v-h2c.log'));
    const req = p.frames.find((f) => f.typeName === 'HEADERS' && f.direction === 'received' && f.streamId === 13)!;
    assert.deepEqual(req.headers!.map((h) => h.name).slice(0, 4), [':method', ':path', ':scheme', ':authority']);
    for (const h of req.headers!) assert.ok(h.line! < req.line);
    const resp = p.frames.find((f) => f.typeName === 'HEADERS' && f.direction === 'sent' && f.streamId === 17)!;
    assert.equal(resp.headers!.find((h) => h.name === ':status')!.value, '404');
  });

  it('SETTINGS entries, PING payloads, GOAWAY fields, relative times', () => {
    const p = parseNghttp(fixture('nghttp/nghttp-v-fetch-assets.log'));
    const s = p.frames.find((f) => f.typeName === 'SETTINGS' && f.direction === 'received' && f.flags === 0)!;
    assert.ok(s.settings!.some(([k]) => k === 'MAX_CONCURRENT_STREAMS'));
    const g = p.frames.find((f) => f.typeName === 'GOAWAY')!;
    assert.deepEqual([g.lastStreamId, g.errorCode, g.debugData], [0, 0, '']);
    assert.ok(p.frames.every((f) => f.time !== undefined && f.time < 60_000));
  });

  it('the PING flood nghttpd logged: the counts of the flood client\'s own summary', () => {
    const text = fixture('nghttp/nghttpd-ping-flood/server-output.log.gz');
    const summary = fixtureJson<{ attack_frames_written: number; frames_read: Record<string, number> }>('nghttp/nghttpd-ping-flood/summary.json');
    const p = parseNghttp(text);
    assertWellFormed(p, text);
    const d = byDirection(p.frames);
    assert.equal(d.received['PING'], summary.attack_frames_written);
    assert.equal(d.sent['PING'], summary.frames_read['PING']);
    assert.equal(d.sent['SETTINGS'], summary.frames_read['SETTINGS']);
    assert.ok(p.frames.filter((f) => f.typeName === 'PING' && f.direction === 'sent').every((f) => f.flags === 1 && f.pingPayload!.length === 16));
    assert.ok(analyzeText(text).findings.some((f) => f.rule === 'ping-flood'));
  });

  it('reads the same in small chunks; colour escapes are removed', () => {
    const text = fixture('nghttp/nghttp-v-server-resets.log');
    const p = createNghttpParser();
    for (let i = 0; i < text.length; i += 100) p.write(text.slice(i, i + 100));
    assert.deepEqual(shape(p.finish().frames), shape(parseNghttp(text).frames));
    const colour = text.replace(/^\[( *\d+\.\d+)\] (send|recv) ([A-Z_]+) frame/gm, '\u001b[33m[$1]\u001b[0m \u001b[1;35m$2 $3\u001b[0m frame');
    assert.notEqual(colour, text);
    assert.deepEqual(shape(parseNghttp(colour).frames), shape(parseNghttp(text).frames));
  });
});
