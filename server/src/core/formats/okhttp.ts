/**
 * OkHttp's frame log: java.util.logging logger `okhttp3.internal.http2.Http2` at FINE
 * (square/okhttp Http2.frameLog, format `"%s 0x%08x %5d %-13s %s"`; research notes §2.9):
 *
 *   >> 0x00000003    98 HEADERS       END_STREAM|END_HEADERS
 *   << 0x00000003 16384 DATA
 *
 * `>>` = written by this endpoint, `<<` = read. `>> CONNECTION <hex>` (the preface written) marks a
 * new client connection, `<< CONNECTION` a server-side one (MockWebServer). Lines may carry a
 * logging prefix (`FINE: `, a timestamp): the frame text is found wherever `>> 0x` / `<< 0x` starts.
 */
import type { ConnectionInfo, FrameEvent, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { flagBit, frameTypeCode } from '../knowledge/rfc9113.ts';
import type { ChunkParser } from './incremental.ts';
import { lineChunkParser, parseAll } from './incremental.ts';
import { parseUint } from './jsonTokenizer.ts';
import { parseLeadingTimestamp } from './timestamps.ts';
import { FrameTable } from '../model/frameTable.ts';

export const OKHTTP_FORMAT = 'okhttp';

/** A frame line's start: `>> 0x` or `<< 0x` followed by 8 hex digits and a space. */
function isFrameLineAt(s: string, i: number): boolean {
  if (!s.startsWith(' 0x', i + 2)) return false;
  for (let k = i + 5; k < i + 13; k++) {
    const c = s.charCodeAt(k) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return s.charCodeAt(i + 13) === 32;
}

/** How many OkHttp frame lines the sample has (sniffing). */
export function countOkHttpLines(sample: string): number {
  let n = 0;
  for (const mark of ['>> 0x', '<< 0x']) {
    for (let i = sample.indexOf(mark); i >= 0; i = sample.indexOf(mark, i + 5)) if (isFrameLineAt(sample, i)) n++;
  }
  return n;
}

export function looksLikeOkHttp(sample: string): boolean {
  return sample.includes('>> CONNECTION 505249') || sample.includes('<< CONNECTION 505249') || countOkHttpLines(sample) > 0;
}

export function createOkHttpParser(): ChunkParser {
  const frames: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  let n = 0;
  let conn: string | undefined;
  const open = (role: 'client' | 'server' | undefined, lineNo: number): string => {
    n++;
    conn = `okhttp connection ${n}`;
    connections.set(conn, { id: conn, ...(role ? { role } : {}), line: lineNo });
    return conn;
  };

  const onLine = (line: string, lineNo: number): void => {
    let at = line.indexOf('>> ');
    const inAt = line.indexOf('<< ');
    if (at < 0 || (inAt >= 0 && inAt < at)) at = inAt;
    if (at < 0) return;
    const dir = line.charCodeAt(at) === 62 ? 'sent' : 'received';
    if (line.startsWith('CONNECTION ', at + 3)) {
      open(dir === 'sent' ? 'client' : 'server', lineNo);
      return;
    }
    if (!isFrameLineAt(line, at)) return;
    const streamId = parseUint(line.slice(at + 3, at + 13));
    let i = at + 13;
    while (line.charCodeAt(i) === 32) i++;
    let j = i;
    while (j < line.length && line.charCodeAt(j) !== 32) j++;
    const length = parseUint(line.slice(i, j));
    i = j;
    while (line.charCodeAt(i) === 32) i++;
    j = i;
    while (j < line.length && line.charCodeAt(j) !== 32) j++;
    const typeText = line.slice(i, j);
    let type = frameTypeCode(typeText);
    if (type === undefined && typeText.startsWith('0x')) type = parseUint(typeText);
    if (streamId === undefined || length === undefined || type === undefined || type > 255) return;
    let flags = 0;
    for (const name of line.slice(j).trim().split('|')) {
      if (!name) continue;
      if (name.startsWith('0x')) flags |= parseUint(name) ?? 0;
      else if (name === 'ACK') flags |= 1;
      else flags |= flagBit(type, name) ?? 0;
    }
    if (!conn) open(undefined, lineNo);
    const f: FrameEvent = { connection: conn!, direction: dir, type, typeName: frameTypeName(type), flags: flags & 0xff, streamId, length, line: lineNo, startChar: at, endChar: line.length };
    const t = parseLeadingTimestamp(line, at);
    if (t !== undefined) f.time = t;
    if (type === FrameType.SETTINGS && (flags & 1) === 0) f.settings = [];
    frames.push(f);
  };

  return lineChunkParser(onLine, (lineCount): ParsedLog => {
    const notes = frames.length ? ['OkHttp\'s frame log has the frame header only: no header fields, error codes, SETTINGS values, PING payloads or window increments. Connections are told apart by their preface lines (>> CONNECTION).'] : [];
    return { format: OKHTTP_FORMAT, frames: FrameTable.from(frames), connections, lineCount, notes };
  });
}

export function parseOkHttp(text: string): ParsedLog {
  return parseAll(createOkHttpParser(), text);
}
