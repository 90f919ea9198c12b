/**
 * Go `GODEBUG=http2debug=1|2` output (golang.org/x/net/http2 and std net/http's bundled copy).
 *
 * Every line is scanned once, left to right, with indexOf and character checks: no backtracking
 * regular expression touches untrusted text, so a 50 MB single line costs what reading it costs.
 * Lines that are not HTTP/2 (application output, grpclog, panics) are skipped.
 */
import type { ConnectionInfo, FrameEvent, HandlerPanic, HeaderField, LostPing, ParsedLog } from '../model/frame.ts';
import { CORE_TYPE_NAMES, FrameType } from '../model/frame.ts';
import { FrameTable } from '../model/frameTable.ts';
import { ErrorCode, errorCodeByName, flagBit, frameTypeCode } from '../knowledge/rfc9113.ts';
import { isAscii } from 'node:buffer';
import { Queue } from '../queue.ts';
import { ByteInterner, bytePattern, indexIn, latin1, matchAt, matchWords, readUint as readUintAt, sameBytes, uintEnd, viewOf, type ViewedBytes } from './byteText.ts';
import { bytesToHex, bytesToText, decodeGoQuoted, decodeGoQuotedText } from './goQuoted.ts';
import { forEachLine } from './lines.ts';
import { passedOverNote } from './incremental.ts';
import { Encoder, GoHeaderBlocks } from './goHeaderBlocks.ts';
import { GOAWAY_ERROR, GoClientErrors, LOST_ERROR } from './goClientErrors.ts';
import { goLogSecondAt, parseLeadingTimestamp } from './timestamps.ts';

export const GO_FORMAT = 'go-http2debug';

const TAG = 'http2: ';
/** Go prints at most 256 bytes of DATA; keep no more than that from any line. */
const MAX_PREVIEW = 256;

interface Summary {
  typeName: string;
  type: number;
  flags: number;
  streamId: number;
  length: number;
  rest: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isTypeChar = (c: number): boolean => (c >= 65 && c <= 90) || isDigit(c) || c === 95;

/** Reads decimal digits at `i`; returns [value, next index] or undefined. */
function readUint(s: string, i: number): [number, number] | undefined {
  let j = i;
  let v = 0;
  while (j < s.length && isDigit(s.charCodeAt(j)) && j - i < 16) {
    v = v * 10 + (s.charCodeAt(j) - 48);
    j++;
  }
  return j > i ? [v, j] : undefined;
}

/** `<TYPE>[ flags=..][ stream=N] len=N<rest>` (golang/net http2/frame.go FrameHeader.writeDebug). */
export function parseFrameSummary(s: string, start: number): Summary | undefined {
  let i = start;
  while (i < s.length && isTypeChar(s.charCodeAt(i))) i++;
  const typeName = s.slice(start, i);
  let type: number | undefined;
  if (typeName === '') type = -1; // x/net ≥ v0.50 prints no name for 0x0a–0x0f
  else if (typeName.startsWith('UNKNOWN_FRAME_TYPE_')) {
    const n = readUint(typeName, 19);
    type = n ? n[0] & 0xff : -1;
  } else type = frameTypeCode(typeName);
  if (type === undefined) return undefined;
  if (s.charCodeAt(i) !== 32) return undefined;
  i++;
  // x/net ≥ v0.50: empty type name leaves two spaces (`read  stream=1 len=4`).
  if (typeName === '' && s.charCodeAt(i) === 32) i++;
  let flags = 0;
  let streamId = 0;
  if (s.startsWith('flags=', i)) {
    i += 6;
    const end = s.indexOf(' ', i);
    if (end < 0) return undefined;
    for (const name of s.slice(i, end).split('|')) {
      if (name.startsWith('0x')) flags |= parseInt(name.slice(2), 16) & 0xff;
      else {
        const bit = flagBit(type, name);
        if (bit === undefined) return undefined;
        flags |= bit;
      }
    }
    i = end + 1;
  }
  if (s.startsWith('stream=', i)) {
    const n = readUint(s, i + 7);
    if (!n || s.charCodeAt(n[1]) !== 32) return undefined;
    streamId = n[0];
    i = n[1] + 1;
  }
  if (!s.startsWith('len=', i)) return undefined;
  const len = readUint(s, i + 4);
  if (!len) return undefined;
  return { typeName, type, flags, streamId, length: len[0], rest: s.slice(len[1]) };
}

/** ErrCode text: a known name, or `unknown error code 0x…` (contains spaces). */
function parseErrCode(text: string): number | undefined {
  const t = text.trim();
  const known = errorCodeByName(t);
  if (known !== undefined) return known;
  const u = t.lastIndexOf('0x');
  if (t.startsWith('unknown error code') && u >= 0) {
    const v = parseInt(t.slice(u + 2), 16);
    return Number.isFinite(v) ? v >>> 0 : undefined;
  }
  return undefined;
}

/** Fill the per-type fields from the summary suffix (golang/net http2/frame.go summarizeFrame). */
function applySuffix(ev: FrameEvent, rest: string): void {
  switch (ev.type) {
    case FrameType.DATA: {
      const q = rest.indexOf('data="');
      if (q >= 0) {
        const d = decodeGoQuoted(rest, q + 5, MAX_PREVIEW);
        ev.dataPreview = bytesToText(d.bytes);
        if (d.end > 0) {
          const om = rest.indexOf(' (', d.end);
          if (om >= 0) {
            const n = readUint(rest, om + 2);
            if (n && rest.startsWith(' bytes omitted)', n[1])) ev.dataOmitted = n[0];
          }
        }
      }
      break;
    }
    case FrameType.RST_STREAM: {
      const e = rest.indexOf('ErrCode=');
      if (e >= 0) ev.errorCode = parseErrCode(rest.slice(e + 8));
      break;
    }
    case FrameType.SETTINGS: {
      const k = rest.indexOf('settings:');
      if (k >= 0) {
        ev.settings = [];
        for (const part of rest.slice(k + 9).split(',')) {
          const eq = part.indexOf('=');
          if (eq < 0) continue;
          const value = Number(part.slice(eq + 1).trim());
          if (Number.isFinite(value)) ev.settings.push([part.slice(0, eq).trim(), value]);
        }
      }
      break;
    }
    case FrameType.PING: {
      const q = rest.indexOf('ping="');
      if (q >= 0) ev.pingPayload = bytesToHex(decodeGoQuoted(rest, q + 5, 64).bytes);
      break;
    }
    case FrameType.GOAWAY: {
      const l = rest.indexOf('LastStreamID=');
      if (l >= 0) {
        const n = readUint(rest, l + 13);
        if (n) ev.lastStreamId = n[0];
      }
      const e = rest.indexOf('ErrCode=');
      const d = rest.indexOf(' Debug="', e < 0 ? 0 : e);
      if (e >= 0) ev.errorCode = parseErrCode(rest.slice(e + 8, d >= 0 ? d : undefined));
      if (d >= 0) ev.debugData = bytesToText(decodeGoQuoted(rest, d + 7, 4096).bytes);
      break;
    }
    case FrameType.WINDOW_UPDATE: {
      const k = rest.indexOf('incr=');
      if (k >= 0) {
        const n = readUint(rest, k + 5);
        if (n) ev.increment = n[0];
      }
      break;
    }
  }
}

/** `header field ":status" = "200"` (hpack.HeaderField.String) or `":method" = "GET"`. */
function parseHeaderField(s: string, i: number, fields: HeaderFieldTable): HeaderField | undefined {
  const name = decodeGoQuotedText(s, i, 8192);
  if (name.end < 0 || !s.startsWith(' = ', name.end)) return undefined;
  const value = decodeGoQuotedText(s, name.end + 3, 8192);
  if (value.end < 0) return undefined;
  return fields.get(name.value, value.value);
}

/**
 * Header fields repeat across millions of lines (":status: 200", content types). One frozen object
 * per distinct name and value is shared by every frame that carries it — and no slice pins its whole
 * log line in memory. The table is bounded: past it, fields are still made, just not shared.
 */
class HeaderFieldTable {
  private readonly table = new Map<string, HeaderField>();
  constructor(private readonly max = 50_000) {}
  get(name: string, value: string): HeaderField {
    const key = name + '\u0000' + value;
    const hit = this.table.get(key);
    if (hit !== undefined) return hit;
    // Own copies: a slice of a long line would keep the whole line alive.
    const field: HeaderField = Object.freeze({ name: Buffer.from(name).toString(), value: Buffer.from(value).toString() });
    if (this.table.size < this.max) this.table.set(key, field);
    return field;
  }
}

/**
 * Header lists repeat too (every request of a load test carries the same fields): a frame's list is
 * grown field by field along a trie of shared, frozen lists instead of one array per frame. Past the
 * bound, lists are plain arrays of their own (copied before they are grown).
 */
class HeaderListTable {
  private readonly nodes = new Map<readonly HeaderField[], Map<HeaderField, HeaderField[]>>();
  private static readonly EMPTY: HeaderField[] = Object.freeze([]) as unknown as HeaderField[];
  /** Real requests and responses carry tens of fields; past this a list is an own array. */
  private static readonly MAX_SHARED_LENGTH = 128;
  constructor(private readonly max = 200_000) {}
  /** Is `list` one of the table's shared lists? Exactly those are frozen (own lists grow in place), and a frozen check is no map lookup. */
  isShared(list: HeaderField[]): boolean {
    return Object.isFrozen(list);
  }
  /** `list` + `field`: the shared list when there is one, else an own array. */
  add(list: HeaderField[] | undefined, field: HeaderField): HeaderField[] {
    const from = list ?? HeaderListTable.EMPTY;
    if (from.length >= HeaderListTable.MAX_SHARED_LENGTH) {
      // A long list is not shared: every shared list is a copy, so sharing each prefix of a block of
      // n fields (a flood of CONTINUATIONs, encoding lines no frame takes) would cost n² fields.
      if (Object.isFrozen(from)) return [...from, field];
      from.push(field);
      return from;
    }
    let children = this.nodes.get(from);
    if (children === undefined && from === HeaderListTable.EMPTY) this.nodes.set(from, (children = new Map()));
    if (children === undefined) {
      // An own list (the table was full when it was made): grow it in place.
      if (Object.isFrozen(from)) return [...from, field];
      from.push(field);
      return from;
    }
    const hit = children.get(field);
    if (hit !== undefined) return hit;
    if (this.nodes.size >= this.max) return [...from, field];
    const next = Object.freeze([...from, field]) as unknown as HeaderField[];
    children.set(field, next);
    this.nodes.set(next, new Map());
    return next;
  }
}

/** A message of `http2: …` after the tag, plus where it starts on the line. */
interface Http2Message {
  text: string;
  /** Offset of `text` in the line (for character ranges). */
  offset: number;
  /** Where the `http2:` tag starts (the diagnostic range starts here). */
  tagStart: number;
  time: number | undefined;
}

/**
 * Finds the `http2: ` message on a line, whatever log prefix precedes it (date/time, file:line,
 * custom prefix, container runtime timestamps), the slog TextHandler form `msg="http2: …"`, and a
 * JSON record holding it in a string (slog's JSONHandler `{"time":…,"msg":"http2: …"}`, a container
 * runtime's json-file log `{"log":"2026/… http2: …\n",…}`, a log shipper's NDJSON export).
 */
export function findHttp2Message(line: string): Http2Message | undefined {
  const tag = line.indexOf(TAG);
  if (tag < 0) return undefined;
  if (isJsonRecord(line)) {
    const inner = jsonStringAt(line, tag);
    if (inner !== undefined) {
      // The string re-escapes the message (quotes as \", a newline as \n): decoded once, like slog's
      // text form (positions are approximate then). What it holds may have a log prefix of its own.
      const at = inner.indexOf(TAG);
      if (at < 0) return undefined;
      const end = inner.endsWith('\r\n') ? inner.length - 2 : inner.endsWith('\n') ? inner.length - 1 : inner.length;
      return { text: inner.slice(at + TAG.length, end), offset: tag + TAG.length, tagStart: tag, time: parseLeadingTimestamp(inner, at) ?? parseLeadingTimestamp(line, tag) };
    }
  }
  const time = parseLeadingTimestamp(line, tag);
  if (tag >= 5 && line.startsWith('msg="', tag - 5)) {
    // slog re-quotes the message: decode it once (positions are approximate then).
    const q = decodeGoQuoted(line, tag - 1, 1 << 20);
    const text = bytesToText(q.bytes);
    return { text: text.slice(TAG.length), offset: tag + TAG.length, tagStart: tag, time };
  }
  // One shape for every line (no spread): this runs once per HTTP/2 line of a 10^6-line log.
  return { text: line.slice(tag + TAG.length), offset: tag + TAG.length, tagStart: tag, time };
}

/** Does the line hold a JSON object (its first character past blanks is `{`)? */
function isJsonRecord(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return c === 123;
  }
  return false;
}

/**
 * The decoded JSON string of `line` that covers index `at`, or undefined (`at` outside every string,
 * or the string is not valid JSON). One pass from the line's start, which tells a string's quotes
 * from escaped ones; the string found is decoded by JSON.parse.
 */
function jsonStringAt(line: string, at: number): string | undefined {
  let open = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (open < 0) {
      if (c === 34) open = i;
      else if (i > at) return undefined;
    } else if (c === 92) i++;
    else if (c === 34) {
      if (at > open && at < i) {
        try {
          return JSON.parse(line.slice(open, i + 1)) as string;
        } catch {
          return undefined;
        }
      }
      open = -1;
    }
  }
  return undefined;
}

/** Cheap test used by sniffing: does this text look like Go http2debug output? */
export function looksLikeGoHttp2debug(sample: string): boolean {
  return sample.includes('http2: Framer 0x') || sample.includes('http2: Transport ') || sample.includes('http2: server ') || sample.includes('http2: decoded hpack field');
}

export interface LineParser {
  /** Feed one line (without its newline) and its 0-based number. */
  line(line: string, lineNo: number): void;
  /**
   * Feed one line as bytes: `buf[start, end)` (no newline), `tag` the index of its first `http2: `,
   * `asciiLine` true when the line is known to be ASCII (byte offsets are then character offsets).
   * The common shapes are read from the bytes; anything else is decoded and goes through `line`.
   */
  bytesLine(buf: Buffer, start: number, end: number, tag: number, lineNo: number, asciiLine: boolean): void;
  /** No more lines: the result. */
  finish(lineCount: number): ParsedLog;
}

/** The string reference: every line decoded and parsed as text (tests hold the byte path to it). */
export function parseGoHttp2debugByLines(text: string): ParsedLog {
  const parser = createGoHttp2debugParser();
  const lineCount = forEachLine(text, parser.line);
  return parser.finish(lineCount);
}

export function parseGoHttp2debug(text: string): ParsedLog {
  const feeder = new GoByteFeeder();
  feeder.write(Buffer.from(text, 'utf8'));
  return feeder.finish();
}

const TAG_BYTES = Buffer.from(TAG);

/**
 * Splits bytes into lines for the Go parser: only lines that contain `http2: ` are looked at (the
 * others cannot matter to this format and are only counted), a line split across two chunks is
 * carried over, and a chunk that is all ASCII (the usual case, checked natively) lets every line
 * skip the per-line check.
 */
export class GoByteFeeder {
  readonly parser = createGoHttp2debugParser();
  lines = 0;
  private carry: Buffer | undefined;
  /** Later chunks of a line still without its end (copies: the reader may reuse its chunks). */
  private carryMore: Buffer[] = [];
  /** Bytes held in carry and carryMore. */
  private carryBytes = 0;
  /** The carried line has the tag within its first TAG_WINDOW bytes (known once it is that long). */
  private carryHasTag = false;
  /** The line being passed over without being kept (see write), until its end. */
  private skipping = false;
  /** Lines with the tag passed over for their length: how many, and the first of them. */
  private tooLong = 0;
  private firstTooLong = -1;

  write(chunk: Buffer): void {
    if (this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      this.skipping = false;
      this.lines++;
      chunk = chunk.subarray(nl + 1);
    } else if (this.carry !== undefined) {
      // Only the line split across chunks is joined, once its end arrives: copying every chunk behind
      // the carry would copy the whole file once more, and a giant line once per chunk.
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carryMore.push(Buffer.from(chunk));
        this.carryBytes += chunk.length;
        this.boundCarry();
        return;
      }
      const joined = Buffer.concat([this.carry, ...this.carryMore, chunk.subarray(0, nl + 1)]);
      this.carry = undefined;
      this.carryMore = [];
      this.carryBytes = 0;
      this.scan(joined);
      if (this.carry !== undefined) throw new Error('unreachable: a joined line ends with its newline');
      chunk = chunk.subarray(nl + 1);
    }
    this.scan(chunk);
  }

  /**
   * A line still without its end is not kept past what a Go line can be: one without the tag in its
   * first TAG_WINDOW bytes is no HTTP/2 line (Go's log prefix is short), and one past MAX_LINE_BYTES
   * is no line Go writes (a field is at most a few MB, quoted). Either is passed over to its end, so a
   * file of one 300 MB line costs no 300 MB of memory.
   */
  private boundCarry(): void {
    if (this.carryBytes <= TAG_WINDOW) return;
    let drop = this.carryBytes > MAX_LINE_BYTES;
    if (!drop && !this.carryHasTag) {
      // The line grew past the window: is the tag in it? (Asked once per line; only the window is copied.)
      const head = Buffer.concat([this.carry!, ...this.carryMore], Math.min(this.carryBytes, TAG_WINDOW + TAG_BYTES.length));
      drop = head.indexOf(TAG_BYTES) < 0;
      this.carryHasTag = !drop;
    }
    if (!drop) return;
    if (this.carryBytes > MAX_LINE_BYTES && this.tooLong++ === 0) this.firstTooLong = this.lines;
    this.carry = undefined;
    this.carryMore = [];
    this.carryBytes = 0;
    this.skipping = true;
  }

  private scan(buf: Buffer): void {
    const parser = this.parser;
    const allAscii = isAscii(buf);
    let lineNo = this.lines;
    let pos = 0;
    // Next `http2: ` at or after pos (lines that end before it cannot be HTTP/2 lines), or UNKNOWN
    // after an HTTP/2 line: the next line is first tried where the tag sat on this one (a log's
    // prefix has one width), which spares a search of the buffer per line.
    const UNKNOWN = -2;
    let tag = buf.indexOf(TAG_BYTES, 0);
    let offset = -1;
    const view = viewOf(buf);
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      if (tag === UNKNOWN) tag = offset >= 0 && tagAt(buf, view, pos, pos + offset, nl) ? pos + offset : buf.indexOf(TAG_BYTES, pos);
      if (tag >= 0 && tag < nl) {
        const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
        parser.bytesLine(buf, pos, end, tag, lineNo, allAscii || isAscii(buf.subarray(pos, end)));
        offset = tag - pos;
        tag = UNKNOWN;
      }
      lineNo++;
      pos = nl + 1;
      if (tag === -1) {
        // No tag in the rest of the buffer: count the remaining lines without looking at them.
        for (let i = buf.indexOf(10, pos); i >= 0; i = buf.indexOf(10, i + 1)) { lineNo++; pos = i + 1; }
        break;
      }
    }
    this.lines = lineNo;
    this.carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : undefined;
    this.carryBytes = this.carry?.length ?? 0;
    this.carryHasTag = false;
  }

  finish(): ParsedLog {
    const carry = this.carryMore.length ? Buffer.concat([this.carry!, ...this.carryMore]) : this.carry;
    this.carryMore = [];
    if (this.skipping) {
      this.skipping = false;
      this.lines++;
    } else if (carry && carry.length) {
      const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
      const tag = carry.indexOf(TAG_BYTES);
      if (tag >= 0 && tag < end) this.parser.bytesLine(carry, 0, end, tag, this.lines, isAscii(carry.subarray(0, end)));
      this.lines++;
      this.carry = undefined;
    }
    const parsed = this.parser.finish(this.lines);
    const note = passedOverNote(this.tooLong, this.firstTooLong, `${MAX_LINE_BYTES >> 20} MB, which no Go http2debug line is`);
    if (note) parsed.notes.push(note);
    return parsed;
  }
}

/** A Go line's `http2: ` comes within its first bytes (after the date, and a file:line or slog prefix). */
const TAG_WINDOW = 1 << 16;
/** Longer than any line Go writes: header values are at most a few MB (MaxHeaderBytes), quoted up to 4×. */
export const MAX_LINE_BYTES = 64 << 20;

/** Is the first `http2: ` of the line starting at `pos` at `at`? (No `h` before it: it is the first.) */
function tagAt(b: Buffer, bv: DataView, pos: number, at: number, nl: number): boolean {
  if (at + 7 > nl || b[at] !== 104 || b[at + 4] !== 50 || b[at + 5] !== 58 || b[at + 6] !== 32 || b[at + 1] !== 116 || b[at + 2] !== 116 || b[at + 3] !== 112) return false;
  // Four bytes at a time: a word holds an `h` (0x68) when its XOR with 0x68686868 has a zero byte.
  let i = pos;
  for (; i + 4 <= at; i += 4) {
    const x = bv.getUint32(i, true) ^ 0x68686868;
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) return false;
  }
  for (; i < at; i++) if (b[i] === 104) return false;
  return true;
}

const enum HeaderLineKind { Decoded, ServerEncoding, TransportEncoding }

/** A header line's message bytes, the field it carries, and the header line that came after it last time. */
interface HeaderLine extends ViewedBytes {
  kind: HeaderLineKind;
  field: HeaderField;
  /** The field name's GoHeaderBlocks.nameId, once asked (-1 before). */
  nameId: number;
  next: HeaderLine | undefined;
  /** The one that came after it the time before: goroutines of several connections interleave their lines. */
  next2: HeaderLine | undefined;
  /** The shared list this line grew last time, and what it grew it into: the same request repeats them. */
  from: HeaderField[] | undefined;
  to: HeaderField[] | undefined;
}

const P_FRAMER = bytePattern('Framer 0x');
const P_WROTE = bytePattern('wrote ');
const P_READ = bytePattern('read ');
const P_FLAGS = bytePattern('flags=');
const P_STREAM = bytePattern('stream=');
const P_LEN = bytePattern('len=');
const P_DATA = bytePattern(' data="');
const P_OMITTED = bytePattern(' bytes omitted)');
const P_INCR = bytePattern('incr=');
const P_DECODED = bytePattern('decoded hpack field ');
const P_HEADER_FIELD = bytePattern('header field ');
const P_SERVER_ENC = bytePattern('server encoding header ');
const P_TRANSPORT_ENC = bytePattern('Transport encoding header ');
const P_SERVER_READ = bytePattern('server read frame ');
const P_TRANSPORT_RECV = bytePattern('Transport received ');
const P_MSG = bytePattern('msg="');

/** Index after the closing quote of the Go-quoted string at `q`, or -1 (the decoder's `end`). */
function quotedEnd(b: Uint8Array, q: number, end: number): number {
  if (b[q] !== 34) return -1;
  for (let i = q + 1; i < end;) {
    const c = b[i]!;
    if (c === 34) return i + 1;
    if (c === 10 || c === 13) return -1;
    if (c !== 92) { i++; continue; }
    // An escape: the decoder reads the next character as part of it, except a line end (it stops there).
    const e2 = b[i + 1];
    if (e2 === 10 || e2 === 13) return -1;
    i += 2;
  }
  return -1;
}

/** RFC 9113's type names 0x0–0x9 as bytes, by code: what nearly every Framer line carries. */
const CORE_TYPE_BYTES = CORE_TYPE_NAMES.map(bytePattern);

/**
 * The core type named by `b[s, e)`, or -1 (then the interner and typeCodeOf decide): picked by first
 * letter and length, then compared, so the common line pays no hash.
 */
function coreTypeAt(view: DataView, b: Uint8Array, s: number, e: number): number {
  let code: number;
  switch (b[s]) {
    case 68: code = 0; break; // DATA
    case 72: code = 1; break; // HEADERS
    case 80: code = e - s === 8 ? 2 : e - s === 4 ? 6 : 5; break; // PRIORITY, PING, PUSH_PROMISE
    case 82: code = 3; break; // RST_STREAM
    case 83: code = 4; break; // SETTINGS
    case 71: code = 7; break; // GOAWAY
    case 87: code = 8; break; // WINDOW_UPDATE
    case 67: code = 9; break; // CONTINUATION
    default: return -1;
  }
  const name = CORE_TYPE_BYTES[code]!;
  return e - s === name.bytes.length && matchWords(view, b, s, e, name) ? code : -1;
}

/** Flag names Go prints, as bytes, and the bit each has on the types that define it (RFC 9113 §6). */
const FLAG_NAMES = ['END_STREAM', 'END_HEADERS', 'ACK', 'PADDED', 'PRIORITY'];
const FLAG_BYTES = FLAG_NAMES.map(bytePattern);
/** [type 0–9][flag name index] → bit, or -1 when the type has no such flag. */
const FLAG_BITS = CORE_TYPE_NAMES.map((_, type) => FLAG_NAMES.map((name) => flagBit(type, name) ?? -1));

/** `END_STREAM|END_HEADERS` at `b[s, e)` for a core type → bits, or -1 (then flagsOf decides, e.g. `0x40`). */
function coreFlagsAt(view: DataView, b: Uint8Array, s: number, e: number, type: number): number {
  const bits = FLAG_BITS[type];
  if (bits === undefined) return -1;
  let flags = 0;
  // Every `|`-separated name must be one the type has; an empty one (`flags= `, `A||B`) is not.
  for (let i = s; ; ) {
    let j = i;
    while (j < e && b[j] !== 124 /* | */) j++;
    let k = 0;
    for (; k < FLAG_BYTES.length; k++) if (FLAG_BYTES[k]!.bytes.length === j - i && matchWords(view, b, i, j, FLAG_BYTES[k]!)) break;
    if (k === FLAG_BYTES.length || bits[k]! < 0) return -1;
    flags |= bits[k]!;
    if (j >= e) return flags;
    i = j + 1;
  }
}

/** Frame type name → code, the string parser's way; undefined sends the line to the string path. */
const typeCodeCache = new Map<string, number | undefined>();
function typeCodeOf(name: string): number | undefined {
  if (typeCodeCache.has(name)) return typeCodeCache.get(name);
  const code = name === '' || name.startsWith('UNKNOWN_FRAME_TYPE_') ? undefined : frameTypeCode(name);
  if (typeCodeCache.size < 256) typeCodeCache.set(name, code);
  return code;
}

/** `END_STREAM|END_HEADERS` → bits for a type, or -1 for a name the type does not have. */
const flagsCache = new Map<number, Map<string, number>>();
function flagsOf(type: number, text: string): number {
  let byType = flagsCache.get(type);
  if (!byType) flagsCache.set(type, (byType = new Map()));
  const hit = byType.get(text);
  if (hit !== undefined) return hit;
  let flags = 0;
  for (const name of text.split('|')) {
    if (name.startsWith('0x')) flags |= parseInt(name.slice(2), 16) & 0xff;
    else {
      const bit = flagBit(type, name);
      if (bit === undefined) return -1;
      flags |= bit;
    }
  }
  if (byType.size < 256) byType.set(text, flags);
  return flags;
}

/**
 * The incremental form: lines can come from a string, or from a byte stream that only decodes the
 * lines containing `http2: ` (see core/stream.ts) — the other lines cannot matter to this format.
 */
export function createGoHttp2debugParser(): LineParser {
  const frames = new FrameTable();
  /** The Transport's and server's own lines about frames they read: the frames, when the Framer logs none (level 1). */
  const echoes = new FrameTable();
  const connections = new Map<string, ConnectionInfo>();
  const notes: string[] = [];
  /** The row in `frames` of the frame read last (-1: none). */
  let lastRead = -1;
  let lastReadSummary = '';
  /** The connection of the frame read last (its role decides whether echo lines still matter). */
  let lastReadConnection: ConnectionInfo | undefined;
  /** Which frame each header-field line belongs to. */
  const blocks = new GoHeaderBlocks<HeaderField | HeaderLine>(frames, (list, added) => ('kind' in added ? grow(added, list) : lists.add(list, added)));
  /** `Transport creating client conn` / `server connection from` lines waiting for their Framer, in order. */
  const pendingConns = new Queue<{ role: 'client' | 'server'; peer: string; line: number; clientConn?: string }>();
  const clientConnToFramer = new Map<string, string>();
  let framerLines = 0;
  /**
   * Framer pointer → the connection it currently logs for. Go reuses freed addresses, so one pointer
   * can stand for several connections over a long log: a new one starts when the Framer writes its
   * preface SETTINGS again after a new connection was announced, or after the log said the previous
   * one was closed (`Transport readFrame error`).
   */
  const current = new Map<string, { key: string; generation: number; ended: boolean }>();

  const register = (key: string, lineNo: number): ConnectionInfo => {
    const c: ConnectionInfo = { id: key };
    const announced = pendingConns.length > 0 ? pendingConns.shift() : undefined;
    if (announced) {
      c.role = announced.role;
      c.peer = announced.peer;
      c.line = announced.line;
      if (announced.clientConn) clientConnToFramer.set(announced.clientConn, key);
      if (announced.role === 'server' && announced.peer) serverConnByPeer.set(announced.peer, c);
    } else c.line = lineNo;
    connections.set(key, c);
    return c;
  };

  /** The Framer of the previous Framer line and its entry in `current`: consecutive lines are often one Framer's. */
  let lastPointer: string | undefined;
  let lastCurrent: { key: string; generation: number; ended: boolean } | undefined;
  const connectionKey = (pointer: string, prefaceSettings: boolean, lineNo: number): string => {
    let cur = pointer === lastPointer ? lastCurrent : current.get(pointer);
    if (!cur) {
      current.set(pointer, (cur = { key: pointer, generation: 1, ended: false }));
      register(pointer, lineNo);
    } else if (prefaceSettings && (cur.ended || pendingConns.length > 0)) {
      const generation = cur.generation + 1;
      current.set(pointer, (cur = { key: `${pointer}#${generation}`, generation, ended: false }));
      register(cur.key, lineNo);
    }
    lastPointer = pointer;
    lastCurrent = cur;
    return cur.key;
  };

  const markEnded = (key: string): void => {
    const pointer = key.split('#')[0]!;
    const cur = current.get(pointer);
    if (cur && cur.key === key) cur.ended = true;
  };

  const clientErrors = new GoClientErrors();
  /**
   * Go's Transport health checks (ReadIdleTimeout) announced by `Transport sending health check` whose
   * PING the Framer has not logged yet (it may log it after the check already failed on a closed connection).
   */
  let healthChecksSent = 0;
  /** Health-check PINGs (rows of `frames`) waiting for the line that tells how they ended, oldest first. */
  const healthChecks = new Queue<number>();
  /** The connection closed last for a lost PING: Go's `RoundTrip failure` lines of its requests follow. */
  let lastLost: LostPing | undefined;
  /**
   * Handler panics not yet tied to their reset, by the client's address (`http2: panic serving <addr>:
   * <value>`, logged before the server writes the stream's RST_STREAM INTERNAL_ERROR).
   */
  const panics = new Map<string, Queue<HandlerPanic>>();
  /** A server's connections by client address (`server connection from <addr>`), the latest for each. */
  const serverConnByPeer = new Map<string, ConnectionInfo>();
  const fields = new HeaderFieldTable();
  const lists = new HeaderListTable();
  /**
   * A Framer line's frame joins the log (both paths): the "encoding header" fields logged before a
   * written HEADERS are its fields; a frame read becomes the one later hpack lines and echo lines
   * refer to. Returns, for a frame read, whether its echo line can still teach the connection's
   * role (then the caller keeps the summary text to compare); undefined for a frame written.
   */
  const addFrame = (row: number): boolean | undefined => {
    if (!frames.isReceived(row)) {
      // The connection's side says whose encoding lines a HEADERS takes (asked only for those).
      const type = frames.typeOf(row);
      if (panics.size > 0 && type === FrameType.RST_STREAM && frames.row(row).errorCode === ErrorCode.INTERNAL_ERROR) tiePanic(row);
      if (healthChecksSent > 0 && type === FrameType.PING && (frames.flagsOf(row) & 1) === 0) {
        healthChecksSent--;
        // One on a connection already closed fails at once, whatever the peer does: not waited for.
        if (connections.get(frames.connectionOf(row))?.endLine === undefined) healthChecks.push(row);
      }
      const role = type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE ? connections.get(frames.connectionOf(row))?.role : undefined;
      blocks.wrote(row, role === 'server' ? Encoder.Server : role === 'client' ? Encoder.Transport : undefined);
      return undefined;
    }
    lastRead = row;
    blocks.read(row);
    const c = (lastReadConnection = connections.get(frames.connectionOf(row)));
    return c !== undefined && !c.role;
  };

  const onLine = (line: string, lineNo: number): void => {
    const msg = findHttp2Message(line);
    if (!msg) return;
    const m = msg.text;
    if (m.startsWith('Framer 0x')) {
      const colon = m.indexOf(': ', 9);
      if (colon < 0) return;
      const id = m.slice(7, colon);
      let i = colon + 2;
      let direction: 'sent' | 'received';
      if (m.startsWith('wrote ', i)) { direction = 'sent'; i += 6; }
      else if (m.startsWith('read ', i)) { direction = 'received'; i += 5; }
      else return; // "failed to decode just-written frame"
      const sum = parseFrameSummary(m, i);
      if (!sum) return;
      framerLines++;
      const key = connectionKey(id, direction === 'sent' && sum.type === FrameType.SETTINGS && (sum.flags & 1) === 0, lineNo);
      // A GOAWAY does not end the Framer: streams finish after it, and a flooding peer keeps writing.
      const row = frames.add(key, direction, sum.type, sum.typeName, sum.flags, sum.streamId, sum.length, lineNo, msg.tagStart, line.length, msg.time);
      applySuffix(frames.row(row), sum.rest);
      const echoMatters = addFrame(row);
      if (echoMatters !== undefined) lastReadSummary = echoMatters ? m.slice(i) : '';
      return;
    }
    if (m.startsWith('decoded hpack field ')) {
      const f = parseHeaderField(m, 20 + (m.startsWith('header field ', 20) ? 13 : 0), fields);
      if (f) blocks.decoded(f, blocks.nameId(f.name), f);
      return;
    }
    const encoder = m.startsWith('Transport encoding header ') ? Encoder.Transport : m.startsWith('server encoding header ') ? Encoder.Server : undefined;
    if (encoder !== undefined) {
      const f = parseHeaderField(m, encoder === Encoder.Transport ? 26 : 23, fields);
      if (f) blocks.encoded(encoder, f, blocks.nameId(f.name), lineNo, f);
      return;
    }
    const echo = m.startsWith('Transport received ') ? 'client' : m.startsWith('server read frame ') ? 'server' : undefined;
    if (echo) {
      const at = echo === 'client' ? 19 : 18;
      // The Framer already logged this frame (level 2): it only tells us which side that Framer is.
      if (lastRead >= 0 && m.length - at === lastReadSummary.length && m.endsWith(lastReadSummary)) {
        const c = connections.get(frames.connectionOf(lastRead));
        if (c && !c.role) c.role = echo;
      }
      const sum = parseFrameSummary(m, at);
      if (sum) {
        blocks.echo(sum.type, sum.streamId, sum.length);
        const ev = echoes.row(echoes.add(echo === 'client' ? 'transport' : 'server', 'received', sum.type, sum.typeName, sum.flags, sum.streamId, sum.length, lineNo, msg.tagStart, line.length, msg.time));
        applySuffix(ev, sum.rest);
      }
      return;
    }
    if (m.startsWith('Transport creating client conn 0x')) {
      const to = m.indexOf(' to ', 31);
      pendingConns.push({ role: 'client', peer: to >= 0 ? m.slice(to + 4).trim() : '', line: lineNo, clientConn: m.slice(31, to >= 0 ? to : undefined) });
      return;
    }
    if (m.startsWith('server connection from ')) {
      const on = m.lastIndexOf(' on 0x');
      pendingConns.push({ role: 'server', peer: m.slice(23, on >= 0 ? on : undefined).trim(), line: lineNo });
      return;
    }
    if (m.startsWith('panic serving ')) {
      // net/http's serverConn.runHandler: `http2: panic serving %v: %v\n%s` (the client's address, the value, a stack).
      const colon = m.indexOf(': ', 14);
      if (colon < 0) return;
      const addr = m.slice(14, colon);
      const p: HandlerPanic = { line: lineNo, startChar: msg.tagStart, endChar: line.length, value: m.slice(colon + 2, colon + 2 + 200) };
      // The handler's goroutine queues the reset before it logs the panic: the reset may come first.
      const c = serverConnByPeer.get(addr);
      if (c && tieEarlierReset(c, p, msg.time)) return;
      let q = panics.get(addr);
      if (!q) panics.set(addr, (q = new Queue()));
      // Bounded: a panic whose reset never comes (the log ends) must not pile up per address.
      if (q.length < 1024) q.push(p);
      return;
    }
    if (m.startsWith('Transport sending health check')) {
      healthChecksSent++;
      return;
    }
    if (m.startsWith('Transport health check ')) {
      healthCheckEnded(m, lineNo, msg.tagStart, line.length, msg.time);
      return;
    }
    if (m.startsWith(LOST_ERROR)) {
      clientErrors.lost(lineNo);
      // Go's own line per failed request (the application may log the same error again): counted once.
      if (lastLost && msg.tagStart >= 19 && line.startsWith('RoundTrip failure: ', msg.tagStart - 19)) lastLost.failedRequests++;
      return;
    }
    if (m.startsWith(GOAWAY_ERROR)) {
      // An application's log of a failed request (no frame): counted for the account of a log without frames.
      clientErrors.goaway(m, lineNo);
      return;
    }
    if (m.startsWith('Transport readFrame error on conn 0x')) {
      const colon = m.indexOf(': ', 34);
      const framer = clientConnToFramer.get(m.slice(34, colon >= 0 ? colon : undefined));
      const c = framer ? connections.get(framer) : undefined;
      if (c) {
        // A health check's failure already told why (this error is then Go's own close: "use of closed network connection").
        if (c.endLine === undefined) { c.endNote = colon >= 0 ? m.slice(colon + 2) : m; c.endLine = lineNo; }
        markEnded(c.id);
      }
      return;
    }
  };

  /**
   * A panic logged after its reset: tied to the last frame the server wrote on the client's connection
   * when that is an untied RST_STREAM INTERNAL_ERROR less than a second older (else it waits for the next one).
   * Looked for among the last 64 frames: the two lines come microseconds apart.
   */
  const tieEarlierReset = (c: ConnectionInfo, p: HandlerPanic, time: number | undefined): boolean => {
    for (let i = frames.length - 1, k = 0; i >= 0 && k < 64; i--, k++) {
      if (frames.isReceived(i) || frames.connectionOf(i) !== c.id) continue;
      if (frames.typeOf(i) !== FrameType.RST_STREAM || frames.row(i).errorCode !== ErrorCode.INTERNAL_ERROR) return false;
      const line = frames.lineOf(i);
      const t = frames.timeOf(i);
      if (c.handlerPanics?.has(line) || (time !== undefined && t !== undefined && Math.abs(time - t) >= 1000)) return false;
      (c.handlerPanics ??= new Map()).set(line, p);
      return true;
    }
    return false;
  };

  /** A server's RST_STREAM INTERNAL_ERROR: the reset of the oldest panic logged for its connection's client, if any. */
  const tiePanic = (row: number): void => {
    const c = connections.get(frames.connectionOf(row));
    const q = c?.peer !== undefined ? panics.get(c.peer) : undefined;
    if (!c || !q || q.length === 0) return;
    (c.handlerPanics ??= new Map()).set(frames.lineOf(row), q.shift());
    if (q.length === 0) panics.delete(c.peer!);
  };

  /**
   * `Transport health check success|failure: <error>` (x/net http2 transport.go healthCheck): the outcome
   * of a health-check PING (the lines name no connection). A timeout ends the oldest one waiting on a
   * connection still open (all share one PingTimeout, so they time out in order): a PING the peer left
   * unanswered, after which Go closes the connection (closeForLostPing) and its requests fail with
   * "http2: client connection lost". Another error (the connection was closed meanwhile) is no fault
   * of the peer; a success ends the oldest one waiting.
   */
  const healthCheckEnded = (m: string, lineNo: number, startChar: number, endChar: number, time: number | undefined): void => {
    const timedOut = m === 'Transport health check failure: context deadline exceeded';
    if (m.startsWith('Transport health check failure: ')) {
      // PINGs waiting on connections closed since can no longer time out: a failure ends them first.
      while (healthChecks.length > 0 && connections.get(frames.connectionOf(healthChecks.peek()))?.endLine !== undefined) healthChecks.shift();
      if (!timedOut) return;
    }
    const row = healthChecks.length > 0 ? healthChecks.shift() : undefined;
    if (row === undefined || !timedOut) return;
    const c = connections.get(frames.connectionOf(row));
    if (!c || c.lostPing) return;
    c.lostPing = lastLost = { pingLine: frames.lineOf(row), line: lineNo, startChar, endChar, ...(time !== undefined ? { time } : {}), failedRequests: 0 };
    c.closedLine ??= lineNo;
    if (c.endLine === undefined) {
      c.endNote = 'health check failed: no PING ACK within PingTimeout, so the Transport closed the connection ("http2: client connection lost")';
      c.endLine = lineNo;
    }
    markEnded(c.id);
  };

  // ---- The byte path: the shapes that make up nearly all of a big log, read without a line string.
  const pointers = new ByteInterner(latin1, 4096, 1 << 16);
  const typeNames = new ByteInterner(latin1, 256, 1 << 12);
  const flagTexts = new ByteInterner(latin1, 1024, 1 << 14);
  const previews = new ByteInterner((b, s, e) => bytesToText(decodeGoQuoted(latin1(b, s, e), 0, MAX_PREVIEW).bytes));
  /** A DataView over the chunk being read (made once per chunk): lines are compared four bytes at a time. */
  let viewed: Buffer | undefined;
  let bView: DataView = new DataView(new ArrayBuffer(0));
  const timePrefix = new Uint8Array(19);
  const timeWords = new DataView(timePrefix.buffer);
  let timeBase: number | undefined;
  let timeCached = false;

  /** Go's log date at the line start, with the whole-second part cached; null: ask the string parser. */
  const lineTime = (b: Buffer, s: number, tag: number, e: number): number | null => {
    if (tag - s < 19 || b[s + 4] !== 47 || b[s + 7] !== 47 || b[s + 10] !== 32 || b[s + 13] !== 58 || b[s + 16] !== 58) return null;
    // 19 bytes: four words, then three bytes.
    let same = timeCached && bView.getUint32(s, true) === timeWords.getUint32(0, true) && bView.getUint32(s + 4, true) === timeWords.getUint32(4, true) && bView.getUint32(s + 8, true) === timeWords.getUint32(8, true) && bView.getUint32(s + 12, true) === timeWords.getUint32(12, true);
    for (let k = 16; same && k < 19; k++) if (b[s + k] !== timePrefix[k]) same = false;
    if (!same) {
      timeBase = goLogSecondAt(latin1(b, s, s + 19), 0);
      for (let k = 0; k < 19; k++) timePrefix[k] = b[s + k]!;
      timeCached = true;
    }
    if (timeBase === undefined) return null;
    let ms = timeBase;
    let j = s + 19;
    if (b[j] === 46 || b[j] === 44) {
      j++;
      let frac = 0;
      let scale = 1;
      while (j < e && b[j]! >= 48 && b[j]! <= 57 && scale < 1e9) {
        frac = frac * 10 + (b[j]! - 48);
        scale *= 10;
        j++;
      }
      ms += (frac / scale) * 1000;
    }
    return ms;
  };

  /**
   * A header line's message (`decoded hpack field …`, `server|Transport encoding header …`; the caller
   * has matched the prefix) → what it adds, or undefined (the string path decides then). Made once
   * per distinct message: the field itself is parsed as text, like the string path does.
   */
  const headerLines = new ByteInterner<HeaderLine | undefined>((b, m, e) => {
    let kind: HeaderLineKind;
    let q: number;
    if (b[m] === 100 /* d */) {
      kind = HeaderLineKind.Decoded;
      q = m + P_DECODED.bytes.length;
      if (matchAt(b, q, e, P_HEADER_FIELD.bytes)) q += P_HEADER_FIELD.bytes.length;
    } else if (b[m] === 115 /* s */) { kind = HeaderLineKind.ServerEncoding; q = m + P_SERVER_ENC.bytes.length; }
    else { kind = HeaderLineKind.TransportEncoding; q = m + P_TRANSPORT_ENC.bytes.length; }
    const field = parseHeaderField(latin1(b, q, e), 0, fields);
    if (!field) return undefined;
    const bytes = Uint8Array.prototype.slice.call(b, m, e);
    return { bytes, view: viewOf(bytes), kind, field, nameId: -1, next: undefined, next2: undefined, from: undefined, to: undefined };
  }, 65_536, 16 << 20);
  let lastHeaderLine: HeaderLine | undefined;
  /** `list` + the line's field, as lists.add makes it; a shared result is remembered on the line. */
  const grow = (h: HeaderLine, list: HeaderField[] | undefined): HeaderField[] => {
    if (list === h.from && h.to !== undefined) return h.to;
    const to = lists.add(list, h.field);
    if (lists.isShared(to)) { h.from = list; h.to = to; }
    return to;
  };

  const slow = (b: Buffer, s: number, e: number, lineNo: number): void => onLine(b.toString('utf8', s, e), lineNo);

  /**
   * An echo's frame summary at `i`, read only as far as `blocks.echo` needs it, by the grammar the
   * string path's parseFrameSummary reads (a summary it refuses closes no block here either).
   */
  const echoBytes = (b: Buffer, i: number, e: number): void => {
    let j = i;
    while (j < e && isTypeChar(b[j]!)) j++;
    const type = coreTypeAt(bView, b, i, j);
    if ((type !== FrameType.HEADERS && type !== FrameType.CONTINUATION && type !== FrameType.PUSH_PROMISE) || j >= e || b[j] !== 32) return;
    let k = j + 1;
    if (matchWords(bView, b, k, e, P_FLAGS)) {
      let sp = k + 6;
      while (sp < e && b[sp] !== 32) sp++;
      if (sp >= e) return;
      if (coreFlagsAt(bView, b, k + 6, sp, type) < 0 && flagsOf(type, flagTexts.get(b, k + 6, sp)) < 0) return;
      k = sp + 1;
    }
    let streamId = 0;
    if (matchWords(bView, b, k, e, P_STREAM)) {
      streamId = readUintAt(b, k + 7, e);
      if (streamId < 0 || b[uintEnd] !== 32 || uintEnd >= e) return;
      k = uintEnd + 1;
    }
    if (!matchWords(bView, b, k, e, P_LEN)) return;
    const length = readUintAt(b, k + 4, e);
    if (length >= 0) blocks.echo(type, streamId, length);
  };

  const bytesLine = (b: Buffer, s: number, e: number, tag: number, lineNo: number, asciiLine: boolean): void => {
    if (!asciiLine) return slow(b, s, e, lineNo);
    if (viewed !== b) bView = viewOf((viewed = b));
    // slog's forms, and JSON records: the message is quoted or escaped, decoded on the string path.
    if ((tag - s >= 5 && matchWords(bView, b, tag - 5, e, P_MSG)) || b[s] === 123 /* { */ || ((b[s] === 32 || b[s] === 9) && isJsonRecord(latin1(b, s, Math.min(tag, s + 64))))) return slow(b, s, e, lineNo);
    const m = tag + TAG.length;
    const c0 = b[m];
    if (c0 === 70 /* F */ && matchWords(bView, b, m, e, P_FRAMER)) {
      let colon = m + P_FRAMER.bytes.length;
      while (colon < e && b[colon] !== 58) colon++;
      if (colon + 1 >= e || b[colon + 1] !== 32) return slow(b, s, e, lineNo);
      let i = colon + 2;
      let direction: 'sent' | 'received';
      if (matchWords(bView, b, i, e, P_WROTE)) { direction = 'sent'; i += 6; }
      else if (matchWords(bView, b, i, e, P_READ)) { direction = 'received'; i += 5; }
      else return slow(b, s, e, lineNo);
      const summaryStart = i;
      // <TYPE>[ flags=..][ stream=N] len=N<rest> (golang/net http2/frame.go FrameHeader.writeDebug)
      while (i < e && ((b[i]! >= 65 && b[i]! <= 90) || (b[i]! >= 48 && b[i]! <= 57) || b[i] === 95)) i++;
      let type: number | undefined = coreTypeAt(bView, b, summaryStart, i);
      let typeName: string;
      if (type >= 0) typeName = CORE_TYPE_NAMES[type]!;
      else {
        typeName = typeNames.get(b, summaryStart, i);
        type = typeCodeOf(typeName);
      }
      if (type === undefined || b[i] !== 32) return slow(b, s, e, lineNo);
      i++;
      let flags = 0;
      if (matchWords(bView, b, i, e, P_FLAGS)) {
        let sp = i + 6;
        while (sp < e && b[sp] !== 32) sp++;
        if (sp >= e) return slow(b, s, e, lineNo);
        flags = coreFlagsAt(bView, b, i + 6, sp, type);
        if (flags < 0) flags = flagsOf(type, flagTexts.get(b, i + 6, sp));
        if (flags < 0) return slow(b, s, e, lineNo);
        i = sp + 1;
      }
      let streamId = 0;
      if (matchWords(bView, b, i, e, P_STREAM)) {
        streamId = readUintAt(b, i + 7, e);
        if (streamId < 0 || b[uintEnd] !== 32 || uintEnd >= e) return slow(b, s, e, lineNo);
        i = uintEnd + 1;
      }
      if (!matchWords(bView, b, i, e, P_LEN)) return slow(b, s, e, lineNo);
      const length = readUintAt(b, i + 4, e);
      if (length < 0) return slow(b, s, e, lineNo);
      const rest = uintEnd;
      // The per-type suffix: DATA and WINDOW_UPDATE (the frequent ones) from bytes, the rest as text.
      let preview: string | undefined;
      let omitted = -1;
      let increment = -1;
      if (type === FrameType.DATA) {
        if (!matchWords(bView, b, rest, e, P_DATA)) return slow(b, s, e, lineNo);
        const q = rest + 6;
        const qe = quotedEnd(b, q, e);
        if (qe < 0) return slow(b, s, e, lineNo);
        if (qe < e) {
          if (b[qe] !== 32 || b[qe + 1] !== 40) return slow(b, s, e, lineNo);
          omitted = readUintAt(b, qe + 2, e);
          if (omitted < 0 || !matchWords(bView, b, uintEnd, e, P_OMITTED)) omitted = -1;
        }
        preview = previews.get(b, q, qe);
      } else if (type === FrameType.WINDOW_UPDATE) {
        const k = indexIn(b, P_INCR.bytes, rest, e);
        if (k >= 0) increment = readUintAt(b, k + 5, e);
      }
      let time: number | undefined | null = lineTime(b, s, tag, e);
      if (time === null) time = parseLeadingTimestamp(latin1(b, s, Math.min(tag, s + 600)), tag - s);

      // Parsed: from here on the state changes, exactly as the string path would change it.
      framerLines++;
      const id = pointers.get(b, m + 7, colon);
      const key = connectionKey(id, direction === 'sent' && type === FrameType.SETTINGS && (flags & 1) === 0, lineNo);
      const row = frames.add(key, direction, type, typeName, flags, streamId, length, lineNo, tag - s, e - s, time);
      if (type === FrameType.DATA) {
        frames.setDataPreview(row, preview);
        if (omitted >= 0) frames.extras(row).dataOmitted = omitted;
      } else if (type === FrameType.WINDOW_UPDATE) {
        if (increment >= 0) frames.extras(row).increment = increment;
      } else if (type === FrameType.RST_STREAM || type === FrameType.SETTINGS || type === FrameType.PING || type === FrameType.GOAWAY) {
        applySuffix(frames.row(row), latin1(b, rest, e));
      }
      const echoMatters = addFrame(row);
      if (echoMatters !== undefined) lastReadSummary = echoMatters ? latin1(b, summaryStart, e) : '';
      return;
    }
    if (c0 === 100 /* d */ || c0 === 115 /* s */ || c0 === 84 /* T */) {
      // A header line: first the one that followed the previous header line last time (logs repeat
      // the same fields in the same order, request after request), else the table of all of them.
      const predicted = lastHeaderLine?.next;
      const predicted2 = lastHeaderLine?.next2;
      let h: HeaderLine | undefined;
      // A big log has 10^6 header lines, nearly all equal to the one predicted: compared word by word.
      if (predicted !== undefined && sameBytes(bView, b, m, e - m, predicted)) h = predicted;
      else if (predicted2 !== undefined && sameBytes(bView, b, m, e - m, predicted2)) {
        h = predicted2;
        lastHeaderLine!.next2 = predicted;
        lastHeaderLine!.next = h;
      } else if (c0 === 100 ? matchWords(bView, b, m, e, P_DECODED) : matchWords(bView, b, m, e, c0 === 115 ? P_SERVER_ENC : P_TRANSPORT_ENC)) {
        h = headerLines.get(b, m, e);
        if (h === undefined) return slow(b, s, e, lineNo);
        if (lastHeaderLine !== undefined) {
          lastHeaderLine.next2 = lastHeaderLine.next;
          lastHeaderLine.next = h;
        }
      }
      if (h !== undefined) {
        lastHeaderLine = h;
        if (h.nameId < 0) h.nameId = blocks.nameId(h.field.name);
        if (h.kind === HeaderLineKind.Decoded) blocks.decoded(h.field, h.nameId, h);
        else blocks.encoded(h.kind === HeaderLineKind.ServerEncoding ? Encoder.Server : Encoder.Transport, h.field, h.nameId, lineNo, h);
        return;
      }
    }
    if (c0 === 115 /* s */ || c0 === 84 /* T */) {
      // An echo of a frame the Framer logged (level 2): it matters only while the role of the
      // connection read last is unknown, or while the log has no Framer line at all (level 1).
      const echo = c0 === 115 ? P_SERVER_READ : P_TRANSPORT_RECV;
      if (matchWords(bView, b, m, e, echo)) {
        const c = lastReadConnection;
        if (framerLines > 0 && (lastRead < 0 || (c !== undefined && c.role))) {
          if (blocks.decoding) echoBytes(b, m + echo.bytes.length, e);
          return;
        }
      }
    }
    slow(b, s, e, lineNo);
  };

  const finish = (lineCount: number): ParsedLog => {
    if (framerLines === 0 && echoes.length > 0) {
      // http2debug=1: no Framer lines (so no frames), only what the Transport/server received.
      for (let i = 0; i < echoes.length; i++) {
        const id = echoes.connectionOf(i);
        if (!connections.has(id)) connections.set(id, { id, role: id === 'transport' ? 'client' : 'server', line: echoes.lineOf(i) });
      }
      notes.push('Only frames received are logged (GODEBUG=http2debug=1): run with GODEBUG=http2debug=2 to see the frames this process wrote as well.');
      return { format: GO_FORMAT, frames: echoes, connections, lineCount, notes };
    }
    const noFrameNote = clientErrors.noFrameNote(lineCount);
    return { format: GO_FORMAT, frames, connections, lineCount, notes, ...(noFrameNote ? { noFrameNote } : {}) };
  };
  return { line: onLine, bytesLine, finish };
}
