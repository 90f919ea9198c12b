/**
 * stream-id-violation: stream identifiers that break RFC 9113 §5.1.1 / §6.8 — a new stream whose id
 * is not above every earlier one of its initiator, a stream opened with the other side's parity
 * (clients odd, servers even), a stream opened after its opener received a GOAWAY, above that
 * GOAWAY's last-stream-id, and a GOAWAY whose last-stream-id goes up.
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import { n } from './budget.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, RelatedLocation, Rule, RuleContext, ScanContext } from './types.ts';
import { at } from './util.ts';
import { frameTypes } from './frameDispatch.ts';

export const STREAM_ID_VIOLATION = 'stream-id-violation';
const MAX_EXPLAINED_PER_CONNECTION = 10;

export const streamIdViolationRule: Rule = {
  id: STREAM_ID_VIOLATION,
  title: 'Stream identifier violation',
  defaultSeverity: 'error',
  description: 'Stream ids that go down, use the wrong parity for their initiator, or open streams after a GOAWAY above its last-stream-id; a GOAWAY last-stream-id that increases (RFC 9113 §5.1.1, §6.8).',
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(streamIdViolationRule, trace, ctx);
  },
  scan({ trace, conn }: ScanContext): ConnectionScan {
    return scanConnection(trace, conn);
  },
};

function scanConnection(trace: Trace, conn: Connection): ConnectionScan {
  const findings: Finding[] = [];
  const max = { client: 0, server: 0 };
  const maxFrame: { client?: FrameRecord; server?: FrameRecord } = {};
  /** The GOAWAY each side received (keyed by the receiver), and the last one each side sent. */
  const received: { client?: FrameRecord; server?: FrameRecord } = {};
  const lastSent: { client?: FrameRecord; server?: FrameRecord } = {};
  let explained = 0;
  let more = 0;
  let firstMore: FrameRecord | undefined;
  const report = (f: FrameRecord, message: string, related: RelatedLocation[]): void => {
    if (explained >= MAX_EXPLAINED_PER_CONNECTION) {
      more++;
      firstMore ??= f;
      return;
    }
    explained++;
    findings.push({
      rule: STREAM_ID_VIOLATION, severity: 'error', line: f.line, startChar: f.startChar, endChar: f.endChar, connection: conn.id,
      ...(f.streamId ? { stream: f.streamId } : {}), frame: f.index, related, message,
      explanation: 'RFC 9113 §5.1.1: clients open odd-numbered streams, servers even ones, and each new stream id must be greater than all the ids its initiator used before; anything else is a connection error PROTOCOL_ERROR. §6.8: after receiving GOAWAY an endpoint must not open streams, and the sender ignores those above its last-stream-id; a later GOAWAY must not raise that id.',
    });
  };
  const known = conn.role !== 'unknown';
  const frame = (f: FrameRecord): void => {
    const type = f.type;
    // Only GOAWAY and a stream's opening HEADERS matter: every other frame leaves at once.
    if (type !== FrameType.GOAWAY && (type !== FrameType.HEADERS || f.streamId === 0 || conn.joinedMidway || !known)) return;
    const sender = isFromClient(conn, f) ? 'client' : 'server';
    if (type === FrameType.GOAWAY) {
      const receiver = sender === 'client' ? 'server' : 'client';
      const prev = lastSent[sender];
      if (known && prev && prev.lastStreamId !== undefined && f.lastStreamId !== undefined && f.lastStreamId > prev.lastStreamId) {
        report(f, `The ${sender} sent a GOAWAY with last-stream-id ${n(f.lastStreamId)}, above the ${n(prev.lastStreamId)} of its earlier GOAWAY: the id must not increase (RFC 9113 §6.8), so the ${receiver} cannot trust which streams were processed.`, [at(prev, 'the earlier GOAWAY')]);
      }
      lastSent[sender] = f;
      received[receiver] ??= f;
      return;
    }
    const ordinal = trace.streamOrdinals[f.index]!;
    const stream = ordinal >= 0 ? conn.streamList[ordinal] : undefined;
    // The HEADERS that opens a stream: the stream's first HEADERS, sent by its opener.
    if (!stream || stream.openFrame !== f.index) return;
    const parity = f.streamId % 2 === 1 ? 'client' : 'server';
    if (parity !== sender) {
      report(f, `The ${sender} opened stream ${f.streamId}, ${parity === 'client' ? 'an odd' : 'an even'} id: ${sender === 'client' ? 'clients open odd-numbered streams' : 'servers open even-numbered streams (and only through PUSH_PROMISE in HTTP)'} (RFC 9113 §5.1.1). The ${sender === 'client' ? 'server' : 'client'} must treat it as a connection error PROTOCOL_ERROR.`, []);
      return;
    }
    if (f.streamId <= max[sender]) {
      report(f, `The ${sender} opened stream ${f.streamId} after stream ${max[sender]}: new stream ids must increase (RFC 9113 §5.1.1). A lower id is already closed (implicitly), so the peer must answer with a connection error PROTOCOL_ERROR.`, maxFrame[sender] ? [at(maxFrame[sender]!, `stream ${max[sender]} opened here`)] : []);
    } else {
      max[sender] = f.streamId;
      maxFrame[sender] = f;
    }
    const g = received[sender];
    // Only provable in the log of the endpoint that received the GOAWAY: a stream the peer opened may have crossed it.
    if (g && f.direction === 'sent' && g.direction === 'received' && f.streamId > (g.lastStreamId ?? 0)) {
      report(f, `The ${sender} opened stream ${f.streamId} after it had received a GOAWAY with last-stream-id ${n(g.lastStreamId ?? 0)}: after a GOAWAY no new stream may be opened (RFC 9113 §6.8), and the ${sender === 'client' ? 'server' : 'client'} ignores this one — the request is lost; retry it on a new connection.`, [at(g, 'the GOAWAY')]);
    }
  };
  const end = (): Finding[] => {
  if (more && firstMore) {
    findings.push({
      rule: STREAM_ID_VIOLATION, severity: 'error', line: firstMore.line, startChar: firstMore.startChar, endChar: firstMore.endChar, connection: conn.id, frame: firstMore.index,
      related: [], message: `${n(more)} more stream-id violations on this connection after the first ${MAX_EXPLAINED_PER_CONNECTION} (explained above).`,
    });
  }
  return findings;
  };
  return { frame, end, types: frameTypes(FrameType.GOAWAY, FrameType.HEADERS) };
}
