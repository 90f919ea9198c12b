/** What a rule is and what it produces. Rules are pure functions of the trace. */
import type { Trace } from '../model/trace.ts';
import type { PeerProfile } from './profiles.ts';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface RelatedLocation {
  line: number;
  startChar: number;
  endChar: number;
  message: string;
  /** Frame index when the location is a frame. */
  frame?: number;
}

export interface Finding {
  rule: string;
  severity: Severity;
  line: number;
  startChar: number;
  endChar: number;
  connection?: string;
  stream?: number;
  /** The frame the finding sits on. */
  frame?: number;
  /** One paragraph: what happened and what it means. */
  message: string;
  related: RelatedLocation[];
  /** Longer Markdown story for the hover: cause, consequences, fix. */
  explanation?: string;
  /** Budget lines for the hover ("3 strikes of grpc-go's 2 allowed"). */
  budget?: string[];
  /** Set when the quick-fix that drains Go response bodies applies. */
  fix?: 'drain-go-body';
}

export interface RuleContext {
  /** Peer profiles to evaluate against (all by default). */
  profiles: readonly PeerProfile[];
  /** Severity overrides by rule id ('off' disables). */
  severity?: Record<string, Severity | 'off'>;
}

export interface Rule {
  id: string;
  title: string;
  defaultSeverity: Severity;
  /** One-line description for docs and SARIF. */
  description: string;
  check(trace: Trace, ctx: RuleContext): Finding[];
}

/**
 * Rule docs live in docs/rules.md, one section per rule (anchor = rule id). The server passes the
 * installed file's URI; the CLI and SARIF use the repository-relative path.
 */
export const DOCS_PATH = 'docs/rules.md';
export const ruleDocsUrl = (id: string, base: string = DOCS_PATH): string => `${base}#${id}`;
