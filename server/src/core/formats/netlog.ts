/**
 * Chrome NetLog JSON (chrome://net-export, `chromium --log-net-log=FILE`):
 * `{"constants": {…},\n"events": [\n{event},\n…]}` with one event per line. Event and source types
 * are numbers whose names differ between Chrome versions, so they are always mapped through
 * `constants.logEventTypes` / `constants.logSourceType` of the same file (research notes §2.7).
 * Read with the streaming tokenizer, one event at a time; a file cut short by a crashed or
 * aborted capture (no closing `]}`) gives the events before the cut and a note.
 *
 * The logging endpoint is Chrome, the client: `sent` = Chrome → server. One HTTP2_SESSION source
 * is one connection.
 */
import type { ConnectionInfo, FrameEvent, HeaderField, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { settingName } from './capture.ts';
import type { ChunkParser } from './incremental.ts';
import { headersLengthLowerBound, parseAll } from './incremental.ts';
import type { JNode } from './jsonTokenizer.ts';
import { JArr, JObj, JsonTokenizer, TreeBuilder, detach, firstOf, intOf, objOf, parseUint, rawOf, textOf } from './jsonTokenizer.ts';
import { jsonTroubleNotes } from './tsharkJson.ts';
import { formatNumber } from '../numberText.ts';
import { FrameTable } from '../model/frameTable.ts';

export const NETLOG_FORMAT = 'chrome-netlog';

/** `"8 (CANCEL)"` / `8` → 8. */
function leadingUint(v: JNode | undefined): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const t = textOf(v);
  if (t === undefined) return undefined;
  const sp = t.indexOf(' ');
  return parseUint(sp < 0 ? t : t.slice(0, sp));
}

function bool(v: JNode | undefined): boolean {
  return v === true || v === 'true';
}

/** `":method: GET"` → {":method", "GET"}; the name of a pseudo-header starts with its colon. */
function headerOf(s: string): HeaderField | undefined {
  const sep = s.indexOf(': ', s.startsWith(':') ? 1 : 0);
  if (sep < 0) return s.length ? { name: detach(s), value: '' } : undefined;
  return { name: detach(s.slice(0, sep)), value: detach(s.slice(sep + 2)) };
}

function headersOf(v: JNode | undefined): HeaderField[] | undefined {
  if (!(v instanceof JArr)) return undefined;
  const out: HeaderField[] = [];
  for (const item of v.items) {
    const t = textOf(item);
    const h = t === undefined ? undefined : headerOf(t);
    if (h) out.push(h);
  }
  return out;
}

/** `"[id:3 (SETTINGS_MAX_CONCURRENT_STREAMS) value:1000]"` → [name, value]. */
function settingOf(s: string): [string, number] | undefined {
  const id = s.indexOf('id:');
  const val = s.indexOf('value:');
  if (id < 0 || val < 0) return undefined;
  const idEnd = s.indexOf(' ', id);
  const n = parseUint(s.slice(id + 3, idEnd < 0 ? undefined : idEnd));
  const close = s.indexOf(']', val);
  const v = parseUint(s.slice(val + 6, close < 0 ? undefined : close));
  return n === undefined || v === undefined ? undefined : [settingName(n), v];
}

export function createNetlogParser(): ChunkParser {
  const frames: FrameEvent[] = [];
  const connections = new Map<string, ConnectionInfo>();
  const notes: string[] = [];
  let eventNames: Map<number, string> | undefined;
  let sessionSourceType: number | undefined;
  let tickOffset = 0;
  let events = 0;
  /** Per session: the last received SETTINGS frame, to which RECV_SETTING events add entries. */
  const lastRecvSettings = new Map<string, FrameEvent>();
  let strippedGoaway = false;

  const onConstants = (c: JObj): void => {
    const types = objOf(firstOf(c, 'logEventTypes'));
    if (types) {
      eventNames = new Map();
      for (let i = 0; i < types.keys.length; i++) {
        const id = intOf(types.vals[i]);
        if (id !== undefined) eventNames.set(id, types.keys[i]!);
      }
    }
    const sources = objOf(firstOf(c, 'logSourceType'));
    sessionSourceType = intOf(firstOf(sources, 'HTTP2_SESSION'));
    const off = firstOf(c, 'timeTickOffset');
    const n = typeof off === 'number' ? off : Number(textOf(off));
    if (Number.isFinite(n)) tickOffset = n;
  };

  const onEvent = (e: JObj): void => {
    events++;
    if (!eventNames) return;
    const name = eventNames.get(intOf(firstOf(e, 'type')) ?? -1);
    if (!name || !name.startsWith('HTTP2_SESSION')) return;
    const source = objOf(firstOf(e, 'source'));
    const sid = intOf(firstOf(source, 'id'));
    const stype = intOf(firstOf(source, 'type'));
    if (sid === undefined || (sessionSourceType !== undefined && stype !== sessionSourceType)) return;
    const conn = `HTTP2_SESSION ${sid}`;
    const params = objOf(firstOf(e, 'params'));
    const p = (k: string): JNode | undefined => firstOf(params, k);
    const timeText = textOf(firstOf(e, 'time'));
    const t = timeText === undefined ? NaN : Number(timeText);
    const time = Number.isFinite(t) ? t + tickOffset : undefined;
    const endChar = Math.max(e.endCol, e.col + 1);
    let info = connections.get(conn);
    if (!info) {
      info = { id: conn, role: 'client', line: e.line };
      connections.set(conn, info);
    }
    if (name === 'HTTP2_SESSION') {
      const phase = intOf(firstOf(e, 'phase'));
      const host = textOf(p('host'));
      if (host && !info.peer) info.peer = detach(host);
      if (phase === 1) info.line = e.line;
      if (phase === 2 && info.endLine === undefined) { info.endNote ??= 'session ended'; info.endLine = e.line; }
      return;
    }
    if (name === 'HTTP2_SESSION_CLOSE') {
      const desc = textOf(p('description'));
      const err = p('net_error');
      info.endNote = `${desc ? detach(desc) : 'session closed'}${typeof err === 'number' ? ` (net_error ${err})` : ''}`;
      info.endLine = e.line;
      return;
    }
    const frame = (direction: 'sent' | 'received', type: number, flags = 0, streamId = 0, length = 0): FrameEvent => {
      const f: FrameEvent = { connection: conn, direction, type, typeName: frameTypeName(type), flags, streamId, length, line: e.line, startChar: e.col, endChar };
      if (time !== undefined) f.time = time;
      frames.push(f);
      return f;
    };
    const dir: 'sent' | 'received' = name.includes('_SEND_') ? 'sent' : 'received';
    switch (name) {
      case 'HTTP2_SESSION_SEND_SETTINGS': {
        const s: Array<[string, number]> = [];
        const list = rawOf(params, 'settings');
        if (list instanceof JArr) for (const item of list.items) { const x = settingOf(textOf(item) ?? ''); if (x) s.push(x); }
        frame('sent', FrameType.SETTINGS, 0, 0, s.length * 6).settings = s;
        return;
      }
      case 'HTTP2_SESSION_RECV_SETTINGS': {
        const f = frame('received', FrameType.SETTINGS);
        f.settings = [];
        lastRecvSettings.set(conn, f);
        return;
      }
      case 'HTTP2_SESSION_RECV_SETTING': {
        const f = lastRecvSettings.get(conn);
        const id = leadingUint(p('id'));
        const v = intOf(p('value'));
        if (f && id !== undefined && v !== undefined) {
          (f.settings ??= []).push([settingName(id), v]);
          f.length += 6;
        }
        return;
      }
      case 'HTTP2_SESSION_SEND_SETTINGS_ACK':
      case 'HTTP2_SESSION_RECV_SETTINGS_ACK':
        frame(dir, FrameType.SETTINGS, 1);
        return;
      case 'HTTP2_SESSION_SEND_HEADERS':
      case 'HTTP2_SESSION_RECV_HEADERS':
      case 'HTTP2_SESSION_RECV_PUSH_PROMISE': {
        const push = name === 'HTTP2_SESSION_RECV_PUSH_PROMISE';
        let flags = 0x4;
        if (!push && bool(p('fin'))) flags |= 0x1;
        if (bool(p('has_priority'))) flags |= 0x20;
        const f = frame(dir, push ? FrameType.PUSH_PROMISE : FrameType.HEADERS, flags, intOf(p('stream_id')) ?? 0);
        const h = headersOf(rawOf(params, 'headers'));
        if (h) f.headers = h;
        f.length = headersLengthLowerBound(h?.length);
        return;
      }
      case 'HTTP2_SESSION_SEND_DATA':
      case 'HTTP2_SESSION_RECV_DATA':
        frame(dir, FrameType.DATA, bool(p('fin')) ? 1 : 0, intOf(p('stream_id')) ?? 0, intOf(p('size')) ?? 0);
        return;
      case 'HTTP2_SESSION_SEND_RST_STREAM':
      case 'HTTP2_SESSION_RECV_RST_STREAM': {
        const f = frame(dir, FrameType.RST_STREAM, 0, intOf(p('stream_id')) ?? 0, 4);
        const code = leadingUint(p('error_code'));
        if (code !== undefined) f.errorCode = code >>> 0;
        return;
      }
      case 'HTTP2_SESSION_PING': {
        const type = textOf(p('type'));
        const f = frame(type === 'sent' ? 'sent' : 'received', FrameType.PING, bool(p('is_ack')) ? 1 : 0, 0, 8);
        const id = intOf(p('unique_id'));
        if (id !== undefined) f.pingPayload = id.toString(16).padStart(16, '0').slice(-16);
        return;
      }
      case 'HTTP2_SESSION_RECV_GOAWAY':
      case 'HTTP2_SESSION_GOAWAY':
      case 'HTTP2_SESSION_SEND_GOAWAY': {
        const f = frame(name === 'HTTP2_SESSION_SEND_GOAWAY' ? 'sent' : 'received', FrameType.GOAWAY, 0, 0, 8);
        const last = intOf(p('last_accepted_stream_id')) ?? intOf(p('last_stream_id'));
        if (last !== undefined) f.lastStreamId = last;
        const code = leadingUint(p('error_code')) ?? leadingUint(p('status'));
        if (code !== undefined) f.errorCode = code >>> 0;
        const d = textOf(p('debug_data'));
        if (d !== undefined) {
          if (d.endsWith('bytes were stripped]')) strippedGoaway = true;
          else { f.debugData = detach(d); f.length += d.length; }
        }
        return;
      }
      case 'HTTP2_SESSION_SEND_WINDOW_UPDATE':
      case 'HTTP2_SESSION_RECV_WINDOW_UPDATE': {
        const f = frame(dir, FrameType.WINDOW_UPDATE, 0, intOf(p('stream_id')) ?? 0, 4);
        const d = intOf(p('delta'));
        if (d !== undefined) f.increment = d;
        return;
      }
      case 'HTTP2_SESSION_SEND_GREASED_FRAME': {
        const type = intOf(p('type'));
        if (type !== undefined && type <= 255) frame('sent', type, (intOf(p('flags')) ?? 0) & 0xff, intOf(p('stream_id')) ?? 0, intOf(p('length')) ?? 0);
        return;
      }
    }
  };

  const builder = new TreeBuilder({
    isRoot: (depth, key, parentKey, isArray) => (depth === 1 && key === 'constants') || (depth === 2 && parentKey === 'events' && !isArray),
    // Bulky parts of `constants` that the parser does not need.
    skip: (key, parentKey) => parentKey === 'constants' && key !== 'logEventTypes' && key !== 'logSourceType',
    onRecord: (root) => {
      if (!(root instanceof JObj)) return;
      if (root.keys.includes('logEventTypes') || root.keys.includes('logSourceType')) onConstants(root);
      else onEvent(root);
    },
  });
  const tok = new JsonTokenizer(builder);
  return {
    write: (chunk) => tok.write(chunk),
    finish(): ParsedLog {
      tok.end();
      notes.push(...jsonTroubleNotes(tok, builder, 'NetLog', events, frames.length, 'event'));
      if (!eventNames) {
        notes.push(events > 0
          ? `This NetLog has ${formatNumber(events)} events but no "constants" with "logEventTypes" before them, so their numeric types cannot be named (ids differ between Chrome versions). Export it again with chrome://net-export.`
          : 'This JSON is not a Chrome NetLog: it has no "constants"/"events". Record one with chrome://net-export (or chromium --log-net-log=FILE).');
      } else if (events > 0 && frames.length === 0) {
        notes.push(`The NetLog has ${formatNumber(events)} events but none of an HTTP/2 session: the traffic went over HTTP/1.1 or QUIC (HTTP/3), or the capture started after the sessions were set up.`);
      }
      if (frames.length) {
        notes.push('Chrome NetLog: frames as Chrome logged them ("sent" = Chrome → server). NetLog has no CONTINUATION frames and no payload length of HEADERS (shown as a lower bound: one byte per field); PING payloads are Chrome\'s ping ids.');
      }
      if (strippedGoaway) notes.push('GOAWAY debug data was stripped by the capture mode: record with "Include raw bytes" / --net-log-capture-mode=Everything to see it.');
      return { format: NETLOG_FORMAT, frames: FrameTable.from(frames), connections, lineCount: tok.line, notes };
    },
  };
}

export function parseNetlog(text: string): ParsedLog {
  return parseAll(createNetlogParser(), text);
}
