/**
 * rapid-reset: the client opens streams and resets them before any response (HTTP/2 Rapid Reset,
 * CVE-2023-44487), past what real servers allow: Envoy's premature resets, Rust h2's resets before
 * accept, nginx's refused streams, nghttp2's reset bucket.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import { ErrorCode } from '../knowledge/rfc9113.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict } from './budget.ts';
import { Sample, during, floodFinding, fromSide, limitOf, limitsOf, n, notesFor, scoreOf } from './budget.ts';
import type { PeerProfile } from './profiles.ts';
import { BucketBudget, CountBudget } from './resetBudget.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { StreamValues } from './streamSlots.ts';
import { frameTypes } from './frameDispatch.ts';

export const RAPID_RESET = 'rapid-reset';

interface EnvoyState { profile: PeerProfile; limit: number; lifetimeS: number; action: string | undefined; premature: number; closed: number; cutAt?: FrameRecord; closedAtCut?: number }
interface PendingState { profile: PeerProfile; allowed: number; action: string | undefined; pending: number; max: number; cutAt?: FrameRecord }

export class RapidResetMeter implements Meter {
  /** HEADERS open a stream or answer it; DATA, HEADERS and RST_STREAM close one. */
  readonly types = frameTypes(FrameType.HEADERS, FrameType.DATA, FrameType.RST_STREAM);
  /** Client streams still open: when they opened and whether the server answered. */
  private readonly open: StreamValues<{ opened: FrameRecord; responded: boolean }>;
  readonly rapid = new Sample(20);
  private readonly envoy: EnvoyState[] = [];
  private readonly pending: PendingState[] = [];
  private readonly bucket: BucketBudget;
  private readonly refused: CountBudget;
  private untimed = false;

  constructor(private readonly m: MeterContext) {
    this.open = new StreamValues(m.trace, m.conn);
    for (const { profile: p, limit: l } of limitsOf(m.ctx, m.rule, 'prematureResetStreams')) {
      const t = limitOf(m.ctx, m.rule, p, 'prematureResetLifetimeSeconds');
      if (t) this.envoy.push({ profile: p, limit: l.value, lifetimeS: t.value, action: l.action, premature: 0, closed: 0 });
    }
    for (const { profile: p, limit: a } of limitsOf(m.ctx, m.rule, 'maxPendingAcceptResets')) this.pending.push({ profile: p, allowed: a.value, action: a.action, pending: 0, max: 0 });
    this.bucket = new BucketBudget(m, 'resetBurst', 'resetRatePerSecond', 'RST_STREAM');
    this.refused = new CountBudget(m, 'maxRefusedStreams', 'streams refused by the server (REFUSED_STREAM)');
  }

  frame(f: FrameRecord): void {
    if (f.streamId === 0) return;
    const conn = this.m.conn;
    const fromClient = fromSide(conn, f, 'client');
    if (fromClient && f.type === FrameType.HEADERS && f.stateBefore === 'idle' && f.streamId % 2 === 1) {
      this.open.set(f, { opened: f, responded: false });
      return;
    }
    const s = this.open.get(f);
    if (!fromClient && f.type === FrameType.HEADERS) {
      if (s) s.responded = true;
      // The server is answering: Rust h2 has accepted what was pending.
      for (const p of this.pending) p.pending = 0;
    }
    if (f.type === FrameType.RST_STREAM) {
      if (fromClient) this.bucket.take(f);
      else if (f.errorCode === ErrorCode.REFUSED_STREAM) this.refused.take(f);
      if (fromClient && s && !s.responded) this.rapidReset(f);
    }
    if (s && (f.stateAfter === 'closed' || f.type === FrameType.RST_STREAM)) {
      this.open.delete(f);
      this.closed(f, fromClient && f.type === FrameType.RST_STREAM && !s.responded ? s.opened : undefined);
    }
  }

  private rapidReset(f: FrameRecord): void {
    this.rapid.push(f);
    for (const p of this.pending) {
      p.pending++;
      p.max = Math.max(p.max, p.pending);
      if (p.pending > p.allowed && !p.cutAt) p.cutAt = f;
    }
  }

  /** Envoy counts every closed stream, and the premature resets among them (conn_manager_impl.cc). */
  private closed(f: FrameRecord, rapidOpened: FrameRecord | undefined): void {
    for (const e of this.envoy) {
      e.closed++;
      if (rapidOpened) {
        let premature = true;
        if (f.time === undefined || rapidOpened.time === undefined) this.untimed = true;
        else premature = Math.floor((f.time - rapidOpened.time) / 1000) <= e.lifetimeS;
        if (premature) e.premature++;
      }
      if (e.cutAt || e.premature === 0) continue;
      const cut = e.closed < e.limit ? e.premature * 2 >= e.limit : e.premature * 2 >= e.closed;
      if (cut) {
        e.cutAt = f;
        e.closedAtCut = e.closed;
      }
    }
  }

  verdicts(): ProfileVerdict[] {
    const out: ProfileVerdict[] = [];
    for (const e of this.envoy) {
      const allowed = Math.ceil(e.limit / 2);
      const v = { profile: e.profile, used: e.premature, allowed, unit: 'premature resets', ...(e.action ? { action: e.action } : {}), ...(e.cutAt ? { cutAt: e.cutAt } : {}) };
      const rule = `cuts once half of the closed streams (at least ${n(e.limit)}, or ${n(allowed)} before that) were reset within ${e.lifetimeS} s without a response`;
      const untimed = this.untimed ? ' (no timestamps: every reset before a response counted)' : '';
      const summary = e.cutAt
        ? `${e.profile.name}: ${rule} — cut after ${n(e.closedAtCut ?? e.closed)} closed streams at line ${n(e.cutAt.line + 1)}: ${e.action ?? 'connection closed'}${untimed}`
        : `${e.profile.name}: ${rule} — ${n(e.premature)} premature of ${n(e.closed)} closed streams${untimed}`;
      out.push({ ...v, summary });
    }
    for (const p of this.pending) {
      const v = { profile: p.profile, used: p.max, allowed: p.allowed, unit: 'streams reset before being accepted', ...(p.action ? { action: p.action } : {}), ...(p.cutAt ? { cutAt: p.cutAt } : {}) };
      const summary = p.cutAt
        ? `${p.profile.name}: more than ${n(p.allowed)} streams reset before the server accepted them (counted since the server last sent HEADERS) — cut at line ${n(p.cutAt.line + 1)}: ${p.action ?? 'connection closed'}`
        : `${p.profile.name}: at most ${n(p.max)} of ${n(p.allowed)} streams reset before the server accepted them${p.max >= p.allowed ? ` — budget used up: one more and ${p.action ?? 'it closes the connection'}` : ''}`;
      out.push({ ...v, summary });
    }
    out.push(...this.bucket.verdicts(), ...this.refused.verdicts());
    return out;
  }

  measure(): Measurement | undefined {
    if (this.rapid.count === 0) return undefined;
    const verdicts = this.verdicts();
    return {
      rule: RAPID_RESET, kind: 'rapid-resets', offender: 'client', count: this.rapid.count,
      headline: `${n(this.rapid.count)} stream${this.rapid.count === 1 ? '' : 's'} reset by the client before any response${during(this.rapid.first[0], this.rapid.last)}`,
      verdicts, notes: notesFor(this.m.ctx, this.m.rule), first: this.rapid.first, recent: this.rapid.recent(), score: scoreOf(verdicts),
    };
  }
}

const EXPLANATION = [
  'HTTP/2 Rapid Reset (CVE-2023-44487): the client opens a stream (HEADERS) and resets it (RST_STREAM) at once, over and over. The reset frees the stream slot, so MAX_CONCURRENT_STREAMS never stops it, while the server has already started work for each request.',
  '',
  'Servers defend with counts: Envoy closes the connection once half of its streams (of at least 500; or 250 before that) were reset within a second without a response; Rust h2 answers GOAWAY ENHANCE_YOUR_CALM "too_many_resets" past 20 streams reset before it accepted them; nghttp2 takes a token per RST_STREAM from a bucket of 1,000 refilled by 33 per second (GOAWAY INTERNAL_ERROR); nginx refuses streams and closes after 129 refusals; Go bounds the handlers that may wait. Cloudflare and Google do not publish their numbers.',
  '',
  '**Fix** in a client: a request cancelled before its response is normal now and then (a timeout); in a loop it is not. Look for cancelled contexts or aborted requests issued in a burst.',
].join('\n');

export const rapidResetRule: Rule = {
  id: RAPID_RESET,
  title: 'Rapid Reset (CVE-2023-44487)',
  defaultSeverity: 'warning',
  description: 'The client resets streams before any response (HEADERS then RST_STREAM) past a real server\'s limit: Envoy\'s premature resets, Rust h2\'s resets before accept, nginx\'s refused streams, nghttp2\'s reset bucket (CVE-2023-44487).',
  params: ['prematureResetStreams', 'prematureResetLifetimeSeconds', 'maxPendingAcceptResets', 'maxRefusedStreams', 'resetBurst', 'resetRatePerSecond'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(rapidResetRule, trace, ctx);
  },
  scan({ conn, load }: ScanContext): ConnectionScan {
    return {
      end: (): Finding[] => {
        const m = load.rapid.measure();
        const finding = m && floodFinding(conn, m, { rule: RAPID_RESET, severity: 'warning', fullSeverity: 'info', relatedLabel: 'stream reset before any response', explanation: EXPLANATION });
        return finding ? [finding] : [];
      },
    };
  },
};
