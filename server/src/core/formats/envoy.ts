/**
 * Envoy's http2 codec trace (`-l trace` or `--component-log-level http2:trace`; research notes §2.6,
 * envoyproxy/envoy source/common/http/http2/codec_impl.cc):
 *
 *   [2024-12-09 11:23:19.592][11970][trace][http2] [source/common/http/http2/codec_impl.cc:NNN] [Tags: "ConnectionId":"0"] about to send frame type=4, flags=0
 *   … [Tags: "ConnectionId":"0"] sent frame type=4, stream_id=0, length=18
 *   … [Tags: "ConnectionId":"0"] about to recv frame type=1, flags=5, stream_id=1
 *   … [Tags: "ConnectionId":"0"] track inbound frame type=1 flags=5 length=36 padding_length=0
 *
 * Older builds tag connections as `[C0]`. Frame types are numbers (names on the oghttp2 path).
 * A sent frame is its `sent frame` line (flags from the `about to send` line before it — Envoy logs
 * none for DATA, so a sent DATA's END_STREAM is unknown); a received frame is its `about to recv`
 * line (length from the `track inbound frame` line after it; DATA: `recv frame type=DATA` + `track
 * inbound frame`). `sent goaway code=N` / `sent reset code=N` / `remote reset: S N` give error codes.
 */
import type { ConnectionInfo, FrameEvent, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { frameTypeCode } from '../knowledge/rfc9113.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser, parseAll } from './incremental.ts';
import { parseUint } from './jsonTokenizer.ts';
import { parseLeadingTimestamp } from './timestamps.ts';
import { FrameTable } from '../model/frameTable.ts';

export const ENVOY_FORMAT = 'envoy-http2';

export function looksLikeEnvoy(sample: string): boolean {
  return sample.includes('[http2]') && (sample.includes('sent frame type=') || sample.includes('about to recv frame type=') || sample.includes('recv frame type='));
}

/** `key=value` (value up to `,` or space). */
function field(s: string, key: string): string | undefined {
  let k = s.indexOf(`${key}=`);
  while (k > 0 && s.charCodeAt(k - 1) !== 32 && s.charCodeAt(k - 1) !== 44) k = s.indexOf(`${key}=`, k + 1);
  if (k < 0) return undefined;
  const start = k + key.length + 1;
  let end = start;
  while (end < s.length && s.charCodeAt(end) !== 44 && s.charCodeAt(end) !== 32) end++;
  return s.slice(start, end);
}

function typeOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return parseUint(v) ?? frameTypeCode(v);
}

export function createEnvoyParser(): ChunkParser {
  const frames: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  const pendingSendFlags = new Map<string, { type: number; flags: number }>();
  const lastRecv = new Map<string, FrameEvent>();
  const pendingData = new Map<string, number>();
  const lastSent = new Map<string, FrameEvent[]>();
  /** The last RST_STREAM received per connection and stream, which a `remote reset:` line gives its code to. */
  const lastReset = new Map<string, FrameEvent>();

  const onLine = (line: string, lineNo: number): void => {
    if (!line.includes('frame') && !line.includes('sent goaway') && !line.includes('sent reset') && !line.includes('remote reset: ')) return;
    let conn: string | undefined;
    const tag = line.indexOf('"ConnectionId":"');
    if (tag >= 0) conn = `C${line.slice(tag + 16, line.indexOf('"', tag + 16))}`;
    else {
      const c = line.indexOf('[C');
      if (c >= 0) {
        const close = line.indexOf(']', c);
        const id = parseUint(line.slice(c + 2, close));
        if (id !== undefined) conn = `C${id}`;
      }
    }
    if (!conn) return;
    // The message follows the last `] ` of the prefix.
    const msgAt = line.lastIndexOf('] ') + 2;
    const msg = line.slice(msgAt);
    const time = parseLeadingTimestamp(line, Math.min(msgAt, 64));
    const add = (direction: 'sent' | 'received', type: number, flags: number, streamId: number, length: number): FrameEvent => {
      if (!connections.has(conn!)) connections.set(conn!, { id: conn!, line: lineNo });
      const f: FrameEvent = { connection: conn!, direction, type, typeName: frameTypeName(type), flags: flags & 0xff, streamId, length, line: lineNo, startChar: msgAt, endChar: line.length };
      if (time !== undefined) f.time = time;
      frames.push(f);
      if (direction === 'received' && type === FrameType.RST_STREAM) lastReset.set(`${conn}\u0000${streamId}`, f);
      return f;
    };
    if (msg.startsWith('about to send frame ')) {
      const type = typeOf(field(msg, 'type'));
      if (type !== undefined) pendingSendFlags.set(conn, { type, flags: parseUint(field(msg, 'flags') ?? '') ?? 0 });
      return;
    }
    if (msg.startsWith('sent frame ')) {
      const type = typeOf(field(msg, 'type'));
      if (type === undefined || type > 255) return;
      const p = pendingSendFlags.get(conn);
      pendingSendFlags.delete(conn);
      const f = add('sent', type, p && p.type === type ? p.flags : 0, parseUint(field(msg, 'stream_id') ?? '') ?? 0, parseUint(field(msg, 'length') ?? '') ?? 0);
      let list = lastSent.get(conn);
      if (!list) lastSent.set(conn, (list = []));
      list.push(f);
      if (list.length > 8) list.shift();
      return;
    }
    // `about to recv` comes first; its `track inbound frame` (with the length) follows, except for
    // DATA, where `recv frame type=DATA stream_id=N` + `track inbound frame type=0 …` are the only lines.
    if (msg.startsWith('about to recv frame ')) {
      const type = typeOf(field(msg, 'type'));
      if (type === undefined || type > 255) return;
      lastRecv.set(conn, add('received', type, parseUint(field(msg, 'flags') ?? '') ?? 0, parseUint(field(msg, 'stream_id') ?? '') ?? 0, 0));
      return;
    }
    if (msg.startsWith('track inbound frame ')) {
      const type = typeOf(field(msg, 'type'));
      const length = parseUint(field(msg, 'length') ?? '');
      const flags = parseUint(field(msg, 'flags') ?? '') ?? 0;
      const f = lastRecv.get(conn);
      lastRecv.delete(conn);
      if (type === undefined || length === undefined) return;
      if (f && f.type === type) f.length = length;
      else if (type === FrameType.DATA) {
        const d = pendingData.get(conn);
        pendingData.delete(conn);
        add('received', type, flags, d ?? 0, length);
      }
      return;
    }
    if (msg.startsWith('recv frame type=DATA')) {
      pendingData.set(conn, parseUint(field(msg, 'stream_id') ?? '') ?? 0);
      return;
    }
    if (msg.startsWith('remote reset: ')) {
      const parts = msg.slice(14).trim().split(' ');
      const sid = parseUint(parts[0] ?? '');
      const code = parseUint(parts[1] ?? '');
      const f = sid === undefined ? undefined : lastReset.get(`${conn}\u0000${sid}`);
      if (f && code !== undefined) f.errorCode = code;
      return;
    }
    const code = (kind: number): void => {
      const v = parseUint(field(msg, 'code') ?? '');
      const list = lastSent.get(conn!) ?? [];
      for (let k = list.length - 1; k >= 0; k--) if (list[k]!.type === kind) { if (v !== undefined) list[k]!.errorCode = v; return; }
    };
    if (msg.startsWith('sent goaway code=')) code(FrameType.GOAWAY);
    else if (msg.startsWith('sent reset code=')) code(FrameType.RST_STREAM);
  };

  return lineChunkParser(onLine, (lineCount): ParsedLog => {
    const notes = frames.length ? ['Envoy\'s codec trace has frame headers only: no header fields, SETTINGS values, PING payloads or window increments; no flags of the DATA frames Envoy sends (END_STREAM unknown); error codes of RST_STREAM/GOAWAY only from its debug lines. Which side Envoy is on a connection (downstream server or upstream client) is inferred from who sends requests.'] : [];
    return { format: ENVOY_FORMAT, frames: FrameTable.from(frames), connections, lineCount, notes };
  });
}

export function parseEnvoy(text: string): ParsedLog {
  return parseAll(createEnvoyParser(), text);
}
