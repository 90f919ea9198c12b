/**
 * concurrent-streams-exceeded: an endpoint has more streams open at once than its peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS allows (RFC 9113 §5.1.2), the limit taken from the SETTINGS the
 * peer sent in this log.
 *
 * When the limit applies: to the streams of the logging endpoint as soon as it has read the peer's
 * SETTINGS; to the peer's streams once the peer has acknowledged the logger's SETTINGS (before that
 * the peer may not have seen the new value — RFC 9113 §6.5.3).
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import { n } from './budget.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { Queue } from '../queue.ts';
import { at } from './util.ts';
import { StreamSet } from './streamSlots.ts';
import { frameTypes } from './frameDispatch.ts';

export const CONCURRENT_STREAMS_EXCEEDED = 'concurrent-streams-exceeded';
const MAX_EXPLAINED_PER_CONNECTION = 10;

type Who = 'logger' | 'peer';

/** One endpoint's streams and the limit its peer set for them. */
interface Opener {
  /** Streams this endpoint opened that are open or half-closed (RFC 9113 §5.1.2 counts both). */
  active: StreamSet;
  limit?: number;
  limitFrame?: FrameRecord;
}

export const concurrentStreamsExceededRule: Rule = {
  id: CONCURRENT_STREAMS_EXCEEDED,
  title: 'More concurrent streams than the peer allows',
  defaultSeverity: 'error',
  description: 'An endpoint had more streams open at once than the SETTINGS_MAX_CONCURRENT_STREAMS its peer advertised in this log (RFC 9113 §5.1.2).',
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(concurrentStreamsExceededRule, trace, ctx);
  },
  scan({ trace, conn }: ScanContext): ConnectionScan | undefined {
    if (conn.joinedMidway) return undefined;
    const findings: Finding[] = [];
    const openers: Record<Who, Opener> = { logger: { active: new StreamSet(trace, conn) }, peer: { active: new StreamSet(trace, conn) } };
    /** MAX_CONCURRENT_STREAMS of each SETTINGS the logger sent, waiting for the peer's ACK. */
    const pending = new Queue<{ value: number | undefined; frame: FrameRecord }>();
    let more = 0;
    let firstMore: FrameRecord | undefined;
    return {
      // SETTINGS carry the limit; HEADERS open a stream; DATA, HEADERS and RST_STREAM close one.
      types: frameTypes(FrameType.SETTINGS, FrameType.HEADERS, FrameType.DATA, FrameType.RST_STREAM),
      frame(f: FrameRecord): void {
        const who: Who = f.direction === 'sent' ? 'logger' : 'peer';
        if (f.type === FrameType.SETTINGS) {
          if ((f.flags & 1) === 0) {
            const v = f.settings?.find(([name]) => name === 'MAX_CONCURRENT_STREAMS')?.[1];
            // The peer's limit binds the logger from the moment it is read.
            if (who === 'peer') {
              if (v !== undefined) Object.assign(openers.logger, { limit: v, limitFrame: f });
            } else pending.push({ value: v, frame: f });
          } else if (who === 'peer' && pending.length > 0) {
            const p = pending.shift();
            if (p.value !== undefined) Object.assign(openers.peer, { limit: p.value, limitFrame: p.frame });
          }
          return;
        }
        if (f.streamId === 0) return;
        // A stream is opened by the HEADERS that takes it out of idle; the opener is whoever sent it.
        if (f.type === FrameType.HEADERS && f.stateBefore === 'idle') {
          const o = openers[who];
          o.active.add(f);
          if (o.limit !== undefined && o.active.size > o.limit) {
            if (findings.length < MAX_EXPLAINED_PER_CONNECTION) findings.push(finding(trace, conn, f, o, who));
            else {
              more++;
              firstMore ??= f;
            }
          }
        }
        if (f.stateAfter === 'closed') {
          openers.logger.active.delete(f);
          openers.peer.active.delete(f);
        }
      },
      end(): Finding[] {
        if (more && firstMore) {
          findings.push({
            rule: CONCURRENT_STREAMS_EXCEEDED, severity: 'error', line: firstMore.line, startChar: firstMore.startChar, endChar: firstMore.endChar, connection: conn.id, frame: firstMore.index,
            related: [], message: `${n(more)} more streams opened over the peer's MAX_CONCURRENT_STREAMS on this connection after the first ${MAX_EXPLAINED_PER_CONNECTION} (explained above).`,
          });
        }
        return findings;
      },
    };
  },
};

function finding(trace: Trace, conn: Connection, f: FrameRecord, o: Opener, who: Who): Finding {
  const opener = isFromClient(conn, f) ? 'client' : 'server';
  const peer = opener === 'client' ? 'server' : 'client';
  const related = o.limitFrame ? [at(o.limitFrame, `the ${peer}'s SETTINGS_MAX_CONCURRENT_STREAMS = ${n(o.limit!)}${who === 'peer' ? ' (acknowledged by the client)' : ''}`)] : [];
  // The oldest stream still open: the one the opener could have waited for.
  const oldest = o.active.ids().sort((a, b) => a - b)[0];
  const oldestOpen = oldest !== undefined ? conn.streams.get(oldest)?.openFrame : undefined;
  if (oldestOpen !== undefined && oldest !== f.streamId) related.push(at(trace.frames.row(oldestOpen), `stream ${oldest}, still open`));
  return {
    rule: CONCURRENT_STREAMS_EXCEEDED, severity: 'error', line: f.line, startChar: f.startChar, endChar: f.endChar,
    connection: conn.id, stream: f.streamId, frame: f.index, related,
    message: `The ${opener} opened stream ${f.streamId} with ${n(o.active.size - 1)} streams already open (open or half-closed), over the ${peer}'s SETTINGS_MAX_CONCURRENT_STREAMS of ${n(o.limit!)}: the ${peer} should refuse it with RST_STREAM REFUSED_STREAM or PROTOCOL_ERROR (RFC 9113 §5.1.2). Go answers PROTOCOL_ERROR, nginx REFUSED_STREAM ("concurrent streams exceeded").`,
    explanation: 'RFC 9113 §5.1.2: streams that are open or half-closed count toward the limit the peer sets with SETTINGS_MAX_CONCURRENT_STREAMS; an endpoint that opens one more must expect it refused. HTTP/2 clients queue requests instead (Go\'s Transport waits for a slot, or opens another connection with StrictMaxConcurrentStreams off).',
  };
}
