/**
 * goaway: explains a GOAWAY (other than ENHANCE_YOUR_CALM, which has its own rule): error code,
 * last-stream-id, debug data, and which in-flight streams it lost.
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { ErrorCode, NGHTTP2_ERR_FLOODED_ON_WIRE, errorCodeMeaning, errorCodeName } from '../knowledge/rfc9113.ts';
import { NGHTTP2_ERR_TOO_MANY_CONTINUATIONS_ON_WIRE } from './calmCauses.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, RelatedLocation, Rule, RuleContext, ScanContext } from './types.ts';
import { at } from './util.ts';
import { formatNumber } from '../numberText.ts';
import { frameTypes } from './frameDispatch.ts';

export const GOAWAY = 'goaway';
const MAX_RELATED = 20;
const MAX_EXPLAINED_PER_CONNECTION = 10;

/** Streams the GOAWAY's receiver had opened above last-stream-id and not finished: the sender never processed them. */
export function lostStreams(trace: Trace, conn: Connection, goaway: FrameRecord): number[] {
  const last = goaway.lastStreamId ?? 0;
  // The receiver of the GOAWAY initiated the lost streams: odd ids if it is the client.
  const receiverIsClient = (goaway.direction === 'received') === (conn.role !== 'server');
  const lost: number[] = [];
  const frames = trace.frames;
  for (const s of conn.streams.values()) {
    if (s.id <= last || (s.id % 2 === 1) !== receiverIsClient) continue;
    if (s.openFrame === undefined || s.openFrame >= goaway.index) continue;
    // Finished before the GOAWAY: a frame before it left the stream closed. Read from the column: a
    // connection has 10^4 streams, and each GOAWAY of it asks this of every one.
    let finished = false;
    for (const i of s.frames) {
      if (i >= goaway.index) break;
      if (frames.stateAfterOf(i) === 'closed') { finished = true; break; }
    }
    if (!finished) lost.push(s.id);
  }
  return lost.sort((a, b) => a - b);
}

export const goawayRule: Rule = {
  id: GOAWAY,
  title: 'Connection shut down (GOAWAY)',
  defaultSeverity: 'warning',
  description: 'A GOAWAY other than ENHANCE_YOUR_CALM: what its error code means, its last-stream-id and debug data, and which in-flight streams it lost.',
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(goawayRule, trace, ctx);
  },
  scan({ trace, conn, load }: ScanContext): ConnectionScan | undefined {
    if (conn.goaways.length === 0) return undefined;
    // The load before each error GOAWAY (graceful NO_ERROR shutdowns are routine), snapshot when it passes.
    const loadAt = new Map<number, string | undefined>();
    let seen = 0;
    return {
      types: frameTypes(FrameType.GOAWAY),
      frame(g: FrameRecord): void {
        if (g.type !== FrameType.GOAWAY || isVerdictCode(g.errorCode) || seen >= MAX_EXPLAINED_PER_CONNECTION) return;
        seen++;
        if ((g.errorCode ?? 0) === ErrorCode.NO_ERROR) return;
        // The load of the side that received the GOAWAY, when a real server would have cut it.
        const receiverIsClient = (g.direction === 'received') === (conn.role !== 'server');
        const top = load.causes(receiverIsClient ? 'client' : 'server')[0];
        loadAt.set(g.index, top && top.score >= 1 ? `${top.summary}${top.against ? ` — ${top.against}` : ''}` : undefined);
      },
      end: () => explainGoaways(trace, conn, loadAt),
    };
  },
};

function explainGoaways(trace: Trace, conn: Connection, loadAt: Map<number, string | undefined>): Finding[] {
  const findings: Finding[] = [];
  let explained = 0;
  const repeats: FrameRecord[] = [];
  for (const gi of conn.goaways) {
    const g = trace.frames.row(gi);
    if (isVerdictCode(g.errorCode)) continue;
    // A graceful shutdown takes two GOAWAYs; a flood of them is summed up, keeping the cost linear.
    if (explained >= MAX_EXPLAINED_PER_CONNECTION) {
      repeats.push(g);
      continue;
    }
    explained++;
    const code = g.errorCode ?? 0;
    const lost = lostStreams(trace, conn, g);
    const related: RelatedLocation[] = [];
    for (const id of lost.slice(0, MAX_RELATED)) {
      const s = conn.streams.get(id)!;
      related.push(at(trace.frames.row(s.openFrame!), `stream ${id} was above last-stream-id ${g.lastStreamId ?? 0}: not processed, safe to retry`));
    }
    const who = g.direction === 'sent' ? 'This endpoint' : 'The peer';
    const debug = g.debugData ? ` Debug data: "${g.debugData}".` : '';
    const lostText = lost.length ? ` ${lost.length} stream${lost.length === 1 ? '' : 's'} in flight above it (${lost.slice(0, 8).join(', ')}${lost.length > 8 ? ', …' : ''}) were not processed and can be retried (RFC 9113 §6.8).` : '';
    const graceful = code === ErrorCode.NO_ERROR;
    // Streams that never finished: still open when the log ends on this connection.
    const lostIds = new Set(lost);
    const unfinished = [...conn.streams.values()].filter((st) => st.status.state !== 'closed' && st.status.state !== 'idle' && st.openFrame !== undefined && st.openFrame < g.index && !lostIds.has(st.id));
    const unfinishedText = unfinished.length ? ` ${unfinished.length} stream${unfinished.length === 1 ? ' was' : 's were'} still open when the log ends on this connection (${unfinished.slice(0, 8).map((st) => st.id).join(', ')}${unfinished.length > 8 ? ', …' : ''}): their responses never completed.` : '';
    const meaning = graceful ? 'graceful shutdown: no new streams, and streams up to last-stream-id may still finish' : errorCodeMeaning(code);
    findings.push({
      rule: GOAWAY,
      severity: graceful && lost.length === 0 && unfinished.length === 0 ? 'info' : 'warning',
      line: g.line, startChar: g.startChar, endChar: g.endChar, connection: conn.id, frame: g.index, related,
      message: `${who} sent GOAWAY ${errorCodeName(code)} with last-stream-id ${g.lastStreamId ?? 0}: ${meaning}.${debug}${lostText}${unfinishedText}${loadAt.get(gi) ? ` Load before it that a real server's defence would have cut: ${loadAt.get(gi)}.` : ''}`,
    });
  }
  if (repeats.length) {
    const first = repeats[0]!;
    findings.push({
      rule: GOAWAY, severity: 'warning', line: first.line, startChar: first.startChar, endChar: first.endChar, connection: conn.id, frame: first.index,
      related: repeats.slice(1, MAX_RELATED + 1).map((r) => at(r, 'another GOAWAY')),
      message: `${formatNumber(repeats.length)} more GOAWAY frames on this connection after the first ${MAX_EXPLAINED_PER_CONNECTION}: a connection shuts down with one or two; this many means an endpoint is misbehaving.`,
    });
  }
  return findings;
}

/** ENHANCE_YOUR_CALM and nghttp2's flood codes: the enhance-your-calm rule explains those. */
function isVerdictCode(code: number | undefined): boolean {
  return code === ErrorCode.ENHANCE_YOUR_CALM || code === NGHTTP2_ERR_FLOODED_ON_WIRE || code === NGHTTP2_ERR_TOO_MANY_CONTINUATIONS_ON_WIRE;
}

export const isGoaway = (f: FrameRecord): boolean => f.type === FrameType.GOAWAY;
