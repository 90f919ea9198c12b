/**
 * The one shape every input format is turned into: a frame as one endpoint saw it,
 * anchored to the place in the source it came from.
 */

import type { StreamState, Violation } from './streamState.ts';

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
}

/** The result of one format parser. */
export interface ParsedLog {
  format: string;
  frames: FrameEvent[];
  connections: Map<string, ConnectionInfo>;
  /** Lines of the input (for positions and counts). */
  lineCount: number;
  /** Things the parser wants the user to know (e.g. "no HTTP/2 frame found"). */
  notes: string[];
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

/** The stream states a frame record can carry, by code; 0 = none. */
const STATES: ReadonlyArray<StreamState | undefined> = [undefined, 'idle', 'reserved (local)', 'reserved (remote)', 'open', 'half-closed (local)', 'half-closed (remote)', 'closed', 'unknown'];
const STATE_CODES: Readonly<Record<StreamState, number>> = {
  idle: 1, 'reserved (local)': 2, 'reserved (remote)': 3, open: 4, 'half-closed (local)': 5, 'half-closed (remote)': 6, closed: 7, unknown: 8,
};
function stateCode(v: StreamState | undefined): number {
  // A constant-keyed object: a property load per frame, not a map lookup.
  return v === undefined ? 0 : STATE_CODES[v] ?? 0;
}

/** The fields only some frame types have: kept aside so that a DATA or HEADERS frame does not pay for them. */
type FrameExtras = Partial<Pick<FrameEvent, 'typeName' | 'errorCode' | 'lastStreamId' | 'debugData' | 'settings' | 'increment' | 'pingPayload' | 'dataOmitted' | 'dataPreview' | 'headers' | 'startChar' | 'endChar'>> & { violation?: Violation };

/** startChar and endChar packed into one small integer when they fit (they nearly always do). */
const SPAN_START_LIMIT = 1 << 15;
const SPAN_END_LIMIT = 1 << 16;

function packSpan(startChar: number, endChar: number): number {
  return startChar >= 0 && startChar < SPAN_START_LIMIT && endChar >= 0 && endChar < SPAN_END_LIMIT && Number.isInteger(startChar) && Number.isInteger(endChar)
    ? startChar * SPAN_END_LIMIT + endChar
    : -1;
}

/**
 * A frame with every field it can ever get already in place — the format's fields and the trace's
 * (`index`, states) — so that one allocation of one fixed shape serves a frame for its whole life: a
 * log of 10^6 frames otherwise grows each object property by property. The fields that only a few
 * frame types carry (error codes, settings, increments…) live in one side object, made when first
 * set, which then also holds the preview or headers.
 */
export class FrameSlot implements FrameEvent {
  index: number;
  /** Type + 1 (9 bits), flags (8), received (1), stateBefore (4), stateAfter (4): one small integer, not five fields. */
  private bits: number;
  /** startChar · 2^16 + endChar, or -1 when either is too big (both are then in the extras). */
  private span: number;
  /** A DATA frame's preview (string), a field block's headers (array), or the extras (which then hold either). */
  private payload: string | HeaderField[] | FrameExtras | undefined;

  constructor(
    public connection: string,
    direction: Direction,
    type: number,
    typeName: string,
    flags: number,
    public streamId: number,
    public length: number,
    public line: number,
    startChar: number,
    endChar: number,
    public time: number | undefined,
  ) {
    this.index = 0;
    this.bits = ((type + 1) & 0x1ff) | ((flags & 0xff) << 9) | (direction === 'received' ? 1 << 17 : 0);
    const span = (this.span = packSpan(startChar, endChar));
    let extras: FrameExtras | undefined;
    if (span < 0) extras = { startChar, endChar };
    // A name other than the one RFC 9113 gives the type (`UNKNOWN_FRAME_TYPE_12`, ``) is kept as printed.
    if (CORE_TYPE_NAMES[type] !== typeName) (extras ??= {}).typeName = typeName;
    this.payload = extras;
  }

  /** The extras object, if any. */
  private get x(): FrameExtras | undefined {
    const p = this.payload;
    return p !== undefined && typeof p !== 'string' && !Array.isArray(p) ? p : undefined;
  }

  /** The extras object, made (with the preview or headers moved into it) when missing. */
  private xs(): FrameExtras {
    const p = this.payload;
    if (p !== undefined && typeof p !== 'string' && !Array.isArray(p)) return p;
    const x: FrameExtras = {};
    if (typeof p === 'string') x.dataPreview = p;
    else if (p !== undefined) x.headers = p;
    this.payload = x;
    return x;
  }

  private setSpan(startChar: number, endChar: number): void {
    const span = packSpan(startChar, endChar);
    this.span = span;
    if (span >= 0) {
      const x = this.x;
      if (x?.startChar !== undefined) { delete x.startChar; delete x.endChar; }
    } else {
      const x = this.xs();
      x.startChar = startChar;
      x.endChar = endChar;
    }
  }

  get startChar(): number { return this.span >= 0 ? Math.floor(this.span / SPAN_END_LIMIT) : this.x!.startChar!; }
  set startChar(v: number) { this.setSpan(v, this.endChar); }
  get endChar(): number { return this.span >= 0 ? this.span % SPAN_END_LIMIT : this.x!.endChar!; }
  set endChar(v: number) { this.setSpan(this.startChar, v); }

  get dataPreview(): string | undefined {
    const p = this.payload;
    return typeof p === 'string' ? p : p === undefined || Array.isArray(p) ? undefined : p.dataPreview;
  }
  set dataPreview(v: string | undefined) {
    const p = this.payload;
    if (p === undefined || typeof p === 'string') this.payload = v;
    else this.xs().dataPreview = v;
  }
  get headers(): HeaderField[] | undefined {
    const p = this.payload;
    return Array.isArray(p) ? p : p === undefined || typeof p === 'string' ? undefined : p.headers;
  }
  set headers(v: HeaderField[] | undefined) {
    const p = this.payload;
    if (p === undefined || Array.isArray(p)) this.payload = v;
    else this.xs().headers = v;
  }

  get type(): number { return (this.bits & 0x1ff) - 1; }
  get flags(): number { return (this.bits >>> 9) & 0xff; }
  get direction(): Direction { return (this.bits & (1 << 17)) !== 0 ? 'received' : 'sent'; }
  get typeName(): string { return this.x?.typeName ?? CORE_TYPE_NAMES[this.type]!; }
  get stateBefore(): StreamState | undefined { return STATES[(this.bits >>> 18) & 0xf]; }
  set stateBefore(v: StreamState | undefined) { this.bits = (this.bits & ~(0xf << 18)) | (stateCode(v) << 18); }
  get stateAfter(): StreamState | undefined { return STATES[(this.bits >>> 22) & 0xf]; }
  set stateAfter(v: StreamState | undefined) { this.bits = (this.bits & ~(0xf << 22)) | (stateCode(v) << 22); }

  get errorCode(): number | undefined { return this.x?.errorCode; }
  set errorCode(v: number | undefined) { this.xs().errorCode = v; }
  get lastStreamId(): number | undefined { return this.x?.lastStreamId; }
  set lastStreamId(v: number | undefined) { this.xs().lastStreamId = v; }
  get debugData(): string | undefined { return this.x?.debugData; }
  set debugData(v: string | undefined) { this.xs().debugData = v; }
  get settings(): Array<[string, number]> | undefined { return this.x?.settings; }
  set settings(v: Array<[string, number]> | undefined) { this.xs().settings = v; }
  get increment(): number | undefined { return this.x?.increment; }
  set increment(v: number | undefined) { this.xs().increment = v; }
  get pingPayload(): string | undefined { return this.x?.pingPayload; }
  set pingPayload(v: string | undefined) { this.xs().pingPayload = v; }
  get dataOmitted(): number | undefined { return this.x?.dataOmitted; }
  set dataOmitted(v: number | undefined) { this.xs().dataOmitted = v; }
  get violation(): Violation | undefined { return this.x?.violation; }
  set violation(v: Violation | undefined) { this.xs().violation = v; }
}
