/**
 * ping-flood: the PINGs one side sends use up (or exceed) a real peer's PING budget (CVE-2019-9512).
 */
import type { Connection, Trace } from '../model/trace.ts';
import { scanOnly } from './engine.ts';
import type { PingMeter } from './pingBudget.ts';
import type { ConnectionScan, Finding, RelatedLocation, Rule, RuleContext, ScanContext } from './types.ts';
import { at, plural } from './util.ts';

export const PING_FLOOD = 'ping-flood';
const MAX_RELATED = 20;

export const pingFloodRule: Rule = {
  id: PING_FLOOD,
  title: 'PING flood',
  defaultSeverity: 'warning',
  description: 'The PINGs sent on a connection use up a real peer\'s PING budget (grpc-go keepalive strikes, queued-ACK limits of nghttp2, Apache, Envoy, Go): CVE-2019-9512.',
  params: ['maxQueuedAcks', 'maxPingStrikes', 'pingMinIntervalMs', 'pingIdleMinIntervalMs'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(pingFloodRule, trace, ctx);
  },
  scan({ conn, load }: ScanContext): ConnectionScan {
    return { end: () => findingsFor(conn, [load.ping.client, load.ping.server]) };
  },
};

function findingsFor(conn: Connection, meters: PingMeter[]): Finding[] {
  const findings: Finding[] = [];
  for (const meter of meters) {
    const m = meter.measure();
    if (!m) continue;
    const report = meter.report();
    const cutting = m.verdicts.filter((v) => v.cutAt).sort((a, b) => a.cutAt!.index - b.cutAt!.index);
    // Warning when a budget is used up to its limit: one more and that peer cuts.
    const full = m.verdicts.filter((v) => !v.cutAt && !v.unavailable && ((v.used >= v.allowed && v.used > 0) || v.atRisk));
    if (cutting.length === 0 && full.length === 0) continue;
    const first = cutting[0] ?? full[0]!;
    const anchor = first.cutAt ?? first.counted?.[first.counted.length - 1] ?? m.recent[m.recent.length - 1]!;
    const related: RelatedLocation[] = [];
    for (const f of (first.counted ?? []).slice(0, MAX_RELATED)) if (f.index !== anchor.index) related.push(at(f, `PING counted by ${first.profile.id}`));
    for (const { rst } of report.afterReset.slice(0, MAX_RELATED)) related.push(at(rst, 'RST_STREAM that this PING accompanied (Go ≥ 1.24 sends a PING with each reset)'));
    const who = meter.pinger === 'client' ? 'The client' : 'The server';
    const verdict = first.cutAt
      ? `${first.profile.name} would cut the connection here: ${first.action ?? 'connection closed'}.`
      : first.used >= first.allowed
        ? `${first.profile.name}'s budget is used up: one more such PING and it closes the connection.`
        : `${first.profile.name} could cut the connection: ${first.summary.replace(/^[^:]*: /, '')}.`;
    const pairs = report.afterResetCount;
    const resets = pairs ? ` ${pairs === 1 ? 'One' : plural(pairs, 'of them', 'of them')} came straight after a RST_STREAM (Go ≥ 1.24 pairs each reset with a PING).` : '';
    findings.push({
      rule: PING_FLOOD,
      severity: first.cutAt ? 'error' : 'warning',
      line: anchor.line,
      startChar: anchor.startChar,
      endChar: anchor.endChar,
      connection: conn.id,
      frame: anchor.index,
      message: `${who} sent ${plural(m.count, 'PING')} on this connection.${resets} ${verdict}`,
      related: related.sort((a, b) => a.line - b.line),
      budget: [m.headline, ...m.verdicts.map((v) => v.summary), ...m.notes],
      explanation: 'PINGs must be answered, so a peer that receives many of them spends work on each: CVE-2019-9512 (PING flood). Servers and edges therefore count them and close the connection with GOAWAY ENHANCE_YOUR_CALM, or drop it, past a budget. See which peer would cut, and after how many, in the budget below.',
    });
  }
  return findings;
}
