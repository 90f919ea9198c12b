/**
 * What the three tshark exports (JSON, EK, PDML) have in common once they are trees: a packet's
 * `frame` / `tcp` / `ip` / `http2` layers, field names from Wireshark's dissectors
 * (epan/dissectors/packet-http2.c; research notes §2.8). Each format module turns its input into
 * one small tree per packet and hands it to a `CaptureCollector`; the collector maps the HTTP/2
 * frames into FrameEvents and, at the end, decides for every TCP connection which side is the
 * client (the logging endpoint of a capture is the client: `sent` = client → server).
 */
import type { ConnectionInfo, FrameEvent, HeaderField, ParsedLog } from '../model/frame.ts';
import { FrameType, frameTypeName } from '../model/frame.ts';
import { SETTINGS } from '../knowledge/rfc9113.ts';
import { bytesToText } from './goQuoted.ts';
import type { JNode, JObj } from './jsonTokenizer.ts';
import { JObj as JObjClass, allOf, detach, firstOf, hasKey, intOf, objOf, textOf } from './jsonTokenizer.ts';
import { ChunkedList } from './chunkedList.ts';
import { formatNumber } from '../numberText.ts';
import { FrameTable } from '../model/frameTable.ts';

/** Maps a dotted Wireshark field name to the key the export uses for it. */
export type Naming = (dotted: string) => string;
export const dotted: Naming = (n) => n;
/** tshark -T ek: `<proto>_<field with . → _>`, e.g. http2.type → http2_http2_type. */
export const ekNaming: Naming = (n) => {
  const dot = n.indexOf('.');
  return `${dot < 0 ? n : n.slice(0, dot)}_${n.replace(/\./g, '_')}`;
};

/** Layers worth keeping in memory; the others (eth, ip options, tls records, data) are skipped. */
export const KEPT_LAYERS = new Set(['frame', 'tcp', 'ip', 'ipv6', 'http2']);
/** Layers whose presence is worth knowing (kept as `null`). */
export const NOTED_LAYERS = new Set(['tls', 'ssl', 'quic', 'http', 'http3']);

const MAX_PREVIEW = 256;

const SETTING_BY_ID = new Map<number, string>(Object.entries(SETTINGS).map(([name, s]) => [s.id, name]));
/** Wireshark's value field per setting id (`http2.settings.<field>`). */
const SETTING_FIELD: Record<number, string> = {
  1: 'header_table_size', 2: 'enable_push', 3: 'max_concurrent_streams', 4: 'initial_window_size',
  5: 'max_frame_size', 6: 'max_header_list_size', 8: 'extended_connect',
};

export function settingName(id: number): string {
  return SETTING_BY_ID.get(id) ?? `UNKNOWN_SETTING_${id}`;
}

/** `1795523058.287414509` (seconds since the epoch, up to 9 decimals) → milliseconds. */
export function epochToMs(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const s = t.trim();
  const dot = s.indexOf('.');
  const whole = dot < 0 ? s : s.slice(0, dot);
  if (whole.length === 0 || whole.length > 12) return undefined;
  let sec = 0;
  for (let i = 0; i < whole.length; i++) {
    const c = whole.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    sec = sec * 10 + (c - 48);
  }
  let frac = 0;
  let scale = 1;
  if (dot >= 0) {
    for (let i = dot + 1; i < s.length && scale < 1e9; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      frac = frac * 10 + (c - 48);
      scale *= 10;
    }
  }
  return sec * 1000 + (frac / scale) * 1000;
}

/** Colon-separated (`02:04:10`) or plain (`020410`) hex → bytes, at most `max`. */
export function hexBytes(t: string, max: number): number[] {
  const out: number[] = [];
  let hi = -1;
  for (let i = 0; i < t.length && out.length < max; i++) {
    const c = t.charCodeAt(i);
    const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (h < 0) { hi = -1; continue; }
    if (hi < 0) hi = h;
    else { out.push(hi * 16 + h); hi = -1; }
  }
  return out;
}

function hexString(bytes: number[]): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

interface ConnState {
  id: string;
  firstLine: number;
  ports: number[];
  addrByPort: Map<number, string>;
  /** Ports by evidence, strongest first. */
  prefaceFrom?: number;
  synFrom?: number;
  methodFrom?: number;
  statusFrom?: number;
  oddHeadersFrom?: number;
  end?: { port: number | undefined; kind: 'FIN' | 'RST'; line: number };
  /** At least one HTTP/2 frame was read on it. */
  framed?: boolean;
}

export class CaptureCollector {
  /** By column (a capture can hold 10^6 frames): each frame is made as an object and copied in. */
  readonly frames = new FrameTable();
  /** Source port of each frame (parallel to `frames`); directions are decided at the end. */
  private readonly srcPorts = new ChunkedList<number | undefined>();
  private readonly conns = new Map<string, ConnState>();
  packets = 0;
  http2Packets = 0;
  tlsPackets = 0;
  private noTcp = false;

  constructor(private readonly N: Naming) {}

  private conn(id: string, line: number): ConnState {
    let c = this.conns.get(id);
    if (!c) {
      c = { id, firstLine: line, ports: [], addrByPort: new Map() };
      this.conns.set(id, c);
    }
    return c;
  }

  /** One packet: `layers` holds its protocol layers by name (duplicates kept). */
  addPacket(layers: JObj, line: number, fallbackTimeMs?: number): void {
    const N = this.N;
    this.packets++;
    const frame = objOf(firstOf(layers, 'frame'));
    const tcp = objOf(firstOf(layers, 'tcp'));
    const ip = objOf(firstOf(layers, 'ip')) ?? objOf(firstOf(layers, 'ipv6'));
    const ipName = hasKey(layers, 'ip') ? 'ip' : 'ipv6';
    if (hasKey(layers, 'tls') || hasKey(layers, 'ssl')) this.tlsPackets++;
    const time = epochToMs(textOf(firstOf(frame, N('frame.time_epoch')))) ?? fallbackTimeMs;
    const h2layers = allOf(layers, 'http2');
    let connId = 'capture';
    let src: number | undefined;
    let state: ConnState | undefined;
    if (tcp) {
      const stream = textOf(firstOf(tcp, N('tcp.stream')));
      connId = `tcp.stream ${stream ?? '?'}`;
      src = intOf(firstOf(tcp, N('tcp.srcport')));
      const dst = intOf(firstOf(tcp, N('tcp.dstport')));
      state = this.conn(connId, line);
      for (const p of [src, dst]) if (p !== undefined && !state.ports.includes(p) && state.ports.length < 2) state.ports.push(p);
      const srcAddr = textOf(firstOf(ip, N(`${ipName}.src`)));
      const dstAddr = textOf(firstOf(ip, N(`${ipName}.dst`)));
      if (src !== undefined && srcAddr) state.addrByPort.set(src, srcAddr);
      if (dst !== undefined && dstAddr) state.addrByPort.set(dst, dstAddr);
      const flags = intOf(firstOf(tcp, N('tcp.flags')));
      if (flags !== undefined) {
        if ((flags & 0x12) === 0x02 && state.synFrom === undefined) state.synFrom = src;
        if (!state.end && (flags & 0x05) !== 0) state.end = { port: src, kind: flags & 0x04 ? 'RST' : 'FIN', line };
      }
    } else if (h2layers.length) this.noTcp = true;
    if (h2layers.length === 0) return;
    this.http2Packets++;
    if (!state) state = this.conn(connId, line);
    for (const layer of h2layers) {
      const lobj = objOf(layer);
      if (!lobj) continue;
      const streams = allOf(lobj, N('http2.stream')).filter((s): s is JObj => s instanceof JObjClass);
      // EK: the layer object is the frame itself (`http2_http2_stream` is null there).
      if (streams.length === 0 && (hasKey(lobj, N('http2.type')) || hasKey(lobj, N('http2.magic')))) streams.push(lobj);
      for (const f of streams) this.addFrame(f, state, connId, src, time, line);
    }
  }

  private addFrame(f: JObj, state: ConnState, connId: string, src: number | undefined, time: number | undefined, packetLine: number): void {
    const N = this.N;
    if (hasKey(f, N('http2.magic')) && state.prefaceFrom === undefined) state.prefaceFrom = src;
    const type = intOf(firstOf(f, N('http2.type')));
    if (type === undefined || type > 255) return;
    const flags = intOf(firstOf(f, N('http2.flags'))) ?? 0;
    const ev: FrameEvent = {
      connection: connId,
      direction: 'sent',
      type,
      typeName: frameTypeName(type),
      flags: flags & 0xff,
      streamId: intOf(firstOf(f, N('http2.streamid'))) ?? 0,
      length: intOf(firstOf(f, N('http2.length'))) ?? 0,
      line: f.line >= 0 ? f.line : packetLine,
      startChar: f.col,
      endChar: Math.max(f.endCol, f.col),
    };
    if (time !== undefined) ev.time = time;
    switch (type) {
      case FrameType.DATA: {
        const d = textOf(firstOf(f, N('http2.data.data')));
        if (d !== undefined) {
          const bytes = hexBytes(d, MAX_PREVIEW);
          ev.dataPreview = bytesToText(bytes);
          if (ev.length > bytes.length) ev.dataOmitted = ev.length - bytes.length;
        }
        break;
      }
      case FrameType.HEADERS:
      case FrameType.PUSH_PROMISE:
      case FrameType.CONTINUATION: {
        const headers = this.headers(f);
        if (headers.length) ev.headers = headers;
        if (type === FrameType.HEADERS && src !== undefined) {
          if (headers.some((h) => h.name === ':method') && state.methodFrom === undefined) state.methodFrom = src;
          if (headers.some((h) => h.name === ':status') && state.statusFrom === undefined) state.statusFrom = src;
          if (ev.streamId % 2 === 1 && state.oddHeadersFrom === undefined) state.oddHeadersFrom = src;
        }
        break;
      }
      case FrameType.RST_STREAM: {
        const e = intOf(firstOf(f, N('http2.rst_stream.error')));
        if (e !== undefined) ev.errorCode = e >>> 0;
        break;
      }
      case FrameType.SETTINGS: {
        const s = this.settings(f);
        if (s.length || (flags & 1) === 0) ev.settings = s;
        break;
      }
      case FrameType.PING: {
        const p = textOf(firstOf(f, N('http2.ping'))) ?? textOf(firstOf(f, N('http2.pong')));
        if (p !== undefined) ev.pingPayload = hexString(hexBytes(p, 64));
        break;
      }
      case FrameType.GOAWAY: {
        const last = intOf(firstOf(f, N('http2.goaway.last_stream_id')));
        if (last !== undefined) ev.lastStreamId = last;
        const e = intOf(firstOf(f, N('http2.goaway.error')));
        if (e !== undefined) ev.errorCode = e >>> 0;
        const d = textOf(firstOf(f, N('http2.goaway.addata')));
        if (d !== undefined) ev.debugData = bytesToText(hexBytes(d, 4096));
        break;
      }
      case FrameType.WINDOW_UPDATE: {
        const inc = intOf(firstOf(f, N('http2.window_update.window_size_increment')));
        if (inc !== undefined) ev.increment = inc;
        break;
      }
    }
    this.frames.push(ev);
    this.srcPorts.push(src);
    state.framed = true;
  }

  private headers(f: JObj): HeaderField[] {
    const N = this.N;
    const out: HeaderField[] = [];
    for (const h of allOf(f, N('http2.header'))) {
      const o = objOf(h);
      if (!o) continue;
      const name = textOf(firstOf(o, N('http2.header.name')));
      if (name === undefined) continue;
      out.push({ name: detach(name), value: detach(textOf(firstOf(o, N('http2.header.value'))) ?? '') });
    }
    if (out.length === 0) {
      // EK: names and values are parallel arrays on the frame.
      const names = allOf(f, N('http2.header.name'));
      const values = allOf(f, N('http2.header.value'));
      for (let i = 0; i < names.length; i++) {
        const name = textOf(names[i]);
        if (name !== undefined) out.push({ name: detach(name), value: detach(textOf(values[i]) ?? '') });
      }
    }
    return out;
  }

  private settings(f: JObj): Array<[string, number]> {
    const N = this.N;
    const out: Array<[string, number]> = [];
    const objs = allOf(f, N('http2.settings')).filter((s): s is JObj => s instanceof JObjClass);
    if (objs.length) {
      const idKey = N('http2.settings.id');
      for (const s of objs) {
        const id = intOf(firstOf(s, idKey));
        if (id === undefined) continue;
        let value: number | undefined;
        for (let i = 0; i < s.keys.length; i++) {
          if (s.keys[i] === idKey) continue;
          value = intOf(s.vals[i]);
          if (value !== undefined) break;
        }
        if (value !== undefined) out.push([settingName(id), value]);
      }
      return out;
    }
    // EK: ids in one array, values under per-setting names, consumed in order.
    // Each field's values are gathered once (a SETTINGS frame of 10^4 entries is a known attack).
    const values = new Map<string, { nodes: JNode[]; next: number }>();
    for (const idNode of allOf(f, N('http2.settings.id'))) {
      const id = intOf(idNode);
      if (id === undefined) continue;
      const field = N(`http2.settings.${SETTING_FIELD[id] ?? 'unknown'}`);
      let v = values.get(field);
      if (!v) values.set(field, (v = { nodes: allOf(f, field), next: 0 }));
      const value = intOf(v.nodes[v.next++]);
      if (value !== undefined) out.push([settingName(id), value]);
    }
    return out;
  }

  /** Directions, connections and notes. */
  finish(format: string, lineCount: number, notes: string[]): ParsedLog {
    const connections = new Map<string, ConnectionInfo>();
    const clientPort = new Map<string, number | undefined>();
    const guessed: string[] = [];
    for (const c of this.conns.values()) {
      let port: number | undefined = c.prefaceFrom ?? c.synFrom ?? c.methodFrom;
      const other = (p: number | undefined): number | undefined => (p === undefined ? undefined : c.ports.find((q) => q !== p));
      if (port === undefined && c.statusFrom !== undefined) port = other(c.statusFrom);
      if (port === undefined) port = c.oddHeadersFrom;
      let how = '';
      if (c.prefaceFrom === undefined && c.synFrom === undefined) {
        if (port !== undefined) how = c.methodFrom !== undefined || c.statusFrom !== undefined ? 'request/response headers' : 'the first HEADERS on an odd stream';
        else if (c.ports.length === 2) {
          // Last resort: the ephemeral (higher) port is the client's.
          port = Math.max(c.ports[0]!, c.ports[1]!);
          how = 'port numbers (the higher port taken as the client\'s)';
        }
      }
      if (how && c.framed) guessed.push(`${c.id} (from ${how})`);
      clientPort.set(c.id, port);
      const server = other(port);
      const info: ConnectionInfo = { id: c.id, role: 'client', line: c.firstLine };
      if (server !== undefined) {
        const addr = c.addrByPort.get(server);
        info.peer = addr ? `${addr.includes(':') ? `[${addr}]` : addr}:${server}` : `port ${server}`;
      }
      if (c.end) {
        const who = c.end.port === undefined || port === undefined ? 'one side' : c.end.port === port ? 'the client' : 'the server';
        info.endNote = `TCP ${c.end.kind} from ${who}`;
        info.endLine = c.end.line;
      }
      connections.set(c.id, info);
    }
    const frames = this.frames;
    const srcPorts = this.srcPorts.take();
    for (let i = 0; i < frames.length; i++) {
      const port = clientPort.get(frames.connectionOf(i));
      const src = srcPorts[i];
      frames.setDirection(i, port === undefined || src === undefined || src === port ? 'sent' : 'received');
    }
    if (frames.length) {
      notes.push('A capture is shown from the client\'s side of each TCP connection: "sent" = client → server, "received" = server → client.');
    }
    if (guessed.length) notes.push(`The capture began after the connection preface, so which side is the client was inferred: ${guessed.slice(0, 5).join('; ')}${guessed.length > 5 ? ` and ${guessed.length - 5} more` : ''}.`);
    if (this.noTcp) notes.push('The export has no tcp layer, so connections and directions cannot be told apart: export with the tcp layer (e.g. tshark -J "frame tcp http2", or without -J).');
    if (frames.length === 0 && this.packets > 0) {
      if (this.tlsPackets > 0) {
        notes.push(`The capture has ${formatNumber(this.packets)} packets, ${formatNumber(this.tlsPackets)} of them TLS, but no decoded HTTP/2 frame: tshark needs the TLS keys. Record them with SSLKEYLOGFILE=keys.log and export with tshark -o tls.keylog_file:keys.log -T json (or embed them: editcap --inject-secrets tls,keys.log).`);
      } else {
        notes.push(`The capture has ${formatNumber(this.packets)} packets but no decoded HTTP/2 frame. Cleartext HTTP/2 (h2c) on a port other than 80 must be named for tshark: export with -d tcp.port==PORT,http2.`);
      }
    }
    return { format, frames, connections, lineCount, notes };
  }
}

/** Is this node an object with `_source.layers` (a tshark -T json packet)? Gives the layers. */
export function tsharkLayers(packet: JNode): JObj | undefined {
  return objOf(firstOf(objOf(firstOf(objOf(packet), '_source')), 'layers'));
}
