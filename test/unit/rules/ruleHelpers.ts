/** Helpers of the rule tests: run the analysis with chosen profiles and thresholds, pick findings. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import type { FrameRecord } from '../../../server/src/core/model/trace.ts';
import { PROFILES, selectProfiles } from '../../../server/src/core/rules/profiles.ts';
import { ConnectionLoad } from '../../../server/src/core/rules/calmCauses.ts';
import type { Finding, RuleContext } from '../../../server/src/core/rules/types.ts';
import { FIXTURES, fixture } from '../helpers.ts';

export interface RunOptions {
  profiles?: string[];
  thresholds?: RuleContext['thresholds'];
  severity?: RuleContext['severity'];
}

export function analyzeLines(lines: string[], o: RunOptions = {}): Analysis {
  return analyzeText(lines.join('\n'), { ctx: { profiles: selectProfiles(o.profiles), ...(o.thresholds ? { thresholds: o.thresholds } : {}), ...(o.severity ? { severity: o.severity } : {}) } });
}

export const byRule = (a: Analysis, rule: string): Finding[] => a.findings.filter((f) => f.rule === rule);

/** A flood run's client log, plain or gzipped: `floods/<server>/<attack>/client.log[.gz]`. */
export function floodLogPath(server: string, attack: string): string {
  const plain = `floods/${server}/${attack}/client.log`;
  return existsSync(join(FIXTURES, plain)) ? plain : `${plain}.gz`;
}

const cache = new Map<string, Analysis>();
/** The analysis of a real fixture with the default profiles (cached: the floods are large). */
export function analyzedFixture(rel: string, o: RunOptions = {}): Analysis {
  const key = `${rel} ${JSON.stringify(o)}`;
  let a = cache.get(key);
  if (!a) cache.set(key, (a = analyzeText(fixture(rel), { ctx: { profiles: selectProfiles(o.profiles), ...(o.thresholds ? { thresholds: o.thresholds } : {}) } })));
  return a;
}

/** Counted frames of a kind sent by the client up to and including frame index `upTo`. */
export function countUpTo(a: Analysis, upTo: number, pick: (f: FrameRecord) => boolean): number {
  let n = 0;
  for (const f of a.trace!.frames) {
    if (f.index > upTo) break;
    if (pick(f)) n++;
  }
  return n;
}

/** Every load meter run over the first connection of a log. */
export function firstConnectionLoad(a: Analysis): ConnectionLoad {
  const trace = a.trace!;
  const conn = trace.connections[0]!;
  const l = new ConnectionLoad(trace, conn, { profiles: PROFILES });
  for (const i of conn.frames) l.frame(trace.frames.get(i)!);
  return l;
}
