/** The rule catalogue and the one function that runs it. */
import type { Trace } from '../model/trace.ts';
import { cancelledResponseRule } from './cancelledResponse.ts';
import { concurrentStreamsExceededRule } from './concurrentStreamsExceeded.ts';
import { continuationFloodRule } from './continuationFlood.ts';
import { emptyFramesFloodRule } from './emptyFramesFlood.ts';
import { enhanceYourCalmRule } from './enhanceYourCalm.ts';
import { flowControlViolationRule } from './flowControlViolation.ts';
import { goawayRule } from './goaway.ts';
import { pingFloodRule } from './pingFlood.ts';
import { rapidResetRule } from './rapidReset.ts';
import { resetFloodRule } from './resetFlood.ts';
import { settingsFloodRule } from './settingsFlood.ts';
import { streamIdViolationRule } from './streamIdViolation.ts';
import { streamStateViolationRule } from './streamStateViolation.ts';
import { streamErrorRule } from './streamError.ts';
import { scanSteps } from './engine.ts';
import { runSteps, type Steps } from '../steps.ts';
import type { Finding, Rule, RuleContext } from './types.ts';
import { unansweredPingRule } from './unansweredPing.ts';
import { windowUpdateDribbleRule } from './windowUpdateDribble.ts';

export const RULES: readonly Rule[] = [
  cancelledResponseRule,
  enhanceYourCalmRule,
  goawayRule,
  pingFloodRule,
  settingsFloodRule,
  resetFloodRule,
  rapidResetRule,
  emptyFramesFloodRule,
  continuationFloodRule,
  windowUpdateDribbleRule,
  concurrentStreamsExceededRule,
  flowControlViolationRule,
  unansweredPingRule,
  streamStateViolationRule,
  streamIdViolationRule,
  streamErrorRule,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/**
 * Settings keys for per-rule threshold overrides: `h2lens.rules.<id>.<param>` for each rule's params
 * (a number; it replaces that limit in every evaluated profile that has it, for that rule only).
 */
export function thresholdKeys(): string[] {
  return RULES.flatMap((r) => (r.params ?? []).map((p) => `h2lens.rules.${r.id}.${p}`));
}

export function runRules(trace: Trace, ctx: RuleContext): Finding[] {
  return runSteps(runRulesSteps(trace, ctx));
}

/** runRules, pausing in its pass over the frames (see steps.ts). */
export function* runRulesSteps(trace: Trace, ctx: RuleContext): Steps<Finding[]> {
  const findings: Finding[] = [];
  const active = RULES.filter((r) => ctx.severity?.[r.id] !== 'off');
  // Rules with a streaming form run together: one pass per connection.
  const scanned = yield* scanSteps(trace, ctx, active.filter((r) => r.scan));
  for (const rule of active) {
    const override = ctx.severity?.[rule.id] as Finding['severity'] | undefined;
    const produced = rule.scan ? scanned.get(rule.id)! : rule.check(trace, ctx);
    for (const f of produced) findings.push(override ? { ...f, severity: override } : f);
    // A rule without a scan reads the whole trace in one go: a pause after each.
    if (!rule.scan) yield;
  }
  // Rule ids are lowercase ASCII words and hyphens: compared by code point (a collator would map ICU's data in).
  return findings.sort((a, b) => a.line - b.line || a.startChar - b.startChar || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
