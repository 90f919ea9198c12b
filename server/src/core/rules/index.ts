/** The rule catalogue and the one function that runs it. */
import type { Trace } from '../model/trace.ts';
import { cancelledResponseRule } from './cancelledResponse.ts';
import { enhanceYourCalmRule } from './enhanceYourCalm.ts';
import { goawayRule } from './goaway.ts';
import { pingFloodRule } from './pingFlood.ts';
import { streamStateViolationRule } from './streamStateViolation.ts';
import type { Finding, Rule, RuleContext } from './types.ts';
import { unansweredPingRule } from './unansweredPing.ts';

export const RULES: readonly Rule[] = [
  cancelledResponseRule,
  enhanceYourCalmRule,
  goawayRule,
  pingFloodRule,
  unansweredPingRule,
  streamStateViolationRule,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

export function runRules(trace: Trace, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const override = ctx.severity?.[rule.id];
    if (override === 'off') continue;
    for (const f of rule.check(trace, ctx)) findings.push(override ? { ...f, severity: override } : f);
  }
  return findings.sort((a, b) => a.line - b.line || a.startChar - b.startChar || a.rule.localeCompare(b.rule));
}
