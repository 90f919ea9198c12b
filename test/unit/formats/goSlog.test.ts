/**
 * Go services that adopted log/slog route the log package through it (slog.SetDefault), so their
 * GODEBUG=http2debug=2 lines come out as slog records: Go-quoted in the TextHandler's `msg="…"`,
 * JSON-escaped in the JSONHandler's `{"msg":"…"}`. The runs are real (fixtures/go-slog/record.sh): the
 * undrained-body client and server of go-undrained-body, once per handler. What each log must give is
 * read from the raw log lines and the client's own record, not from the parser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { parseGoHttp2debug, parseGoHttp2debugByLines } from '../../../server/src/core/formats/goHttp2debug.ts';
import { fixture, fixtureJson } from '../helpers.ts';

interface SlogTruth { requests: number; allStatus200: boolean; streams: number[] }

/** Stream ids of the RST_STREAM frames the raw log shows `verb` (wrote/read), as Go printed them. */
function resetStreams(log: string, verb: 'wrote' | 'read'): number[] {
  const pattern = new RegExp(`http2: Framer 0x[0-9a-f]+: ${verb} RST_STREAM stream=(\\d+) `);
  return log.split('\n').flatMap((line) => {
    const m = pattern.exec(line);
    return m ? [Number(m[1])] : [];
  });
}

describe('Go http2debug through log/slog (real: go-slog/text and go-slog/json)', () => {
  for (const handler of ['text', 'json'] as const) {
    const truth = fixtureJson<SlogTruth>(`go-slog/${handler}/truth.json`);
    for (const side of ['client', 'server'] as const) {
      it(`${handler} handler, ${side} log: every frame, its time and fields, and the cancelled responses`, () => {
        const log = fixture(`go-slog/${handler}/${side}.log`);
        // The records really are slog's (not plain log lines).
        assert.ok(log.startsWith(handler === 'json' ? '{"time":"' : 'time='), log.slice(0, 80));
        const a = analyzeText(log);
        assert.equal(a.format, 'go-http2debug');
        const trace = a.trace!;
        const frames = trace.frames;
        assert.equal(frames.length, log.split('\n').filter((l) => /http2: Framer 0x[0-9a-f]+: (wrote|read) /.test(l)).length);
        assert.equal(trace.connections.length, 1);
        assert.equal(trace.connections[0]!.role, side);
        // Each record carries its time (JSON: to the nanosecond, kept below the millisecond).
        for (let i = 1; i < frames.length; i++) assert.ok(frames.timeOf(i)! >= frames.timeOf(i - 1)!, `frame ${i}`);
        // Requests (the client's HEADERS) name /item/N on stream 2N-1, responses :status 200: the fields are decoded.
        const conn = trace.connections[0]!;
        const paths = new Map<number, string>();
        const statuses: string[] = [];
        for (const row of conn.frames) {
          if (frames.typeOf(row) !== 1) continue;
          const fields = frames.headersOf(row) ?? [];
          const path = fields.find((f) => f.name === ':path')?.value;
          if (path) paths.set(frames.streamIdOf(row), path);
          const status = fields.find((f) => f.name === ':status')?.value;
          if (status) statuses.push(status);
        }
        assert.deepEqual([...paths.keys()], truth.streams);
        truth.streams.forEach((id, k) => assert.equal(paths.get(id), `/item/${k + 1}`));
        assert.equal(statuses.length, truth.requests);
        assert.ok(truth.allStatus200 && statuses.every((s) => s === '200'));
        // A DATA preview is the JSON body the server wrote, unescaped twice (slog's, then Go's quoting).
        const data = conn.frames.find((row) => frames.typeOf(row) === 0 && frames.lengthOf(row) > 0)!;
        assert.equal(frames.dataPreviewOf(data), '{"id":1,"name":"item-1","price":1.25,"tags":["a","b"]}\n'.slice(0, frames.lengthOf(data)));
        // The cancelled responses: exactly the streams whose RST_STREAM the client wrote (the server read).
        const reset = resetStreams(log, side === 'client' ? 'wrote' : 'read');
        assert.ok(reset.length > 0, 'the run has resets');
        const cancelled = a.findings.filter((f) => f.rule === 'cancelled-response');
        assert.deepEqual(cancelled.map((f) => f.stream), reset);
        for (const f of cancelled) assert.ok(f.message.includes(`GET /item/${(f.stream! + 1) / 2}`), f.message);
      });
    }
  }

  it('the byte path reads the records as the string reference does (both handlers, both sides)', () => {
    for (const handler of ['text', 'json']) {
      for (const side of ['client', 'server']) {
        const log = fixture(`go-slog/${handler}/${side}.log`);
        assert.deepStrictEqual(parseGoHttp2debug(log), parseGoHttp2debugByLines(log), `${handler} ${side}`);
      }
    }
  });

  it('a container runtime json-file record around a plain Go log line reads as that line (hand-made wrapping of real lines)', () => {
    // The first frame lines of the real plain run, each wrapped as Docker's json-file driver stores it.
    const plain = fixture('go-undrained-body/go1.24-std-undrained/client.log').split('\n').slice(0, 40).join('\n') + '\n';
    const wrapped = plain.split('\n').filter((l) => l !== '').map((l) => JSON.stringify({ log: `${l}\n`, stream: 'stderr', time: '2026-11-24T12:24:47.123456789Z' })).join('\n') + '\n';
    const a = parseGoHttp2debug(plain);
    const b = parseGoHttp2debug(wrapped);
    assert.ok(a.frames.length > 5);
    assert.equal(b.frames.length, a.frames.length);
    for (let i = 0; i < a.frames.length; i++) {
      const x = a.frames.get(i)!;
      const y = b.frames.get(i)!;
      assert.deepEqual([y.type, y.direction, y.flags, y.streamId, y.length, y.line, y.headers, y.dataPreview, y.time], [x.type, x.direction, x.flags, x.streamId, x.length, x.line, x.headers, x.dataPreview, x.time], `frame ${i}`);
    }
  });

  it('JSON records that cannot be decoded are read as plain lines, without a crash (hand-made)', () => {
    const lines = [
      // The tag outside every string of the record.
      '{"level":"INFO"} http2: Framer 0xc0000021c0: wrote PING len=8 ping="\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01"',
      // An escape JSON does not have.
      '{"msg":"http2: Framer 0xc0000021c0: wrote PING len=8 ping=\\"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\""}',
      // Unterminated string.
      '  {"msg":"http2: Framer 0xc0000021c0: wrote RST_STREAM stream=1 len=4 ErrCode=CANCEL',
    ];
    const parsed = parseGoHttp2debug(lines.join('\n') + '\n');
    assert.deepStrictEqual(parsed, parseGoHttp2debugByLines(lines.join('\n') + '\n'));
    assert.deepEqual(parsed.frames.map((f) => f.typeName), ['PING', 'PING', 'RST_STREAM']);
  });
});
