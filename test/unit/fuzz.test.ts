/**
 * Property-based tests (fast-check): whatever the input, the analysis core never throws and only
 * produces well-formed frames; Go-quoted strings round-trip; parsing scales linearly.
 * Runs are bounded so that the whole file stays well under ~20 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/analyze.ts';
import { sliceEnd } from '../../server/src/core/analyzeAsync.ts';
import { detectBytes } from '../../server/src/core/formats/detect.ts';
import { parseGoHttp2debug } from '../../server/src/core/formats/goHttp2debug.ts';
import { decodeGoQuoted } from '../../server/src/core/formats/goQuoted.ts';
import type { FrameEvent } from '../../server/src/core/model/frame.ts';
import { buildTrace } from '../../server/src/core/model/trace.ts';
import { fixture, goRuns, hex, linesOf, read, wrote } from './helpers.ts';

const SEED = 0x5eed;
const opts = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED });

/** Every frame field in its domain; positions inside the text. */
function assertValidFrames(frames: Iterable<FrameEvent>, text: string, lineCount: number): void {
  const lines = linesOf(text);
  for (const f of frames) {
    assert.ok(Number.isInteger(f.type), `type ${f.type}`);
    // -1: a type the log did not name (x/net ≥ v0.50 prints an empty name for 0x0a–0x0f).
    assert.ok((f.type >= 0 && f.type <= 255) || (f.type === -1 && (f.typeName === '' || f.typeName.startsWith('UNKNOWN_FRAME_TYPE_'))), `type ${f.type} ${f.typeName}`);
    assert.ok(Number.isInteger(f.flags) && f.flags >= 0 && f.flags <= 255, `flags ${f.flags}`);
    assert.ok(Number.isInteger(f.streamId) && f.streamId >= 0, `stream ${f.streamId}`);
    assert.ok(Number.isInteger(f.length) && f.length >= 0, `len ${f.length}`);
    assert.ok(Number.isInteger(f.line) && f.line >= 0 && f.line < lineCount, `line ${f.line} of ${lineCount}`);
    assert.ok(f.startChar >= 0 && f.startChar <= f.endChar && f.endChar <= lines[f.line]!.length, `chars ${f.startChar}-${f.endChar}`);
    assert.ok(f.direction === 'sent' || f.direction === 'received');
    assert.ok(typeof f.connection === 'string' && f.connection.length > 0);
    if (f.time !== undefined) assert.ok(Number.isFinite(f.time));
    if (f.errorCode !== undefined) assert.ok(Number.isInteger(f.errorCode) && f.errorCode >= 0 && f.errorCode <= 0xffffffff, `errorCode ${f.errorCode}`);
    if (f.lastStreamId !== undefined) assert.ok(Number.isInteger(f.lastStreamId) && f.lastStreamId >= 0);
    if (f.increment !== undefined) assert.ok(Number.isInteger(f.increment) && f.increment >= 0);
    if (f.pingPayload !== undefined) assert.match(f.pingPayload, /^([0-9a-f]{2})*$/);
    if (f.dataPreview !== undefined) assert.ok(f.dataPreview.length <= 256 * 2);
  }
}

/** Parse, build the trace, run the rules: nothing throws, everything is well-formed. */
function checkText(text: string): void {
  const parsed = parseGoHttp2debug(text);
  assertValidFrames(parsed.frames, text, parsed.lineCount);
  buildTrace(parsed);
  const a = analyzeText(text);
  if (a.error === undefined) {
    assertValidFrames(a.trace!.frames, text, a.trace!.lineCount);
    for (const f of a.findings) assert.ok(f.line >= 0 && f.line < a.trace!.lineCount);
  }
}

// -----------------------------------------------------------------------------------------------
// Inputs

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Pieces of Go http2debug lines, so that random strings get deep into the parser. */
const TOKENS = [
  'http2: ', 'Framer 0xc000010000: ', 'Framer 0x', 'wrote ', 'read ', ' ', '  ', '\n', '\r\n', '"', '\\', '\\x', '\\u', '\\U', '\\0', 'ff', '0',
  'DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION', 'PRIORITY_UPDATE',
  'UNKNOWN_FRAME_TYPE_', '12', '99999999999999999999', 'flags=', 'END_STREAM', 'END_HEADERS', 'ACK', '|', '0x2', 'stream=', '1', 'len=', '8',
  ' data="', ' (', ' bytes omitted)', ', settings:', ' ENABLE_PUSH=0,', ' ping="', ' LastStreamID=', ' ErrCode=', 'CANCEL', 'unknown error code 0x',
  ' Debug="', ' (conn)', ' incr=', 'decoded hpack field ', 'header field ', '":status"', ' = ', 'Transport encoding header ', 'Transport received ',
  'server read frame ', 'Transport creating client conn 0xc0 to ', 'server connection from ', ' on 0x', 'Transport readFrame error on conn 0xc0: ',
  '2026/11/24 12:00:00', '.123456 ', '2025-09-10T12:00:00.123456789Z stderr F ', 'msg="', 'time=', 'é', '日本', '😀', '\ud800', '\u0000',
  // JSON records (slog's JSONHandler, a container runtime's json-file log).
  '{"time":"2025-09-10T12:00:00.123456789Z","msg":"', '{"log":"', '\\"', '\\n', '"}', ' {', '\\u0022',
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join(''));

/** Real lines from every fixture log (a sample of each: the floods are long and repetitive). */
const REAL_LINES: string[] = (() => {
  const files = [
    ...goRuns().flatMap((r) => [`${r.scenario}/${r.files.client_log}`, `${r.scenario}/${r.files.server_log}`]),
    'floods/nginx/continuation/client.log', 'floods/h2o/continuation/client.log', 'floods/nghttpd/rapid-reset/client.log',
  ];
  const out = new Set<string>();
  for (const f of files) {
    const lines = linesOf(fixture(f));
    for (let i = 0; i < lines.length; i += lines.length > 2000 ? 37 : 1) out.add(lines[i]!);
    for (const l of lines.slice(-20)) out.add(l);
  }
  return [...out].filter((l) => l.length > 0);
})();

type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; n: number }
  | { op: 'replace'; at: number; ch: string }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate' }
  | { op: 'swapCase' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: codeUnit, maxLength: 8 }), fc.constantFrom(...TOKENS)) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), ch: fc.oneof(codeUnit, fc.constantFrom('"', '\\', ' ', '=', '|', '\n', '0', 'x')) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.constant({ op: 'duplicate' as const }),
  fc.constant({ op: 'swapCase' as const }),
);

function mutate(line: string, m: Mutation): string {
  const at = line.length === 0 ? 0 : ('at' in m ? m.at % (line.length + 1) : 0);
  switch (m.op) {
    case 'insert': return line.slice(0, at) + m.text + line.slice(at);
    case 'delete': return line.slice(0, at) + line.slice(at + m.n);
    case 'replace': return line.slice(0, at) + m.ch + line.slice(at + 1);
    case 'truncate': return line.slice(0, at);
    case 'duplicate': return `${line}\n${line}`;
    case 'swapCase': return line.toLowerCase() === line ? line.toUpperCase() : line.toLowerCase();
  }
}

const mutatedLog = fc.array(
  fc.record({ line: fc.nat({ max: REAL_LINES.length - 1 }), muts: fc.array(mutation, { maxLength: 4 }) }),
  { minLength: 1, maxLength: 40 },
).map((rows) => rows.map((r) => r.muts.reduce(mutate, REAL_LINES[r.line]!)).join('\n'));

// -----------------------------------------------------------------------------------------------
// Go's strconv.Quote on bytes, written from its source (strconv/quote.go appendQuotedWith):
// valid printable runes raw, \a\b\f\n\r\t\v, \" and \\, \xHH for invalid UTF-8 and controls,
// \uHHHH / \UHHHHHHHH for other non-printable runes.

/** utf8.DecodeRune: [rune, width]; rune -1 for an invalid encoding (RuneError, width 1). */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c0 = b[i]!;
  if (c0 < 0x80) return [c0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c0 >= 0xc2 && c0 <= 0xdf && cont(1)) return [((c0 & 0x1f) << 6) | (b[i + 1]! & 0x3f), 2];
  if (c0 >= 0xe0 && c0 <= 0xef) {
    const [lo, hi] = c0 === 0xe0 ? [0xa0, 0xbf] : c0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    if (cont(1, lo, hi) && cont(2)) return [((c0 & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f), 3];
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    const [lo, hi] = c0 === 0xf0 ? [0x90, 0xbf] : c0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (cont(1, lo, hi) && cont(2) && cont(3)) return [((c0 & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f), 4];
  }
  return [-1, 1];
}

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const isPrint = (r: number): boolean => r === 0x20 || PRINT.test(String.fromCodePoint(r));

const ESC: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
const h = (v: number, w: number): string => v.toString(16).padStart(w, '0');

function strconvQuote(b: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < b.length;) {
    const [r, width] = decodeRune(b, i);
    if (r < 0) {
      out += `\\x${h(b[i]!, 2)}`;
      i += 1;
      continue;
    }
    i += width;
    if (r === 0x22 || r === 0x5c) out += `\\${String.fromCharCode(r)}`;
    else if (isPrint(r)) out += String.fromCodePoint(r);
    else if (ESC[r]) out += ESC[r];
    else if (r < 0x20 || r === 0x7f) out += `\\x${h(r, 2)}`;
    else if (r < 0x10000) out += `\\u${h(r, 4)}`;
    else out += `\\U${h(r, 8)}`;
  }
  return `${out}"`;
}

/** Byte arrays that are often valid UTF-8 (with multi-byte runes), often not. */
const someBytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.uint8Array({ maxLength }),
  fc.string({ unit: 'binary', maxLength: maxLength >> 2 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
  fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 3 }).map((s) => [...Buffer.from(s, 'utf8')]), fc.uint8Array({ maxLength: 2 }).map((u) => [...u])), { maxLength: maxLength >> 2 })
    .map((parts) => new Uint8Array(parts.flat().slice(0, maxLength))),
);

const utf8Text = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);

// -----------------------------------------------------------------------------------------------

describe('fuzz: nothing throws, frames are well-formed', () => {
  it('random strings (full Unicode, lone surrogates)', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: codeUnit, maxLength: 400 })), checkText), opts(300));
  });

  it('token soup of Go log pieces', () => {
    fc.assert(fc.property(tokenSoup, checkText), opts(1500));
  });

  it('random bytes decoded as UTF-8 (and detectBytes on them)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const d = detectBytes(bytes);
      assert.ok(d === undefined || ('error' in d && typeof d.error === 'string'));
      checkText(utf8Text(bytes));
      checkText(Buffer.from(bytes).toString('latin1'));
    }), opts(200));
  });

  it('mutations of real fixture lines (insert, delete, replace, truncate, duplicate)', () => {
    fc.assert(fc.property(mutatedLog, checkText), opts(400));
  });

  it('real lines behind random prefixes and with random suffixes', () => {
    fc.assert(fc.property(fc.nat({ max: REAL_LINES.length - 1 }), tokenSoup, fc.string({ unit: codeUnit, maxLength: 30 }), (i, prefix, suffix) => {
      checkText(prefix.replace(/\n/g, ' ') + REAL_LINES[i]! + suffix);
    }), opts(400));
  });
});

describe('fuzz: Go-quoted strings', () => {
  it('decodeGoQuoted never throws on any input and start; end is -1 or within bounds', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: codeUnit, maxLength: 200 }), tokenSoup), fc.nat({ max: 220 }), fc.oneof(fc.constant(Infinity), fc.nat({ max: 50 })), (s, start, max) => {
      const text = `"${s}`;
      for (const from of [0, start]) {
        const d = decodeGoQuoted(text, from, max);
        assert.ok(d.end === -1 || (d.end > from && d.end <= text.length), `end ${d.end}`);
        if (d.end > 0) assert.equal(text[d.end - 1], '"');
        assert.ok(d.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255));
        assert.ok(max === Infinity || d.bytes.length <= max + 3, 'maxBytes is honoured (the last rune may add up to 3 bytes)');
      }
    }), opts(1500));
  });

  it('round trip: strconv.Quote(bytes) decodes back to the same bytes', () => {
    fc.assert(fc.property(someBytes(300), (bytes) => {
      const q = strconvQuote(bytes);
      const d = decodeGoQuoted(`${q} tail`, 0);
      assert.deepEqual(d.bytes, [...bytes]);
      assert.equal(d.end, q.length);
    }), opts(1500));
  });

  it('the encoder matches Go on known cases', () => {
    const b = (...x: number[]): Uint8Array => new Uint8Array(x);
    assert.equal(strconvQuote(b(0x1f, 0x8b, 8, 0, 0, 9, 0x6e, 0x88)), '"\\x1f\\x8b\\b\\x00\\x00\\tn\\x88"'); // golang/go#16974
    assert.equal(strconvQuote(b(2, 4, 0x10, 0x10, 9, 0x0e, 7, 7)), '"\\x02\\x04\\x10\\x10\\t\\x0e\\a\\a"'); // grpc-go BDP ping
    assert.equal(strconvQuote(b(0x3b, 0x7c, 0xdb, 0x7a, 0x0b, 0x87, 0x16, 0xb4)), '";|\\xdbz\\v\\x87\\x16\\xb4"'); // Rust h2 user ping
    assert.equal(strconvQuote(new Uint8Array(Buffer.from('é"\\\u00ad\u{1F600}\u2028', 'utf8'))), '"é\\"\\\\\\u00ad😀\\u2028"');
    assert.equal(strconvQuote(b(0xed, 0xa0, 0x80)), '"\\xed\\xa0\\x80"', 'an encoded surrogate is invalid UTF-8');
  });

  it('DATA, PING and GOAWAY lines carry any bytes through the parser', () => {
    fc.assert(fc.property(someBytes(400), fc.uint8Array({ minLength: 8, maxLength: 8 }), someBytes(200), (data, ping, debug) => {
      const text = [
        wrote(`DATA stream=1 len=${data.length} data=${strconvQuote(data.subarray(0, 256))}${data.length > 256 ? ` (${data.length - 256} bytes omitted)` : ''}`),
        read(`PING len=8 ping=${strconvQuote(ping)}`),
        read(`GOAWAY len=${8 + debug.length} LastStreamID=5 ErrCode=ENHANCE_YOUR_CALM Debug=${strconvQuote(debug)}`),
      ].join('\n');
      const [d, p, g] = parseGoHttp2debug(text).frames;
      assert.equal(d!.length, data.length);
      assert.equal(d!.dataPreview, utf8Text(data.subarray(0, 256)));
      assert.equal(d!.dataOmitted, data.length > 256 ? data.length - 256 : undefined);
      assert.equal(p!.pingPayload, hex([...ping]));
      assert.equal(g!.debugData, utf8Text(debug));
      assert.equal(g!.lastStreamId, 5);
      assert.equal(g!.errorCode, 0xb);
    }), opts(500));
  });
});

// -----------------------------------------------------------------------------------------------
// Linear time: ratios of run times, never absolute limits.

/** Best of `reps` runs, in ms (after one warm-up run). */
function best(fn: () => void, reps = 5): number {
  fn();
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/**
 * Asserts that `size(8k)` costs less than 8 × 3 times `size(k)`. Test files run in parallel, so a
 * ratio above the limit is measured again (up to 3 times): a quadratic cost fails every time.
 */
function assertLinear(name: string, make: (scale: number) => string, run: (text: string) => void, k: number): void {
  const small = make(k);
  const large = make(8 * k);
  let report = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const ts = best(() => run(small));
    const tl = best(() => run(large));
    const ratio = tl / Math.max(ts, 0.5);
    report = `${name}: ${tl.toFixed(1)} ms for ×8 input vs ${ts.toFixed(1)} ms (ratio ${ratio.toFixed(1)}, limit 24)`;
    if (process.env['H2LENS_TIMING']) console.log(report);
    if (ratio < 8 * 3) return;
  }
  assert.fail(report);
}

describe('linear time', () => {
  const goLog = fixture('go-undrained-body/go1.24-std-undrained/client.log');
  const parse = (text: string): void => void buildTrace(parseGoHttp2debug(text));

  it('parse + trace of a real Go log repeated k and 8k times', () => {
    assertLinear('go log', (n) => goLog.repeat(n), parse, 4);
  });

  it('parse + trace of the CONTINUATION flood log repeated', () => {
    const cont = fixture('floods/h2o/continuation/client.log');
    assertLinear('continuation log', (n) => cont.repeat(n), parse, 1);
  });

  it('analyzeText (rules included) on a real Go log repeated as separate connections', () => {
    const ptr = /Framer (0x[0-9a-f]+)/.exec(goLog)![1]!;
    const make = (n: number): string => Array.from({ length: n }, (_, i) => goLog.replaceAll(ptr, `${ptr}${i.toString(16).padStart(4, '0')}`)).join('');
    assertLinear('analyze go log', make, (t) => void analyzeText(t), 4);
  });

  it('connections announced long before their Framers write (hand-made lines: a queue of 10^4–10^5)', () => {
    const make = (n: number): string => {
      const count = n * 2000;
      const lines: string[] = [];
      for (let i = 0; i < count; i++) lines.push(`2026/11/24 12:00:00 http2: server connection from 127.0.0.1:${i % 60000} on 0xc0${i.toString(16)}`);
      for (let i = 0; i < count; i++) lines.push(`2026/11/24 12:00:00 http2: Framer 0x${(0xc000000000 + i * 16).toString(16)}: wrote SETTINGS len=0`);
      return lines.join('\n');
    };
    assertLinear('announced connections', make, (t) => void parseGoHttp2debug(t), 4);
  });

  it('an editor document cut into slices: a long tail without a line end (hand-made)', () => {
    const MB = 1024 * 1024;
    const slices = (text: string): void => {
      for (let start = 0; start < text.length;) start = sliceEnd(text, start);
    };
    assertLinear('slices of a tail without line end', (n) => `http2: Framer 0xc0: wrote PING len=8 ping="00000000"\n${'x'.repeat(n * MB)}`, slices, 4);
  });

  it('a huge single line: 8 MB vs 1 MB (unterminated DATA, no tag, slog-quoted, JSON records)', () => {
    const MB = 1024 * 1024;
    assertLinear('unterminated DATA line', (n) => `http2: Framer 0xc0: wrote DATA stream=1 len=5 data="${'x'.repeat(n * MB / 8)}`, (t) => void analyzeText(t), 8);
    assertLinear('line without tag', (n) => 'y'.repeat(n * MB / 8), (t) => void analyzeText(t), 8);
    assertLinear('slog line', (n) => `time=2025-09-10T12:00:00.000Z level=INFO msg="http2: Framer 0xc0: wrote DATA stream=1 len=5 data=\\"${'\\\\x00'.repeat(n * MB / 40)}`, (t) => void analyzeText(t), 8);
    assertLinear('slog JSON record', (n) => `{"time":"2025-09-10T12:00:00Z","msg":"http2: Framer 0xc0: wrote DATA stream=1 len=5 data=\\"${'\\\\x00\\"'.repeat(n * MB / 40)}\\""}`, (t) => void analyzeText(t), 8);
    assertLinear('JSON record, unterminated', (n) => `{"msg":"http2: Framer 0xc0: wrote DATA stream=1 len=5 data=\\"${'\\\\'.repeat(n * MB / 8)}`, (t) => void analyzeText(t), 8);
  });
});
