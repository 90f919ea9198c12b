/**
 * Node.js `NODE_DEBUG=http2` (lib/internal/http2/core.js, util.debuglog; research notes §2.5):
 *
 *   HTTP2 30479: Http2Session client: submitting settings
 *   HTTP2 30479: Http2Stream 11 [Http2Session client]: headers received
 *   HTTP2 30462: Http2Session server: goaway 0 received [last stream id: 0]
 *
 * Session-level only: Node logs events of its JS layer, not frames. What maps to a frame:
 * `submitting settings` (sent SETTINGS), `new settings received` (received SETTINGS),
 * `settings received` (our SETTINGS acknowledged: received ACK), `new ping received`,
 * `goaway N received [last stream id: M]`, `submitting goaway`, a stream's `headers received`,
 * `initiating response` (server: sent response HEADERS), the first line of a client stream (its
 * request HEADERS were sent), `closed with code N` (N ≠ 0: a RST_STREAM; `closed true` means this
 * side closed it, so it sent the reset). No DATA, WINDOW_UPDATE, lengths, END_STREAM or payloads:
 * a note says so. One connection per pid and side (Node logs no session id).
 */
import type { ConnectionInfo, FrameEvent, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser, headersLengthLowerBound, parseAll } from './incremental.ts';
import { parseUint } from './jsonTokenizer.ts';
import { formatNumber } from '../numberText.ts';
import { FrameTable } from '../model/frameTable.ts';

export const NODE_FORMAT = 'node-debug-http2';

export function looksLikeNodeDebug(sample: string): boolean {
  return sample.includes(': Http2Session client: ') || sample.includes(': Http2Session server: ') || sample.includes(' [Http2Session client]: ') || sample.includes(' [Http2Session server]: ');
}

export function createNodeDebugParser(): ChunkParser {
  const frames: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  const streamsSeen = new Set<string>();
  const lastOfStream = new Map<string, FrameEvent>();
  let inferredEnds = 0;
  let nativeLines = 0;

  const onLine = (line: string, lineNo: number): void => {
    if (!line.startsWith('HTTP2 ')) {
      if (line.startsWith('Http2Session ') || line.startsWith('Http2Stream ')) nativeLines++;
      return;
    }
    const colon = line.indexOf(': ', 6);
    if (colon < 0) return;
    const pid = line.slice(6, colon);
    let i = colon + 2;
    let role: 'client' | 'server';
    let stream: number | undefined;
    if (line.startsWith('Http2Session ', i)) {
      i += 13;
      if (line.startsWith('client: ', i)) role = 'client';
      else if (line.startsWith('server: ', i)) role = 'server';
      else return;
      i += 8;
    } else if (line.startsWith('Http2Stream ', i)) {
      const sp = line.indexOf(' [Http2Session ', i + 12);
      if (sp < 0) return;
      stream = parseUint(line.slice(i + 12, sp));
      if (stream === undefined) return;
      i = sp + 15;
      if (line.startsWith('client]: ', i)) role = 'client';
      else if (line.startsWith('server]: ', i)) role = 'server';
      else return;
      i += 9;
    } else return;
    const msg = line.slice(i);
    const conn = `node ${pid} ${role}`;
    if (!connections.has(conn)) connections.set(conn, { id: conn, role, line: lineNo });
    const frame = (direction: 'sent' | 'received', type: number, flags = 0, streamId = 0): FrameEvent => {
      const f: FrameEvent = { connection: conn, direction, type, typeName: frameTypeName(type), flags, streamId, length: 0, line: lineNo, startChar: colon + 2, endChar: line.length };
      frames.push(f);
      if (streamId !== 0) lastOfStream.set(`${conn}#${streamId}#${direction}`, f);
      return f;
    };
    if (stream === undefined) {
      if (msg === 'submitting settings') frame('sent', FrameType.SETTINGS);
      else if (msg === 'new settings received') frame('received', FrameType.SETTINGS);
      else if (msg === 'settings received') frame('received', FrameType.SETTINGS, 1);
      else if (msg === 'new ping received') frame('received', FrameType.PING).length = 8;
      else if (msg === 'submitting goaway') frame('sent', FrameType.GOAWAY).length = 8;
      else if (msg.startsWith('goaway ') && msg.includes(' received [last stream id: ')) {
        const f = frame('received', FrameType.GOAWAY);
        f.length = 8;
        const code = parseUint(msg.slice(7, msg.indexOf(' ', 7)));
        if (code !== undefined) f.errorCode = code;
        const k = msg.indexOf('last stream id: ');
        const last = parseUint(msg.slice(k + 16, msg.indexOf(']', k)));
        if (last !== undefined) f.lastStreamId = last;
      } else if (msg === 'destroying') {
        const c = connections.get(conn)!;
        c.endNote = 'session destroyed';
        c.endLine = lineNo;
      }
      return;
    }
    const key = `${conn}#${stream}`;
    if (!streamsSeen.has(key)) {
      streamsSeen.add(key);
      // A client stream exists once its request HEADERS were submitted.
      if (role === 'client' && stream % 2 === 1) frame('sent', FrameType.HEADERS, 0x4, stream).length = headersLengthLowerBound(0);
    }
    if (msg === 'headers received') frame('received', FrameType.HEADERS, 0x4, stream).length = headersLengthLowerBound(0);
    else if (msg === 'initiating response') frame('sent', FrameType.HEADERS, 0x4, stream).length = headersLengthLowerBound(0);
    else if (msg.startsWith('closed with code ')) {
      const code = parseUint(msg.slice(17, msg.indexOf(',', 17) > 0 ? msg.indexOf(',', 17) : undefined));
      if (code === 0) {
        // A clean close: both sides ended the stream. Node logs no END_STREAM, so it goes on the
        // last frame each side is known to have sent on it.
        for (const d of ['sent', 'received'] as const) {
          const f = lastOfStream.get(`${key}#${d}`);
          if (f && (f.type === FrameType.HEADERS || f.type === FrameType.DATA)) { f.flags |= 0x1; inferredEnds++; }
        }
        return;
      }
      if (code === undefined) return;
      const local = msg.includes(', closed true');
      const f = frame(local ? 'sent' : 'received', FrameType.RST_STREAM, 0, stream);
      f.length = 4;
      f.errorCode = code;
    }
  };

  return lineChunkParser(onLine, (lineCount): ParsedLog => {
    const notes: string[] = [];
    if (frames.length || connections.size) {
      notes.push('NODE_DEBUG=http2 logs session and stream events, not frames: h2lens shows the SETTINGS, PING, GOAWAY, HEADERS and RST_STREAM those events stand for. Not in this log: DATA, WINDOW_UPDATE, CONTINUATION, END_STREAM flags (inferred only from clean closes), payload lengths (HEADERS are shown with a 1-byte lower bound, the rest with 0) and PING payloads; resets of streams Node destroyed without a "closed with code" line are missing too. For frames, capture the traffic (tshark) or log the peer.');
    }
    if (inferredEnds) notes.push(`END_STREAM is inferred on ${inferredEnds} HEADERS frame(s): Node said those streams "closed with code 0" (a clean close), without logging the frames that ended them.`);
    if (nativeLines) notes.push(`${formatNumber(nativeLines)} NODE_DEBUG_NATIVE lines (C++ layer) were not read.`);
    return { format: NODE_FORMAT, frames: FrameTable.from(frames), connections, lineCount, notes };
  });
}

export function parseNodeDebug(text: string): ParsedLog {
  return parseAll(createNodeDebugParser(), text);
}
