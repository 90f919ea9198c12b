/**
 * unanswered-ping: a PING that never got its ACK (while the peer kept talking, or long enough for a
 * pinger's timeout), or whose ACK came later than a pinger's timeout.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, RelatedLocation, Rule, RuleContext, ScanContext } from './types.ts';
import { lastFrameIn, limitOf } from './budget.ts';
import { Queue } from '../queue.ts';
import { at, formatSeconds, plural } from './util.ts';
import { frameTypes } from './frameDispatch.ts';

export const UNANSWERED_PING = 'unanswered-ping';
const MAX_RELATED = 20;

export const unansweredPingRule: Rule = {
  id: UNANSWERED_PING,
  title: 'PING without ACK',
  defaultSeverity: 'warning',
  description: 'A PING was not acknowledged although the peer kept sending frames (or for longer than a pinger\'s timeout), or its ACK came after that timeout.',
  params: ['pingTimeoutMs'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(unansweredPingRule, trace, ctx);
  },
  scan({ trace, conn, ctx }: ScanContext): ConnectionScan {
    const timeoutProfile = ctx.profiles.find((p) => p.limits.pingTimeoutMs);
    const timeoutMs = timeoutProfile ? limitOf(ctx, UNANSWERED_PING, timeoutProfile, 'pingTimeoutMs')?.value : undefined;
    const findings: Finding[] = [];
    // Outstanding pings per direction and payload, in order.
    /** PINGs waiting for their ACK, by direction and payload, oldest first. */
    const waiting = new Map<string, Queue<FrameRecord>>();
    const unanswered: FrameRecord[] = [];
    const late: Array<{ ping: FrameRecord; ack: FrameRecord }> = [];
    const frame = (f: FrameRecord): void => {
        if (f.type !== FrameType.PING) return;
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
      // The last frame of each direction, to know whether the peer stayed alive.
      const lastFrom = waiting.size === 0 ? { sent: -1, received: -1 } : { sent: lastFrameIn(trace, conn, false), received: lastFrameIn(trace, conn, true) };
      for (const q of waiting.values()) {
        for (const ping of q) {
          // The answer comes from the other side: did that side send anything later?
          const peerLater = ping.direction === 'sent' ? lastFrom.received > ping.index : lastFrom.sent > ping.index;
          const timedOut = timeoutMs !== undefined && ping.time !== undefined && lastTime !== undefined && lastTime - ping.time > timeoutMs;
          if (peerLater || timedOut) unanswered.push(ping);
        }
      }
      unanswered.sort((a, b) => a.index - b.index);
      if (unanswered.length) {
        const first = unanswered[0]!;
        const related: RelatedLocation[] = unanswered.slice(1, MAX_RELATED + 1).map((p) => at(p, 'another PING without ACK'));
        const sender = first.direction === 'sent' ? 'this endpoint' : 'the peer';
        const answerer = first.direction === 'sent' ? 'The peer' : 'This endpoint';
        findings.push({
          rule: UNANSWERED_PING, severity: 'warning', line: first.line, startChar: first.startChar, endChar: first.endChar,
          connection: conn.id, frame: first.index, related,
          message: `${plural(unanswered.length, 'PING')} sent by ${sender} never got an ACK. ${answerer} must answer every PING with an ACK carrying the same 8 bytes (RFC 9113 §6.7); a pinger treats a missing ACK as a dead connection${timeoutProfile ? ` (${timeoutProfile.name}: after ${formatSeconds(timeoutMs! / 1000)})` : ''}. When many PINGs are unanswered, the peer is overloaded or not reading — or has already decided this is a flood.`,
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
