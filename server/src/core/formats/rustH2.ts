/**
 * Rust `h2` crate (hyper, tonic, reqwest…) with `RUST_LOG=h2=debug` or `h2=trace`, printed by
 * tracing-subscriber's fmt layer (research notes §2.2):
 *
 *   2026-11-24T12:09:01.971998Z DEBUG …Connection{peer=Client}:…: h2::codec::framed_write: send frame=Headers { stream_id: StreamId(1), flags: (0x5: END_HEADERS | END_STREAM) }
 *   … h2::codec::framed_read: received frame=Data { stream_id: StreamId(1), flags: (0x1: END_STREAM) }
 *
 * (h2 < 0.2.7: `send; frame=…` / `received; frame=…`.) Only the codec's own send/received lines
 * count: h2 repeats frames in other TRACE lines (`recv DATA frame=…`, `writing frame=…`).
 * The frames' Debug form has no payload length; at TRACE level the codec logs it just before
 * (`decoding frame from 36B` for received frames, `data frame sz=27` for sent DATA), and the
 * fixed-size frames have known lengths. Anything else gets 0, and a note says so.
 *
 * h2 logs no connection id. A new connection starts where this endpoint sends its preface
 * SETTINGS: the one written before the `Connection{…}` span exists (or, when spans are not
 * printed, any non-ACK SETTINGS it sends after the previous connection's GOAWAY).
 * Colour escapes (a terminal's ANSI colours) are removed first.
 */
import type { ConnectionInfo, FrameEvent, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { errorCodeByName } from '../knowledge/rfc9113.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser, headersLengthLowerBound, parseAll, stripAnsi } from './incremental.ts';
import { detach, parseUint } from './jsonTokenizer.ts';
import { parseLeadingTimestamp } from './timestamps.ts';
import { FrameTable } from '../model/frameTable.ts';

export const RUST_H2_FORMAT = 'rust-h2';

const TYPES: Record<string, number> = {
  Data: FrameType.DATA, Headers: FrameType.HEADERS, Priority: FrameType.PRIORITY, Reset: FrameType.RST_STREAM,
  Settings: FrameType.SETTINGS, PushPromise: FrameType.PUSH_PROMISE, Ping: FrameType.PING, GoAway: FrameType.GOAWAY,
  WindowUpdate: FrameType.WINDOW_UPDATE,
};

const SETTING_NAMES: Record<string, string> = {
  header_table_size: 'HEADER_TABLE_SIZE', enable_push: 'ENABLE_PUSH', max_concurrent_streams: 'MAX_CONCURRENT_STREAMS',
  initial_window_size: 'INITIAL_WINDOW_SIZE', max_frame_size: 'MAX_FRAME_SIZE', max_header_list_size: 'MAX_HEADER_LIST_SIZE',
  enable_connect_protocol: 'ENABLE_CONNECT_PROTOCOL',
};

/**
 * Top-level `key: value` fields of a Debug struct body (`a: 1, b: StreamId(3), c: [1, 2]`), with
 * nesting and string quotes respected. One pass.
 */
export function debugFields(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let inStr = false;
  let start = 0;
  const flush = (end: number): void => {
    const part = body.slice(start, end).trim();
    const colon = part.indexOf(': ');
    if (colon > 0) out.set(part.slice(0, colon), part.slice(colon + 2));
  };
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (inStr) {
      if (c === 92) i++;
      else if (c === 34) inStr = false;
      continue;
    }
    if (c === 34) inStr = true;
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 0) { flush(i); start = i + 1; }
  }
  flush(body.length);
  return out;
}

/** `StreamId(3)` → 3. */
function streamIdOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const p = v.indexOf('(');
  return parseUint(p < 0 ? v : v.slice(p + 1, v.indexOf(')', p)));
}

/** `(0x5: END_HEADERS | END_STREAM)` → 5. */
function flagsOf(v: string | undefined): number {
  if (v === undefined) return 0;
  const x = v.indexOf('0x');
  if (x < 0) return 0;
  let e = x + 2;
  while (e < v.length) {
    const c = v.charCodeAt(e) | 0x20;
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) e++;
    else break;
  }
  return (parseUint(v.slice(x, e)) ?? 0) & 0xff;
}

/** `CANCEL` or `Reason(1f)` → code. */
function reasonOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const known = errorCodeByName(v.trim());
  if (known !== undefined) return known;
  if (v.startsWith('Reason(')) return parseUint(`0x${v.slice(7, v.indexOf(')'))}`);
  return undefined;
}

/** `b"too_many_pings"` (Rust bytes Debug) → text, `\xNN` / `\n` escapes decoded. */
function bytesLiteral(v: string | undefined): string | undefined {
  if (v === undefined || !v.startsWith('b"')) return undefined;
  let out = '';
  for (let i = 2; i < v.length; i++) {
    const c = v[i]!;
    if (c === '"') break;
    if (c !== '\\') { out += c; continue; }
    const n = v[++i];
    if (n === 'x') { out += String.fromCharCode(parseInt(v.slice(i + 1, i + 3), 16) || 0); i += 2; }
    else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 't') out += '\t';
    else if (n === '0') out += '\0';
    else if (n !== undefined) out += n;
  }
  return out;
}

/** `[59, 124, 219, …]` → lower-case hex. */
function payloadOf(v: string | undefined): string | undefined {
  if (v === undefined || !v.startsWith('[')) return undefined;
  let hex = '';
  for (const part of v.slice(1, v.indexOf(']') > 0 ? v.indexOf(']') : undefined).split(',')) {
    const n = parseUint(part);
    if (n === undefined || n > 255) return undefined;
    hex += n.toString(16).padStart(2, '0');
  }
  return hex;
}

export function looksLikeRustH2(sample: string): boolean {
  return sample.includes('h2::codec::framed_write') || sample.includes('h2::codec::framed_read')
    || ((sample.includes(' send frame=') || sample.includes(' received frame=')) && sample.includes('StreamId('));
}

export function createRustH2Parser(): ChunkParser {
  const frames: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  const notes: string[] = [];
  let connNo = 0;
  let conn: string | undefined;
  let ended = false;
  let spansSeen = false;
  let pendingReadLen: number | undefined;
  let pendingSendDataLen: number | undefined;
  let unknownLengths = 0;
  let sawTrace = false;

  const newConn = (lineNo: number): string => {
    connNo++;
    conn = `h2 connection ${connNo}`;
    connections.set(conn, { id: conn, line: lineNo });
    ended = false;
    return conn;
  };

  const onLine = (raw: string, lineNo: number): void => {
    const line = stripAnsi(raw);
    if (line.includes(' TRACE ')) {
      sawTrace = true;
      // Lengths that the next codec line will need.
      const dec = line.indexOf('decoding frame from ');
      if (dec >= 0) { pendingReadLen = parseUint(line.slice(dec + 20, line.indexOf('B', dec + 20))); return; }
      const sz = line.indexOf('data frame sz=');
      if (sz >= 0) { pendingSendDataLen = parseUint(line.slice(sz + 14, line.indexOf(' ', sz + 14) > 0 ? line.indexOf(' ', sz + 14) : undefined)); return; }
    }
    let dir: 'sent' | 'received' | undefined;
    let at = line.indexOf(' send frame=');
    let skip = 12;
    if (at >= 0) dir = 'sent';
    else if ((at = line.indexOf(' received frame=')) >= 0) { dir = 'received'; skip = 16; }
    else if ((at = line.indexOf(' send; frame=')) >= 0) { dir = 'sent'; skip = 13; }
    else if ((at = line.indexOf(' received; frame=')) >= 0) { dir = 'received'; skip = 17; }
    if (!dir) {
      if (conn && (line.includes('h2::proto::connection: Connection::poll; connection error') || line.includes('connection error error=GoAway'))) {
        const c = connections.get(conn)!;
        const e = line.indexOf('error=');
        c.endNote = e >= 0 ? detach(line.slice(e + 6).trim()) : 'connection error';
        c.endLine = lineNo;
        ended = true;
      }
      return;
    }
    // Only the codec's lines (framed_write / framed_read) or, in old h2, any `send; frame=`.
    const prefix = line.slice(0, at);
    if (skip === 12 || skip === 16) {
      if (!prefix.includes('framed_write') && !prefix.includes('framed_read')) return;
    }
    const text = line.slice(at + skip);
    const brace = text.indexOf(' {');
    const name = brace < 0 ? text.trim() : text.slice(0, brace);
    const type = TYPES[name];
    if (type === undefined) return;
    const close = text.lastIndexOf('}');
    const fields = debugFields(brace < 0 ? '' : text.slice(brace + 2, close > brace ? close : undefined));
    const inConnSpan = prefix.includes('Connection{') || prefix.includes('Connection:');
    const flags = type === FrameType.PING ? (fields.get('ack') === 'true' ? 1 : 0) : flagsOf(fields.get('flags'));
    // A new connection: this endpoint's preface SETTINGS.
    if (!conn || (dir === 'sent' && type === FrameType.SETTINGS && (flags & 1) === 0 && (ended || (spansSeen && !inConnSpan)))) newConn(lineNo);
    if (inConnSpan) spansSeen = true;
    const c = connections.get(conn!)!;
    if (!c.role) {
      const peer = prefix.indexOf('peer=');
      if (peer >= 0) c.role = prefix.startsWith('Client', peer + 5) ? 'client' : prefix.startsWith('Server', peer + 5) ? 'server' : undefined;
      else if (line.includes(' peer=Client')) c.role = 'client';
      else if (line.includes(' peer=Server')) c.role = 'server';
      if (!c.role) delete c.role;
    }
    const streamId = streamIdOf(fields.get('stream_id')) ?? 0;
    let length: number | undefined;
    switch (type) {
      case FrameType.SETTINGS: {
        let n = 0;
        for (const k of fields.keys()) if (SETTING_NAMES[k]) n++;
        length = n * 6;
        break;
      }
      case FrameType.PING: length = 8; break;
      case FrameType.WINDOW_UPDATE:
      case FrameType.RST_STREAM: length = 4; break;
      case FrameType.PRIORITY: length = 5; break;
      case FrameType.GOAWAY: length = 8 + (bytesLiteral(fields.get('debug_data'))?.length ?? 0); break;
    }
    if (dir === 'received' && pendingReadLen !== undefined) length = Math.max(0, pendingReadLen - 9);
    if (dir === 'sent' && type === FrameType.DATA && pendingSendDataLen !== undefined) length = pendingSendDataLen;
    pendingReadLen = undefined;
    if (type === FrameType.DATA && dir === 'sent') pendingSendDataLen = undefined;
    if (length === undefined) {
      unknownLengths++;
      if (type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE) length = headersLengthLowerBound(0);
    }
    const f: FrameEvent = {
      connection: conn!, direction: dir, type, typeName: frameTypeName(type), flags, streamId, length: length ?? 0,
      line: lineNo, startChar: line === raw ? at + 1 : 0, endChar: raw.length,
    };
    const time = parseLeadingTimestamp(line, Math.min(line.length, 64));
    if (time !== undefined) f.time = time;
    switch (type) {
      case FrameType.DATA:
        if (fields.has('pad_len')) f.flags |= 0x8;
        break;
      case FrameType.SETTINGS: {
        const s: Array<[string, number]> = [];
        for (const [k, v] of fields) {
          const n = SETTING_NAMES[k];
          const val = parseUint(v);
          if (n && val !== undefined) s.push([n, val]);
        }
        f.settings = s;
        break;
      }
      case FrameType.RST_STREAM: {
        const e = reasonOf(fields.get('error_code'));
        if (e !== undefined) f.errorCode = e;
        break;
      }
      case FrameType.GOAWAY: {
        const e = reasonOf(fields.get('error_code'));
        if (e !== undefined) f.errorCode = e;
        const last = streamIdOf(fields.get('last_stream_id'));
        if (last !== undefined) f.lastStreamId = last;
        const d = bytesLiteral(fields.get('debug_data'));
        if (d !== undefined) f.debugData = d;
        ended = true;
        break;
      }
      case FrameType.PING: {
        const p = payloadOf(fields.get('payload'));
        if (p !== undefined) f.pingPayload = p;
        break;
      }
      case FrameType.WINDOW_UPDATE: {
        const n = parseUint(fields.get('size_increment') ?? '');
        if (n !== undefined) f.increment = n;
        break;
      }
      case FrameType.PUSH_PROMISE:
        break;
    }
    frames.push(f);
  };

  return lineChunkParser(onLine, (lineCount): ParsedLog => {
    if (frames.length) {
      notes.push(`Rust h2 logs no CONTINUATION frames (they are merged into HEADERS) and no connection id: connections are told apart by each one's opening SETTINGS, so connections that run at the same time cannot be separated.${unknownLengths ? ` ${unknownLengths} frame(s) have no logged payload length (HEADERS shown with a 1-byte lower bound, DATA with 0)${sawTrace ? '' : '; RUST_LOG=h2=trace logs the lengths of received frames and sent DATA'}.` : ''}`);
    }
    return { format: RUST_H2_FORMAT, frames: FrameTable.from(frames), connections, lineCount, notes };
  });
}

export function parseRustH2(text: string): ParsedLog {
  return parseAll(createRustH2Parser(), text);
}
