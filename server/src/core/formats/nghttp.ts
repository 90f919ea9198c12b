/**
 * nghttp / nghttpd `-v` (nghttp2 src/app_helper.cc; research notes §2.3):
 *
 *   [id=1] [  0.120] recv HEADERS frame <length=39, flags=0x25, stream_id=13>
 *             ; END_STREAM | END_HEADERS | PRIORITY
 *             (padlen=0, dep_stream_id=11, weight=16, exclusive=0)
 *             :method: GET                      ← sent field lines follow their frame
 *   [  0.008] recv (stream_id=13) :status: 200  ← received field lines come BEFORE their frame
 *
 * `[id=N]` (nghttpd) names the connection; without it (nghttp) the log is one client connection.
 * Attribute lines are indented exactly 10 spaces. The timer is seconds since the program started:
 * times are kept as milliseconds from that start (only intervals matter to the rules).
 * Lines are read once, with character checks (no regular expression); `--color` escapes are removed.
 */
import type { ConnectionInfo, FrameEvent, HeaderField, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { frameTypeCode } from '../knowledge/rfc9113.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser, parseAll, stripAnsi } from './incremental.ts';
import { detach, parseUint } from './jsonTokenizer.ts';
import { FrameTable } from '../model/frameTable.ts';

export const NGHTTP_FORMAT = 'nghttp-verbose';

const INDENT = '          ';

/** `[  0.007]` at `i` → [milliseconds, index after `] `]. */
function timer(s: string, i: number): [number, number] | undefined {
  if (s.charCodeAt(i) !== 91) return undefined;
  const close = s.indexOf(']', i);
  if (close < 0 || close - i > 24) return undefined;
  const t = s.slice(i + 1, close).trim();
  const dot = t.indexOf('.');
  if (dot < 1) return undefined;
  const sec = parseUint(t.slice(0, dot));
  const ms = parseUint(t.slice(dot + 1));
  if (sec === undefined || ms === undefined) return undefined;
  return [sec * 1000 + ms, s.charCodeAt(close + 1) === 32 ? close + 2 : close + 1];
}

/** `key=value` inside `(…)` or `<…>`: the value text, or undefined. */
function attr(s: string, key: string): string | undefined {
  let k = s.indexOf(key + '=');
  while (k > 0) {
    const before = s.charCodeAt(k - 1);
    if (before === 40 || before === 60 || before === 32) break; // `(`, `<`, ` `
    k = s.indexOf(key + '=', k + 1);
  }
  if (k < 0) return undefined;
  const start = k + key.length + 1;
  let end = start;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (c === 44 || c === 41 || c === 62) break; // `,` `)` `>`
    end++;
  }
  return s.slice(start, end);
}

/** `CANCEL(0x08)` → 8. */
function codeInParens(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const p = v.indexOf('(0x');
  return p < 0 ? undefined : parseUint(v.slice(p + 1));
}

/** `name: value`; a pseudo-header's name keeps its leading colon. */
function headerLine(s: string): HeaderField | undefined {
  const sep = s.indexOf(': ', s.startsWith(':') ? 1 : 0);
  if (sep <= 0) return s.endsWith(':') && s.length > 1 ? { name: detach(s.slice(0, -1)), value: '' } : undefined;
  return { name: detach(s.slice(0, sep)), value: detach(s.slice(sep + 2)) };
}

/** Sniffing: a frame line of nghttp -v. */
export function looksLikeNghttp(sample: string): boolean {
  const i = sample.indexOf(' frame <length=');
  if (i < 0) return false;
  const lineStart = sample.lastIndexOf('\n', i) + 1;
  const line = sample.slice(lineStart, i);
  return (line.includes('send ') || line.includes('recv ')) && line.includes(']');
}

export function createNghttpParser(): ChunkParser {
  const frames: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  const notes: string[] = [];
  let current: FrameEvent | undefined;
  /** Received field lines waiting for their HEADERS / PUSH_PROMISE line, per connection. */
  const pending = new Map<string, HeaderField[]>();
  let lastError: string | undefined;
  let invalid = 0;

  const connection = (id: string, role: 'client' | 'server', lineNo: number): string => {
    if (!connections.has(id)) connections.set(id, { id, role, line: lineNo });
    return id;
  };

  const onAttribute = (f: FrameEvent, a: string, lineNo: number): void => {
    const c = a.charCodeAt(0);
    if (c === 59) return; // `; END_STREAM | …`, `; Open new stream`, `; ACK`
    if (c === 91) {
      // [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]
      if (f.type !== FrameType.SETTINGS) return;
      const colon = a.lastIndexOf(':');
      const id = codeInParens(a.slice(0, colon));
      const v = parseUint(a.slice(colon + 1, a.length - 1));
      if (colon < 0 || v === undefined) return;
      const name = a.startsWith('[SETTINGS_') ? a.slice(10, a.indexOf('(')) : id !== undefined ? `UNKNOWN_SETTING_${id}` : 'UNKNOWN';
      (f.settings ??= []).push([name, v]);
      return;
    }
    if (c === 40) {
      switch (f.type) {
        case FrameType.RST_STREAM: {
          const e = codeInParens(attr(a, 'error_code'));
          if (e !== undefined) f.errorCode = e;
          return;
        }
        case FrameType.GOAWAY: {
          const last = parseUint(attr(a, 'last_stream_id') ?? '');
          if (last !== undefined) f.lastStreamId = last;
          const e = codeInParens(attr(a, 'error_code'));
          if (e !== undefined) f.errorCode = e;
          const d = a.indexOf(')=[');
          if (d >= 0) f.debugData = detach(a.slice(d + 3, a.lastIndexOf(']') > d ? a.lastIndexOf(']') : undefined));
          return;
        }
        case FrameType.PING: {
          const d = attr(a, 'opaque_data');
          if (d !== undefined) f.pingPayload = d.toLowerCase();
          return;
        }
        case FrameType.WINDOW_UPDATE: {
          const n = parseUint(attr(a, 'window_size_increment') ?? '');
          if (n !== undefined) f.increment = n;
          return;
        }
      }
      return;
    }
    // A field line of a sent HEADERS / PUSH_PROMISE.
    if (f.type === FrameType.HEADERS || f.type === FrameType.PUSH_PROMISE) {
      const h = headerLine(a);
      if (h) (f.headers ??= []).push({ ...h, line: lineNo });
    }
  };

  const onLine = (raw: string, lineNo: number): void => {
    const line = stripAnsi(raw);
    if (line.startsWith(INDENT)) {
      if (current && line.charCodeAt(10) !== 32) onAttribute(current, line.slice(10), lineNo);
      return;
    }
    current = undefined;
    let i = 0;
    let conn = 'nghttp';
    let role: 'client' | 'server' = 'client';
    if (line.startsWith('[id=')) {
      const close = line.indexOf(']');
      if (close < 0) return;
      conn = `id=${line.slice(4, close)}`;
      role = 'server';
      i = close + 2;
    }
    const t = timer(line, i);
    if (!t) {
      if (line.length && !line.startsWith('IPv4: ') && !line.startsWith('IPv6: ') && !line.startsWith('The negotiated protocol')) lastError = line.trim();
      return;
    }
    const [time, at] = t;
    let j = at;
    let invalidFrame = false;
    if (line.startsWith('[INVALID; ', j)) {
      const close = line.indexOf('] ', j);
      if (close < 0) return;
      invalidFrame = true;
      j = close + 2;
    }
    const dirWord = line.startsWith('send ', j) ? 'sent' : line.startsWith('recv ', j) ? 'received' : undefined;
    if (!dirWord) {
      // `stream_id=13 closed`, `closed`, `Connected`, `[ERROR] …`
      const rest = line.slice(j);
      if (rest === 'closed') {
        const c = connections.get(conn);
        if (c) { c.endNote = lastError ?? 'connection closed'; c.endLine = lineNo; }
        lastError = undefined;
      } else if (rest.startsWith('[ERROR] ')) lastError = rest.slice(8);
      return;
    }
    j += 5;
    if (line.startsWith('(stream_id=', j)) {
      // A received header field, before its frame line.
      const close = line.indexOf(') ', j);
      if (close < 0) return;
      const h = headerLine(line.slice(close + 2));
      if (!h) return;
      const key = connection(conn, role, lineNo);
      let list = pending.get(key);
      if (!list) pending.set(key, (list = []));
      list.push({ ...h, line: lineNo });
      return;
    }
    const sp = line.indexOf(' frame <', j);
    if (sp < 0) return;
    const typeText = line.slice(j, sp);
    let type = frameTypeCode(typeText);
    if (type === undefined && typeText.startsWith('extension(0x')) type = parseUint(typeText.slice(10, -1));
    if (type === undefined || type > 255) return;
    const length = parseUint(attr(line, 'length') ?? '');
    const flags = parseUint(attr(line, 'flags') ?? '');
    const streamId = parseUint(attr(line, 'stream_id') ?? '');
    if (length === undefined || flags === undefined || streamId === undefined) return;
    const key = connection(conn, role, lineNo);
    const f: FrameEvent = {
      connection: key, direction: dirWord, type, typeName: frameTypeName(type), flags: flags & 0xff, streamId, length,
      line: lineNo, startChar: at, endChar: raw.length, time,
    };
    if (line.length !== raw.length) f.startChar = 0; // colour escapes: positions are not the raw line's
    if (invalidFrame) invalid++;
    if (dirWord === 'received' && (type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE)) {
      const p = pending.get(key);
      if (p?.length) {
        f.headers = p;
        pending.delete(key);
      }
    }
    frames.push(f);
    current = f;
  };

  return lineChunkParser(onLine, (lineCount): ParsedLog => {
    if (invalid) notes.push(`${invalid} frame(s) were marked [INVALID] by nghttp2 (the peer broke the protocol; see the error after each).`);
    if (frames.length) notes.push('nghttp/nghttpd times are seconds since the program started, so hovers show them as offsets, not wall-clock times. CONTINUATION frames are not logged (nghttp2 reports each field block as one HEADERS).');
    return { format: NGHTTP_FORMAT, frames: FrameTable.from(frames), connections, lineCount, notes };
  });
}

export function parseNghttp(text: string): ParsedLog {
  return parseAll(createNghttpParser(), text);
}
