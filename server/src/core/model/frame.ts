/**
 * The one shape every input format is turned into: a frame as one endpoint saw it,
 * anchored to the place in the source it came from.
 */

import type { FrameTable } from './frameTable.ts';

/** Who logged the frame: the endpoint whose log this is. `sent` = it wrote the frame. */
export type Direction = 'sent' | 'received';

/** Which end of the connection the logging endpoint is. */
export type Role = 'client' | 'server' | 'unknown';

/** RFC 9113 frame type codes (§6) plus the extensions the formats name. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
  ALTSVC: 0xa,
  ORIGIN: 0xc,
  PRIORITY_UPDATE: 0x10,
} as const;
export type FrameTypeName = keyof typeof FrameType;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Where a frame (or anything else) sits in the source text: 0-based line, character range on it. */
export interface SourceSpan {
  line: number;
  startChar: number;
  endChar: number;
}

/** A header field. Parsers may share one object between all frames that carry the same field: never mutate it. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
  /** Line the field was logged on, when a format logs fields on lines of their own and keeps it. */
  readonly line?: number;
}

/** A frame as parsed from one line (or one JSON object) of the input. */
export interface FrameEvent extends SourceSpan {
  /** Connection key within this file: Framer pointer, tcp.stream, NetLog source id… */
  connection: string;
  direction: Direction;
  /** Frame type code (0x0–0xff); -1 when the source printed no usable type name (x/net ≥ v0.50 prints an empty name for 0x0a–0x0f). */
  type: number;
  /** Type name as the source printed it (`DATA`, `UNKNOWN_FRAME_TYPE_12`, ``). */
  typeName: string;
  flags: number;
  streamId: number;
  /** Payload length in bytes (wire length, including padding). */
  length: number;
  /** Milliseconds since the Unix epoch, when the source has timestamps. */
  time?: number;
  /** RST_STREAM / GOAWAY error code. */
  errorCode?: number;
  /** GOAWAY last-stream-id. */
  lastStreamId?: number;
  /** GOAWAY debug data, decoded. */
  debugData?: string;
  /** SETTINGS entries in the order sent: [name, value]. */
  settings?: Array<[string, number]>;
  /** WINDOW_UPDATE increment. */
  increment?: number;
  /** PING opaque data as 16 lower-case hex digits (8 bytes). */
  pingPayload?: string;
  /** DATA: the first bytes of the payload as the source showed them (decoded), and how many were left out. */
  dataPreview?: string;
  dataOmitted?: number;
  /** Header fields of HEADERS / PUSH_PROMISE / CONTINUATION, when the source logged them. */
  headers?: HeaderField[];
  /**
   * The source logged the fields without saying which frame they belong to, several frames could have
   * taken some of them, and `headers` is the likeliest choice (Go logs with many connections at once).
   */
  headersGuessed?: boolean;
}

/** What a format knows about a connection beyond its frames. */
export interface ConnectionInfo {
  id: string;
  role?: Role;
  /** Remote address when the log names it. */
  peer?: string;
  /** Line where the connection was announced (e.g. `Transport creating client conn`). */
  line?: number;
  /** How the connection ended when the log says so (`EOF`, an error text). */
  endNote?: string;
  endLine?: number;
  /**
   * The line from which the logging endpoint had closed the connection itself: what it wrote later
   * (the resets of its aborted streams, a PING) never reached the peer, so it is no load on the peer.
   */
  closedLine?: number;
  /** The logging endpoint closed the connection because a PING of its own went unanswered (Go's health check). */
  lostPing?: LostPing;
  /** Streams this endpoint (a server) reset because their handler panicked, by the reset's line: where the log says so. */
  handlerPanics?: Map<number, HandlerPanic>;
}

/** Go's `http2: panic serving <addr>: <value>` line, tied to the RST_STREAM INTERNAL_ERROR that followed it. */
export interface HandlerPanic {
  line: number;
  startChar: number;
  endChar: number;
  /** What the handler panicked with. */
  value: string;
}

/** A PING whose missing ACK made its sender close the connection (Go: `http2: client connection lost`). */
export interface LostPing {
  /** Line of the PING frame. */
  pingLine: number;
  /** Line where the log says the sender gave up (`Transport health check failure: context deadline exceeded`). */
  line: number;
  startChar: number;
  endChar: number;
  time?: number;
  /** Requests that failed with the connection, as the log counts them (Go: `RoundTrip failure: http2: client connection lost`). */
  failedRequests: number;
}

/** The result of one format parser. */
export interface ParsedLog {
  format: string;
  /** By column (see FrameTable): the formats of big inputs (Go logs, captures) fill it as they read; the others make their frames as objects and copy them in at the end. */
  frames: FrameTable;
  connections: Map<string, ConnectionInfo>;
  /** Lines of the input (for positions and counts). */
  lineCount: number;
  /** Things the parser wants the user to know (e.g. "no HTTP/2 frame found"). */
  notes: string[];
  /** The format's own account of an input without frames, told instead of the generic how-to. */
  noFrameNote?: string;
}

/** FrameType's names by code, made once: parsers name every frame they read. */
const TYPE_NAMES_BY_CODE = new Map<number, string>(Object.entries(FrameType).map(([name, code]) => [code, name]));

export function frameTypeName(code: number): string {
  return TYPE_NAMES_BY_CODE.get(code) ?? `UNKNOWN_FRAME_TYPE_${code}`;
}

export function hasFlag(frame: Pick<FrameEvent, 'flags'>, flag: number): boolean {
  return (frame.flags & flag) !== 0;
}

/** END_STREAM only exists on DATA and HEADERS. */
export function endsStream(frame: Pick<FrameEvent, 'type' | 'flags'>): boolean {
  return (frame.type === FrameType.DATA || frame.type === FrameType.HEADERS) && (frame.flags & Flag.END_STREAM) !== 0;
}

export function isAck(frame: Pick<FrameEvent, 'type' | 'flags'>): boolean {
  return (frame.type === FrameType.PING || frame.type === FrameType.SETTINGS) && (frame.flags & Flag.ACK) !== 0;
}

/** RFC 9113's names of types 0x0–0x9, as Go prints them. */
export const CORE_TYPE_NAMES: readonly string[] = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
