/**
 * unanswered-ping: a PING that never got its ACK (although the peer answered later frames, or long enough for a
 * pinger's timeout), or whose ACK came later than a pinger's timeout.
 */
import { FrameType, type LostPing } from '../model/frame.ts';
import { isFromClient, type FrameRecord, type Trace } from '../model/trace.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, RelatedLocation, Rule, RuleContext, ScanContext } from './types.ts';
import { limitOf } from './budget.ts';
import { readPast } from './readPast.ts';
import { Queue } from '../queue.ts';
import { at, formatSeconds, plural } from './util.ts';
import { formatNumber } from '../numberText.ts';
import { frameTypes } from './frameDispatch.ts';

export const UNANSWERED_PING = 'unanswered-ping';
const MAX_RELATED = 20;

export const unansweredPingRule: Rule = {
  id: UNANSWERED_PING,
  title: 'PING without ACK',
  defaultSeverity: 'warning',
  description: 'A PING was not acknowledged although the peer answered later frames (or for longer than a pinger\'s timeout, or the pinger gave up on it), or its ACK came after that timeout.',
  params: ['pingTimeoutMs'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(unansweredPingRule, trace, ctx);
  },
  scan({ trace, conn, ctx, load }: ScanContext): ConnectionScan {
    const timeoutProfile = ctx.profiles.find((p) => p.limits.pingTimeoutMs);
    const timeoutMs = timeoutProfile ? limitOf(ctx, UNANSWERED_PING, timeoutProfile, 'pingTimeoutMs')?.value : undefined;
    const findings: Finding[] = [];
    // Outstanding pings per direction and payload, in order.
    /** PINGs waiting for their ACK, by direction and payload, oldest first. */
    const waiting = new Map<string, Queue<FrameRecord>>();
    const unanswered: FrameRecord[] = [];
    const late: Array<{ ping: FrameRecord; ack: FrameRecord }> = [];
    /** This endpoint closed the connection because a PING of its own went unanswered (the log says so). */
    const lost = conn.info.lostPing;
    const frame = (f: FrameRecord): void => {
        // A PING written after this endpoint closed the connection never reached the peer.
        if (f.type !== FrameType.PING || !load.delivered(f)) return;
        if ((f.flags & 1) === 0) {
          const key = `${f.direction}:${f.pingPayload ?? ''}`;
          let q = waiting.get(key);
          if (!q) waiting.set(key, (q = new Queue()));
          q.push(f);
        } else {
          const key = `${f.direction === 'sent' ? 'received' : 'sent'}:${f.pingPayload ?? ''}`;
          const q = waiting.get(key);
          const ping = q !== undefined && q.length > 0 ? q.shift() : undefined;
          if (q && q.length === 0) waiting.delete(key);
          if (ping && timeoutMs !== undefined && ping.time !== undefined && f.time !== undefined && f.time - ping.time > timeoutMs) late.push({ ping, ack: f });
        }
    };
    const end = (): Finding[] => {
      const lastTime = lastTimestamp(trace);
      for (const q of waiting.values()) {
        for (const ping of q) {
          // The answer is owed once the other side read the PING: it answered a later frame (readPast.ts).
          const peerLater = readPast(trace, conn, isFromClient(conn, ping) ? 'client' : 'server').written > ping.index;
          const timedOut = timeoutMs !== undefined && ping.time !== undefined && lastTime !== undefined && lastTime - ping.time > timeoutMs;
          const givenUp = lost !== undefined && ping.direction === 'sent' && ping.line === lost.pingLine;
          if (peerLater || timedOut || givenUp) unanswered.push(ping);
        }
      }
      unanswered.sort((a, b) => a.index - b.index);
      if (unanswered.length) {
        const first = unanswered[0]!;
        const related: RelatedLocation[] = unanswered.slice(1, MAX_RELATED + 1).map((p) => at(p, 'another PING without ACK'));
        const sender = first.direction === 'sent' ? 'this endpoint' : 'the peer';
        const answerer = first.direction === 'sent' ? 'The peer' : 'This endpoint';
        const givenUp = lost !== undefined && first.line === lost.pingLine && first.direction === 'sent';
        if (givenUp) related.unshift({ line: lost.line, startChar: lost.startChar, endChar: lost.endChar, message: 'the health check gives up: the connection is closed as lost' });
        findings.push({
          rule: UNANSWERED_PING, severity: 'warning', line: first.line, startChar: first.startChar, endChar: first.endChar,
          connection: conn.id, frame: first.index, related,
          message: givenUp
            ? lostPingMessage(lost, first, unanswered.length - 1)
            : `${plural(unanswered.length, 'PING')} sent by ${sender} never got an ACK. ${answerer} must answer every PING with an ACK carrying the same 8 bytes (RFC 9113 §6.7); a pinger treats a missing ACK as a dead connection${timeoutProfile ? ` (${timeoutProfile.name}: after ${formatSeconds(timeoutMs! / 1000)})` : ''}. When many PINGs are unanswered, the peer is overloaded or not reading — or has already decided this is a flood.`,
        });
      }
      if (late.length) {
        const { ping, ack } = late[0]!;
        findings.push({
          rule: UNANSWERED_PING, severity: 'warning', line: ack.line, startChar: ack.startChar, endChar: ack.endChar,
          connection: conn.id, frame: ack.index,
          related: [at(ping, 'the PING this ACK answers'), ...late.slice(1, MAX_RELATED + 1).map((l) => at(l.ack, 'another late ACK'))],
          message: `PING ACK after ${formatSeconds((ack.time! - ping.time!) / 1000)}${late.length > 1 ? ` (and ${late.length - 1} more late ACKs)` : ''}: longer than ${timeoutProfile!.name}'s PingTimeout of ${formatSeconds(timeoutMs! / 1000)}, after which it closes the connection as dead.`,
        });
      }
      return findings;
    };
    return { frame, end, types: frameTypes(FrameType.PING) };
  },
};

/** The story of a health-check PING whose missing ACK made Go close the connection. */
function lostPingMessage(lost: LostPing, ping: FrameRecord, others: number): string {
  const after = lost.time !== undefined && ping.time !== undefined ? `, ${formatSeconds(Math.max(0, lost.time - ping.time) / 1000)} later by the log's clock` : '';
  const failed = lost.failedRequests > 0
    ? `${plural(lost.failedRequests, 'request')} in flight on it failed with "http2: client connection lost".`
    : 'Requests in flight on it fail with "http2: client connection lost".';
  return `Go's HTTP/2 health check got no ACK for this PING, and the client closed the connection as lost (line ${formatNumber(lost.line + 1)}: "health check failure: context deadline exceeded"${after}). `
    + 'The Transport sends this PING when no frame has come from the server for ReadIdleTimeout (http.HTTP2Config.SendPingTimeout), and gives up after PingTimeout. '
    + `${failed} The server, or something between (a load balancer, a NAT that dropped the connection without a reset), stopped answering: hung, overloaded, or no longer reading this connection. RFC 9113 §6.7: every PING must be answered with an ACK carrying the same 8 bytes.`
    + (others > 0 ? ` ${plural(others, 'other PING')} on this connection went unanswered too.` : '');
}

const lastTimes = new WeakMap<Trace, number | undefined>();
/** The log's last timestamp (once per trace: an untimed log would otherwise be scanned per connection). */
function lastTimestamp(trace: Trace): number | undefined {
  if (lastTimes.has(trace)) return lastTimes.get(trace);
  let last: number | undefined;
  for (let i = trace.frames.length - 1; i >= 0; i--) {
    const t = trace.frames.row(i).time;
    if (t !== undefined) {
      last = t;
      break;
    }
  }
  lastTimes.set(trace, last);
  return last;
}
