/** What a rule is and what it produces. Rules are pure functions of the trace. */
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import type { ConnectionLoad } from './calmCauses.ts';
import type { LimitKey, PeerProfile } from './profiles.ts';

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
  /**
   * Threshold overrides by rule id, then parameter (a profile limit key, see `Rule.params`): the value
   * replaces that limit in every evaluated profile that has it, for that rule only. Settings key
   * `h2lens.rules.<id>.<param>`.
   */
  thresholds?: Record<string, Record<string, number>>;
  /** Profiles left out on this connection because its peer cannot be them, with why (rules/peerContext.ts). */
  notApplied?: ReadonlyArray<{ profile: PeerProfile; reason: string }>;
}

export interface Rule {
  id: string;
  title: string;
  defaultSeverity: Severity;
  /** One-line description for docs and SARIF. */
  description: string;
  /** Profile limits this rule reads; each can be overridden with `h2lens.rules.<id>.<param>`. */
  params?: readonly LimitKey[];
  check(trace: Trace, ctx: RuleContext): Finding[];
  /**
   * The streaming form: called once per connection; the scan sees the connection's frames in order
   * (before the shared load meters see each frame) and gives its findings at the end. Rules with a
   * scan run together in one pass per connection (rules/engine.ts).
   */
  scan?(s: ScanContext): ConnectionScan | undefined;
}

/** What a rule's scan of one connection gets. */
export interface ScanContext {
  trace: Trace;
  conn: Connection;
  ctx: RuleContext;
  /** Every load meter of the connection, fed by the engine after the rules' `frame` calls. */
  load: ConnectionLoad;
}

export interface ConnectionScan {
  frame?(f: FrameRecord): void;
  /**
   * The frame types `frame` reads (a mask of `1 << type`, see frameTypes): frames of other types are
   * not passed. Undefined: every frame. A scan that declares types does nothing for other frames.
   */
  types?: number;
  end(): Finding[];
}

/**
 * Rule docs live in docs/rules.md, one section per rule (anchor = rule id). The server passes the
 * installed file's URI; the CLI and SARIF use the repository-relative path.
 */
export const DOCS_PATH = 'docs/rules.md';
export const ruleDocsUrl = (id: string, base: string = DOCS_PATH): string => `${base}#${id}`;
