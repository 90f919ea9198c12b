/**
 * The frames of a log, stored by column: one typed array per field instead of one object per frame.
 * A busy server's log has 10^6 frames; as objects they took 96 bytes each, all of which the garbage
 * collector copied twice (young generation, then old) and then walked on every full collection. As
 * columns a frame takes about 36 bytes that the collector never looks into, and a pass of a rule over
 * one field (types, stream ids) reads consecutive memory.
 *
 * `get(i)` gives a frame as an object (a FrameRecord view of row i): rules and features read and
 * write frames through it. Views are cheap and short-lived; two views of one row are not `===`, so
 * frames are compared by `index`.
 */
import type { Direction, FrameEvent, HeaderField } from './frame.ts';
import { CORE_TYPE_NAMES } from './frame.ts';
import type { StreamState, Violation } from './streamState.ts';

/** A frame of a trace: a parsed frame, its position in `trace.frames`, and what the trace learnt of it. */
export interface FrameRecord extends FrameEvent {
  /** Index in `trace.frames`. */
  readonly index: number;
  stateBefore?: StreamState;
  stateAfter?: StreamState;
  violation?: Violation;
}

/** The stream states a row can carry, by code; 0 = none. */
const STATES: ReadonlyArray<StreamState | undefined> = [undefined, 'idle', 'reserved (local)', 'reserved (remote)', 'open', 'half-closed (local)', 'half-closed (remote)', 'closed', 'unknown'];
const STATE_CODES: Readonly<Record<StreamState, number>> = {
  idle: 1, 'reserved (local)': 2, 'reserved (remote)': 3, open: 4, 'half-closed (local)': 5, 'half-closed (remote)': 6, closed: 7, unknown: 8,
};
export function stateCode(v: StreamState | undefined): number {
  // A constant-keyed object: a property load per frame, not a map lookup.
  return v === undefined ? 0 : STATE_CODES[v] ?? 0;
}

/**
 * The fields only some frames have, kept aside so that a DATA or HEADERS frame does not pay for them;
 * also the values that do not fit their column (see WIDE).
 */
type FrameExtras = Partial<Pick<FrameEvent, 'typeName' | 'errorCode' | 'lastStreamId' | 'debugData' | 'settings' | 'increment' | 'pingPayload' | 'dataOmitted' | 'dataPreview' | 'headers' | 'startChar' | 'endChar' | 'streamId' | 'length' | 'line'>> & { violation?: Violation };
/** A row's payload: a DATA frame's preview (string), a field block's headers (array), or the extras (which then hold either). */
type Payload = string | HeaderField[] | FrameExtras;

/** startChar and endChar packed into one small integer when they fit (they nearly always do). */
const SPAN_START_LIMIT = 1 << 15;
const SPAN_END_LIMIT = 1 << 16;
function packSpan(startChar: number, endChar: number): number {
  // `x >>> 0 === x`: x is an integer in [0, 2^32).
  return startChar >>> 0 === startChar && startChar < SPAN_START_LIMIT && endChar >>> 0 === endChar && endChar < SPAN_END_LIMIT
    ? startChar * SPAN_END_LIMIT + endChar
    : -1;
}

/** In a Uint32 column (stream id, length, line): "the value is in the extras" (it is not a uint32 below this, or it is this). */
const WIDE = 0xffffffff;
/** Is v an integer in [0, 2^32 - 1)? (`v >>> 0` is v only for integers in [0, 2^32).) */
const fits = (v: number): boolean => v >>> 0 === v && v !== WIDE;

/** Bits of a row's `bits` column. */
const RECEIVED = 1 << 17;
const HEADERS_GUESSED = 1 << 26;
const BEFORE_SHIFT = 18;
const AFTER_SHIFT = 22;

/** Payloads are kept in pages (a JS array of 10^6 slots grown by push leaves copies behind, see ChunkedList). */
const PAGE_BITS = 13;
const PAGE = 1 << PAGE_BITS;

export class FrameTable implements Iterable<FrameRecord> {
  length = 0;
  private capacity = 0;
  /** Type + 1 (9 bits), flags (8), received (1), stateBefore (4), stateAfter (4), headers guessed (1). */
  /** @internal */ bits = new Int32Array(0);
  /** startChar · 2^16 + endChar, or -1 when either is too big (both are then in the extras). */
  private spans = new Int32Array(0);
  /** @internal */ streamIds = new Uint32Array(0);
  /** @internal */ lengths = new Uint32Array(0);
  /** @internal */ lines = new Uint32Array(0);
  /** Milliseconds since the epoch; NaN when the source had none. */
  /** @internal */ times = new Float64Array(0);
  /** Index into `connectionIds`. */
  /** @internal */ conns = new Int32Array(0);
  private readonly payloads: Array<Array<Payload | undefined>> = [];
  /** @internal */ readonly connectionIds: string[] = [];
  /** Rows per connection code, kept as rows are added (the trace sizes each connection's frame list with it). */
  private connectionRows = new Float64Array(16);
  private readonly connectionIndex = new Map<string, number>();
  private lastConnection: string | undefined;
  private lastConnectionIndex = -1;

  /** A table with the given frames, copied (formats that build frames as objects). */
  static from(events: Iterable<FrameEvent>): FrameTable {
    const t = new FrameTable();
    for (const ev of events) t.push(ev);
    return t;
  }

  /** Appends a frame; gives its row. */
  add(connection: string, direction: Direction, type: number, typeName: string, flags: number, streamId: number, length: number, line: number, startChar: number, endChar: number, time: number | undefined): number {
    const i = this.length;
    if (i === this.capacity) this.grow();
    this.length = i + 1;
    if ((i & (PAGE - 1)) === 0) this.payloads.push(new Array<Payload | undefined>(PAGE));
    this.bits[i] = ((type + 1) & 0x1ff) | ((flags & 0xff) << 9) | (direction === 'received' ? RECEIVED : 0);
    const code = this.connectionCode(connection);
    this.conns[i] = code;
    this.connectionRows[code]!++;
    this.times[i] = time === undefined ? NaN : time;
    // A new row has no extras yet: the columns are written directly when the values fit.
    if (fits(streamId)) this.streamIds[i] = streamId;
    else this.setUint(this.streamIds, i, streamId, 'streamId');
    if (fits(length)) this.lengths[i] = length;
    else this.setUint(this.lengths, i, length, 'length');
    if (fits(line)) this.lines[i] = line;
    else this.setUint(this.lines, i, line, 'line');
    const span = packSpan(startChar, endChar);
    if (span >= 0) this.spans[i] = span;
    else this.setSpan(i, startChar, endChar);
    // A name other than the one RFC 9113 gives the type (`UNKNOWN_FRAME_TYPE_12`, ``) is kept as printed.
    if (CORE_TYPE_NAMES[type] !== typeName) this.extras(i).typeName = typeName;
    return i;
  }

  /** Appends a copy of a format's frame object (the trace's fields, states and violation, are not copied); gives its row. */
  push(ev: FrameEvent): number {
    const i = this.add(ev.connection, ev.direction, ev.type, ev.typeName, ev.flags, ev.streamId, ev.length, ev.line, ev.startChar, ev.endChar, ev.time);
    if (ev.headers !== undefined) this.setHeaders(i, ev.headers);
    if (ev.headersGuessed) this.setHeadersGuessed(i, true);
    if (ev.dataPreview !== undefined) this.setDataPreview(i, ev.dataPreview);
    if (ev.dataOmitted !== undefined) this.extras(i).dataOmitted = ev.dataOmitted;
    if (ev.errorCode !== undefined) this.extras(i).errorCode = ev.errorCode;
    if (ev.lastStreamId !== undefined) this.extras(i).lastStreamId = ev.lastStreamId;
    if (ev.debugData !== undefined) this.extras(i).debugData = ev.debugData;
    if (ev.settings !== undefined) this.extras(i).settings = ev.settings;
    if (ev.increment !== undefined) this.extras(i).increment = ev.increment;
    if (ev.pingPayload !== undefined) this.extras(i).pingPayload = ev.pingPayload;
    return i;
  }

  /** Row i as a frame object, or undefined past the end. */
  get(i: number): FrameRecord | undefined {
    return i >= 0 && i < this.length && Number.isInteger(i) ? new FrameView(this, i) : undefined;
  }

  /** Row i as a frame object, unchecked (the row exists). */
  row(i: number): FrameRecord {
    return new FrameView(this, i);
  }

  *[Symbol.iterator](): Iterator<FrameRecord> {
    for (let i = 0; i < this.length; i++) yield new FrameView(this, i);
  }

  // Array conveniences (tests use them); the analysis reads columns, `row` or `get`.
  map<T>(fn: (f: FrameRecord, i: number) => T): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = fn(new FrameView(this, i), i);
    return out;
  }
  filter(fn: (f: FrameRecord, i: number) => unknown): FrameRecord[] {
    const out: FrameRecord[] = [];
    for (let i = 0; i < this.length; i++) {
      const f = new FrameView(this, i);
      if (fn(f, i)) out.push(f);
    }
    return out;
  }
  find(fn: (f: FrameRecord, i: number) => unknown): FrameRecord | undefined {
    for (let i = 0; i < this.length; i++) {
      const f = new FrameView(this, i);
      if (fn(f, i)) return f;
    }
    return undefined;
  }
  some(fn: (f: FrameRecord, i: number) => unknown): boolean {
    return this.find(fn) !== undefined;
  }
  every(fn: (f: FrameRecord, i: number) => unknown): boolean {
    return this.find((f, i) => !fn(f, i)) === undefined;
  }

  // ---- Columns, by row (no bounds check: rows come from the trace).
  typeOf(i: number): number { return (this.bits[i]! & 0x1ff) - 1; }
  flagsOf(i: number): number { return (this.bits[i]! >>> 9) & 0xff; }
  isReceived(i: number): boolean { return (this.bits[i]! & RECEIVED) !== 0; }
  headersGuessedOf(i: number): boolean { return (this.bits[i]! & HEADERS_GUESSED) !== 0; }
  setHeadersGuessed(i: number, guessed: boolean): void { this.bits[i] = guessed ? this.bits[i]! | HEADERS_GUESSED : this.bits[i]! & ~HEADERS_GUESSED; }
  directionOf(i: number): Direction { return (this.bits[i]! & RECEIVED) !== 0 ? 'received' : 'sent'; }
  setDirection(i: number, d: Direction): void { this.bits[i] = d === 'received' ? this.bits[i]! | RECEIVED : this.bits[i]! & ~RECEIVED; }
  streamIdOf(i: number): number { const v = this.streamIds[i]!; return v !== WIDE ? v : this.extrasOf(i)!.streamId!; }
  lengthOf(i: number): number { const v = this.lengths[i]!; return v !== WIDE ? v : this.extrasOf(i)!.length!; }
  lineOf(i: number): number { const v = this.lines[i]!; return v !== WIDE ? v : this.extrasOf(i)!.line!; }
  timeOf(i: number): number | undefined { const t = this.times[i]!; return t === t ? t : undefined; }
  connectionOf(i: number): string { return this.connectionIds[this.conns[i]!]!; }
  /** How many connection codes there are (connectionCodeOf gives 0 to this − 1). */
  get connectionCount(): number { return this.connectionIds.length; }
  /** The connection of row i as a small integer (equal for rows of one connection). */
  connectionCodeOf(i: number): number { return this.conns[i]!; }
  typeNameOf(i: number): string { return this.extrasOf(i)?.typeName ?? CORE_TYPE_NAMES[this.typeOf(i)]!; }
  startCharOf(i: number): number { const s = this.spans[i]!; return s >= 0 ? Math.floor(s / SPAN_END_LIMIT) : this.extrasOf(i)!.startChar!; }
  endCharOf(i: number): number { const s = this.spans[i]!; return s >= 0 ? s % SPAN_END_LIMIT : this.extrasOf(i)!.endChar!; }
  stateBeforeOf(i: number): StreamState | undefined { return STATES[(this.bits[i]! >>> BEFORE_SHIFT) & 0xf]; }
  stateAfterOf(i: number): StreamState | undefined { return STATES[(this.bits[i]! >>> AFTER_SHIFT) & 0xf]; }
  setStates(i: number, before: StreamState | undefined, after: StreamState | undefined): void {
    this.bits[i] = (this.bits[i]! & ~((0xf << BEFORE_SHIFT) | (0xf << AFTER_SHIFT))) | (stateCode(before) << BEFORE_SHIFT) | (stateCode(after) << AFTER_SHIFT);
  }
  setStateBefore(i: number, v: StreamState | undefined): void { this.bits[i] = (this.bits[i]! & ~(0xf << BEFORE_SHIFT)) | (stateCode(v) << BEFORE_SHIFT); }
  setStateAfter(i: number, v: StreamState | undefined): void { this.bits[i] = (this.bits[i]! & ~(0xf << AFTER_SHIFT)) | (stateCode(v) << AFTER_SHIFT); }

  dataPreviewOf(i: number): string | undefined {
    const p = this.payloadOf(i);
    return typeof p === 'string' ? p : p === undefined || Array.isArray(p) ? undefined : p.dataPreview;
  }
  setDataPreview(i: number, v: string | undefined): void {
    const p = this.payloadOf(i);
    if (p === undefined || typeof p === 'string') this.setPayload(i, v);
    else this.extras(i).dataPreview = v;
  }
  headersOf(i: number): HeaderField[] | undefined {
    const p = this.payloadOf(i);
    return Array.isArray(p) ? p : p === undefined || typeof p === 'string' ? undefined : p.headers;
  }
  setHeaders(i: number, v: HeaderField[] | undefined): void {
    const p = this.payloadOf(i);
    if (p === undefined || Array.isArray(p)) this.setPayload(i, v);
    else this.extras(i).headers = v;
  }

  /** The extras of row i, if any. */
  extrasOf(i: number): FrameExtras | undefined {
    const p = this.payloadOf(i);
    return p !== undefined && typeof p !== 'string' && !Array.isArray(p) ? p : undefined;
  }

  /** The extras of row i, made (with the preview or headers moved into them) when missing. */
  extras(i: number): FrameExtras {
    const p = this.payloadOf(i);
    if (p !== undefined && typeof p !== 'string' && !Array.isArray(p)) return p;
    const x: FrameExtras = {};
    if (typeof p === 'string') x.dataPreview = p;
    else if (p !== undefined) x.headers = p;
    this.setPayload(i, x);
    return x;
  }

  setSpan(i: number, startChar: number, endChar: number): void {
    const span = packSpan(startChar, endChar);
    this.spans[i] = span;
    if (span >= 0) {
      const x = this.extrasOf(i);
      if (x?.startChar !== undefined) { delete x.startChar; delete x.endChar; }
    } else {
      const x = this.extras(i);
      x.startChar = startChar;
      x.endChar = endChar;
    }
  }

  setUint(column: Uint32Array, i: number, v: number, wide: 'streamId' | 'length' | 'line'): void {
    if (fits(v)) {
      column[i] = v;
      const x = this.extrasOf(i);
      if (x?.[wide] !== undefined) delete x[wide];
    } else {
      column[i] = WIDE;
      this.extras(i)[wide] = v;
    }
  }
  setStreamId(i: number, v: number): void { this.setUint(this.streamIds, i, v, 'streamId'); }
  setLength(i: number, v: number): void { this.setUint(this.lengths, i, v, 'length'); }
  setLine(i: number, v: number): void { this.setUint(this.lines, i, v, 'line'); }
  setTime(i: number, v: number | undefined): void { this.times[i] = v === undefined ? NaN : v; }
  setConnection(i: number, v: string): void {
    const code = this.connectionCode(v);
    this.connectionRows[this.conns[i]!]!--;
    this.connectionRows[code]!++;
    this.conns[i] = code;
  }
  /** How many rows have connection code `code`. */
  rowsOfConnection(code: number): number { return this.connectionRows[code]!; }
  setType(i: number, type: number, typeName: string): void {
    this.bits[i] = (this.bits[i]! & ~0x1ff) | ((type + 1) & 0x1ff);
    const x = this.extrasOf(i);
    if (CORE_TYPE_NAMES[type] !== typeName) this.extras(i).typeName = typeName;
    else if (x?.typeName !== undefined) delete x.typeName;
  }
  setFlags(i: number, v: number): void { this.bits[i] = (this.bits[i]! & ~(0xff << 9)) | ((v & 0xff) << 9); }

  private payloadOf(i: number): Payload | undefined {
    return this.payloads[i >>> PAGE_BITS]![i & (PAGE - 1)];
  }
  private setPayload(i: number, p: Payload | undefined): void {
    this.payloads[i >>> PAGE_BITS]![i & (PAGE - 1)] = p;
  }

  private connectionCode(id: string): number {
    if (id === this.lastConnection) return this.lastConnectionIndex;
    let code = this.connectionIndex.get(id);
    if (code === undefined) {
      code = this.connectionIds.length;
      if (code === this.connectionRows.length) {
        const grown = new Float64Array(code * 2);
        grown.set(this.connectionRows);
        this.connectionRows = grown;
      }
      this.connectionIds.push(id);
      this.connectionIndex.set(id, code);
    }
    this.lastConnection = id;
    this.lastConnectionIndex = code;
    return code;
  }

  /**
   * Doubles the columns. Their memory is outside the JS heap and zero pages are not resident until
   * written, so the unused half of the last growth costs address space, not RSS.
   */
  private grow(): void {
    const cap = Math.max(1024, this.capacity * 2);
    const g = <T extends Int32Array | Uint32Array | Float64Array>(old: T, make: new (n: number) => T): T => {
      const next = new make(cap);
      next.set(old);
      return next;
    };
    this.bits = g(this.bits, Int32Array);
    this.spans = g(this.spans, Int32Array);
    this.streamIds = g(this.streamIds, Uint32Array);
    this.lengths = g(this.lengths, Uint32Array);
    this.lines = g(this.lines, Uint32Array);
    this.times = g(this.times, Float64Array);
    this.conns = g(this.conns, Int32Array);
    this.capacity = cap;
  }
}

/** Row `index` of a table, as a frame object: every field reads and writes the table. */
class FrameView implements FrameRecord {
  constructor(private readonly t: FrameTable, readonly index: number) {}
  // The frequent reads go to the columns directly: one call less in every rule's hot loop.
  get connection(): string { return this.t.connectionIds[this.t.conns[this.index]!]!; }
  set connection(v: string) { this.t.setConnection(this.index, v); }
  get direction(): Direction { return (this.t.bits[this.index]! & RECEIVED) !== 0 ? 'received' : 'sent'; }
  set direction(v: Direction) { this.t.setDirection(this.index, v); }
  get type(): number { return (this.t.bits[this.index]! & 0x1ff) - 1; }
  set type(v: number) { this.t.setType(this.index, v, this.t.typeNameOf(this.index)); }
  get typeName(): string { return this.t.typeNameOf(this.index); }
  set typeName(v: string) { this.t.setType(this.index, this.t.typeOf(this.index), v); }
  get flags(): number { return (this.t.bits[this.index]! >>> 9) & 0xff; }
  set flags(v: number) { this.t.setFlags(this.index, v); }
  get streamId(): number { const v = this.t.streamIds[this.index]!; return v !== WIDE ? v : this.t.streamIdOf(this.index); }
  set streamId(v: number) { this.t.setStreamId(this.index, v); }
  get length(): number { const v = this.t.lengths[this.index]!; return v !== WIDE ? v : this.t.lengthOf(this.index); }
  set length(v: number) { this.t.setLength(this.index, v); }
  get line(): number { const v = this.t.lines[this.index]!; return v !== WIDE ? v : this.t.lineOf(this.index); }
  set line(v: number) { this.t.setLine(this.index, v); }
  get startChar(): number { return this.t.startCharOf(this.index); }
  set startChar(v: number) { this.t.setSpan(this.index, v, this.t.endCharOf(this.index)); }
  get endChar(): number { return this.t.endCharOf(this.index); }
  set endChar(v: number) { this.t.setSpan(this.index, this.t.startCharOf(this.index), v); }
  get time(): number | undefined { const v = this.t.times[this.index]!; return v === v ? v : undefined; }
  set time(v: number | undefined) { this.t.setTime(this.index, v); }
  get dataPreview(): string | undefined { return this.t.dataPreviewOf(this.index); }
  set dataPreview(v: string | undefined) { this.t.setDataPreview(this.index, v); }
  get headers(): HeaderField[] | undefined { return this.t.headersOf(this.index); }
  set headers(v: HeaderField[] | undefined) { this.t.setHeaders(this.index, v); }
  get headersGuessed(): boolean | undefined { return this.t.headersGuessedOf(this.index) || undefined; }
  get stateBefore(): StreamState | undefined { return this.t.stateBeforeOf(this.index); }
  set stateBefore(v: StreamState | undefined) { this.t.setStateBefore(this.index, v); }
  get stateAfter(): StreamState | undefined { return this.t.stateAfterOf(this.index); }
  set stateAfter(v: StreamState | undefined) { this.t.setStateAfter(this.index, v); }
  get errorCode(): number | undefined { return this.t.extrasOf(this.index)?.errorCode; }
  set errorCode(v: number | undefined) { this.t.extras(this.index).errorCode = v; }
  get lastStreamId(): number | undefined { return this.t.extrasOf(this.index)?.lastStreamId; }
  set lastStreamId(v: number | undefined) { this.t.extras(this.index).lastStreamId = v; }
  get debugData(): string | undefined { return this.t.extrasOf(this.index)?.debugData; }
  set debugData(v: string | undefined) { this.t.extras(this.index).debugData = v; }
  get settings(): Array<[string, number]> | undefined { return this.t.extrasOf(this.index)?.settings; }
  set settings(v: Array<[string, number]> | undefined) { this.t.extras(this.index).settings = v; }
  get increment(): number | undefined { return this.t.extrasOf(this.index)?.increment; }
  set increment(v: number | undefined) { this.t.extras(this.index).increment = v; }
  get pingPayload(): string | undefined { return this.t.extrasOf(this.index)?.pingPayload; }
  set pingPayload(v: string | undefined) { this.t.extras(this.index).pingPayload = v; }
  get dataOmitted(): number | undefined { return this.t.extrasOf(this.index)?.dataOmitted; }
  set dataOmitted(v: number | undefined) { this.t.extras(this.index).dataOmitted = v; }
  get violation(): Violation | undefined { return this.t.extrasOf(this.index)?.violation; }
  set violation(v: Violation | undefined) { this.t.extras(this.index).violation = v; }
}
