/**
 * The line-based formats other than nghttp: curl (-v, --trace-ascii; curl ≥ 8.3 frame lines from a
 * labelled hand-made sample), Rust h2 tracing, Node.js NODE_DEBUG=http2, and the labelled
 * hand-made OkHttp and Envoy samples. Real logs are checked against their truth.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { detectText } from '../../../server/src/core/formats/detect.ts';
import { parseCurl } from '../../../server/src/core/formats/curl.ts';
import { parseEnvoy } from '../../../server/src/core/formats/envoy.ts';
import { parseNodeDebug } from '../../../server/src/core/formats/nodeDebug.ts';
import { parseOkHttp } from '../../../server/src/core/formats/okhttp.ts';
import { createRustH2Parser, parseRustH2 } from '../../../server/src/core/formats/rustH2.ts';
import { buildTrace } from '../../../server/src/core/model/trace.ts';
import { assertWellFormed, byDirection, fixture, fixtureJson, shape } from './helpers.ts';

interface Artifact { file: string; connections: number; expected?: Array<{ finding: string; status?: number; count: number; streams?: number[]; side?: string }> }
const truth = fixtureJson<{ artifacts: Artifact[] }>('curl/truth.json').artifacts;
const artifact = (file: string): Artifact => truth.find((a) => a.file === file)!;

const detected = (text: string): string | undefined => {
  const d = detectText(text);
  return 'format' in d ? d.format : undefined;
};

/** stream → :status, from the trace. */
function statusByStream(parsed: ReturnType<typeof parseCurl>): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const c of buildTrace(parsed).connections) for (const s of c.streams.values()) out.set(s.id, s.status_);
  return out;
}

describe('curl', () => {
  it('curl 7.88 -v (h2h3 lines): one HEADERS per request and response, statuses as truth.json, and a note', () => {
    const text = fixture('curl/curl-7.88-v.log');
    assert.equal(detected(text), 'curl-verbose');
    const p = parseCurl(text);
    assertWellFormed(p, text);
    const e = artifact('curl/curl-http2-v.log').expected!.find((x) => x.finding === 'responses')!;
    const st = statusByStream(p);
    assert.deepEqual([...st.keys()], e.streams);
    assert.ok([...st.values()].every((s) => s === String(e.status)));
    assert.deepEqual(byDirection(p.frames), { sent: { HEADERS: 4 }, received: { HEADERS: 4 } });
    const req = p.frames.find((f) => f.direction === 'sent')!;
    assert.deepEqual(req.headers!.slice(0, 2).map((h) => `${h.name}=${h.value}`), [':method=GET', ':path=/']);
    assert.equal(req.flags, 0x5, 'a GET without a body ends its stream with its HEADERS');
    assert.ok(p.notes.some((n) => /no frame lines/.test(n) && /--trace-config http\/2/.test(n)));
  });

  it('curl 7.88 -v, server reset: the RST_STREAM of "was not closed cleanly" (INTERNAL_ERROR, stream 3) and a note on its direction', () => {
    const p = parseCurl(fixture('curl/curl-7.88-v-server-reset.log'));
    const e = artifact('curl/curl-http2-v-server-reset.log').expected!.find((x) => x.finding === 'server-rst-stream-internal-error')!;
    const rst = p.frames.filter((f) => f.typeName === 'RST_STREAM');
    assert.deepEqual(rst.map((f) => [f.streamId, f.errorCode, f.direction]), e.streams!.map((s) => [s, 2, 'received']));
    assert.ok(p.notes.some((n) => /does not say who reset/.test(n)));
  });

  it('--trace-ascii: no frame information — zero frames, and a note saying exactly that and how to get frames', () => {
    const text = fixture('curl/curl-7.88-trace-ascii.txt');
    assert.equal(detected(text), 'curl-verbose');
    const p = parseCurl(text);
    assert.equal(p.frames.length, 0);
    const note = p.notes.find((n) => /no HTTP\/2 frame information/.test(n))!;
    assert.match(note, /--trace-config http\/2/);
    assert.match(note, /stream\(s\) 1, 3, 5, 7/);
    const a = analyzeText(text);
    assert.equal(a.error, undefined);
    assert.ok(a.notes.some((n) => /no HTTP\/2 frame information/.test(n)));
  });

  it('curl ≥ 8.3 --trace-config http/2 frame lines (HAND-MADE sample from the format strings): real frames, headers attached', () => {
    const text = fixture('curl/curl-8-trace-config-HANDMADE.log');
    const p = parseCurl(text);
    assertWellFormed(p, text);
    assert.deepEqual(byDirection(p.frames), {
      sent: { SETTINGS: 2, WINDOW_UPDATE: 1, HEADERS: 2 },
      received: { SETTINGS: 2, WINDOW_UPDATE: 1, HEADERS: 2, DATA: 2, RST_STREAM: 1 },
    });
    const rst = p.frames.find((f) => f.typeName === 'RST_STREAM')!;
    assert.deepEqual([rst.streamId, rst.errorCode, rst.direction], [3, 2, 'received']);
    assert.equal(p.frames.find((f) => f.typeName === 'HEADERS' && f.direction === 'received' && f.streamId === 3)!.headers![0]!.value, '200');
    assert.deepEqual(p.frames.filter((f) => f.typeName === 'DATA').map((f) => [f.streamId, f.length, f.flags]), [[1, 5, 1], [3, 10, 0]]);
    assert.equal(p.notes.length, 0);
  });
});

describe('Rust h2 (real, h2 0.3.13, RUST_LOG=h2=trace)', () => {
  const rust = truth.filter((a) => a.file.startsWith('rust-h2/'));
  for (const a of rust) {
    it(`${a.file}: connections, responses, client resets, PING and GOAWAY as truth.json says`, () => {
      const text = fixture(`rust-h2/${a.file.split('/').pop()}`);
      assert.equal(detected(text), 'rust-h2');
      const p = parseRustH2(text);
      assertWellFormed(p, text);
      assert.equal(p.connections.size, a.connections);
      const trace = buildTrace(p);
      for (const e of a.expected!) {
        if (e.finding === 'responses') {
          const n = trace.connections.flatMap((c) => [...c.streams.values()]).filter((s) => s.responseHeaders || p.frames.some((f) => f.connection === s.connection && f.streamId === s.id && f.typeName === 'HEADERS' && ((f.direction === 'received') === (trace.connectionById.get(s.connection)!.role === 'client')))).length;
          assert.equal(n / a.connections, e.count);
        }
        if (e.finding === 'client-rst-stream-cancel') {
          const dir = e.side === 'received' ? 'received' : 'sent';
          const rst = p.frames.filter((f) => f.typeName === 'RST_STREAM' && f.errorCode === 8 && f.direction === dir);
          assert.equal(rst.length, e.count);
          assert.deepEqual([...new Set(rst.map((f) => f.streamId))], e.streams);
          const found = analyzeText(text).findings.filter((f) => f.rule === 'cancelled-response').map((f) => f.stream);
          assert.equal(found.length, e.count);
          assert.deepEqual([...new Set(found)], e.streams);
        }
        if (e.finding === 'ping') assert.equal(p.frames.filter((f) => f.typeName === 'PING' && f.flags === 0 && f.direction === 'sent').length, e.count);
        if (e.finding === 'goaway-no-error') assert.equal(p.frames.filter((f) => f.typeName === 'GOAWAY' && f.direction === 'sent').length, e.count);
      }
    });
  }

  it('the ANSI-coloured log (a second run of the same client) reads like the plain one; TRACE lengths are used; chunks change nothing', () => {
    const plain = parseRustH2(fixture('rust-h2/client.log'));
    const ansi = parseRustH2(fixture('rust-h2/client-ansi.log'));
    assert.deepEqual(byDirection(ansi.frames), byDirection(plain.frames));
    assert.ok(ansi.frames.every((f) => f.startChar === 0 && f.endChar > 0), 'escapes: the whole line');
    assert.ok(plain.frames.filter((f) => f.typeName === 'DATA' && f.direction === 'received').every((f) => f.length === 27 || f.length === 28 || f.length === 0));
    const ping = plain.frames.find((f) => f.typeName === 'PING')!;
    assert.equal(ping.pingPayload, '3b7cdb7a0b8716b4');
    const text = fixture('rust-h2/server.log');
    const p = createRustH2Parser();
    for (let i = 0; i < text.length; i += 999) p.write(text.slice(i, i + 999));
    assert.deepEqual(shape(p.finish().frames), shape(parseRustH2(text).frames));
  });

  it('the client\'s view equals the server\'s view of the same connection, mirrored', () => {
    const client = parseRustH2(fixture('rust-h2/client.log'));
    const server = parseRustH2(fixture('rust-h2/server.log'));
    const first = server.frames.filter((f) => f.connection === [...server.connections.keys()][0]);
    const c = byDirection(client.frames);
    const s = byDirection(first);
    assert.deepEqual(c.sent, s.received);
    // The server answered the client's GOAWAY with its own, after the client had stopped reading.
    assert.deepEqual({ ...c.received, GOAWAY: 1 }, s.sent);
  });
});

describe('Node.js NODE_DEBUG=http2 (real, node 20): session-level events only', () => {
  it('maps what is there and says what is not', () => {
    const text = fixture('node/client.log');
    assert.equal(detected(text), 'node-debug-http2');
    const p = parseNodeDebug(text);
    assertWellFormed(p, text);
    const d = byDirection(p.frames);
    assert.equal(d.sent['HEADERS'], 11);
    assert.equal(d.received['HEADERS'], 11, '11 responses (truth: 11 × 200)');
    assert.deepEqual(p.frames.filter((f) => f.typeName === 'RST_STREAM').map((f) => [f.direction, f.streamId, f.errorCode]), [['sent', 21, 8]], 'the one reset with a "closed with code" line');
    assert.ok(p.notes.some((n) => /not frames/.test(n) && /DATA/.test(n)));
    const server = parseNodeDebug(fixture('node/server.log'));
    assert.deepEqual(server.frames.filter((f) => f.typeName === 'RST_STREAM').map((f) => [f.direction, f.streamId, f.errorCode]), [['received', 21, 8]]);
    const g = server.frames.find((f) => f.typeName === 'GOAWAY' && f.direction === 'received')!;
    assert.deepEqual([g.errorCode, g.lastStreamId], [0, 0]);
    const native = parseNodeDebug(fixture('node/server-native.log'));
    assert.ok(native.notes.some((n) => /NODE_DEBUG_NATIVE/.test(n)));
  });

  it('no false empty-frame findings from unknown lengths', () => {
    const a = analyzeText(fixture('node/client.log'));
    assert.ok(!a.findings.some((f) => f.rule === 'empty-frames-flood'), a.findings.map((f) => f.rule).join(','));
  });
});

describe('OkHttp and Envoy (HAND-MADE samples built from the documented format strings)', () => {
  it('OkHttp frame log: directions, stream ids from 3, flags, the cancelled stream', () => {
    const text = fixture('okhttp/okhttp-frames-HANDMADE.log');
    assert.equal(detected(text), 'okhttp');
    const p = parseOkHttp(text);
    assertWellFormed(p, text);
    assert.equal([...p.connections.values()][0]!.role, 'client');
    assert.deepEqual(byDirection(p.frames), {
      sent: { SETTINGS: 2, WINDOW_UPDATE: 1, HEADERS: 2, RST_STREAM: 1, GOAWAY: 1 },
      received: { SETTINGS: 2, WINDOW_UPDATE: 1, HEADERS: 2, DATA: 3 },
    });
    assert.deepEqual(p.frames.filter((f) => f.typeName === 'HEADERS' && f.direction === 'sent').map((f) => [f.streamId, f.flags]), [[3, 5], [5, 5]]);
    assert.equal(p.frames.find((f) => f.typeName === 'DATA' && f.streamId === 5)!.flags, 1);
  });

  it('Envoy http2 trace: both connection tags, lengths from track-inbound lines, error codes from debug lines', () => {
    const text = fixture('envoy/envoy-http2-trace-HANDMADE.log');
    assert.equal(detected(text), 'envoy-http2');
    const p = parseEnvoy(text);
    assertWellFormed(p, text);
    assert.deepEqual([...p.connections.keys()], ['C0', 'C1']);
    const rst = p.frames.find((f) => f.typeName === 'RST_STREAM')!;
    assert.deepEqual([rst.direction, rst.streamId, rst.errorCode, rst.length], ['received', 1, 8, 4]);
    const req = p.frames.find((f) => f.typeName === 'HEADERS' && f.direction === 'received')!;
    assert.deepEqual([req.flags, req.length], [5, 31]);
    assert.equal(p.frames.find((f) => f.typeName === 'GOAWAY')!.errorCode, 0);
    const a = analyzeText(text);
    assert.deepEqual(a.findings.filter((f) => f.rule === 'cancelled-response').map((f) => [f.connection, f.stream]), [['C0', 1]]);
    assert.equal(a.trace!.connections[0]!.role, 'server', 'inferred: the peer sent the request');
  });
});
