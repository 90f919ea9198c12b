/**
 * enhance-your-calm: a GOAWAY or RST_STREAM with ENHANCE_YOUR_CALM (or a flood verdict such as
 * Apache's 0xfffffc78) was sent or received. Names the most likely cause seen earlier on that
 * connection, with its frames as related information.
 *
 * One pass per connection: the load meters see every frame once; each verdict takes a snapshot.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import { ErrorCode, NGHTTP2_ERR_FLOODED_ON_WIRE, errorCodeName } from '../knowledge/rfc9113.ts';
import type { CalmCause } from './calmCauses.ts';
import { NGHTTP2_ERR_TOO_MANY_CONTINUATIONS_ON_WIRE, explainDebugData, explainOddCode, matchingVerdicts, promote } from './calmCauses.ts';
import { lostStreams } from './goaway.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, RelatedLocation, Rule, RuleContext, ScanContext } from './types.ts';
import { at } from './util.ts';
import { formatNumber } from '../numberText.ts';
import { frameTypes } from './frameDispatch.ts';

export const ENHANCE_YOUR_CALM = 'enhance-your-calm';
const MAX_RELATED = 25;
const MAX_EXPLAINED_PER_CONNECTION = 10;

/** Is this frame a peer's verdict on the other side's load? */
export function isCalmVerdict(f: FrameRecord): boolean {
  if (f.type !== FrameType.GOAWAY && f.type !== FrameType.RST_STREAM) return false;
  return f.errorCode === ErrorCode.ENHANCE_YOUR_CALM || f.errorCode === NGHTTP2_ERR_FLOODED_ON_WIRE || f.errorCode === NGHTTP2_ERR_TOO_MANY_CONTINUATIONS_ON_WIRE;
}

export const enhanceYourCalmRule: Rule = {
  id: ENHANCE_YOUR_CALM,
  title: 'ENHANCE_YOUR_CALM: the peer decided this endpoint misbehaves',
  defaultSeverity: 'error',
  description: 'A GOAWAY or RST_STREAM with ENHANCE_YOUR_CALM (or a flood verdict error code) was sent or received; names the most likely cause found earlier on the connection.',
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(enhanceYourCalmRule, trace, ctx);
  },
  scan({ trace, conn, load }: ScanContext): ConnectionScan {
    // Each verdict is explained on its own up to a limit; past it (a peer resetting stream after
    // stream) the rest are summed up in one finding with the causes at the last of them.
    const findings: Finding[] = [];
    const repeats: FrameRecord[] = [];
    let lastCauses: CalmCause[] | undefined;
    return {
      types: frameTypes(FrameType.GOAWAY, FrameType.RST_STREAM),
      frame(f: FrameRecord): void {
        if (!isCalmVerdict(f)) return;
        const offender = isFromClient(conn, f) ? 'server' : 'client';
        if (findings.length >= MAX_EXPLAINED_PER_CONNECTION) repeats.push(f);
        else findings.push(explain(trace, f, offender, load.causes(offender)));
      },
      end(): Finding[] {
        if (repeats.length) {
          const first = repeats[0]!;
          // The load over the whole connection (the engine has fed every frame by now).
          lastCauses = load.causes(isFromClient(conn, repeats[repeats.length - 1]!) ? 'server' : 'client');
          const top = lastCauses[0];
          findings.push({
            rule: ENHANCE_YOUR_CALM, severity: 'error', line: first.line, startChar: first.startChar, endChar: first.endChar,
            connection: conn.id, frame: first.index,
            related: repeats.slice(1, MAX_RELATED + 1).map((r) => at(r, 'another ENHANCE_YOUR_CALM')),
            message: `${formatNumber(repeats.length)} more ENHANCE_YOUR_CALM frames on this connection after the first ${MAX_EXPLAINED_PER_CONNECTION} (explained above): the peer kept refusing this endpoint's load.${top ? ` Largest load on this connection: ${top.summary}.` : ''}`,
            ...(lastCauses.length ? { budget: lastCauses.slice(0, 5).map((c) => `${c.summary}${c.against ? ` — ${c.against}` : ''}`) } : {}),
          });
        }
        return findings;
      },
    };
  },
};

/** A cause's score, raised a quarter when a profile answers the way the peer did. */
function weight(c: CalmCause, answer: string): number {
  return c.score * (matchingVerdicts(c, answer).length ? 1.25 : 1);
}

function explain(trace: Trace, f: FrameRecord, offender: 'client' | 'server', ranked: CalmCause[]): Finding {
  const conn = trace.connectionById.get(f.connection)!;
  const debug = explainDebugData(f.debugData);
  const odd = explainOddCode(f.errorCode);
  // The debug data (or the odd code) names the defence: put the causes it names first.
  // The way the peer answered ("GOAWAY ENHANCE_YOUR_CALM", "0xfffffc78"): causes with a profile that
  // answers exactly so come first among equals, and that profile is the one named.
  const answer = f.errorCode === ErrorCode.ENHANCE_YOUR_CALM ? `${f.type === FrameType.GOAWAY ? 'GOAWAY' : 'RST_STREAM'} ENHANCE_YOUR_CALM` : `0x${(f.errorCode ?? 0).toString(16)}`;
  let causes = [...ranked].sort((a, b) => weight(b, answer) - weight(a, answer) || b.count - a.count);
  for (const named of [odd, debug]) if (named) causes = promote(causes, named.kinds);
  const top = causes[0];
  const matching = top ? matchingVerdicts(top, answer)[0] : undefined;
  const against = matching ? `${matching.summary} (it answers ${answer})` : top?.against;
  const related: RelatedLocation[] = [];
  if (top) for (const c of top.frames.slice(-MAX_RELATED)) related.push(at(c, `counted as: ${top.summary}`));
  if (f.type === FrameType.GOAWAY) {
    for (const id of lostStreams(trace, conn, f).slice(0, 10)) {
      const s = conn.streams.get(id)!;
      related.push(at(trace.frames.row(s.openFrame!), `stream ${id} lost (above last-stream-id ${f.lastStreamId ?? 0})`));
    }
  }
  const kind = f.type === FrameType.GOAWAY ? 'GOAWAY' : `RST_STREAM on stream ${f.streamId}`;
  const who = f.direction === 'sent' ? 'This endpoint sent' : 'The peer sent';
  const code = f.errorCode === ErrorCode.ENHANCE_YOUR_CALM
    ? errorCodeName(f.errorCode)
    : `error code 0x${(f.errorCode ?? 0).toString(16)} (${f.errorCode === NGHTTP2_ERR_FLOODED_ON_WIRE ? 'nghttp2 NGHTTP2_ERR_FLOODED' : 'nghttp2 NGHTTP2_ERR_TOO_MANY_CONTINUATIONS'}, a flood verdict)`;
  const parts = [`${who} ${kind} ${code}${f.debugData ? ` (debug "${f.debugData}")` : ''}: the ${offender} is considered to generate excessive load (RFC 9113 §10.5).`];
  if (debug) parts.push(`The debug data names the defence: ${debug.text}.`);
  else if (odd) parts.push(`The error code names the defence: ${odd.text}.`);
  if (top) parts.push(`Most likely cause on this connection: ${top.summary}${against ? ` — ${against}` : ''}.`);
  else if (!debug && !odd) parts.push('No flood pattern is visible earlier on this connection in this log: the peer may count across connections or use undisclosed thresholds (edges such as Cloudflare or Google\'s GFE).');
  const resetPing = top?.kind === 'pings' && /RST_STREAM/.test(top.summary);
  if (resetPing) parts.push('This is the Go ≥ 1.24 reset + PING pattern: drain response bodies before closing them.');
  const others = causes.slice(1, 4).map((c) => c.summary);
  return {
    rule: ENHANCE_YOUR_CALM, severity: 'error', line: f.line, startChar: f.startChar, endChar: f.endChar,
    connection: conn.id, ...(f.streamId ? { stream: f.streamId } : {}), frame: f.index, related,
    message: parts.join(' '),
    budget: [
      ...(top?.budget ?? []),
      ...causes.slice(1, 6).map((c) => `${c.summary}${c.against ? ` — ${c.against}` : ''}`),
    ],
    explanation: [
      'ENHANCE_YOUR_CALM (0xb) is a peer\'s verdict that this endpoint misbehaves: one of its denial-of-service defences (RFC 9113 §10.5) tripped.',
      others.length ? `Other load seen on this connection: ${others.join('; ')}.` : '',
    ].filter(Boolean).join('\n\n'),
    ...(resetPing ? { fix: 'drain-go-body' as const } : {}),
  };
}
