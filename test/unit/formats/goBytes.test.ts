/**
 * The byte path of the Go parser (GoByteFeeder + bytesLine, what big files and the editor use) must
 * give exactly what the string reference (every line decoded and parsed as text) gives: on every
 * real Go log of the fixtures, fed whole and in small chunks, and on fuzzed lines.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { GoByteFeeder, parseGoHttp2debug, parseGoHttp2debugByLines } from '../../../server/src/core/formats/goHttp2debug.ts';
import { FIXTURES } from '../helpers.ts';

/** Every fixture file that holds Go http2debug lines (big-log excluded: the bench reads it). */
function goLogs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) { if (name !== 'big-log') walk(p); continue; }
      if (!/\.(log|txt)(\.gz)?$/.test(name)) continue;
      const text = read(p);
      if (text.includes('http2: Framer 0x') || text.includes('http2: Transport ') || text.includes('http2: server ')) out.push(relative(FIXTURES, p));
    }
  };
  walk(FIXTURES);
  return out.sort();
}
const read = (p: string): string => (p.endsWith('.gz') ? gunzipSync(readFileSync(p)) : readFileSync(p)).toString('utf8');

function inChunks(bytes: Buffer, size: number) {
  const feeder = new GoByteFeeder();
  for (let i = 0; i < bytes.length; i += size) feeder.write(bytes.subarray(i, i + size));
  return feeder.finish();
}

describe('Go parser: byte path = string reference', () => {
  const logs = goLogs();
  it('finds the real Go logs', () => assert.ok(logs.length >= 20, `${logs.length} logs`));
  for (const rel of logs) {
    it(rel, () => {
      const text = read(join(FIXTURES, rel));
      const reference = parseGoHttp2debugByLines(text);
      assert.deepStrictEqual(parseGoHttp2debug(text), reference);
      // Lines split across chunk boundaries, a partial line carried over.
      assert.deepStrictEqual(inChunks(Buffer.from(text), 4093), reference);
    });
  }

  it('a backslash before a carriage return inside data= ends the quoted text there, as the decoder does (hand-made; found by the fuzzer)', () => {
    const text = '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: wrote DATA stream=1 len=55 data="\\\r{\\"id\\":1}\\n" (1 bytes omitted)\n';
    const reference = parseGoHttp2debugByLines(text);
    assert.equal(reference.frames.get(0)!.dataOmitted, undefined);
    assert.deepStrictEqual(parseGoHttp2debug(text), reference);
  });

  it('an echo line whose summary the string parser refuses (a quote after the type) closes no block on the byte path either (hand-made; found by the fuzzer)', () => {
    const text = [
      '2026/11/24 12:04:39.123456 http2: Framer 0xc00013c000: read HEADERS flags=END_STREAM|END_HEADERS stream=1 len=39',
      '2026/11/24 12:04:39 http2: server connection from 127.0.0.1:59970 on 0xc00011a000',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: read WINDOW_UPDATE len=4 (conn) incr=1073676288',
      '2026/11/24 12:04:39 http2: server read frame HEADERS" flags=END_STREAM|END_HEADERS stream=1 len=39',
      '2026/11/24 12:04:39 http2: decoded hpack field header field ":path" = "/items/1"',
    ].join('\n') + '\n';
    const reference = parseGoHttp2debugByLines(text);
    assert.deepEqual(reference.frames.get(0)!.headers, [{ name: ':path', value: '/items/1' }]);
    assert.equal(reference.frames.get(0)!.headersGuessed, undefined);
    assert.deepStrictEqual(parseGoHttp2debug(text), reference);
  });

  it('a giant line split over many chunks is joined once and stays one line (hand-made)', () => {
    const text = `2026/11/24 12:04:39 http2: Framer 0xc0000022a0: wrote DATA stream=1 len=9 data="${'x'.repeat(3_000_000)}"\n2026/11/24 12:04:39 http2: Framer 0xc0000022a0: read RST_STREAM stream=1 len=4 ErrCode=CANCEL\n`;
    const parsed = inChunks(Buffer.from(text), 4096);
    assert.deepStrictEqual(parsed, parseGoHttp2debugByLines(text));
    assert.equal(parsed.lineCount, 2);
    assert.deepStrictEqual(parsed.frames.map((f) => f.line), [0, 1]);
  });

  it('encoding lines no frame takes grow one list, not a shared copy per field (hand-made: 100,000 lines)', () => {
    const line = '2026/11/24 12:04:39 http2: server encoding header "x-a" = "1"\n';
    const text = line.repeat(100_000) + '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: wrote HEADERS flags=END_HEADERS stream=1 len=9\n';
    const parsed = parseGoHttp2debug(text);
    assert.equal(parsed.frames.get(0)!.headers!.length, 100_000);
  });

  it('an `h` anywhere in the prefix, at each offset within a 4-byte word, is seen (hand-made)', () => {
    // The next line's tag is first looked for where the last one sat, and the prefix before it is
    // checked for an `h` four bytes at a time: the first `http2: ` of a line decides what it is.
    const frame = 'http2: Framer 0xc0000022a0: read RST_STREAM stream=1 len=4 ErrCode=CANCEL';
    const lines = [`2026/11/24 12:04:39 ${frame}`];
    for (let k = 0; k < 20; k++) {
      const prefix = '2026/11/24 12:04:39 '.split('');
      prefix[k] = 'h';
      lines.push(prefix.join('') + frame);
      // An earlier `http2: ` inside the prefix: that one is the line's message, not the frame after it.
      if (k <= 13) lines.push(prefix.slice(0, k).join('') + 'http2: ' + prefix.slice(k + 7).join('') + frame);
    }
    const text = lines.join('\n') + '\n';
    const reference = parseGoHttp2debugByLines(text);
    assert.deepStrictEqual(parseGoHttp2debug(text), reference);
    assert.deepStrictEqual(inChunks(Buffer.from(text), 97), reference);
  });

  it('fuzzed Go-like lines (hand-made: real line shapes with random edits)', () => {
    const shapes = [
      '2026/11/24 12:04:39 http2: Framer 0xc00013c000: wrote SETTINGS len=30, settings: MAX_FRAME_SIZE=1048576, INITIAL_WINDOW_SIZE=1048576',
      '2026/11/24 12:04:39.123456 http2: Framer 0xc00013c000: read HEADERS flags=END_STREAM|END_HEADERS stream=1 len=39',
      '2026/11/24 12:04:39 http2: decoded hpack field header field ":path" = "/items/1"',
      '2026/11/24 12:04:39 http2: server encoding header ":status" = "200"',
      '2026/11/24 12:04:39 http2: Transport encoding header ":method" = "GET"',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: wrote DATA stream=1 len=55 data="{\\"id\\":1,\\"name\\":\\"item-1\\"}\\n" (1 bytes omitted)',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: read WINDOW_UPDATE len=4 (conn) incr=1073676288',
      '2026/11/24 12:04:39 http2: server read frame HEADERS flags=END_STREAM|END_HEADERS stream=1 len=39',
      '2026/11/24 12:04:39 http2: Transport received DATA flags=END_STREAM stream=3 len=0 data=""',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: read RST_STREAM stream=1 len=4 ErrCode=CANCEL',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: wrote GOAWAY len=8 LastStreamID=5 ErrCode=ENHANCE_YOUR_CALM Debug="too_many_pings"',
      'time=2026-11-24T12:04:39Z level=INFO msg="http2: Framer 0xc0000022a0: wrote PING len=8 ping=\\"\\\\x00\\""',
      '2026/11/24 12:04:39 http2: Transport creating client conn 0xc000102000 to 127.0.0.1:8443',
      '2026/11/24 12:04:39 http2: server connection from 127.0.0.1:59970 on 0xc00011a000',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: read PING flags=ACK len=8 ping="\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01"',
      '2026/11/24 12:04:39 http2: Framer 0xc0000022a0: read UNKNOWN_FRAME_TYPE_12 flags=0x40 stream=3 len=4',
      '2026/11/24 12:04:39 http2: Framer 0xC0000022A0: read HEADERS flags=PADDED|PRIORITY|END_HEADERS stream=3 len=12',
      '2026/11/24 12:04:39 http2: Framer 0x0c00000000022a0: wrote CONTINUATION stream=3 len=12',
      '2026/11/25 10:09:20 http2: Transport sending health check',
      '2026/11/25 10:09:20 http2: Framer 0xc0000022a0: wrote PING len=8 ping="3p\\xc9RF\\xb4\\x8a\\x13"',
      '2026/11/25 10:09:21 http2: Transport health check failure: context deadline exceeded',
      '2026/11/25 10:09:21 http2: Transport health check success',
      '2026/11/25 10:09:21 http2: Transport readFrame error on conn 0xc000102000: (*net.OpError) read tcp 127.0.0.1:53108->127.0.0.1:35997: use of closed network connection',
      '2026/11/25 10:09:21 RoundTrip failure: http2: client connection lost',
      '2026/11/25 11:54:42 http2: panic serving 127.0.0.1:59970: request 3: simulated handler failure',
      '2026/11/25 11:54:42 http2: Framer 0xc0000022a0: wrote RST_STREAM stream=5 len=4 ErrCode=INTERNAL_ERROR',
    ];
    const edit = fc.tuple(fc.nat(), fc.nat(8), fc.string({ maxLength: 6, unit: fc.constantFrom('"', '\\', ' ', '=', '|', ':', '0', '9', 'x', 'é', '\r', 'A', '.', 'h', 'http2: ') }));
    const line = fc.tuple(fc.constantFrom(...shapes), fc.array(edit, { maxLength: 3 })).map(([l, edits]) => {
      for (const [at, del, ins] of edits) { const i = at % (l.length + 1); l = l.slice(0, i) + ins + l.slice(i + del); }
      return l;
    });
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 200 }), (lines, chunk) => {
      const text = lines.join('\n');
      const reference = parseGoHttp2debugByLines(text);
      assert.deepStrictEqual(parseGoHttp2debug(text), reference);
      assert.deepStrictEqual(inChunks(Buffer.from(text), chunk), reference);
    }), { numRuns: 1500 });
  });
});
