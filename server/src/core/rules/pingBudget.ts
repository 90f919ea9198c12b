/**
 * How a connection's PINGs look to the PING defences of real peers (peer profiles): grpc-go's
 * keepalive strikes and the queued-ACK limits of nghttp2, Apache, Envoy and Go. Streaming: a
 * `PingMeter` sees the frames of one connection in order and keeps running counts; ping-flood reports
 * its final measurement, enhance-your-calm a snapshot at each verdict.
 */
import { FrameType, endsStream } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict, Side } from './budget.ts';
import { Sample, SlidingCount, during, fromSide, lastFrameFrom, limitOf, limitsOf, n, notesFor, scoreOf } from './budget.ts';
import type { PeerProfile } from './profiles.ts';
import type { RuleContext } from './types.ts';
import { formatSeconds } from './util.ts';
import { StreamSet } from './streamSlots.ts';
import { frameTypes } from './frameDispatch.ts';
import { lowerBound } from '../lowerBound.ts';

/** The limits of keepalive-strike budgets: a profile left out here is told in the PING budget's notes. */
const STRIKE_KEYS = ['maxPingStrikes', 'pingMinIntervalMs', 'pingIdleMinIntervalMs'] as const;

export type { ProfileVerdict } from './budget.ts';

export interface PingReport {
  /** Which end sent the PINGs. */
  pinger: Side;
  /** The PINGs (not ACKs) the pinger sent; bounded sample when `count` is larger. */
  pings: FrameRecord[];
  count: number;
  /** Pings that came straight after a RST_STREAM from the same side (Go ≥ 1.24 pattern): count and sample. */
  afterReset: Array<{ rst: FrameRecord; ping: FrameRecord }>;
  afterResetCount: number;
  verdicts: ProfileVerdict[];
}

/**
 * ACKs the peer owes one side: PINGs and SETTINGS that side sent and the peer has not acknowledged
 * yet. nghttp2 and Envoy count exactly these in one queue (PING ACK + SETTINGS ACK); from a log they
 * are an upper bound of the peer's queue (ACKs in flight or in socket buffers count too).
 */
export class AckQueue {
  private pings = new Map<string, number>();
  outstandingPings = 0;
  outstandingSettings = 0;
  constructor(private readonly conn: Connection, private readonly side: Side) {}
  /** Returns true when the frame added to the queue. */
  frame(f: FrameRecord): boolean {
    if (f.type !== FrameType.PING && f.type !== FrameType.SETTINGS) return false;
    const mine = fromSide(this.conn, f, this.side);
    const ack = (f.flags & 1) !== 0;
    if (f.type === FrameType.PING) {
      const key = f.pingPayload ?? '';
      if (!ack && mine) {
        this.pings.set(key, (this.pings.get(key) ?? 0) + 1);
        this.outstandingPings++;
        return true;
      }
      if (ack && !mine) {
        const k = this.pings.get(key) ?? 0;
        if (k > 0) {
          if (k === 1) this.pings.delete(key);
          else this.pings.set(key, k - 1);
          this.outstandingPings--;
        }
      }
      return false;
    }
    if (!ack && mine) {
      this.outstandingSettings++;
      return true;
    }
    if (ack && !mine && this.outstandingSettings > 0) this.outstandingSettings--;
    return false;
  }
  get total(): number {
    return this.outstandingPings + this.outstandingSettings;
  }
}

/** Per-profile state of the queued-ACK budget. */
interface QueueState { profile: PeerProfile; allowed: number; action: string | undefined; pingsOnly: boolean; whenBlocked: boolean; max: number; cutAt?: FrameRecord; passedAt?: FrameRecord }

/**
 * The queued-ACK budget of nghttp2 (and Apache over it), Envoy and Go for the PINGs and SETTINGS one
 * side sends: cut when more are awaiting their ACK than the peer queues; "at risk" when more were sent
 * within one second than it queues (a peer that reads them in one go before answering cuts: Apache did,
 * in the floods recorded for the tests, with fewer than 1,000 awaiting an ACK in the client's log).
 */
export class AckBudget {
  readonly queue: AckQueue;
  private readonly states: QueueState[] = [];
  readonly perSecond = new SlidingCount(1000);
  private readonly pingsPerSecond = new SlidingCount(1000);
  constructor(m: MeterContext, side: Side) {
    this.queue = new AckQueue(m.conn, side);
    for (const { profile: p, limit: q } of limitsOf(m.ctx, m.rule, 'maxQueuedAcks')) {
      this.states.push({ profile: p, allowed: q.value, action: q.action, pingsOnly: !!q.pingsOnly, whenBlocked: !!q.queuedWhenBlocked, max: 0 });
    }
  }
  frame(f: FrameRecord): void {
    if (!this.queue.frame(f)) return;
    this.perSecond.push(f);
    if (f.type === FrameType.PING) this.pingsPerSecond.push(f);
    const total = this.queue.total;
    const pings = this.queue.outstandingPings;
    for (const q of this.states) {
      const n = q.pingsOnly ? pings : total;
      if (n > q.max) q.max = n;
      // A peer that queues only while its socket is blocked (Go) is at risk past its limit, not cut:
      // the log cannot show how many of those ACKs sat in socket buffers rather than in its queue.
      if (n > q.allowed && q.whenBlocked) q.passedAt ??= f;
      else if (n > q.allowed && !q.cutAt) q.cutAt = f;
    }
  }
  verdicts(): ProfileVerdict[] {
    return this.states.map((q) => {
      const window = q.pingsOnly ? this.pingsPerSecond : this.perSecond;
      const peak = window.peak;
      const atRisk = !q.cutAt && (peak > q.allowed || !!q.passedAt);
      const v = { profile: q.profile, used: q.max, allowed: q.allowed, unit: 'queued ACKs', ...(q.action ? { action: q.action } : {}), ...(q.cutAt ? { cutAt: q.cutAt } : {}), ...(atRisk ? { atRisk } : {}) };
      const what = (q.pingsOnly ? 'PING' : 'PING/SETTINGS frame') + (q.max === 1 ? '' : 's');
      const summary = q.cutAt
        ? `${q.profile.name}: ${n(q.max)} ${what} awaiting their ACK, over the ${n(q.allowed)} queued ACKs it allows — ${q.action ?? 'connection closed'} (from line ${n(q.cutAt.line + 1)})`
        : q.passedAt
          ? `${q.profile.name}: ${n(q.max)} ${what} awaiting their ACK (over ${n(q.allowed)} from line ${n(q.passedAt.line + 1)}), but it queues an ACK only while it cannot write to the socket: if the socket buffers were full too, ${q.action ?? 'it closes the connection'}`
          : `${q.profile.name}: at most ${n(q.max)} ${what} awaiting an ACK at once, of ${n(q.allowed)} queued ACKs allowed${atRisk ? `; but ${n(peak)} sent within one second (line ${n(window.peakAt!.line + 1)}): if it reads them before answering, ${q.action ?? 'it closes the connection'}` : ''}`;
      return { ...v, summary };
    });
  }
}

/** Per-profile state of grpc-go's strike policy. */
interface StrikeState {
  profile: PeerProfile;
  allowed: number;
  minMs: number;
  idleMs: number;
  action: string | undefined;
  strikes: number;
  max: number;
  lastPingAt?: number;
  cutAt?: FrameRecord;
  counted: FrameRecord[];
  untimed: boolean;
}

const MAX_COUNTED = 50;

export class PingMeter implements Meter {
  private readonly acks: AckBudget;
  private readonly strikes: StrikeState[] = [];
  private readonly pings = new Sample(25);
  private readonly peak = new SlidingCount(1000);
  private readonly pairs: Array<{ rst: FrameRecord; ping: FrameRecord }> = [];
  private pairCount = 0;
  /**
   * PING and SETTINGS (the ACK queue); with strikes also HEADERS, DATA and RST_STREAM, which open and
   * close streams (grpc-go's active streams) and tell that the server wrote.
   */
  readonly types: number;
  /** grpc-go: client streams active from the server's view, and whether the server wrote HEADERS/DATA since the last ping. */
  private readonly active: StreamSet;
  private serverWrote = false;

  constructor(private readonly m: MeterContext, readonly pinger: Side) {
    this.acks = new AckBudget(m, pinger);
    this.active = new StreamSet(m.trace, m.conn);
    // Strikes are a server policy on the client's PINGs (grpc-go keepalive enforcement).
    for (const { profile: p, limit: s } of pinger === 'client' ? limitsOf(m.ctx, m.rule, 'maxPingStrikes') : []) {
      const min = limitOf(m.ctx, m.rule, p, 'pingMinIntervalMs');
      const idle = limitOf(m.ctx, m.rule, p, 'pingIdleMinIntervalMs');
      if (min && idle) this.strikes.push({ profile: p, allowed: s.value, minMs: min.value, idleMs: idle.value, action: s.action, strikes: 0, max: 0, counted: [], untimed: false });
    }
    this.types = frameTypes(FrameType.PING, FrameType.SETTINGS) | (this.strikes.length ? frameTypes(FrameType.HEADERS, FrameType.DATA, FrameType.RST_STREAM) : 0);
  }

  frame(f: FrameRecord): void {
    const conn = this.m.conn;
    const mine = fromSide(conn, f, this.pinger);
    if (this.strikes.length && f.streamId !== 0) {
      const fromClient = isFromClient(conn, f);
      if (f.type === FrameType.HEADERS && fromClient && f.stateBefore === 'idle') this.active.add(f);
      if (f.stateAfter === 'closed' || f.type === FrameType.RST_STREAM) this.active.delete(f);
      if (!fromClient && (f.type === FrameType.HEADERS || f.type === FrameType.DATA)) this.serverWrote = true;
      if (endsStream(f) && f.stateAfter === 'closed') this.active.delete(f);
    }
    this.acks.frame(f);
    if (!mine) return;
    if (f.type === FrameType.PING && (f.flags & 1) === 0) {
      this.pings.push(f);
      this.peak.push(f);
      // The pinger's frame before this PING, of any type: Go ≥ 1.24 writes a PING right after a RST_STREAM.
      const trace = this.m.trace;
      const prev = lastFrameFrom(trace, conn, this.pinger, lowerBound(conn.frames, f.index));
      if (prev >= 0 && trace.frames.typeOf(prev) === FrameType.RST_STREAM) {
        this.pairCount++;
        if (this.pairs.length < 20) this.pairs.push({ rst: trace.frames.row(prev), ping: f });
      }
      this.strike(f);
    }
  }

  /**
   * grpc-go server keepalive enforcement (internal/transport/http2_server.go handlePing): a PING sooner
   * than MinTime after the previous one (2 h when no stream is active and PermitWithoutStream is false)
   * is a strike; strikes are forgiven once the server has sent HEADERS or DATA; more than maxStrikes
   * strikes → GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
   */
  private strike(f: FrameRecord): void {
    const forgiven = this.serverWrote;
    this.serverWrote = false;
    for (const s of this.strikes) {
      if (s.untimed) continue;
      if (f.time === undefined) {
        s.untimed = true;
        continue;
      }
      if (forgiven) s.strikes = 0;
      else {
        const interval = this.active.size < 1 ? s.idleMs : s.minMs;
        if (s.lastPingAt !== undefined && s.lastPingAt + interval > f.time) {
          s.strikes++;
          if (s.counted.length < MAX_COUNTED) s.counted.push(f);
          if (s.strikes > s.allowed && !s.cutAt) s.cutAt = f;
        }
      }
      s.max = Math.max(s.max, s.strikes);
      s.lastPingAt = f.time;
    }
  }

  verdicts(): ProfileVerdict[] {
    const out: ProfileVerdict[] = [];
    const sawPing = this.pings.count > 0;
    for (const s of this.strikes) {
      const base = { profile: s.profile, allowed: s.allowed, unit: 'strikes', ...(s.action ? { action: s.action } : {}) };
      if (s.untimed) {
        out.push({ ...base, used: 0, unavailable: 'the log has no timestamps, so PING intervals cannot be checked', summary: `${s.profile.name}: not evaluated (no timestamps in the log)` });
        continue;
      }
      const used = s.max;
      const min = formatSeconds(s.minMs / 1000);
      const idle = formatSeconds(s.idleMs / 1000);
      const summary = !sawPing
        ? `${s.profile.name}: no PING from the client`
        : s.cutAt
          ? `${s.profile.name}: ${n(used)} strikes of ${n(s.allowed)} allowed — GOAWAY ENHANCE_YOUR_CALM "too_many_pings" at line ${n(s.cutAt.line + 1)} (PINGs closer than ${min}, or ${idle} with no active stream, without HEADERS/DATA from the server in between)`
          : `${s.profile.name}: ${n(used)} strike${used === 1 ? '' : 's'} of ${n(s.allowed)} allowed (PINGs closer than ${min}, or ${idle} with no active stream, count unless the server sent HEADERS/DATA since the last one)`;
      out.push({ ...base, used, counted: s.counted, ...(s.cutAt ? { cutAt: s.cutAt } : {}), summary });
    }
    out.push(...this.acks.verdicts());
    return out;
  }

  report(): PingReport {
    return { pinger: this.pinger, pings: this.pings.first, count: this.pings.count, afterReset: this.pairs, afterResetCount: this.pairCount, verdicts: this.verdicts() };
  }

  measure(): Measurement | undefined {
    if (this.pings.count === 0) return undefined;
    const verdicts = this.verdicts();
    const paired = this.pairCount ? `, ${n(this.pairCount)} of them right after a RST_STREAM (the Go ≥ 1.24 reset + PING pattern)` : '';
    const recent = this.pings.recent();
    return {
      rule: 'ping-flood', kind: 'pings', offender: this.pinger, count: this.pings.count,
      headline: `${n(this.pings.count)} PING${this.pings.count === 1 ? '' : 's'} from the ${this.pinger}${during(this.pings.first[0], this.pings.last)}${this.peak.peak > 1 ? ` (at most ${n(this.peak.peak)} within one second)` : ''}${paired}`,
      verdicts, notes: notesFor(this.m.ctx, this.m.rule, STRIKE_KEYS), first: this.pings.first, recent,
      // Reset + PING pairs break ties: the pattern edges are known to count.
      score: scoreOf(verdicts) + (this.pairCount / this.pings.count) * 0.01,
    };
  }
}

/** Evaluate the PINGs sent by one side of a connection (frames before `upTo`) against the profiles. */
export function pingReport(trace: Trace, conn: Connection, pinger: Side, profiles: readonly PeerProfile[], upTo = Infinity, ctx?: Partial<RuleContext>): PingReport {
  const meter = new PingMeter({ trace, conn, ctx: { ...ctx, profiles }, rule: 'ping-flood' }, pinger);
  for (const i of conn.frames) {
    if (i >= upTo) break;
    meter.frame(trace.frames.row(i));
  }
  return meter.report();
}
