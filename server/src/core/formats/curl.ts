/**
 * curl `-v` / `--trace-ascii` output (research notes §2.4).
 *
 * - curl ≥ 8.3 with `--trace-config http/2` (or `all`) logs every frame:
 *   `* [HTTP/2] [1] <- FRAME[HEADERS, len=28, hend=1, eos=0]` (received), `-> FRAME[…]` (sent);
 *   `[HTTP/2-1]` when a second socket filter is involved. These become real frames.
 * - Without it, `-v` shows requests and responses, not frames: curl 7.83–8.0 `* h2h3 [:method: GET]` +
 *   `* Using Stream ID: 1`, curl ≥ 8.1 `* [HTTP/2] [1] OPENED stream for …` + `* [HTTP/2] [1] [:method: GET]`,
 *   then `< HTTP/2 200` and `< name: value`. From those h2lens rebuilds one HEADERS per request and
 *   one per response (no lengths; flagged in a note), and a RST_STREAM per `stream N was not closed
 *   cleanly` / `reset by` message, so that streams, statuses and resets still show.
 * - `--trace-ascii` without trace-config has no frame information at all: no frames, and a note that
 *   says how to get them.
 * Prefixes handled: `--trace-time` (`12:07:04.087868 `), `--trace-ids` (`[0-0] `), `== Info: `, and the
 * progress meter that curl writes in front of `* ` on the same line.
 */
import type { ConnectionInfo, FrameEvent, HeaderField, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { errorCodeByName, frameTypeCode } from '../knowledge/rfc9113.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser, headersLengthLowerBound, parseAll } from './incremental.ts';
import { detach, parseUint } from './jsonTokenizer.ts';
import { FrameTable } from '../model/frameTable.ts';

export const CURL_FORMAT = 'curl-verbose';

/** `HH:MM:SS.uuuuuu ` at the start → [ms of the day, index after it]. */
function traceTime(s: string): [number, number] | undefined {
  if (s.length < 16 || s.charCodeAt(2) !== 58 || s.charCodeAt(5) !== 58 || s.charCodeAt(8) !== 46) return undefined;
  const h = parseUint(s.slice(0, 2));
  const m = parseUint(s.slice(3, 5));
  const sec = parseUint(s.slice(6, 8));
  let j = 9;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (h === undefined || m === undefined || sec === undefined || j === 9 || s.charCodeAt(j) !== 32) return undefined;
  const frac = Number(`0.${s.slice(9, j)}`);
  return [((h * 60 + m) * 60 + sec + frac) * 1000, j + 1];
}

/** `[N bytes were …]`-free `key=value` pairs of a FRAME[…] body. */
function frameField(body: string, key: string): string | undefined {
  const k = body.indexOf(`${key}=`);
  if (k < 0 || (k > 0 && body.charCodeAt(k - 1) !== 32 && body.charCodeAt(k - 1) !== 44)) return undefined;
  const start = k + key.length + 1;
  if (body.charCodeAt(start) === 39) {
    const close = body.lastIndexOf('\'');
    return body.slice(start + 1, close > start ? close : undefined);
  }
  let end = body.indexOf(',', start);
  if (end < 0) end = body.length;
  return body.slice(start, end).trim();
}

function headerOf(s: string): HeaderField | undefined {
  const sep = s.indexOf(': ', s.startsWith(':') ? 1 : 0);
  if (sep < 0) return s.endsWith(':') && s.length > 1 ? { name: detach(s.slice(0, -1)), value: '' } : undefined;
  return { name: detach(s.slice(0, sep)), value: detach(s.slice(sep + 2).trimEnd()) };
}

/** Sniffing: lines only curl writes. */
export function looksLikeCurl(sample: string): boolean {
  return sample.includes('* [HTTP/2] [') || sample.includes('* h2h3 [') || sample.includes('* Using Stream ID: ')
    || (sample.includes('== Info: ') && (sample.includes('=> Send header') || sample.includes('HTTP/2')))
    || (sample.includes('\n* ') && sample.includes('\n< HTTP/2 '));
}

export function createCurlParser(): ChunkParser {
  const frames: FrameEvent[] = [];
  /** Rebuilt from header lines; used only when the log has no FRAME lines. */
  const rebuilt: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  let conn = '#0';
  let frameLines = 0;
  let traceAscii = false;
  let requestHeaders: HeaderField[] = [];
  let currentStream = 0;
  let response: FrameEvent | undefined;
  let lastHttp2Stream: { id: number; frame: FrameEvent } | undefined;
  const requestsSeen: number[] = [];
  let assumedResets = 0;

  const ensureConn = (id: string, lineNo: number, peer?: string): void => {
    const c = connections.get(id);
    if (!c) connections.set(id, { id, role: 'client', line: lineNo, ...(peer ? { peer } : {}) });
    else if (peer && !c.peer) c.peer = peer;
  };

  const make = (list: FrameEvent[], direction: 'sent' | 'received', type: number, flags: number, streamId: number, length: number, lineNo: number, start: number, end: number, time: number | undefined): FrameEvent => {
    ensureConn(conn, lineNo);
    const f: FrameEvent = { connection: conn, direction, type, typeName: frameTypeName(type), flags, streamId, length, line: lineNo, startChar: start, endChar: end };
    if (time !== undefined) f.time = time;
    list.push(f);
    return f;
  };

  /** `FRAME[…]` → a frame. */
  const onFrame = (dir: 'sent' | 'received', body: string, streamId: number, lineNo: number, start: number, end: number, time: number | undefined): void => {
    const comma = body.indexOf(',');
    const name = (comma < 0 ? body : body.slice(0, comma)).trim();
    let type = frameTypeCode(name);
    if (type === undefined) type = parseUint(name);
    if (type === undefined || type > 255) return;
    frameLines++;
    const num = (k: string): number | undefined => {
      const v = frameField(body, k);
      return v === undefined ? undefined : parseUint(v);
    };
    let flags = num('flags') ?? 0;
    if (num('eos') === 1) flags |= 0x1;
    if (num('hend') === 1) flags |= 0x4;
    if (num('ack') === 1) flags |= 0x1;
    if ((num('padlen') ?? 0) > 0) flags |= 0x8;
    let length = num('len') ?? 0;
    if (type === FrameType.WINDOW_UPDATE || type === FrameType.RST_STREAM) length = 4;
    if (type === FrameType.PING) length = num('len') ?? 8;
    const f = make(frames, dir, type, flags & 0xff, streamId, length, lineNo, start, end, time);
    switch (type) {
      case FrameType.RST_STREAM: {
        const e = num('error');
        if (e !== undefined) f.errorCode = e;
        break;
      }
      case FrameType.GOAWAY: {
        const e = num('error');
        if (e !== undefined) f.errorCode = e;
        const last = num('last_stream');
        if (last !== undefined) f.lastStreamId = last;
        const r = frameField(body, 'reason');
        if (r !== undefined) { f.debugData = detach(r); f.length = 8 + r.length; }
        else f.length = 8;
        break;
      }
      case FrameType.WINDOW_UPDATE: {
        const inc = num('incr');
        if (inc !== undefined) f.increment = inc;
        break;
      }
    }
  };

  const onInfo = (msg: string, lineNo: number, start: number, end: number, time: number | undefined): void => {
    // `[HTTP/2] [N] …` and `[HTTP/2-1] [N] …`
    if (msg.startsWith('[HTTP/2')) {
      const close = msg.indexOf('] [');
      if (close < 0) return;
      const sClose = msg.indexOf(']', close + 3);
      if (sClose < 0) return;
      const streamId = parseUint(msg.slice(close + 3, sClose));
      if (streamId === undefined) return;
      const rest = msg.slice(sClose + 2);
      if (rest.startsWith('<- FRAME[') || rest.startsWith('-> FRAME[')) {
        const bodyEnd = rest.lastIndexOf(']');
        onFrame(rest.startsWith('<-') ? 'received' : 'sent', rest.slice(9, bodyEnd > 9 ? bodyEnd : undefined), streamId, lineNo, start, end, time);
        return;
      }
      if (rest.startsWith('OPENED stream')) {
        currentStream = streamId;
        requestsSeen.push(streamId);
        lastHttp2Stream = { id: streamId, frame: make(rebuilt, 'sent', FrameType.HEADERS, 0x4, streamId, 0, lineNo, start, end, time) };
        return;
      }
      if (rest.startsWith('[') && rest.endsWith(']')) {
        // a request header of curl ≥ 8.1
        const h = headerOf(rest.slice(1, -1));
        if (!h) return;
        if (!lastHttp2Stream || lastHttp2Stream.id !== streamId) {
          currentStream = streamId;
          requestsSeen.push(streamId);
          lastHttp2Stream = { id: streamId, frame: make(rebuilt, 'sent', FrameType.HEADERS, 0x4, streamId, 0, lineNo, start, end, time) };
        }
        (lastHttp2Stream.frame.headers ??= []).push({ ...h, line: lineNo });
        return;
      }
      if (rest.startsWith('RESET: ')) resetOf(streamId, rest, lineNo, start, end, time, 'unknown');
      return;
    }
    if (msg.startsWith('h2h3 [')) {
      const h = headerOf(msg.slice(6, msg.lastIndexOf(']') > 6 ? msg.lastIndexOf(']') : undefined));
      if (h) requestHeaders.push({ ...h, line: lineNo });
      return;
    }
    if (msg.startsWith('Using Stream ID: ')) {
      const id = parseUint(msg.slice(17, msg.indexOf(' ', 17) > 0 ? msg.indexOf(' ', 17) : undefined));
      if (id === undefined) return;
      currentStream = id;
      requestsSeen.push(id);
      const f = make(rebuilt, 'sent', FrameType.HEADERS, 0x4, id, 0, lineNo, start, end, time);
      if (requestHeaders.length) f.headers = requestHeaders;
      requestHeaders = [];
      return;
    }
    if (msg.startsWith('Connected to ') || msg.startsWith('Re-using existing connection') || msg.startsWith('Connection #')) {
      const hash = msg.indexOf('#');
      if (hash >= 0) {
        let e = hash + 1;
        while (e < msg.length && msg.charCodeAt(e) >= 48 && msg.charCodeAt(e) <= 57) e++;
        if (e > hash + 1) conn = `#${msg.slice(hash + 1, e)}`;
      }
      if (msg.startsWith('Connected to ')) {
        const host = msg.slice(13, msg.indexOf(' ', 13) > 0 ? msg.indexOf(' ', 13) : undefined);
        const port = msg.indexOf(' port ');
        const p = port >= 0 ? parseUint(msg.slice(port + 6, msg.indexOf(' ', port + 6) > 0 ? msg.indexOf(' ', port + 6) : undefined)) : undefined;
        ensureConn(conn, lineNo, p !== undefined ? `${host}:${p}` : host);
      }
      return;
    }
    // `HTTP/2 stream 3 was not closed cleanly: INTERNAL_ERROR (err 2)` (≤ 8.18)
    // `HTTP/2 stream 3 reset by server (error 0x2 INTERNAL_ERROR)` (≥ 8.19)
    if (msg.startsWith('HTTP/2 stream ')) {
      const sp = msg.indexOf(' ', 14);
      const id = parseUint(msg.slice(14, sp < 0 ? undefined : sp));
      if (id === undefined) return;
      const by = msg.indexOf(' reset by ');
      if (by >= 0) resetOf(id, msg, lineNo, start, end, time, msg.startsWith('curl', by + 10) ? 'sent' : 'received');
      else if (msg.includes(' was not closed cleanly')) resetOf(id, msg, lineNo, start, end, time, 'unknown');
    }
  };

  const resetOf = (streamId: number, msg: string, lineNo: number, start: number, end: number, time: number | undefined, dir: 'sent' | 'received' | 'unknown'): void => {
    let code: number | undefined;
    const err = msg.indexOf('(err ');
    const error = msg.indexOf('(error 0x');
    if (err >= 0) code = parseUint(msg.slice(err + 5, msg.indexOf(')', err)));
    else if (error >= 0) code = parseUint(msg.slice(error + 7, msg.indexOf(' ', error + 7)));
    else {
      const colon = msg.indexOf(': ');
      if (colon >= 0) code = errorCodeByName(msg.slice(colon + 2, msg.indexOf(' ', colon + 2) > 0 ? msg.indexOf(' ', colon + 2) : undefined));
    }
    if (dir === 'unknown') assumedResets++;
    const f = make(rebuilt, dir === 'sent' ? 'sent' : 'received', FrameType.RST_STREAM, 0, streamId, 4, lineNo, start, end, time);
    if (code !== undefined) f.errorCode = code;
  };

  const onLine = (raw: string, lineNo: number): void => {
    let s = raw;
    let off = 0;
    let time: number | undefined;
    const tt = traceTime(s);
    if (tt) { time = tt[0]; off = tt[1]; }
    if (s.startsWith('== Info: ', off)) { traceAscii = true; off += 9; onInfo(s.slice(off).trimEnd(), lineNo, off, raw.length, time); return; }
    if (s.startsWith('[', off)) {
      // --trace-ids: `[0-0] `
      const close = s.indexOf('] ', off);
      if (close > off && close - off < 24 && s.slice(off + 1, close).includes('-')) {
        const ids = s.slice(off + 1, close);
        const dash = ids.indexOf('-');
        conn = `#${ids.slice(dash + 1)}`;
        off = close + 2;
      }
    }
    s = s.slice(off);
    if (s.startsWith('* ')) { onInfo(s.slice(2).trimEnd(), lineNo, off, raw.length, time); return; }
    if (s.startsWith('< ')) {
      const text = s.slice(2).trimEnd();
      if (text.startsWith('HTTP/2 ')) {
        response = make(rebuilt, 'received', FrameType.HEADERS, 0x4, currentStream, 0, lineNo, off, raw.length, time);
        response.headers = [{ name: ':status', value: detach(text.slice(7).trim()), line: lineNo }];
        return;
      }
      if (text === '') { response = undefined; return; }
      const h = response ? headerOf(text) : undefined;
      if (h && response) response.headers!.push({ ...h, line: lineNo });
      return;
    }
    if (s.startsWith('> ')) return;
    // The progress meter can stand in front of `* ` on the same line.
    const star = s.indexOf('* ');
    if (star > 0 && s.includes('--:--:--')) onInfo(s.slice(star + 2).trimEnd(), lineNo, off + star, raw.length, time);
  };

  return lineChunkParser(onLine, (lineCount): ParsedLog => {
    const notes: string[] = [];
    const streams = [...new Set(requestsSeen)];
    const streamText = streams.length ? ` It shows ${streams.length} request(s) on stream(s) ${streams.slice(0, 12).join(', ')}${streams.length > 12 ? ', …' : ''}.` : '';
    const how = 'For frames run curl 8.3 or later with -v --trace-config http/2 (or --trace-config all), e.g. curl -v --trace-config http/2 --http2 URL 2> curl.log.';
    let out: FrameEvent[] = frames;
    if (frameLines > 0) {
      // The header lines name the fields of the first HEADERS frame of each side of a stream: each
      // rebuilt HEADERS takes the first HEADERS frame not yet taken with its connection, direction
      // and stream (queues by that key, so a log of 10^5 requests is not searched once per request).
      const queues = new Map<string, { frames: FrameEvent[]; next: number }>();
      const keyOf = (f: FrameEvent): string => `${f.connection}\u0000${f.direction}\u0000${f.streamId}`;
      for (const x of frames) {
        if (x.type !== FrameType.HEADERS) continue;
        const key = keyOf(x);
        const q = queues.get(key);
        if (q) q.frames.push(x);
        else queues.set(key, { frames: [x], next: 0 });
      }
      for (const r of rebuilt) {
        if (r.type !== FrameType.HEADERS || !r.headers) continue;
        const q = queues.get(keyOf(r));
        if (q && q.next < q.frames.length) q.frames[q.next++]!.headers = r.headers;
      }
    }
    if (frameLines === 0) {
      if (traceAscii) {
        out = [];
        notes.push(`This curl --trace-ascii/--trace output has no HTTP/2 frame information (curl traces headers and bodies, not frames).${streamText} ${how}`);
      } else if (rebuilt.length) {
        out = rebuilt;
        notes.push(`This curl -v log has no frame lines: h2lens rebuilt one HEADERS per request and per response from curl's header lines (payload lengths unknown: shown as a lower bound of one byte per field; DATA, SETTINGS, PING and WINDOW_UPDATE frames are not in the log). ${how}`);
        if (assumedResets) notes.push(`curl's "stream N was not closed cleanly" does not say who reset the stream: ${assumedResets} such reset(s) are shown as received from the server (curl ≥ 8.19 says "reset by server|curl").`);
      } else {
        notes.push(`This curl log has no HTTP/2 frame or request lines. ${how}`);
      }
    }
    if (out === rebuilt) {
      for (const f of rebuilt) if (f.type === FrameType.HEADERS) f.length = headersLengthLowerBound(f.headers?.length);
      // A request without a body ends its stream with its HEADERS (curl sends GET/HEAD so).
      for (const f of rebuilt) {
        if (f.type !== FrameType.HEADERS || f.direction !== 'sent' || !f.headers) continue;
        const method = f.headers.find((h) => h.name === ':method')?.value;
        if ((method === 'GET' || method === 'HEAD') && !f.headers.some((h) => h.name === 'content-length')) f.flags |= 0x1;
      }
    }
    const used = new Set(out.map((f) => f.connection));
    for (const id of [...connections.keys()]) if (!used.has(id)) connections.delete(id);
    return { format: CURL_FORMAT, frames: FrameTable.from(out), connections, lineCount, notes };
  });
}

export function parseCurl(text: string): ParsedLog {
  return parseAll(createCurlParser(), text);
}
