/**
 * flow-control-violation: DATA beyond the stream or connection window, a WINDOW_UPDATE with increment
 * 0, or a window pushed above 2^31−1 (RFC 9113 §6.9), with both windows tracked per stream and per
 * connection in both directions (flowWindows.ts).
 */
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { rfcLink } from '../knowledge/rfc9113.ts';
import { n } from './budget.ts';
import type { FlowViolation } from './flowWindows.ts';
import { MAX_WINDOW } from './flowWindows.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { at } from './util.ts';

export const FLOW_CONTROL_VIOLATION = 'flow-control-violation';
const MAX_EXPLAINED_PER_CONNECTION = 10;

function describe(v: FlowViolation): string {
  const f = v.frame;
  const by = f.direction === 'sent' ? 'This endpoint' : 'The peer';
  const peerOf = f.direction === 'sent' ? 'the peer' : 'this endpoint';
  switch (v.kind) {
    case 'data-beyond-stream-window':
      return `${by} sent ${n(f.length)} bytes of DATA on stream ${f.streamId} with only ${n(Math.max(0, v.window))} bytes left in the stream's flow-control window (${n(v.window)}): ${peerOf} must answer FLOW_CONTROL_ERROR (RFC 9113 §6.9.1). Servers count such client errors: Apache mod_http2 closes the connection after 8 (H2MaxStreamErrors), and each reset it provokes is a MadeYouReset lever (CVE-2025-8671).`;
    case 'data-beyond-connection-window':
      return `${by} sent ${n(f.length)} bytes of DATA with only ${n(Math.max(0, v.window))} bytes left in the connection's flow-control window (${n(v.window)}): a connection error FLOW_CONTROL_ERROR (RFC 9113 §6.9.1). Check that every WINDOW_UPDATE on stream 0 was logged; a missing one would explain it.`;
    case 'window-update-zero':
      return `${by} sent a WINDOW_UPDATE with increment 0 ${v.scope === 'connection' ? 'for the connection' : `on stream ${f.streamId}`}: a ${v.scope} error PROTOCOL_ERROR (RFC 9113 §6.9). nghttp2 answers GOAWAY PROTOCOL_ERROR "WINDOW_UPDATE: window_size_increment == 0"; HAProxy counts it as a glitch; on a stream it makes the server reset it (a MadeYouReset lever, CVE-2025-8671).`;
    case 'window-above-max':
      return `${by} sent a WINDOW_UPDATE of ${n(f.increment ?? 0)} that takes the ${v.scope === 'connection' ? 'connection' : `stream ${f.streamId}`} window to ${n(v.window)}, above the maximum of 2^31−1 = ${n(MAX_WINDOW)}: a ${v.scope} error FLOW_CONTROL_ERROR (RFC 9113 §6.9.1).`;
    case 'initial-window-above-max':
      return `${by} sent SETTINGS_INITIAL_WINDOW_SIZE = ${n(v.window)}, above the maximum of 2^31−1: a connection error FLOW_CONTROL_ERROR (RFC 9113 §6.5.2).`;
  }
}

export const flowControlViolationRule: Rule = {
  id: FLOW_CONTROL_VIOLATION,
  title: 'Flow-control violation',
  defaultSeverity: 'error',
  description: 'DATA beyond the stream or connection flow-control window, a WINDOW_UPDATE with increment 0, or a window above 2^31−1 (RFC 9113 §6.9), tracked per stream and per connection in both directions.',
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(flowControlViolationRule, trace, ctx);
  },
  scan({ trace, conn, load }: ScanContext): ConnectionScan {
    // The connection's windows are tracked once, by the shared load; this rule hears its violations.
    const findings: Finding[] = [];
    const repeats: FrameRecord[] = [];
    load.onFlowViolation = (violations: FlowViolation[]): void => {
      for (const v of violations) {
        if (findings.length >= MAX_EXPLAINED_PER_CONNECTION) {
          repeats.push(v.frame);
          continue;
        }
        findings.push(finding(trace, conn, v));
      }
    };
    return {
      end(): Finding[] {
        if (repeats.length) {
          const first = repeats[0]!;
          findings.push({
            rule: FLOW_CONTROL_VIOLATION, severity: 'error', line: first.line, startChar: first.startChar, endChar: first.endChar, connection: conn.id, frame: first.index,
            related: repeats.slice(1, 21).map((r) => at(r, 'another flow-control violation')),
            message: `${n(repeats.length)} more flow-control violations on this connection after the first ${MAX_EXPLAINED_PER_CONNECTION} (explained above).`,
          });
        }
        return findings;
      },
    };
  },
};

function finding(trace: Trace, conn: Connection, v: FlowViolation): Finding {
  const f = v.frame;
  const stream = f.streamId ? conn.streams.get(f.streamId) : undefined;
  const opener = stream?.openFrame !== undefined ? trace.frames.get(stream.openFrame) : undefined;
  return {
    rule: FLOW_CONTROL_VIOLATION, severity: 'error', line: f.line, startChar: f.startChar, endChar: f.endChar,
    connection: conn.id, ...(f.streamId ? { stream: f.streamId } : {}), frame: f.index,
    related: opener && opener.index !== f.index ? [at(opener, `stream ${f.streamId} opened here`)] : [],
    message: describe(v),
    explanation: `Flow control (RFC 9113 §6.9, ${rfcLink('6.9')}): each side may send only as many DATA bytes as the receiver granted — 65,535 per stream (or SETTINGS_INITIAL_WINDOW_SIZE) and per connection to begin with, plus each WINDOW_UPDATE. h2lens tracks both windows of both directions from the log; a frame missing from the log (another Framer, a truncated file) can make a window look smaller than it was.`,
  };
}
