/**
 * How far one side of a connection is known to have read the other's frames. A frame the reader sends
 * after a frame of the writer does not show that it read that frame: it may have been in flight. A peer
 * that stalled (a paused process, a long GC pause) and resumes sends its backlog, written before it
 * could read anything newer; a connection closed abruptly leaves the frames in flight unread. Only a
 * frame that answers one of the writer's shows it, and then every earlier frame of the writer was read
 * too, because a connection delivers in order and an endpoint processes frames in order:
 * - the ACK of the writer's PING;
 * - any frame on a stream the writer opened (its HEADERS on a new stream of its parity): the reader
 *   knows that stream only from that HEADERS;
 * - a stream's WINDOW_UPDATE after the writer's DATA on that stream.
 * Used where a missing answer is reported (unanswered-ping, settings-flood's missing ACK): the answer
 * is owed only for what the reader is known to have read.
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { fromSide, type Side } from './budget.ts';

export interface ReadPast {
  /** The last frame the writer wrote that the reader is known to have read (a trace index), or -1. */
  written: number;
  /** The reader's frame that shows it (a trace index), or -1. */
  answer: number;
}

const cache = new WeakMap<Connection, Partial<Record<Side, ReadPast>>>();

/** How far the other side read what `writer` wrote on `conn` (one pass over the connection, cached). */
export function readPast(trace: Trace, conn: Connection, writer: Side): ReadPast {
  let byWriter = cache.get(conn);
  if (!byWriter) cache.set(conn, (byWriter = {}));
  return (byWriter[writer] ??= scan(trace, conn, writer));
}

function scan(trace: Trace, conn: Connection, writer: Side): ReadPast {
  /** The writer's PINGs by payload (the first one of each, its trace index). */
  const pings = new Map<string, number>();
  /** Streams the writer opened: id → its opening HEADERS. */
  const opened = new Map<number, number>();
  /** Streams the writer sent DATA on: id → its first DATA. */
  const fed = new Map<number, number>();
  /** Streams of the writer's parity that its peer's frames or its own earlier ones named: not opened by a later HEADERS. */
  const known = new Set<number>();
  const mine = (id: number): boolean => id > 0 && (id % 2 === 1) === (writer === 'client');
  const out: ReadPast = { written: -1, answer: -1 };
  for (const i of conn.frames) {
    const f: FrameRecord = trace.frames.row(i);
    let w: number | undefined;
    if (fromSide(conn, f, writer)) {
      if (f.type === FrameType.PING) {
        if ((f.flags & 1) === 0 && f.pingPayload !== undefined && !pings.has(f.pingPayload)) pings.set(f.pingPayload, i);
      } else if (f.type === FrameType.HEADERS && mine(f.streamId) && !known.has(f.streamId)) {
        opened.set(f.streamId, i);
      } else if (f.type === FrameType.DATA && f.streamId > 0 && !fed.has(f.streamId)) {
        fed.set(f.streamId, i);
      }
      if (f.streamId > 0) known.add(f.streamId);
      continue;
    }
    if (f.type === FrameType.PING) {
      if ((f.flags & 1) !== 0 && f.pingPayload !== undefined) w = pings.get(f.pingPayload);
    } else {
      w = opened.get(f.streamId);
      if (w === undefined && f.type === FrameType.WINDOW_UPDATE && f.streamId > 0) w = fed.get(f.streamId);
    }
    if (f.streamId > 0) known.add(f.streamId);
    if (w !== undefined && w > out.written) {
      out.written = w;
      out.answer = i;
    }
  }
  return out;
}
