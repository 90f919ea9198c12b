/**
 * The reset budgets of real servers, shared by reset-flood and rapid-reset (and enhance-your-calm):
 * nghttp2's token bucket on every RST_STREAM a server receives, its "glitch" bucket, h2o's reset
 * budget, Rust h2's and Apache's counts of the streams a server had to reset because of client errors
 * (MadeYouReset, CVE-2025-8671), Envoy's premature resets and Rust h2's reset-before-accept count
 * (Rapid Reset, CVE-2023-44487), nginx's refused streams.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord } from '../model/trace.ts';
import { ErrorCode } from '../knowledge/rfc9113.ts';
import type { MeterContext, ProfileVerdict } from './budget.ts';
import { TokenBucket, fromSide, limitOf, limitsOf, n } from './budget.ts';
import type { PeerProfile } from './profiles.ts';
import { lowerBound } from '../lowerBound.ts';

/** Codes a server resets a stream with when a client frame broke the rules (MadeYouReset's lever). */
const PROVOKED_CODES = new Set<number>([ErrorCode.PROTOCOL_ERROR, ErrorCode.FLOW_CONTROL_ERROR, ErrorCode.STREAM_CLOSED, ErrorCode.FRAME_SIZE_ERROR]);

/** Is this RST_STREAM the server's answer to a client frame on the same stream? */
export function isProvokedReset(m: MeterContext, f: FrameRecord): boolean {
  if (f.type !== FrameType.RST_STREAM || f.errorCode === undefined || !PROVOKED_CODES.has(f.errorCode)) return false;
  if (!fromSide(m.conn, f, 'server')) return false;
  const stream = m.conn.streams.get(f.streamId);
  if (!stream) return false;
  // The frame just before the reset on that stream (the stream's frames are in order).
  const list = stream.frames;
  const at = lowerBound(list, f.index);
  if (at === 0) return false;
  const prev = m.trace.frames.row(list[at - 1]!);
  return fromSide(m.conn, prev, 'client');
}

/** A token bucket per profile (nghttp2 and Apache over it). */
export class BucketBudget {
  private readonly buckets: Array<{ profile: PeerProfile; bucket: TokenBucket; action: string | undefined }> = [];
  count = 0;
  /** `what`: the counted thing, singular and plural ("RST_STREAM", "glitch"/"glitches"). */
  constructor(m: MeterContext, burstKey: 'resetBurst' | 'glitchBurst', rateKey: 'resetRatePerSecond' | 'glitchRatePerSecond', private readonly what: string, private readonly whats = what) {
    for (const { profile: p, limit: b } of limitsOf(m.ctx, m.rule, burstKey)) {
      const r = limitOf(m.ctx, m.rule, p, rateKey);
      if (r) this.buckets.push({ profile: p, bucket: new TokenBucket(b.value, r.value), action: b.action });
    }
  }
  take(f: FrameRecord): void {
    this.count++;
    for (const b of this.buckets) b.bucket.take(f);
  }
  verdicts(): ProfileVerdict[] {
    if (this.count === 0) return [];
    return this.buckets.map(({ profile, bucket, action }) => {
      const v = { profile, used: bucket.maxUsed + (bucket.cutAt ? 1 : 0), allowed: bucket.burst, unit: `${this.what} tokens`, ...(action ? { action } : {}), ...(bucket.cutAt ? { cutAt: bucket.cutAt } : {}) };
      const rule = `allows a burst of ${n(bucket.burst)} ${this.whats} then ${n(bucket.rate)}/s`;
      const untimed = bucket.untimed ? ' (no timestamps: counted as if within one second, an upper bound)' : '';
      const summary = bucket.cutAt
        ? `${profile.name}: ${rule} — cut at the ${this.what} on line ${n(bucket.cutAt.line + 1)}: ${action ?? 'connection closed'}${untimed}`
        : bucket.maxUsed >= bucket.burst
          ? `${profile.name}: ${rule} — all ${n(bucket.burst)} tokens used: one more within the second and ${action ?? 'it closes the connection'}${untimed}`
          : `${profile.name}: ${rule} — at most ${n(bucket.maxUsed)} tokens in use${untimed}`;
      return { ...v, summary };
    });
  }
}

/** A plain count per profile: cut when it passes the limit. */
export class CountBudget {
  private readonly states: Array<{ profile: PeerProfile; allowed: number; action: string | undefined; cutAt?: FrameRecord }> = [];
  count = 0;
  constructor(m: MeterContext, key: 'maxProvokedResets' | 'maxStreamErrors' | 'maxRefusedStreams' | 'maxEmptyDataFrames', private readonly unit: string) {
    for (const { profile: p, limit: l } of limitsOf(m.ctx, m.rule, key)) this.states.push({ profile: p, allowed: l.value, action: l.action });
  }
  take(f: FrameRecord): void {
    this.count++;
    for (const s of this.states) if (this.count > s.allowed && !s.cutAt) s.cutAt = f;
  }
  verdicts(): ProfileVerdict[] {
    if (this.count === 0) return [];
    return this.states.map((s) => {
      const v = { profile: s.profile, used: this.count, allowed: s.allowed, unit: this.unit, ...(s.action ? { action: s.action } : {}), ...(s.cutAt ? { cutAt: s.cutAt } : {}) };
      const summary = s.cutAt
        ? `${s.profile.name}: ${n(this.count)} ${this.unit}, over the ${n(s.allowed)} it allows — cut at line ${n(s.cutAt.line + 1)}: ${s.action ?? 'connection closed'}`
        : this.count >= s.allowed
          ? `${s.profile.name}: ${n(this.count)} of ${n(s.allowed)} ${this.unit} — budget used up: one more and ${s.action ?? 'it closes the connection'}`
          : `${s.profile.name}: ${n(this.count)} of ${n(s.allowed)} ${this.unit}`;
      return { ...v, summary };
    });
  }
}

/**
 * h2o's reset budget (lib/http2/connection.c): starts at its max concurrent requests, −1 for every
 * stream the client resets (or makes the server reset), +1 for every other stream that ends; at zero,
 * h2o delays each request by dos_delay instead of cutting.
 */
export class H2oResetBudget {
  private readonly states: Array<{ profile: PeerProfile; start: number; action: string | undefined; budget: number; min: number; cutAt?: FrameRecord }> = [];
  resets = 0;
  constructor(m: MeterContext) {
    for (const { profile: p, limit: l } of limitsOf(m.ctx, m.rule, 'resetBudget')) this.states.push({ profile: p, start: l.value, action: l.action, budget: l.value, min: l.value });
  }
  reset(f: FrameRecord): void {
    this.resets++;
    for (const s of this.states) {
      s.budget--;
      if (s.budget < s.min) s.min = s.budget;
      if (s.budget <= 0 && !s.cutAt) s.cutAt = f;
    }
  }
  normal(): void {
    for (const s of this.states) s.budget++;
  }
  verdicts(): ProfileVerdict[] {
    if (this.resets === 0) return [];
    return this.states.map((s) => {
      const used = s.start - Math.max(0, s.min);
      const v = { profile: s.profile, used, allowed: s.start, unit: 'of its reset budget', throttle: true, ...(s.action ? { action: s.action } : {}), ...(s.cutAt ? { cutAt: s.cutAt } : {}) };
      const summary = s.cutAt
        ? `${s.profile.name}: reset budget of ${n(s.start)} (−1 per reset, +1 per stream that ends normally) down to 0 at line ${n(s.cutAt.line + 1)}: ${s.action ?? 'requests delayed'}`
        : `${s.profile.name}: reset budget of ${n(s.start)} (−1 per reset, +1 per stream that ends normally), lowest ${n(Math.max(0, s.min))}`;
      return { ...v, summary };
    });
  }
}
