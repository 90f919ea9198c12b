/**
 * What the flood rules share: a per-connection "meter" sees the frames of one connection in order,
 * keeps small running state, and at any moment gives a measurement — how much of each evaluated
 * peer profile's budget the traffic used, and where that peer would cut the connection. The flood
 * rules report the final measurement; enhance-your-calm takes a snapshot at each verdict.
 */
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import type { Limit, LimitKey, PeerProfile } from './profiles.ts';
import type { Finding, RelatedLocation, RuleContext, Severity } from './types.ts';
import { Queue } from '../queue.ts';
import { at, formatSeconds } from './util.ts';
import { formatNumber } from '../numberText.ts';

export type Side = 'client' | 'server';
export const otherSide = (s: Side): Side => (s === 'client' ? 'server' : 'client');

export interface ProfileVerdict {
  profile: PeerProfile;
  /** Budget used, in `unit` (the most reached on the connection). */
  used: number;
  allowed: number;
  unit: string;
  /** The frame at which the peer would cut the connection (or start throttling, see `throttle`). */
  cutAt?: FrameRecord;
  /** The peer only slows down past the limit (h2o's reset budget): no cut. */
  throttle?: boolean;
  /** Frames that counted against the budget, when the profile counts some and not others (strikes). */
  counted?: FrameRecord[];
  /** Why the profile could not be evaluated (e.g. no timestamps). */
  unavailable?: string;
  /**
   * Not cut by what the log shows, but within reach: e.g. more PINGs within one second than the
   * queue the peer allows, had it read them in one go before answering.
   */
  atRisk?: boolean;
  /** Reaching the limit (without passing it) is ordinary traffic: only a cut counts. */
  quietAtLimit?: boolean;
  /** What the peer does past the limit. */
  action?: string;
  /** One line for the hover. */
  summary: string;
}

export type CauseKind =
  | 'pings' | 'resets' | 'rapid-resets' | 'provoked-resets' | 'settings' | 'empty-frames' | 'continuations'
  | 'streams' | 'window-updates' | 'debug-data';

export interface Measurement {
  /** The rule that reports this measurement. */
  rule: string;
  kind: CauseKind;
  offender: Side;
  /** Frames counted. */
  count: number;
  /** "1,000 RST_STREAM in 0.4 s" */
  headline: string;
  verdicts: ProfileVerdict[];
  /** Profiles with a defence but no number for it (said, never counted). */
  notes: string[];
  /** The first counted frames (bounded). */
  first: FrameRecord[];
  /** The most recent counted frames (bounded). */
  recent: FrameRecord[];
  /** Largest used/allowed over the verdicts: ≥ 1 means a peer would have cut (or is at its limit). */
  score: number;
}

/** Feeds on the frames of one connection, in order. */
export interface Meter {
  frame(f: FrameRecord): void;
  /**
   * The frame types `frame` reads (a mask of `1 << type`, see frameTypes); the connection's load does
   * not pass it frames of other types. Undefined: every frame. A meter that declares types does
   * nothing for other frames (fed every frame, it gives the same results).
   */
  readonly types?: number;
  /** The measurement so far: cheap (bounded by profiles and samples), undefined when nothing counted. */
  measure(): Measurement | undefined;
}

/** What a meter knows about its connection. */
export interface MeterContext {
  trace: Trace;
  conn: Connection;
  ctx: RuleContext;
  /** The rule whose threshold overrides apply. */
  rule: string;
}

export const fromSide = (conn: Connection, f: FrameRecord, side: Side): boolean => isFromClient(conn, f) === (side === 'client');

/** Are the frames `side` sends the ones the logger received? (The logger is the server, or else taken as the client.) */
export const receivedFrom = (conn: Connection, side: Side): boolean => (side === 'client') === (conn.role === 'server');

/**
 * The last frame of `conn` the logger received (`received`), or sent, before position `end` of
 * `conn.frames` (a trace index), or -1. It walks back over the frames of the other direction: meters
 * and scans that read only some frame types ask this instead of watching every frame go by, at most
 * once per frame they read, over stretches that do not overlap.
 */
export function lastFrameIn(trace: Trace, conn: Connection, received: boolean, end = conn.frames.length): number {
  const list = conn.frames;
  for (let k = end - 1; k >= 0; k--) if (trace.frames.isReceived(list[k]!) === received) return list[k]!;
  return -1;
}

/** The last frame of `conn` that `side` sent before position `end` of `conn.frames`, or -1 (see lastFrameIn). */
export const lastFrameFrom = (trace: Trace, conn: Connection, side: Side, end = conn.frames.length): number => lastFrameIn(trace, conn, receivedFrom(conn, side), end);

/** A profile's limit, with the per-rule override from the settings applied. */
export function limitOf(ctx: RuleContext, rule: string, profile: PeerProfile, key: LimitKey): Limit | undefined {
  const l = profile.limits[key];
  if (!l) return undefined;
  const o = ctx.thresholds?.[rule]?.[key];
  if (typeof o === 'number' && Number.isFinite(o) && o >= 0) return { ...l, value: o, source: `setting h2lens.rules.${rule}.${key} (default ${formatNumber(l.value)}: ${l.source})` };
  return l;
}

/** Per rule context (one per analysis), rule and key: the profiles that have that limit, and the limit. */
const limitLists = new WeakMap<RuleContext, Map<string, Map<LimitKey, ReadonlyArray<{ profile: PeerProfile; limit: Limit }>>>>();

/**
 * The evaluated profiles that have `key` (with the override applied), in profile order: worked out once
 * per analysis, since every connection's meters ask (10^5 connections asked 10^7 times). Maps keyed by
 * the rule and the key themselves (constant strings, hashed once), not by a string made per call.
 */
export function limitsOf(ctx: RuleContext, rule: string, key: LimitKey): ReadonlyArray<{ profile: PeerProfile; limit: Limit }> {
  let byRule = limitLists.get(ctx);
  if (!byRule) limitLists.set(ctx, (byRule = new Map()));
  let byKey = byRule.get(rule);
  if (!byKey) byRule.set(rule, (byKey = new Map()));
  let list = byKey.get(key);
  if (!list) {
    const found: Array<{ profile: PeerProfile; limit: Limit }> = [];
    for (const profile of ctx.profiles) {
      const limit = limitOf(ctx, rule, profile, key);
      if (limit) found.push({ profile, limit });
    }
    byKey.set(key, (list = found));
  }
  return list;
}

export const isOverridden = (l: Limit | undefined): boolean => !!l && l.source.startsWith('setting ');

/** Notes of the evaluated profiles about this rule, and the settings that replaced a profile number. */
export function notesFor(ctx: RuleContext, rule: string, keys: readonly LimitKey[] = []): string[] {
  const out: string[] = [];
  // A profile left out on this connection is told where its limits would have been read (`keys`).
  for (const { profile, reason } of ctx.notApplied ?? []) if (keys.some((k) => profile.limits[k])) out.push(`${profile.name}: ${reason}.`);
  for (const p of ctx.profiles) for (const note of p.notes ?? []) if (note.rules.includes(rule)) out.push(`${p.name}: ${note.text}.`);
  for (const [key, value] of Object.entries(ctx.thresholds?.[rule] ?? {})) {
    const had = ctx.profiles.filter((p) => p.limits[key as LimitKey]).map((p) => `${p.name} ${n(p.limits[key as LimitKey]!.value)}`);
    if (had.length) out.push(`Setting h2lens.rules.${rule}.${key} = ${n(value)} replaces the default of ${had.join(', ')}.`);
  }
  return out;
}

/** Keeps the first and the last `n` frames of a sequence, in O(1) per frame. */
export class Sample {
  readonly first: FrameRecord[] = [];
  private ring: FrameRecord[] = [];
  private next = 0;
  count = 0;
  constructor(private readonly n = 20) {}
  push(f: FrameRecord): void {
    this.count++;
    if (this.first.length < this.n) this.first.push(f);
    if (this.ring.length < this.n) this.ring.push(f);
    else {
      this.ring[this.next] = f;
      this.next = (this.next + 1) % this.n;
    }
  }
  recent(): FrameRecord[] {
    return this.ring.length < this.n ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
  get last(): FrameRecord | undefined {
    if (this.ring.length === 0) return undefined;
    return this.ring[(this.next + this.ring.length - 1) % this.ring.length];
  }
}

/**
 * nghttp2's rate limiter (lib/nghttp2_ratelim.c): `burst` tokens, refilled by `rate` per whole
 * second; a frame takes one token; none left → the peer acts. Without timestamps the bucket never
 * refills: the count is then an upper bound, as if every frame came within one second.
 */
export class TokenBucket {
  private val: number;
  private stamp: number | undefined;
  /** Most tokens in use at once (burst − lowest level). */
  maxUsed = 0;
  cutAt: FrameRecord | undefined;
  untimed = false;
  constructor(readonly burst: number, readonly rate: number) {
    this.val = burst;
  }
  take(f: FrameRecord): void {
    if (f.time === undefined) this.untimed = true;
    else {
      const t = Math.floor(f.time / 1000);
      if (this.stamp === undefined) this.stamp = t;
      else if (t !== this.stamp) {
        const d = t > this.stamp ? t - this.stamp : 1;
        this.val = Math.min(this.burst, this.val + this.rate * d);
        this.stamp = t;
      }
    }
    if (this.val < 1) {
      this.cutAt ??= f;
      return;
    }
    this.val -= 1;
    this.maxUsed = Math.max(this.maxUsed, this.burst - this.val);
  }
}

/** How many frames fell within the last `windowMs` (timestamps only): amortised O(1) per frame. */
export class SlidingCount {
  private readonly times = new Queue<number>();
  peak = 0;
  peakAt: FrameRecord | undefined;
  constructor(private readonly windowMs = 1000) {}
  push(f: FrameRecord): void {
    if (f.time === undefined) return;
    const times = this.times;
    times.push(f.time);
    while (times.peek() <= f.time - this.windowMs) times.shift();
    if (times.length > this.peak) {
      this.peak = times.length;
      this.peakAt = f;
    }
  }
}

export const n = formatNumber;

export function ordinal(x: number): string {
  const s = x % 100 >= 11 && x % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][x % 10] ?? 'th');
  return `${n(x)}${s}`;
}

/** " in 0.4 s" / " within one second" / "" (no timestamps), between two frames. */
export function during(first: FrameRecord | undefined, last: FrameRecord | undefined): string {
  if (!first || !last || first.time === undefined || last.time === undefined) return '';
  const s = (last.time - first.time) / 1000;
  if (s <= 0) return ' all at the same timestamp';
  return ` in ${formatSeconds(s)}`;
}

/** The standard verdict line: "<profile>: <used> of <allowed> <unit> — cut at line N: <action>". */
export function verdictLine(v: Omit<ProfileVerdict, 'summary'>, detail = ''): string {
  const name = v.profile.name;
  if (v.unavailable) return `${name}: not evaluated (${v.unavailable})`;
  const base = `${name}: ${n(v.used)} of ${n(v.allowed)} ${v.unit}${detail ? ` ${detail}` : ''}`;
  if (v.cutAt) return `${base} — ${v.throttle ? 'throttles from' : 'cut at'} line ${n(v.cutAt.line + 1)}: ${v.action ?? 'connection closed'}`;
  if (v.used >= v.allowed && v.used > 0) return `${base} — budget used up: one more and ${v.action ?? 'the connection is closed'}`;
  return base;
}

export function scoreOf(verdicts: readonly ProfileVerdict[]): number {
  let s = 0;
  for (const v of verdicts) {
    if (v.unavailable || v.allowed <= 0) continue;
    let r = v.used / v.allowed;
    if (v.cutAt && !v.throttle) r = Math.max(1.0001, r);
    else if (v.atRisk) r = Math.max(0.95, r);
    else if (v.quietAtLimit) r *= 0.5;
    s = Math.max(s, r);
  }
  return s;
}

export interface FloodFindingOptions {
  rule: string;
  /** Severity when some profile would cut. */
  severity: Severity;
  /** Severity when no profile cuts but a budget is used up. */
  fullSeverity: Severity;
  /** Wording of a counted frame in the related information. */
  relatedLabel: string;
  explanation: string;
  /** Extra sentence for the message (e.g. the MadeYouReset variant). */
  extra?: string;
  maxRelated?: number;
}

/**
 * One finding for a measurement when a profile would cut the connection (or a budget is used up):
 * anchored where the first peer would cut, the budget of every evaluated profile in the hover.
 */
export function floodFinding(conn: Connection, m: Measurement, o: FloodFindingOptions): Finding | undefined {
  const cutting = m.verdicts.filter((v) => v.cutAt && !v.throttle).sort((a, b) => a.cutAt!.index - b.cutAt!.index);
  const throttling = m.verdicts.filter((v) => v.cutAt && v.throttle);
  const full = m.verdicts.filter((v) => !v.cutAt && !v.unavailable && ((v.used >= v.allowed && v.used > 0 && !v.quietAtLimit) || v.atRisk));
  if (cutting.length === 0 && full.length === 0 && throttling.length === 0) return undefined;
  const first = cutting[0] ?? throttling[0] ?? full[0]!;
  const anchor = first.cutAt ?? m.recent[m.recent.length - 1] ?? m.first[0]!;
  const max = o.maxRelated ?? 20;
  const related: RelatedLocation[] = [];
  for (const f of m.first.slice(0, max)) if (f.index !== anchor.index) related.push(at(f, `${o.relatedLabel} (counted by ${first.profile.id})`));
  for (const v of [...cutting.slice(1), ...throttling.filter((t) => t !== first)]) {
    if (v.cutAt && v.cutAt.index !== anchor.index) related.push(at(v.cutAt, `${v.profile.name} would ${v.throttle ? 'start throttling' : 'cut the connection'} here: ${v.action ?? 'connection closed'}`));
  }
  let verdict: string;
  if (first.cutAt && !first.throttle) verdict = `${first.profile.name} would cut the connection here: ${first.action ?? 'connection closed'}.`;
  else if (first.cutAt) verdict = `${first.profile.name} would start throttling here: ${first.action ?? 'requests delayed'}.`;
  else if (first.atRisk && first.used < first.allowed) verdict = `${first.profile.name} could cut the connection: ${first.summary.replace(/^[^:]*: /, '')}.`;
  else verdict = `${first.profile.name}'s budget is used up: one more and ${first.action ?? 'it closes the connection'}.`;
  const others = cutting.slice(1).map((v) => `${v.profile.name} (line ${n(v.cutAt!.line + 1)})`);
  const also = others.length ? ` Also past the limit of: ${others.join(', ')}.` : '';
  return {
    rule: o.rule,
    severity: cutting.length ? o.severity : o.fullSeverity,
    line: anchor.line,
    startChar: anchor.startChar,
    endChar: anchor.endChar,
    connection: conn.id,
    ...(anchor.streamId ? { stream: anchor.streamId } : {}),
    frame: anchor.index,
    message: `${m.headline}.${o.extra ? ` ${o.extra}` : ''} ${verdict}${also}`,
    related: related.sort((a, b) => a.line - b.line),
    budget: [m.headline, ...m.verdicts.map((v) => v.summary), ...m.notes],
    explanation: o.explanation,
  };
}
