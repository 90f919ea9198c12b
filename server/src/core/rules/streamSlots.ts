/**
 * Per-stream state of one connection's meters, in arrays indexed by the stream's ordinal (its place in
 * `Connection.streamList`, read per frame from `Trace.streamOrdinals`) instead of maps keyed by stream id.
 * A big log's meters asked such maps several times per frame; an array read is what that costs here.
 *
 * The trace is complete when the rules run, so each array is made once at the connection's stream
 * count. A frame that is on no stream (stream 0, or a frame type that does not belong to streams) has
 * no slot: it is never a member, and adding it does nothing. The meters only key frames that open,
 * close or carry a stream (HEADERS, DATA, RST_STREAM, WINDOW_UPDATE, a frame that closed its stream),
 * and those always have one.
 */
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';

/** A set of one connection's streams. */
export class StreamSet {
  private readonly member: Uint8Array;
  size = 0;
  constructor(private readonly trace: Trace, private readonly conn: Connection) {
    this.member = new Uint8Array(conn.streamList.length);
  }
  /** Adds the stream of frame `f`. */
  add(f: FrameRecord): void {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o >= 0 && this.member[o] === 0) {
      this.member[o] = 1;
      this.size++;
    }
  }
  /** Removes the stream of frame `f`. */
  delete(f: FrameRecord): void {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o >= 0 && this.member[o] === 1) {
      this.member[o] = 0;
      this.size--;
    }
  }
  has(f: FrameRecord): boolean {
    const o = this.trace.streamOrdinals[f.index]!;
    return o >= 0 && this.member[o] === 1;
  }
  /** The ids of the member streams, in order of the streams' first frame. */
  ids(): number[] {
    const out: number[] = [];
    for (let o = 0; o < this.member.length; o++) if (this.member[o] === 1) out.push(this.conn.streamList[o]!.id);
    return out;
  }
}

/** A value per stream of one connection. */
export class StreamValues<V> {
  private readonly values: Array<V | undefined>;
  constructor(private readonly trace: Trace, conn: Connection) {
    this.values = new Array<V | undefined>(conn.streamList.length).fill(undefined);
  }
  get(f: FrameRecord): V | undefined {
    const o = this.trace.streamOrdinals[f.index]!;
    return o >= 0 ? this.values[o] : undefined;
  }
  set(f: FrameRecord, v: V): void {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o >= 0) this.values[o] = v;
  }
  delete(f: FrameRecord): void {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o >= 0) this.values[o] = undefined;
  }
}

/**
 * A number per stream of one connection (NaN: none stored). A Float64Array, not StreamValues<number>:
 * flow-control windows pass 2^30, past V8's small integers, and a JS array would box such a value on
 * every write (once per DATA frame).
 */
export class StreamNumbers {
  private readonly values: Float64Array;
  constructor(private readonly trace: Trace, conn: Connection) {
    this.values = new Float64Array(conn.streamList.length).fill(NaN);
  }
  /** The stored number, or undefined. */
  get(f: FrameRecord): number | undefined {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o < 0) return undefined;
    const v = this.values[o]!;
    return v === v ? v : undefined;
  }
  set(f: FrameRecord, v: number): void {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o >= 0) this.values[o] = v;
  }
  delete(f: FrameRecord): void {
    const o = this.trace.streamOrdinals[f.index]!;
    if (o >= 0) this.values[o] = NaN;
  }
}
