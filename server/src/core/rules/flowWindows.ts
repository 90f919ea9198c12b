/**
 * Flow-control windows of one connection, both directions, per stream and per connection (RFC 9113
 * §6.9), tracked frame by frame from SETTINGS_INITIAL_WINDOW_SIZE, WINDOW_UPDATE and DATA.
 *
 * Whose view: the logging endpoint's. The windows of the DATA it sends are exact (the peer's SETTINGS
 * and WINDOW_UPDATEs count when read). For the DATA it receives, its own grants count when written and
 * a lowered INITIAL_WINDOW_SIZE only once acknowledged — the most permissive reading, so that a frame
 * in flight is never blamed.
 *
 * Per-stream state is kept for open streams only, and a SETTINGS change applies to all of them in O(1)
 * (each stored window is relative to a per-direction offset).
 */
import { FrameType } from '../model/frame.ts';
import type { Direction } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { StreamNumbers } from './streamSlots.ts';
import { frameTypes } from './frameDispatch.ts';
import { Queue } from '../queue.ts';

export const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;

export type FlowViolationKind = 'data-beyond-stream-window' | 'data-beyond-connection-window' | 'window-update-zero' | 'window-above-max' | 'initial-window-above-max';

export interface FlowViolation {
  kind: FlowViolationKind;
  frame: FrameRecord;
  /** Direction of the DATA whose window is concerned. */
  dataDirection: Direction;
  /** The window before the frame (DATA) or after it (overflow). */
  window: number;
  scope: 'stream' | 'connection';
}

interface DirState {
  conn: number;
  /** Stored stream windows; the real window is stored + offset. */
  streams: StreamNumbers;
  offset: number;
  initial: number;
}

const opposite = (d: Direction): Direction => (d === 'sent' ? 'received' : 'sent');

export class FlowWindows {
  /**
   * The frame types that change a window: DATA, WINDOW_UPDATE, SETTINGS, and those that close a stream
   * (DATA, HEADERS, RST_STREAM; no other frame moves a stream into closed, see streamState.ts).
   */
  static readonly TYPES = frameTypes(FrameType.DATA, FrameType.WINDOW_UPDATE, FrameType.SETTINGS, FrameType.HEADERS, FrameType.RST_STREAM);
  private readonly dirs: Record<Direction, DirState>;
  /** INITIAL_WINDOW_SIZE of each SETTINGS the logger sent and the peer has not acknowledged yet (undefined: not in it). */
  private readonly unacked = new Queue<number | undefined>();
  /** Windows are only known when the log has the connection from its start. */
  readonly tracking: boolean;

  constructor(trace: Trace, conn: Connection) {
    this.tracking = !conn.joinedMidway;
    this.dirs = {
      sent: { conn: DEFAULT_WINDOW, streams: new StreamNumbers(trace, conn), offset: 0, initial: DEFAULT_WINDOW },
      received: { conn: DEFAULT_WINDOW, streams: new StreamNumbers(trace, conn), offset: 0, initial: DEFAULT_WINDOW },
    };
  }

  /** The current window of DATA in direction `d` on the stream of frame `f` (undefined when not tracked). */
  streamWindow(d: Direction, f: FrameRecord): number | undefined {
    const s = this.dirs[d];
    const stored = s.streams.get(f);
    return stored === undefined ? undefined : stored + s.offset;
  }
  connWindow(d: Direction): number {
    return this.dirs[d].conn;
  }

  /** Apply one frame; returns the violations it makes (usually none). */
  frame(f: FrameRecord): FlowViolation[] | undefined {
    // No closure for adding: this runs once per frame of every connection.
    let out: FlowViolation[] | undefined;
    switch (f.type) {
      case FrameType.DATA: {
        if (!this.tracking || f.length === 0) break;
        const s = this.dirs[f.direction];
        if (f.length > s.conn) (out ??= []).push({ kind: 'data-beyond-connection-window', frame: f, dataDirection: f.direction, window: s.conn, scope: 'connection' });
        s.conn -= f.length;
        const live = f.stateBefore !== 'closed' && f.stateBefore !== 'unknown' && f.stateBefore !== undefined;
        if (live) {
          let stored = s.streams.get(f);
          if (stored === undefined) stored = s.initial - s.offset;
          const window = stored + s.offset;
          if (f.length > window) (out ??= []).push({ kind: 'data-beyond-stream-window', frame: f, dataDirection: f.direction, window, scope: 'stream' });
          s.streams.set(f, stored - f.length);
        }
        break;
      }
      case FrameType.WINDOW_UPDATE: {
        const incr = f.increment;
        if (incr === undefined) break;
        const d = opposite(f.direction);
        const scope = f.streamId === 0 ? 'connection' : 'stream';
        if (incr === 0) {
          (out ??= []).push({ kind: 'window-update-zero', frame: f, dataDirection: d, window: f.streamId === 0 ? this.dirs[d].conn : (this.streamWindow(d, f) ?? 0), scope });
          break;
        }
        if (!this.tracking) break;
        const s = this.dirs[d];
        if (f.streamId === 0) {
          s.conn += incr;
          if (s.conn > MAX_WINDOW) (out ??= []).push({ kind: 'window-above-max', frame: f, dataDirection: d, window: s.conn, scope });
        } else if (f.stateBefore !== 'closed' && f.stateBefore !== 'unknown' && f.stateBefore !== 'idle') {
          let stored = s.streams.get(f);
          if (stored === undefined) stored = s.initial - s.offset;
          stored += incr;
          s.streams.set(f, stored);
          if (stored + s.offset > MAX_WINDOW) (out ??= []).push({ kind: 'window-above-max', frame: f, dataDirection: d, window: stored + s.offset, scope });
        }
        break;
      }
      case FrameType.SETTINGS: {
        if (f.flags & 1) {
          // The peer acknowledged one of the logger's SETTINGS: a lowered initial window applies now.
          if (f.direction === 'received' && this.unacked.length > 0) {
            const v = this.unacked.shift();
            if (v !== undefined) this.setInitial('received', v);
          }
          break;
        }
        const entry = f.settings?.find(([name]) => name === 'INITIAL_WINDOW_SIZE');
        const v = entry?.[1];
        if (v !== undefined && v > MAX_WINDOW) {
          (out ??= []).push({ kind: 'initial-window-above-max', frame: f, dataDirection: opposite(f.direction), window: v, scope: 'connection' });
          if (f.direction === 'sent') this.unacked.push(undefined);
          break;
        }
        if (f.direction === 'received') {
          // The peer's SETTINGS: the windows of the logger's DATA, from now on.
          if (v !== undefined) this.setInitial('sent', v);
        } else {
          this.unacked.push(v);
          // Raised: the peer may use it as soon as it reads it.
          if (v !== undefined && v > this.dirs.received.initial) this.setInitial('received', v);
        }
        break;
      }
    }
    if (f.stateAfter === 'closed' && f.streamId !== 0) {
      this.dirs.sent.streams.delete(f);
      this.dirs.received.streams.delete(f);
    }
    return out;
  }

  private setInitial(d: Direction, v: number): void {
    const s = this.dirs[d];
    s.offset += v - s.initial;
    s.initial = v;
  }
}
