/**
 * enhance-your-calm: a GOAWAY or RST_STREAM with ENHANCE_YOUR_CALM (or a flood verdict such as
 * Apache's 0xfffffc78) was sent or received. Names the most likely cause seen earlier on that
 * connection, with its frames as related information.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import { ErrorCode, NGHTTP2_ERR_FLOODED_ON_WIRE, errorCodeName } from '../knowledge/rfc9113.ts';
import type { Finding, RelatedLocation, Rule, RuleContext } from './types.ts';
import { explainDebugData, rankCalmCauses } from './calmCauses.ts';
import { lostStreams } from './goaway.ts';
import { at } from './util.ts';

export const ENHANCE_YOUR_CALM = 'enhance-your-calm';
const MAX_RELATED = 25;
const MAX_EXPLAINED_PER_CONNECTION = 10;

export const enhanceYourCalmRule: Rule = {
  id: ENHANCE_YOUR_CALM,
  title: 'ENHANCE_YOUR_CALM: the peer decided this endpoint misbehaves',
  defaultSeverity: 'error',
  description: 'A GOAWAY or RST_STREAM with ENHANCE_YOUR_CALM (or a flood verdict error code) was sent or received; names the most likely cause found earlier on the connection.',
  check(trace: Trace, ctx: RuleContext): Finding[] {
    const findings: Finding[] = [];
    for (const conn of trace.connections) {
      // Each verdict is explained on its own up to a limit; past it (a peer resetting stream after
      // stream) the rest are summed up in one finding, so the cost stays linear in the frames.
      let reported = 0;
      const repeats: FrameRecord[] = [];
      for (const i of conn.frames) {
        const f = trace.frames[i]!;
        if (f.type !== FrameType.GOAWAY && f.type !== FrameType.RST_STREAM) continue;
        const flooded = f.errorCode === NGHTTP2_ERR_FLOODED_ON_WIRE;
        if (f.errorCode !== ErrorCode.ENHANCE_YOUR_CALM && !flooded) continue;
        if (reported >= MAX_EXPLAINED_PER_CONNECTION) {
          repeats.push(f);
          continue;
        }
        reported++;
        const senderIsClient = isFromClient(conn, f);
        const offender = senderIsClient ? 'server' : 'client';
        const causes = rankCalmCauses(trace, conn, offender, f.index, ctx.profiles);
        const debug = explainDebugData(f.debugData);
        if (debug) {
          // The debug data names the defence: put the matching cause first.
          const k = causes.findIndex((c) => c.kind === debug.kind || (debug.kind === 'resets' && c.kind === 'rapid-resets'));
          if (k > 0) causes.unshift(...causes.splice(k, 1));
        }
        const top = causes[0];
        const related: RelatedLocation[] = [];
        if (top) for (const c of top.frames.slice(-MAX_RELATED)) related.push(at(c, `counted as: ${top.summary}`));
        if (f.type === FrameType.GOAWAY) {
          for (const id of lostStreams(trace, conn, f).slice(0, 10)) {
            const s = conn.streams.get(id)!;
            related.push(at(trace.frames[s.openFrame!]!, `stream ${id} lost (above last-stream-id ${f.lastStreamId ?? 0})`));
          }
        }
        const kind = f.type === FrameType.GOAWAY ? 'GOAWAY' : `RST_STREAM on stream ${f.streamId}`;
        const who = f.direction === 'sent' ? 'This endpoint sent' : 'The peer sent';
        const code = flooded ? 'error code 0xfffffc78 (nghttp2 NGHTTP2_ERR_FLOODED, a flood verdict)' : errorCodeName(f.errorCode!);
        const parts = [`${who} ${kind} ${code}${f.debugData ? ` (debug "${f.debugData}")` : ''}: the ${offender} is considered to generate excessive load (RFC 9113 §10.5).`];
        if (debug) parts.push(`The debug data names the defence: ${debug.text}.`);
        if (top) parts.push(`Most likely cause on this connection: ${top.summary}${top.against ? ` — ${top.against}` : ''}.`);
        else if (!debug) parts.push('No flood pattern is visible earlier on this connection in this log: the peer may count across connections or use undisclosed thresholds (edges such as Cloudflare or Google\'s GFE).');
        if (top?.kind === 'pings' && /RST_STREAM/.test(top.summary)) parts.push('This is the Go ≥ 1.24 reset + PING pattern: drain response bodies before closing them.');
        const others = causes.slice(1, 4).map((c) => c.summary);
        findings.push({
          rule: ENHANCE_YOUR_CALM, severity: 'error', line: f.line, startChar: f.startChar, endChar: f.endChar,
          connection: conn.id, ...(f.streamId ? { stream: f.streamId } : {}), frame: f.index, related,
          message: parts.join(' '),
          budget: causes.map((c) => `${c.summary}${c.against ? ` — ${c.against}` : ''}`),
          explanation: [
            'ENHANCE_YOUR_CALM (0xb) is a peer\'s verdict that this endpoint misbehaves: one of its denial-of-service defences (RFC 9113 §10.5) tripped.',
            others.length ? `Other load seen on this connection: ${others.join('; ')}.` : '',
          ].filter(Boolean).join('\n\n'),
          ...(top?.kind === 'pings' && /RST_STREAM/.test(top.summary) ? { fix: 'drain-go-body' as const } : {}),
        });
      }
      if (repeats.length) {
        const first = repeats[0]!;
        findings.push({
          rule: ENHANCE_YOUR_CALM, severity: 'error', line: first.line, startChar: first.startChar, endChar: first.endChar,
          connection: conn.id, frame: first.index,
          related: repeats.slice(1, MAX_RELATED + 1).map((r) => at(r, 'another ENHANCE_YOUR_CALM')),
          message: `${repeats.length.toLocaleString('en-US')} more ENHANCE_YOUR_CALM frames on this connection after the first ${MAX_EXPLAINED_PER_CONNECTION} (explained above): the peer kept refusing this endpoint's load.`,
        });
      }
    }
    return findings;
  },
};
