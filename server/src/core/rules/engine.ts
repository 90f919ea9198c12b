/**
 * The streaming engine: one pass per connection over its frames, in order. Each rule's scan sees the
 * frame first (a verdict takes its snapshot of the load before the frame counts), then the shared
 * load meters (calmCauses.ts ConnectionLoad) count it. Per-connection state only: the same code runs
 * in the editor and on a 1 GB file.
 */
import type { Trace } from '../model/trace.ts';
import { ConnectionLoad } from './calmCauses.ts';
import type { ConnectionScan, Finding, Rule, RuleContext } from './types.ts';
import { Pacer, runSteps, type Steps } from '../steps.ts';
import { FrameDispatch } from './frameDispatch.ts';

export function runScans(trace: Trace, ctx: RuleContext, rules: readonly Rule[]): Map<string, Finding[]> {
  return runSteps(scanSteps(trace, ctx, rules));
}

/** runScans, pausing as it goes (see steps.ts). */
export function* scanSteps(trace: Trace, ctx: RuleContext, rules: readonly Rule[]): Steps<Map<string, Finding[]>> {
  const out = new Map<string, Finding[]>(rules.map((r) => [r.id, []]));
  const scanning = rules.filter((r) => r.scan);
  if (scanning.length === 0) return out;
  const frames = trace.frames;
  const pace = new Pacer();
  for (const conn of trace.connections) {
    const load = new ConnectionLoad(trace, conn, ctx);
    const scans: Array<{ rule: Rule; scan: ConnectionScan }> = [];
    for (const rule of scanning) {
      const scan = rule.scan!({ trace, conn, ctx, load });
      if (scan) scans.push({ rule, scan });
    }
    // Bound once: a call through a function value, not a megamorphic `.frame` lookup per frame and rule.
    const visitors = new FrameDispatch();
    for (const { scan } of scans) if (scan.frame) visitors.add(scan.frame.bind(scan), scan.types);
    const list = conn.frames;
    // A connection's setup counts as work too: a capture can have 10^5 connections of a frame or two.
    if (pace.tick(64)) yield;
    for (let k = 0; k < list.length;) {
      k = visitFrames(frames, list, k, visitors, load, pace);
      if (k < list.length) yield;
    }
    for (const { rule, scan } of scans) {
      // Not push(...found): spreading a long list as arguments would overflow the stack.
      const to = out.get(rule.id)!;
      for (const finding of scan.end()) to.push(finding);
    }
  }
  return out;
}

/**
 * Hands `list[from…]` to the visitors and the load meters until the pacer asks for a pause; returns
 * where it stopped. A function of its own, not the generator's loop: V8 optimizes it alone, and a
 * late-taken branch re-optimizes it without the generator.
 */
function visitFrames(frames: Trace['frames'], list: readonly number[], from: number, visitors: FrameDispatch, load: ConnectionLoad, pace: Pacer): number {
  for (let k = from; k < list.length; k++) {
    const f = frames.row(list[k]!);
    const visit = visitors.visitorsOf(f.type);
    for (let v = 0; v < visit.length; v++) visit[v]!(f);
    load.frame(f);
    if (pace.tick()) return k + 1;
  }
  return list.length;
}

/** `Rule.check` of a rule that has a scan: the engine run for that rule alone. */
export function scanOnly(rule: Rule, trace: Trace, ctx: RuleContext): Finding[] {
  return runScans(trace, ctx, [rule]).get(rule.id) ?? [];
}
