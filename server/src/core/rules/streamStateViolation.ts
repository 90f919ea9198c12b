/**
 * stream-state-violation: a frame the RFC 9113 §5.1 state machine forbids in the stream's state.
 * The state machine itself runs in the trace builder; this rule reports what it flagged.
 */
import type { Trace } from '../model/trace.ts';
import { rfcLink } from '../knowledge/rfc9113.ts';
import type { Finding, Rule } from './types.ts';
import { at } from './util.ts';

export const STREAM_STATE_VIOLATION = 'stream-state-violation';

export const streamStateViolationRule: Rule = {
  id: STREAM_STATE_VIOLATION,
  title: 'Frame not allowed in the stream\'s state',
  defaultSeverity: 'error',
  description: 'A frame that the RFC 9113 §5.1 stream state machine forbids in the stream\'s current state.',
  check(trace: Trace): Finding[] {
    const findings: Finding[] = [];
    const frames = trace.frames;
    // By row, not by frame object: 10^6 frames, a handful with a violation.
    for (let i = 0; i < frames.length; i++) {
      if (frames.extrasOf(i)?.violation === undefined) continue;
      const f = frames.row(i);
      const conn = trace.connectionById.get(f.connection);
      const stream = conn?.streams.get(f.streamId);
      const opener = stream?.openFrame !== undefined ? trace.frames.get(stream.openFrame) : undefined;
      const v = f.violation!;
      const by = f.direction === 'sent' ? 'This endpoint' : 'The peer';
      findings.push({
        rule: STREAM_STATE_VIOLATION, severity: 'error', line: f.line, startChar: f.startChar, endChar: f.endChar,
        connection: f.connection, stream: f.streamId, frame: f.index,
        related: opener && opener.index !== f.index ? [at(opener, `stream ${f.streamId} opened here`)] : [],
        message: `${by} broke the stream state machine: ${v.why} (stream ${f.streamId} was ${f.stateBefore}). The receiver must treat this as a ${v.scope} error of type ${v.error} (RFC 9113 §5.1).`,
        explanation: `RFC 9113 §5.1 (${rfcLink('5.1')}) lists which frames each stream state allows. A ${v.scope} error ${v.scope === 'connection' ? 'ends the whole connection with GOAWAY' : 'resets the stream with RST_STREAM'} ${v.error}.`,
      });
    }
    return findings;
  },
};
