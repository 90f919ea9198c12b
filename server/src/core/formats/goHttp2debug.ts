/**
 * Go `GODEBUG=http2debug=1|2` output (golang.org/x/net/http2 and std net/http's bundled copy).
 *
 * Every line is scanned once, left to right, with indexOf and character checks: no backtracking
 * regular expression touches untrusted text, so a 50 MB single line costs what reading it costs.
 * Lines that are not HTTP/2 (application output, grpclog, panics) are skipped.
 */
import type { ConnectionInfo, FrameEvent, HeaderField, ParsedLog } from '../model/frame.ts';
import { FrameType } from '../model/frame.ts';
import { errorCodeByName, flagBit, frameTypeCode } from '../knowledge/rfc9113.ts';
import { bytesToHex, bytesToText, decodeGoQuoted, decodeGoQuotedText } from './goQuoted.ts';
import { forEachLine } from './lines.ts';
import { parseLeadingTimestamp } from './timestamps.ts';

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
function parseHeaderField(s: string, i: number, intern: (v: string) => string): HeaderField | undefined {
  const name = decodeGoQuotedText(s, i, 8192);
  if (name.end < 0 || !s.startsWith(' = ', name.end)) return undefined;
  const value = decodeGoQuotedText(s, name.end + 3, 8192);
  if (value.end < 0) return undefined;
  return { name: intern(name.value), value: intern(value.value) };
}

/**
 * Header names and values repeat across millions of lines (":status", "200", content types). Keeping
 * one copy of each — and not a slice that pins its whole log line in memory — bounds what a big log
 * costs. The table is bounded too: past it, values are copied but not shared.
 */
function createInterner(max = 50_000): (v: string) => string {
  const table = new Map<string, string>();
  return (v) => {
    const hit = table.get(v);
    if (hit !== undefined) return hit;
    const own = Buffer.from(v, 'utf8').toString('utf8');
    if (table.size < max) table.set(own, own);
    return own;
  };
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
 * custom prefix, container runtime timestamps), and the slog TextHandler form `msg="http2: …"`.
 */
export function findHttp2Message(line: string): Http2Message | undefined {
  const tag = line.indexOf(TAG);
  if (tag < 0) return undefined;
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

/** Cheap test used by sniffing: does this text look like Go http2debug output? */
export function looksLikeGoHttp2debug(sample: string): boolean {
  return sample.includes('http2: Framer 0x') || sample.includes('http2: Transport ') || sample.includes('http2: server ') || sample.includes('http2: decoded hpack field');
}

export interface LineParser {
  /** Feed one line (without its newline) and its 0-based number. */
  line(line: string, lineNo: number): void;
  /** No more lines: the result. */
  finish(lineCount: number): ParsedLog;
}

export function parseGoHttp2debug(text: string): ParsedLog {
  const parser = createGoHttp2debugParser();
  const lineCount = forEachLine(text, parser.line);
  return parser.finish(lineCount);
}

/**
 * The incremental form: lines can come from a string, or from a byte stream that only decodes the
 * lines containing `http2: ` (see core/stream.ts) — the other lines cannot matter to this format.
 */
export function createGoHttp2debugParser(): LineParser {
  const frames: FrameEvent[] = [];
  const echoes: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  const notes: string[] = [];
  /** Framer pointer → its frame last read, to attach decoded hpack fields and learn roles from echoes. */
  let lastRead: FrameEvent | undefined;
  let lastReadSummary = '';
  let lastHeaderFrame: FrameEvent | undefined;
  let pendingRequestHeaders: HeaderField[] = [];
  let pendingResponseHeaders: HeaderField[] = [];
  /** `Transport creating client conn` / `server connection from` lines waiting for their Framer, in order. */
  const pendingConns: Array<{ role: 'client' | 'server'; peer: string; line: number; clientConn?: string }> = [];
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
    const announced = pendingConns.shift();
    if (announced) {
      c.role = announced.role;
      c.peer = announced.peer;
      c.line = announced.line;
      if (announced.clientConn) clientConnToFramer.set(announced.clientConn, key);
    } else c.line = lineNo;
    connections.set(key, c);
    return c;
  };

  const connectionKey = (pointer: string, prefaceSettings: boolean, lineNo: number): string => {
    const cur = current.get(pointer);
    if (!cur) {
      current.set(pointer, { key: pointer, generation: 1, ended: false });
      register(pointer, lineNo);
      return pointer;
    }
    if (prefaceSettings && (cur.ended || pendingConns.length > 0)) {
      const generation = cur.generation + 1;
      const key = `${pointer}#${generation}`;
      current.set(pointer, { key, generation, ended: false });
      register(key, lineNo);
      return key;
    }
    return cur.key;
  };

  const markEnded = (key: string): void => {
    const pointer = key.split('#')[0]!;
    const cur = current.get(pointer);
    if (cur && cur.key === key) cur.ended = true;
  };

  const intern = createInterner();
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
      const ev: FrameEvent = {
        connection: key, direction, type: sum.type, typeName: sum.typeName, flags: sum.flags,
        streamId: sum.streamId, length: sum.length,
        line: lineNo, startChar: msg.tagStart, endChar: line.length,
      };
      if (msg.time !== undefined) ev.time = msg.time;
      applySuffix(ev, sum.rest);
      if (ev.type === FrameType.HEADERS && direction === 'sent') {
        // Fields logged as "encoding header" before the write belong to this frame.
        const pending = pendingRequestHeaders.length ? pendingRequestHeaders : pendingResponseHeaders;
        if (pending.length) ev.headers = pending;
        pendingRequestHeaders = [];
        pendingResponseHeaders = [];
      }
      if (direction === 'received') {
        lastRead = ev;
        lastReadSummary = m.slice(i);
        if (ev.type === FrameType.HEADERS || ev.type === FrameType.PUSH_PROMISE) lastHeaderFrame = ev;
        // Fields decoded from a CONTINUATION belong to the field block its HEADERS/PUSH_PROMISE opened.
        else if (ev.type === FrameType.CONTINUATION && (lastHeaderFrame?.connection !== ev.connection || lastHeaderFrame.streamId !== ev.streamId)) lastHeaderFrame = ev;
      }
      frames.push(ev);
      return;
    }
    if (m.startsWith('decoded hpack field ')) {
      const f = parseHeaderField(m, 20 + (m.startsWith('header field ', 20) ? 13 : 0), intern);
      if (f && lastHeaderFrame) (lastHeaderFrame.headers ??= []).push((f.line = lineNo, f));
      return;
    }
    if (m.startsWith('Transport encoding header ')) {
      const f = parseHeaderField(m, 26, intern);
      if (f) pendingRequestHeaders.push((f.line = lineNo, f));
      return;
    }
    if (m.startsWith('server encoding header ')) {
      const f = parseHeaderField(m, 23, intern);
      if (f) pendingResponseHeaders.push((f.line = lineNo, f));
      return;
    }
    const echo = m.startsWith('Transport received ') ? 'client' : m.startsWith('server read frame ') ? 'server' : undefined;
    if (echo) {
      const at = echo === 'client' ? 19 : 18;
      // The Framer already logged this frame (level 2): it only tells us which side that Framer is.
      if (lastRead && m.length - at === lastReadSummary.length && m.endsWith(lastReadSummary)) {
        const c = connections.get(lastRead.connection);
        if (c && !c.role) c.role = echo;
      }
      const sum = parseFrameSummary(m, at);
      if (sum) {
        const ev: FrameEvent = {
          connection: echo === 'client' ? 'transport' : 'server', direction: 'received', type: sum.type,
          typeName: sum.typeName, flags: sum.flags, streamId: sum.streamId, length: sum.length,
          line: lineNo, startChar: msg.tagStart, endChar: line.length,
        };
        if (msg.time !== undefined) ev.time = msg.time;
        applySuffix(ev, sum.rest);
        echoes.push(ev);
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
    if (m.startsWith('Transport readFrame error on conn 0x')) {
      const colon = m.indexOf(': ', 34);
      const framer = clientConnToFramer.get(m.slice(34, colon >= 0 ? colon : undefined));
      const c = framer ? connections.get(framer) : undefined;
      if (c) { c.endNote = colon >= 0 ? m.slice(colon + 2) : m; c.endLine = lineNo; markEnded(c.id); }
      return;
    }
  };

  const finish = (lineCount: number): ParsedLog => {
    if (framerLines === 0 && echoes.length > 0) {
      // http2debug=1: no Framer lines, only what the Transport/server received.
      for (const e of echoes) {
        if (!connections.has(e.connection)) connections.set(e.connection, { id: e.connection, role: e.connection === 'transport' ? 'client' : 'server', line: e.line });
        frames.push(e);
      }
      notes.push('Only frames received are logged (GODEBUG=http2debug=1): run with GODEBUG=http2debug=2 to see the frames this process wrote as well.');
    }
    return { format: GO_FORMAT, frames, connections, lineCount, notes };
  };
  return { line: onLine, finish };
}
