/**
 * RFC 9113 §5.1 stream states, seen from the logging endpoint ("local"); its peer is "remote".
 * `transition` says where a frame takes a stream and whether the RFC allows that frame there.
 */
import { FrameType, Flag } from './frame.ts';

export type StreamState =
  | 'idle'
  | 'reserved (local)'
  | 'reserved (remote)'
  | 'open'
  | 'half-closed (local)'
  | 'half-closed (remote)'
  | 'closed'
  /** The log started after this stream was opened: its state is not known. */
  | 'unknown';

/** How a closed stream got closed: it matters for what may still legally arrive (§5.1 "closed"). */
export type ClosedBy = 'end-stream' | 'reset-sent' | 'reset-received' | 'implicit';

export interface StreamStatus {
  state: StreamState;
  closedBy?: ClosedBy;
}

export interface Violation {
  /** The RFC error the receiver should answer with. */
  error: 'PROTOCOL_ERROR' | 'STREAM_CLOSED';
  /** Connection error (§5.4.1) or stream error (§5.4.2). */
  scope: 'connection' | 'stream';
  why: string;
}

export interface Transition {
  after: StreamStatus;
  violation?: Violation;
}

export interface FrameLike {
  type: number;
  flags: number;
  direction: 'sent' | 'received';
}

/**
 * One frozen status per state (and per way of closing), shared by every stream that is in it: a log
 * of 10^5 streams otherwise keeps a small object per stream and allocates one per transition.
 */
const STATUS = new Map<string, StreamStatus>();
export function streamStatus(state: StreamState, closedBy?: ClosedBy): StreamStatus {
  const key = closedBy === undefined ? state : `${state}/${closedBy}`;
  let hit = STATUS.get(key);
  if (hit === undefined) STATUS.set(key, (hit = Object.freeze(closedBy === undefined ? { state } : { state, closedBy })));
  return hit;
}
const CLOSED_BY_END_STREAM = streamStatus('closed', 'end-stream');
const CLOSED_BY_RESET_SENT = streamStatus('closed', 'reset-sent');
const CLOSED_BY_RESET_RECEIVED = streamStatus('closed', 'reset-received');
const closed = (by: ClosedBy): StreamStatus => by === 'end-stream' ? CLOSED_BY_END_STREAM : by === 'reset-sent' ? CLOSED_BY_RESET_SENT : by === 'reset-received' ? CLOSED_BY_RESET_RECEIVED : streamStatus('closed', by);

/**
 * Apply one frame to a stream's status. Frames that do not belong to streams
 * (SETTINGS, PING, GOAWAY, stream-0 WINDOW_UPDATE) must not be passed here.
 */
export function transition(before: StreamStatus, frame: FrameLike): Transition {
  const { type, direction } = frame;
  const sent = direction === 'sent';
  const endStream = (type === FrameType.DATA || type === FrameType.HEADERS) && (frame.flags & Flag.END_STREAM) !== 0;
  const isRst = type === FrameType.RST_STREAM;
  const s = before.state;

  // PRIORITY is allowed in every state and changes nothing (§5.1).
  if (type === FrameType.PRIORITY) return { after: before };
  if (s === 'unknown') {
    if (isRst) return { after: closed(sent ? 'reset-sent' : 'reset-received') };
    return { after: before };
  }

  switch (s) {
    case 'idle': {
      if (type === FrameType.HEADERS) {
        return { after: streamStatus(endStream ? (sent ? 'half-closed (local)' : 'half-closed (remote)') : 'open') };
      }
      // Anything else on an idle stream: connection error PROTOCOL_ERROR.
      return {
        after: isRst ? closed(sent ? 'reset-sent' : 'reset-received') : before,
        violation: { error: 'PROTOCOL_ERROR', scope: 'connection', why: `${frameName(type)} on an idle stream (only HEADERS or PRIORITY may open it)` },
      };
    }
    case 'reserved (local)':
      if (isRst) return { after: closed(sent ? 'reset-sent' : 'reset-received') };
      if (type === FrameType.HEADERS && sent) return { after: endStream ? closed('end-stream') : streamStatus('half-closed (remote)') };
      if (!sent && type === FrameType.WINDOW_UPDATE) return { after: before };
      return { after: before, violation: { error: 'PROTOCOL_ERROR', scope: 'connection', why: `${frameName(type)} on a reserved (local) stream` } };
    case 'reserved (remote)':
      if (isRst) return { after: closed(sent ? 'reset-sent' : 'reset-received') };
      if (type === FrameType.HEADERS && !sent) return { after: endStream ? closed('end-stream') : streamStatus('half-closed (local)') };
      if (sent && type === FrameType.WINDOW_UPDATE) return { after: before };
      return { after: before, violation: { error: 'PROTOCOL_ERROR', scope: 'connection', why: `${frameName(type)} on a reserved (remote) stream` } };
    case 'open':
      if (isRst) return { after: closed(sent ? 'reset-sent' : 'reset-received') };
      if (endStream) return { after: streamStatus(sent ? 'half-closed (local)' : 'half-closed (remote)') };
      return { after: before };
    case 'half-closed (local)':
      // We finished sending: we may still send WINDOW_UPDATE, PRIORITY and RST_STREAM.
      if (isRst) return { after: closed(sent ? 'reset-sent' : 'reset-received') };
      if (sent && (type === FrameType.DATA || type === FrameType.HEADERS || type === FrameType.CONTINUATION)) {
        return { after: before, violation: { error: 'STREAM_CLOSED', scope: 'stream', why: `${frameName(type)} sent after this endpoint had already sent END_STREAM` } };
      }
      if (!sent && endStream) return { after: closed('end-stream') };
      return { after: before };
    case 'half-closed (remote)':
      if (isRst) return { after: closed(sent ? 'reset-sent' : 'reset-received') };
      if (!sent && (type === FrameType.DATA || type === FrameType.HEADERS || type === FrameType.CONTINUATION)) {
        return { after: before, violation: { error: 'STREAM_CLOSED', scope: 'stream', why: `${frameName(type)} received after the peer had already sent END_STREAM` } };
      }
      if (sent && endStream) return { after: closed('end-stream') };
      return { after: before };
    case 'closed': {
      // Resets and WINDOW_UPDATEs cross on the wire: tolerated in both directions (§5.1 "closed").
      if (isRst || type === FrameType.WINDOW_UPDATE) return { after: before };
      if (sent) {
        // After the peer reset the stream our writes may already have been in flight: not provable from one side.
        if (before.closedBy === 'reset-received' || before.closedBy === 'implicit') return { after: before };
        return { after: before, violation: { error: 'STREAM_CLOSED', scope: 'stream', why: `${frameName(type)} sent on a closed stream (only PRIORITY may be sent there)` } };
      }
      // After *we* reset it, anything may still arrive and must be minimally processed.
      if (before.closedBy === 'reset-sent' || before.closedBy === 'implicit') return { after: before };
      return {
        after: before,
        violation: {
          error: 'STREAM_CLOSED',
          scope: 'stream',
          why: before.closedBy === 'reset-received'
            ? `${frameName(type)} received after the peer itself reset the stream`
            : `${frameName(type)} received on a stream both sides had already closed with END_STREAM`,
        },
      };
    }
  }
  return { after: before };
}

function frameName(type: number): string {
  for (const [name, code] of Object.entries(FrameType)) if (code === type) return name;
  return `frame type 0x${type.toString(16)}`;
}

/** Frames that belong to a stream (and so go through the state machine). */
export function isStreamFrame(type: number, streamId: number): boolean {
  // type < 0: an extension frame whose type the log did not name (x/net ≥ v0.50 prints an empty
  // name for 0x0a–0x0f); unknown types are ignored by the state machine (§4.1, §5.5).
  if (streamId === 0 || type < 0) return false;
  return type <= FrameType.CONTINUATION && type !== FrameType.SETTINGS && type !== FrameType.PING && type !== FrameType.GOAWAY;
}
