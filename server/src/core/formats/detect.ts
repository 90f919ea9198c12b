/**
 * Content sniffing: which format is this, or why it cannot be read. Never by file name alone.
 * Only samples are looked at (the first 64 KB; for a log put after or between others, the last 64 KB
 * and 64 windows spread between, 1–8 MB apart), with indexOf and character checks.
 */
import { CURL_FORMAT, looksLikeCurl } from './curl.ts';
import { ENVOY_FORMAT, looksLikeEnvoy } from './envoy.ts';
import { GO_FORMAT, looksLikeGoHttp2debug } from './goHttp2debug.ts';
import { NETLOG_FORMAT } from './netlog.ts';
import { NGHTTP_FORMAT, looksLikeNghttp } from './nghttp.ts';
import { NODE_FORMAT, looksLikeNodeDebug } from './nodeDebug.ts';
import { OKHTTP_FORMAT, countOkHttpLines, looksLikeOkHttp } from './okhttp.ts';
import { RUST_H2_FORMAT, looksLikeRustH2 } from './rustH2.ts';
import { TSHARK_EK_FORMAT } from './tsharkEk.ts';
import { TSHARK_JSON_FORMAT } from './tsharkJson.ts';
import { TSHARK_PDML_FORMAT } from './tsharkPdml.ts';
import { stripAnsi } from './incremental.ts';

export type Detection =
  | { format: string; notes?: string[] }
  | { error: string };

export const FORMATS = [
  GO_FORMAT,
  TSHARK_JSON_FORMAT,
  TSHARK_EK_FORMAT,
  TSHARK_PDML_FORMAT,
  NETLOG_FORMAT,
  NGHTTP_FORMAT,
  CURL_FORMAT,
  RUST_H2_FORMAT,
  NODE_FORMAT,
  OKHTTP_FORMAT,
  ENVOY_FORMAT,
] as const;

/** What each format is, in words (for errors, `--format` help and docs). */
export const FORMAT_DESCRIPTIONS: Record<(typeof FORMATS)[number], string> = {
  [GO_FORMAT]: 'Go GODEBUG=http2debug=1|2 log',
  [TSHARK_JSON_FORMAT]: 'tshark/Wireshark -T json export (with or without duplicate keys)',
  [TSHARK_EK_FORMAT]: 'tshark -T ek export (newline-delimited JSON)',
  [TSHARK_PDML_FORMAT]: 'tshark -T pdml export (XML)',
  [NETLOG_FORMAT]: 'Chrome NetLog JSON (chrome://net-export)',
  [NGHTTP_FORMAT]: 'nghttp / nghttpd -v output',
  [CURL_FORMAT]: 'curl -v / --trace-ascii output',
  [RUST_H2_FORMAT]: 'Rust h2 tracing (RUST_LOG=h2=debug|trace)',
  [NODE_FORMAT]: 'Node.js NODE_DEBUG=http2 output',
  [OKHTTP_FORMAT]: 'OkHttp frame log (okhttp3.internal.http2.Http2 at FINE)',
  [ENVOY_FORMAT]: 'Envoy http2 trace log',
};

/** The bytes (characters) looked at from the start of a file, and from its end. */
export const SAMPLE = 1 << 16;

/** Magic numbers of files people open by mistake, with what to do instead. */
function binaryKind(bytes: Uint8Array): string | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'a gzip-compressed file';
  if ((b(0) === 0xd4 && b(1) === 0xc3 && b(2) === 0xb2 && b(3) === 0xa1) || (b(0) === 0xa1 && b(1) === 0xb2 && b(2) === 0xc3 && b(3) === 0xd4) || (b(0) === 0x4d && b(1) === 0x3c && b(2) === 0xb2 && b(3) === 0xa1)) {
    return 'a pcap capture (export it with tshark -T json first)';
  }
  if (b(0) === 0x0a && b(1) === 0x0d && b(2) === 0x0d && b(3) === 0x0a) return 'a pcapng capture (export it with tshark -T json first)';
  return undefined;
}

/** Sniff raw bytes (CLI, "analyse from disk"). */
export function detectBytes(bytes: Uint8Array): Detection | undefined {
  if (bytes.length === 0) return { error: 'the file is empty' };
  const kind = binaryKind(bytes);
  if (kind) return { error: `this is ${kind}, not a text log` };
  const n = Math.min(bytes.length, SAMPLE);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0) return { error: 'this is a binary file (it contains NUL bytes), not an HTTP/2 log' };
    if (c < 9 || (c > 13 && c < 32)) control++;
  }
  if (control > n / 10) return { error: 'this is a binary file, not an HTTP/2 log' };
  return undefined;
}

function count(sample: string, needle: string): number {
  let n = 0;
  for (let i = sample.indexOf(needle); i >= 0; i = sample.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Frame(-ish) lines per line-based format in the sample, for choosing among several. */
export function frameLineCounts(sample: string): Array<[string, number]> {
  const counts: Array<[string, number]> = [
    [GO_FORMAT, count(sample, 'http2: Framer 0x') + count(sample, 'http2: Transport received ') + count(sample, 'http2: server read frame ')],
    [NGHTTP_FORMAT, looksLikeNghttp(sample) ? count(sample, ' frame <length=') : 0],
    [CURL_FORMAT, looksLikeCurl(sample) ? count(sample, '> FRAME[') + count(sample, '- FRAME[') + count(sample, 'h2h3 [') + count(sample, 'Using Stream ID: ') + count(sample, '] OPENED stream') + count(sample, '== Info: ') : 0],
    [RUST_H2_FORMAT, looksLikeRustH2(sample) ? count(sample, ' send frame=') + count(sample, ' received frame=') + count(sample, ' send; frame=') + count(sample, ' received; frame=') : 0],
    [NODE_FORMAT, looksLikeNodeDebug(sample) ? count(sample, 'Http2Session client') + count(sample, 'Http2Session server') : 0],
    [OKHTTP_FORMAT, looksLikeOkHttp(sample) ? countOkHttpLines(sample) + count(sample, ' CONNECTION 505249') : 0],
    [ENVOY_FORMAT, looksLikeEnvoy(sample) ? count(sample, 'sent frame type=') + count(sample, 'recv frame type=') : 0],
  ];
  return counts.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
}

/** The first non-blank character at or after `i` (skipping a BOM). */
function firstChar(text: string): number {
  let i = 0;
  while (i < text.length && i < SAMPLE && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t' || text[i] === '\ufeff')) i++;
  return i;
}

function sniffJson(sample: string, i: number): Detection {
  // Chrome NetLog: `{"constants": {…}, "events": [`; `constants` can be longer than the sample.
  const head = sample.slice(i, i + 64);
  if (head.replace(/\s+/g, '').startsWith('{"constants":')) return { format: NETLOG_FORMAT };
  if (head.startsWith('{"events"') && sample.includes('"constants"')) return { format: NETLOG_FORMAT };
  // tshark -T ek: `{"index":{…}}` / `{"timestamp":"…","layers":{…}}` lines.
  if (head.startsWith('{"index"') || (head.startsWith('{"timestamp"') && sample.includes('"layers"'))) return { format: TSHARK_EK_FORMAT };
  // tshark -T json: an array of packets whose first object has `_source` → `layers`.
  if (sample[i] === '[' || sample[i] === '{') {
    const src = sample.indexOf('"_source"', i);
    if (src >= 0 && sample.indexOf('"layers"', src) >= 0) return { format: TSHARK_JSON_FORMAT };
  }
  const what = sample[i] === '[' ? 'a JSON array' : 'a JSON object';
  return {
    error: `this is ${what}, but not one h2lens reads: expected a tshark/Wireshark -T json export (packets with "_source": {"layers": …}), a tshark -T ek export ({"index": …} / {"layers": …} lines) or a Chrome NetLog ({"constants": …, "events": […]}); it has no Go http2debug lines either`,
  };
}

/** Sniff decoded text (editor documents, and the CLI after detectBytes). */
export function detectText(text: string, forced?: string): Detection {
  if (forced) {
    if ((FORMATS as readonly string[]).includes(forced)) return { format: forced };
    return { error: `unknown format "${forced}" (known: ${FORMATS.join(', ')})` };
  }
  const i = firstChar(text);
  if (i >= text.length) return { error: 'the file is empty' };
  const sample = text.slice(0, SAMPLE);
  if (sample.includes('\u0000')) return { error: 'this is a binary file (it contains NUL bytes), not an HTTP/2 log' };
  const first = text[i];
  // Terminal colours (tracing's ANSI output, nghttp --color) would hide the markers.
  const plain = stripAnsi(sample);
  const counts = frameLineCounts(plain);
  // `[  0.007] recv …` (nghttp) and `[2024-12-09 …][trace][http2]` (Envoy) start with `[` too.
  const jsonMarkers = sample.includes('"_source"') || sample.includes('"layers"') || sample.includes('"constants"');
  if ((first === '{' || first === '[') && (jsonMarkers || counts.length === 0)) {
    // A JSON log whose lines happen to mention http2 is still JSON; Go lines inside JSON strings
    // (slog JSON handler) are the exception: those are Go logs.
    if (looksLikeGoHttp2debug(sample) && !sample.includes('"_source"') && !sample.startsWith('{"constants"', i)) return { format: GO_FORMAT };
    return sniffJson(sample, i);
  }
  if (first === '<') {
    if (sample.includes('<pdml') || sample.includes('<packet>')) return { format: TSHARK_PDML_FORMAT };
    return { error: 'this is an XML/HTML file, but not a tshark -T pdml export (no <pdml>/<packet> elements) and not an HTTP/2 log' };
  }
  // Go lines may start later in a big mixed log: let the Go parser decide (it reports "no frame").
  if (counts.length === 0) return { format: GO_FORMAT };
  const [best, n] = counts[0]!;
  if (counts.length > 1) {
    const others = counts.slice(1).map(([f, k]) => `${FORMAT_DESCRIPTIONS[f as (typeof FORMATS)[number]]} (${k})`).join(', ');
    return {
      format: best,
      notes: [`This file mixes log formats: ${FORMAT_DESCRIPTIONS[best as (typeof FORMATS)[number]]} (${n} frame lines in its first 64 KB) and ${others}. It is read as the first, which has the most frame lines; choose another with --format NAME (CLI) or the h2lens.format setting.`],
    };
  }
  return { format: best };
}

/**
 * Between the start and the end, a window of SAMPLE bytes is sniffed every `strideFor(length)` bytes
 * too (a log put between two others): WINDOWS of them spread over the input, at least MIN_STRIDE and
 * at most STRIDE apart (about 0.5 ms each, so never more than some 35 ms however big the file is).
 * An input whose length is not known before it is read (a gzip stream) gets one every STRIDE bytes.
 */
export const STRIDE = 8 << 20;
export const MIN_STRIDE = 1 << 20;
const WINDOWS = 64;

/** The stride of the windows for an input of `length` bytes (undefined: not known in advance). */
export function strideFor(length: number | undefined): number {
  if (length === undefined) return STRIDE;
  // Whole samples apart, so the windows of two paths that know the same length fall at the same offsets.
  return Math.min(STRIDE, Math.max(MIN_STRIDE, Math.ceil(length / WINDOWS / SAMPLE) * SAMPLE));
}

/**
 * The formats other than `format` that a window past the start holds, most frames first, and
 * whether `format` is there too; undefined when there is no other.
 */
function otherFormats(format: string, window: string): { other: string; n: number; alone: boolean } | undefined {
  // From the first whole line: the window starts anywhere.
  const from = window.indexOf('\n');
  const sample = from >= 0 ? window.slice(from + 1) : window;
  // The exports too: their frames' type fields (a JSON or XML part cannot be parsed from its middle).
  const exports: Array<[string, number]> = [
    [TSHARK_JSON_FORMAT, count(sample, '"http2.type"')],
    [TSHARK_EK_FORMAT, count(sample, '"http2_http2_type"')],
    [TSHARK_PDML_FORMAT, count(sample, 'name="http2.type"')],
  ];
  const counts = [...frameLineCounts(stripAnsi(sample)), ...exports.filter(([, n]) => n > 0)].sort((a, b) => b[1] - a[1]);
  const others = counts.filter(([f]) => f !== format);
  if (others.length === 0) return undefined;
  return { other: others[0]![0], n: others[0]![1], alone: others.length === counts.length };
}

const formatName = (f: string): string => FORMAT_DESCRIPTIONS[f as (typeof FORMATS)[number]] ?? f;
const splitAdvice = (other: string): string => `Split it to read the other (or choose it with --format ${other} in the CLI, or the h2lens.format setting).`;

/**
 * Files put together with `cat` hold one format at the start and another at the end, which sniffing
 * the start cannot see: the end of a file longer than the sample (its last SAMPLE bytes, `tail`)
 * is looked at too. When it has frames of another format, the note says what was not read.
 */
export function tailMixNote(format: string, tail: string): string | undefined {
  const o = otherFormats(format, tail);
  if (!o) return undefined;
  return o.alone
    ? `The end of this file is ${formatName(o.other)} (${o.n} frames in its last 64 KB), but it was read as ${formatName(format)}, which its start is: a file holding two logs is read as the first only. ${splitAdvice(o.other)}`
    : `The end of this file also holds ${formatName(o.other)} (${o.n} frames in its last 64 KB), which were not read: the file is read as ${formatName(format)}, which its start is. ${splitAdvice(o.other)}`;
}

/** tailMixNote for a window `at` bytes into the file, between its start and its end (`cat a b c`). */
export function middleMixNote(format: string, at: number, window: string): string | undefined {
  const o = otherFormats(format, window);
  if (!o) return undefined;
  const where = `about ${Math.round(at / 1048576)} MB in`;
  return o.alone
    ? `Part of this file, ${where}, is ${formatName(o.other)} (${o.n} frames in 64 KB there), which was not read: the file is read as ${formatName(format)}, which its start is, and a file holding several logs is read as the first only. ${splitAdvice(o.other)}`
    : `Part of this file, ${where}, also holds ${formatName(o.other)} (${o.n} frames in 64 KB there), which were not read: the file is read as ${formatName(format)}, which its start is. ${splitAdvice(o.other)}`;
}

/**
 * Is more than the start of the input sniffed? Not when the format was chosen (`forced`), nor when
 * sniffing the start said the file mixes formats already.
 */
export function sniffsPastStart(detected: { notes?: string[] }, forced: string | undefined): boolean {
  return !forced && !detected.notes?.length;
}

/**
 * The note on a log put after or between others, for an analysis: the end is sniffed first, then the
 * windows between (`middle`, the first note they gave). Asked only when the input is longer than the
 * sample and sniffsPastStart; `tail` and `middle` are asked only then.
 */
export function endOfFileNote(format: string, detected: { notes?: string[] }, forced: string | undefined, length: number, tail: () => string, middle: () => string | undefined): string | undefined {
  if (!sniffsPastStart(detected, forced) || length <= SAMPLE) return undefined;
  return tailMixNote(format, tail()) ?? middle();
}

/** endOfFileNote for a text (editor documents, analyzeText): its samples as textSamples takes them. */
export function textEndOfFileNote(format: string, detected: { notes?: string[] }, forced: string | undefined, text: string): string | undefined {
  const samples = textSamples(format, text);
  return endOfFileNote(format, detected, forced, text.length, samples.tail, samples.middle);
}

/**
 * The samples of a text past its start, as StreamSniffer takes them from its bytes: the last SAMPLE
 * bytes of its UTF-8 (the same tail whichever path reads the file), and a window every `stride`
 * characters (bytes, for ASCII text; strideFor its length, as the byte stream of its file has).
 */
export function textSamples(format: string, text: string, stride = strideFor(text.length)): { tail: () => string; middle: () => string | undefined } {
  return {
    tail: () => {
      const end = Buffer.from(text.slice(-SAMPLE), 'utf8');
      return end.toString('utf8', Math.max(0, end.length - SAMPLE));
    },
    middle: () => {
      for (let at = stride; at + SAMPLE <= text.length; at += stride) {
        const note = middleMixNote(format, at, text.slice(at, at + SAMPLE));
        if (note) return note;
      }
      return undefined;
    },
  };
}

/**
 * What a byte stream shows past its start, kept as it streams by: its last SAMPLE bytes (copied: a
 * file source reuses its chunks), and the window of SAMPLE bytes at every multiple of `stride`, each
 * sniffed once it is whole until one holds another format (one copy of 64 KB per stride at most).
 */
export class StreamSniffer {
  bytes = 0;
  private readonly tailBytes = Buffer.alloc(SAMPLE);
  private tailLength = 0;
  private readonly window = Buffer.alloc(SAMPLE);
  private windowFill = 0;
  private nextWindow: number;
  private middleNote: string | undefined;

  constructor(private readonly format: string, private readonly stride = STRIDE) {
    this.nextWindow = stride;
  }

  push(b: Uint8Array): void {
    const n = b.length;
    if (n >= SAMPLE) {
      this.tailBytes.set(b.subarray(n - SAMPLE));
      this.tailLength = SAMPLE;
    } else {
      const keep = Math.min(this.tailLength, SAMPLE - n);
      this.tailBytes.copyWithin(0, this.tailLength - keep, this.tailLength);
      this.tailBytes.set(b, keep);
      this.tailLength = keep + n;
    }
    while (this.middleNote === undefined) {
      const need = this.nextWindow + this.windowFill;
      if (need >= this.bytes + n) break;
      const from = need - this.bytes;
      const take = Math.min(SAMPLE - this.windowFill, n - from);
      this.window.set(b.subarray(from, from + take), this.windowFill);
      this.windowFill += take;
      if (this.windowFill < SAMPLE) break;
      this.middleNote = middleMixNote(this.format, this.nextWindow, this.window.toString('utf8'));
      this.windowFill = 0;
      this.nextWindow += this.stride;
    }
    this.bytes += n;
  }

  tail(): string {
    return this.tailBytes.toString('utf8', 0, this.tailLength);
  }

  middle(): string | undefined {
    return this.middleNote;
  }
}
