/**
 * Trace: the parsed frames grouped into connections and streams, each stream run through the
 * RFC 9113 §5.1 state machine. Built in one pass over the frames.
 */
import type { ConnectionInfo, FrameEvent, HeaderField, ParsedLog, Role } from './frame.ts';
import { FrameType, endsStream } from './frame.ts';
import type { FrameLike, StreamStatus } from './streamState.ts';
import { isStreamFrame, streamStatus, transition } from './streamState.ts';
import type { FrameRecord, FrameTable } from './frameTable.ts';
import { StreamIdMap } from './streamIds.ts';
import { Pacer, runSteps, type Steps } from '../steps.ts';

export type { FrameRecord };

export interface Stream {
  id: number;
  connection: string;
  /** Position in the connection's `streamList`. */
  readonly ordinal: number;
  /** Indices of this stream's frames in `trace.frames`, in log order. */
  frames: number[];
  status: StreamStatus;
  /** Who opened the stream: odd ids are client-initiated (§5.1.1). */
  initiator: 'client' | 'server';
  /** First HEADERS frame (the request, for client-initiated streams). */
  openFrame?: number;
  requestHeaders?: HeaderField[];
  responseHeaders?: HeaderField[];
  /** Some of the request or response fields may be another stream's (see FrameEvent.headersGuessed). */
  headersGuessed: boolean;
  method?: string;
  path?: string;
  authority?: string;
  status_?: string;
  endStreamSent?: number;
  endStreamReceived?: number;
  resetFrame?: number;
  dataBytesSent: number;
  dataBytesReceived: number;
}

export interface Connection {
  id: string;
  role: Role;
  peer?: string;
  info: ConnectionInfo;
  frames: number[];
  streams: Map<number, Stream>;
  /** GOAWAY frames, in order. */
  goaways: number[];
  /** The frames on stream 0 (SETTINGS, PING, GOAWAY, connection WINDOW_UPDATE…), in order. */
  ownFrames: number[];
  /** The log began after the connection preface: early stream states are unknown. */
  joinedMidway: boolean;
  /** Highest stream id seen per initiator, for implicit closing (§5.1.1). */
  maxClientStream: number;
  maxServerStream: number;
  /**
   * The streams in order of first appearance (as `streams` iterates them): a stream's position here is
   * its ordinal, which `Trace.streamOrdinals` gives per frame. Per-stream state of the rules is kept in
   * arrays by ordinal instead of maps by id (a map lookup per frame and meter is what a big log pays for).
   */
  streamList: Stream[];
}

export interface Trace {
  format: string;
  frames: FrameTable;
  /** By frame: the ordinal of its stream in its connection's `streamList`, or -1 (stream 0, not a stream frame). */
  streamOrdinals: Int32Array;
  connections: Connection[];
  connectionById: Map<string, Connection>;
  lineCount: number;
  notes: string[];
}

/**
 * A stream with all its fields in place from the start: one fixed shape for 10^5 streams (an object
 * that grows property by property changes shape at each). Method, path, authority and status are read
 * from the (shared) header lists when asked for, and the initiator from the id, not kept per stream.
 */
/** A stream's frame list while the trace is built (each is made at its size at the end). */
const UNFILLED: number[] = [];

class StreamSlot implements Stream {
  frames: number[] = UNFILLED;
  openFrame: number | undefined = undefined;
  requestHeaders: HeaderField[] | undefined = undefined;
  responseHeaders: HeaderField[] | undefined = undefined;
  headersGuessed = false;
  endStreamSent: number | undefined = undefined;
  endStreamReceived: number | undefined = undefined;
  resetFrame: number | undefined = undefined;
  dataBytesSent = 0;
  dataBytesReceived = 0;
  constructor(public id: number, public connection: string, public status: StreamStatus, readonly ordinal: number) {}
  get initiator(): 'client' | 'server' { return this.id % 2 === 1 ? 'client' : 'server'; }
  get method(): string | undefined { return headerValue(this.requestHeaders, ':method'); }
  get path(): string | undefined { return headerValue(this.requestHeaders, ':path'); }
  get authority(): string | undefined { return headerValue(this.requestHeaders, ':authority'); }
  get status_(): string | undefined { return headerValue(this.responseHeaders, ':status'); }
}

/** A gRPC call: its request or response says `content-type: application/grpc…`, or the answer carries a grpc-status. */
export function isGrpcStream(stream: Pick<Stream, 'requestHeaders' | 'responseHeaders'>): boolean {
  const ct = headerValue(stream.requestHeaders, 'content-type') ?? headerValue(stream.responseHeaders, 'content-type');
  return ct?.startsWith('application/grpc') === true || headerValue(stream.responseHeaders, 'grpc-status') !== undefined;
}

export function headerValue(headers: HeaderField[] | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (let i = 0; i < headers.length; i++) if (headers[i]!.name === name) return headers[i]!.value;
  return undefined;
}

/** What row i tells of the logging side's role ('unknown': nothing): the side that sends HEADERS on an odd stream first is the client. */
function inferRole(frames: FrameTable, i: number): Role {
  const type = frames.typeOf(i);
  const sent = !frames.isReceived(i);
  if (type === FrameType.HEADERS && frames.streamIdOf(i) % 2 === 1) return sent ? 'client' : 'server';
  if (type === FrameType.PUSH_PROMISE) return sent ? 'server' : 'client';
  return 'unknown';
}

/** What buildTrace keeps per connection while it runs. */
interface ConnBuild {
  /**
   * By direction (0 sent, 1 received): the stream whose field block is still open (HEADERS without
   * END_HEADERS), or -1. Two numbers, not an object keyed by direction: this is read once per frame.
   */
  blocks: [number, number];
  /**
   * Streams by id while ids are dense, in pages of STREAM_PAGE ids: an array read instead of a lookup
   * in a map of 10^5 streams. Pages, not one array grown by push: each growth of a large array leaves
   * its old copy in the large-object space until a full collection, which a big log pays in peak RSS.
   */
  pages: Array<Array<Stream | undefined> | undefined>;
  /** Streams kept in the map only (their id was a jump). */
  sparse: number;
  /** Frames of the connection placed so far in its presized `frames`. */
  placed: number;
  /** Frames per stream, by ordinal: each stream's frame list is made at its size once the pass is over. */
  streamFrames: number[];
}

const STREAM_PAGE = 4096;
/** Slots of a page when it is made (it doubles as ids reach further into it). */
const FIRST_PAGE = 16;
/** Dense ids (each side counts up by 2) stay within a few times the number of streams: only those are paged. */
const DENSE_SLACK = 4096;

function lookupStream(b: ConnBuild, conn: Connection, id: number): Stream | undefined {
  const page = b.pages[Math.floor(id / STREAM_PAGE)];
  const off = id % STREAM_PAGE;
  const stream = page === undefined || off >= page.length ? undefined : page[off];
  // A stream whose id was a jump is in the map only.
  return stream !== undefined || b.sparse === 0 ? stream : conn.streams.get(id);
}

function placeStream(b: ConnBuild, conn: Connection, stream: Stream): void {
  const id = stream.id;
  if (id >= 4 * conn.streams.size + DENSE_SLACK) {
    b.sparse++;
    return;
  }
  const at = Math.floor(id / STREAM_PAGE);
  const off = id % STREAM_PAGE;
  while (b.pages.length <= at) b.pages.push(undefined);
  let page = b.pages[at];
  if (page === undefined || off >= page.length) {
    // A page starts small and doubles up to STREAM_PAGE: a full page is 32 KB, and a capture of 10^5
    // connections with a stream or two each would otherwise hold gigabytes of empty pages.
    let size = page === undefined ? FIRST_PAGE : page.length * 2;
    while (size <= off) size *= 2;
    const grown = new Array<Stream | undefined>(Math.min(size, STREAM_PAGE));
    if (page !== undefined) for (let k = 0; k < page.length; k++) grown[k] = page[k];
    b.pages[at] = page = grown;
  }
  page[off] = stream;
}

export function buildTrace(parsed: ParsedLog): Trace {
  return runSteps(buildTraceSteps(parsed));
}

/** buildTrace, pausing in each pass (see steps.ts). */
export function* buildTraceSteps(parsed: ParsedLog): Steps<Trace> {
  // The format's table becomes the trace's as it is: copying 10^6 frames is what a big log cannot afford.
  const frames = parsed.frames;
  const n = frames.length;
  const connections: Connection[] = [];
  const connectionById = new Map<string, Connection>();
  // By the table's connection code (a small integer per connection id): frames of many connections
  // interleave, and an array read per frame is what a map lookup per frame would cost ten times over.
  const byCode = new Array<Connection | undefined>(frames.connectionCount);
  /** The connection of row `index`, made at its first frame (so connections come in order of first appearance). */
  const connectionAt = (index: number): Connection => {
    const code = frames.connectionCodeOf(index);
    const made = byCode[code];
    if (made !== undefined) return made;
    const id = frames.connectionOf(index);
    const info = parsed.connections.get(id) ?? { id };
    const type = frames.typeOf(index);
    const conn: Connection = {
      id,
      role: info.role && info.role !== 'unknown' ? info.role : 'unknown',
      info,
      // At its size, from the table's count: see ConnBuild.pages for why growing large arrays costs.
      frames: new Array<number>(frames.rowsOfConnection(code)),
      streams: new StreamIdMap(),
      goaways: [],
      ownFrames: [],
      // A connection's first frame is each side's SETTINGS (§3.4); otherwise the log joined late.
      joinedMidway: !(type === FrameType.SETTINGS && (frames.flagsOf(index) & 1) === 0),
      maxClientStream: 0,
      maxServerStream: 0,
      streamList: [],
    };
    if (info.peer) conn.peer = info.peer;
    connections.push(conn);
    connectionById.set(id, conn);
    byCode[code] = conn;
    return conn;
  };
  // A role the format did not give is inferred from the connection's frames (inferRole) before the pass
  // that reads roles: a first pass, made only when some connection has no role.
  if (frames.connectionIds.some((id) => { const role = parsed.connections.get(id)?.role; return !role || role === 'unknown'; })) {
    const inferring = new Uint8Array(frames.connectionCount);
    const pace = new Pacer();
    for (let index = 0; index < n; index++) {
      if (pace.tick()) yield;
      const code = frames.connectionCodeOf(index);
      if (byCode[code] === undefined && connectionAt(index).role === 'unknown') inferring[code] = 1;
      if (inferring[code] === 1) {
        const role = inferRole(frames, index);
        if (role !== 'unknown') {
          byCode[code]!.role = role;
          inferring[code] = 0;
        }
      }
    }
  }

  /** What is being built per connection (ConnBuild), by connection code. */
  const building = new Array<ConnBuild | undefined>(byCode.length);
  let conn: Connection | undefined;
  let connCode = -1;
  let connState: ConnBuild = { blocks: [-1, -1], pages: [], sparse: 0, placed: 0, streamFrames: [] };
  let blocks = connState.blocks;
  const pace = new Pacer();
  /** What the state machine reads of a frame: one object, refilled per frame. */
  const seen: FrameLike = { type: 0, direction: 'sent', flags: 0 };
  const streamOrdinals = new Int32Array(n).fill(-1);
  // The body is a function of its own, not the generator's loop: V8 optimizes (and, on a branch first
  // taken late, re-optimizes) it alone instead of the whole generator through on-stack replacement.
  const place = (index: number): void => {
    const code = frames.connectionCodeOf(index);
    if (conn === undefined || code !== connCode) {
      connCode = code;
      conn = connectionAt(index);
      let b = building[code];
      if (!b) building[code] = b = { blocks: [-1, -1], pages: [], sparse: 0, placed: 0, streamFrames: [] };
      connState = b;
      blocks = b.blocks;
    }
    const type = frames.typeOf(index);
    const flags = frames.flagsOf(index);
    const streamId = frames.streamIdOf(index);
    const received = frames.isReceived(index);
    conn.frames[connState.placed++] = index;
    if (streamId === 0) conn.ownFrames.push(index);
    // §6.10: a field block without END_HEADERS must be continued by CONTINUATION frames on the same
    // stream, from the same sender, and nothing else in between.
    const dir = received ? 1 : 0;
    const openBlock = blocks[dir];
    if (type === FrameType.CONTINUATION) {
      if (openBlock === streamId) {
        if (flags & 0x4) blocks[dir] = -1;
        const stream = lookupStream(connState, conn, streamId);
        if (stream) {
          streamOrdinals[index] = stream.ordinal;
          connState.streamFrames[stream.ordinal]!++;
          frames.setStates(index, stream.status.state, stream.status.state);
        }
        return;
      }
      if (!conn.joinedMidway) {
        frames.extras(index).violation = { error: 'PROTOCOL_ERROR', scope: 'connection', why: openBlock < 0 ? 'CONTINUATION without a preceding HEADERS or PUSH_PROMISE that lacked END_HEADERS' : `CONTINUATION on stream ${streamId} while the field block of stream ${openBlock} is open` };
      }
    } else if (openBlock >= 0 && !conn.joinedMidway) {
      frames.extras(index).violation = { error: 'PROTOCOL_ERROR', scope: 'connection', why: `${frames.typeNameOf(index) || 'frame'} while the field block of stream ${openBlock} is still open (only CONTINUATION may follow a HEADERS without END_HEADERS)` };
      blocks[dir] = -1;
    }
    if ((type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE) && (flags & 0x4) === 0) blocks[dir] = streamId;
    if (type === FrameType.GOAWAY) conn.goaways.push(index);
    if (!isStreamFrame(type, streamId)) return;
    const initiator = streamId % 2 === 1 ? 'client' : 'server';
    let stream = lookupStream(connState, conn, streamId);
    if (!stream) {
      const maxSeen = initiator === 'client' ? conn.maxClientStream : conn.maxServerStream;
      let state: StreamStatus;
      if (streamId <= maxSeen) state = streamStatus('closed', 'implicit'); // §5.1.1: lower idle ids are closed
      else if (conn.joinedMidway && type !== FrameType.HEADERS) state = streamStatus('unknown');
      else state = streamStatus('idle');
      stream = new StreamSlot(streamId, conn.id, state, conn.streamList.length);
      conn.streamList.push(stream);
      connState.streamFrames.push(0);
      conn.streams.set(streamId, stream);
      placeStream(connState, conn, stream);
      if (type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE) {
        if (initiator === 'client') conn.maxClientStream = Math.max(conn.maxClientStream, streamId);
        else conn.maxServerStream = Math.max(conn.maxServerStream, streamId);
      }
    }
    streamOrdinals[index] = stream.ordinal;
    connState.streamFrames[stream.ordinal]!++;
    const before = stream.status.state;
    seen.type = type;
    seen.direction = received ? 'received' : 'sent';
    seen.flags = flags;
    const t = transition(stream.status, seen);
    stream.status = t.after;
    frames.setStates(index, before, t.after.state);
    if (t.violation) {
      const x = frames.extras(index);
      x.violation ??= t.violation;
    }

    if (type === FrameType.HEADERS) {
      // Which side sent the request: for a client-initiated stream, the client's HEADERS.
      const fromClient = !received === (conn.role !== 'server');
      if (stream.openFrame === undefined) stream.openFrame = index;
      const headers = frames.headersOf(index);
      if (headers) {
        if (fromClient && initiator === 'client' && !stream.requestHeaders) stream.requestHeaders = headers;
        else if (!fromClient && !stream.responseHeaders) stream.responseHeaders = headers;
      }
      // A request or response whose fields were guessed (some may be another stream's, or all gone to one).
      if (frames.headersGuessedOf(index) && (fromClient ? initiator === 'client' && stream.requestHeaders === headers : stream.responseHeaders === headers)) stream.headersGuessed = true;
    }
    if (type === FrameType.DATA) {
      if (received) stream.dataBytesReceived += frames.lengthOf(index);
      else stream.dataBytesSent += frames.lengthOf(index);
    }
    if (endsStream(seen)) {
      if (received) stream.endStreamReceived ??= index;
      else stream.endStreamSent ??= index;
    }
    if (type === FrameType.RST_STREAM) stream.resetFrame ??= index;
  };
  for (let index = 0; index < n; index++) {
    if (pace.tick()) yield;
    place(index);
  }
  // Each stream's frame list, made at its size and filled from the last frame back: a list grown by push
  // holds room for 17, and 10^5 streams would keep that slack.
  for (let code = 0; code < building.length; code++) {
    const b = building[code];
    if (b === undefined) continue;
    const list = byCode[code]!.streamList;
    for (let o = 0; o < list.length; o++) {
      list[o]!.frames = new Array<number>(b.streamFrames[o]!);
      // 10^5 streams are 10^5 arrays made: counted as frames of work.
      if (pace.tick()) yield;
    }
  }
  for (let index = n - 1; index >= 0; index--) {
    if (pace.tick()) yield;
    const o = streamOrdinals[index]!;
    if (o < 0) continue;
    const code = frames.connectionCodeOf(index);
    byCode[code]!.streamList[o]!.frames[--building[code]!.streamFrames[o]!] = index;
  }
  return { format: parsed.format, frames, streamOrdinals, connections, connectionById, lineCount: parsed.lineCount, notes: parsed.notes };
}

/** Is this frame sent by the client of its connection? */
export function isFromClient(conn: Connection, f: FrameEvent): boolean {
  if (conn.role === 'server') return f.direction === 'received';
  return f.direction === 'sent';
}
