/**
 * window-update-dribble: many WINDOW_UPDATEs per DATA frame (CVE-2019-9511 data dribble: the
 * receiver opens the window a few bytes at a time), or a window held at zero while the sender still
 * has data for the stream (CVE-2019-9517 internal data buffering), past a real peer's limit.
 */
import { FrameType } from '../model/frame.ts';
import type { Direction } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict } from './budget.ts';
import { Sample, during, floodFinding, fromSide, limitsOf, n, notesFor, scoreOf } from './budget.ts';
import { FlowWindows } from './flowWindows.ts';
import type { PeerProfile } from './profiles.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { Queue } from '../queue.ts';
import { formatSeconds } from './util.ts';
import { StreamIdMap } from '../model/streamIds.ts';

export const WINDOW_UPDATE_DRIBBLE = 'window-update-dribble';

interface RatioState { profile: PeerProfile; per: number; action: string | undefined; worst: number; worstUsed: number; worstAllowed: number; cutAt?: FrameRecord }
interface ZeroState { profile: PeerProfile; allowedMs: number; action: string | undefined; longest: number; cutAt?: FrameRecord }

export class WindowUpdateMeter implements Meter {
  readonly updates = new Sample(20);
  /** Increments by power of two (bucket k: 2^k … 2^(k+1) − 1): the median without keeping them all. */
  private readonly incrementLog2 = new Array<number>(32).fill(0);
  private openedStreams = 0;
  private serverData = 0;
  private readonly ratio: RatioState[] = [];
  private readonly zero: ZeroState[] = [];
  private readonly windows: FlowWindows | undefined;
  /** Direction of the server's DATA in this log. */
  private readonly serverDir: Direction;
  /** Server streams (and the connection, key 0) whose window the client holds at zero: since which frame. */
  private readonly blocked = new StreamIdMap<FrameRecord>();
  /**
   * What was blocked, in order (frames come in log order, so the first entry still blocked is the
   * earliest); entries no longer blocked are dropped lazily. A rescan of all blocked streams each time
   * the earliest one got credit was quadratic in streams held at zero.
   */
  private readonly order = new Queue<{ key: number; since: FrameRecord }>();
  private earliest: FrameRecord | undefined;

  /** `windows`: the connection's flow-control windows, fed by the caller before this meter (else its own). */
  constructor(private readonly m: MeterContext, windows?: FlowWindows) {
    for (const { profile: p, limit: r } of limitsOf(m.ctx, m.rule, 'windowUpdatesPerDataFrame')) this.ratio.push({ profile: p, per: r.value, action: r.action, worst: 0, worstUsed: 0, worstAllowed: 0 });
    for (const { profile: p, limit: z } of limitsOf(m.ctx, m.rule, 'maxZeroWindowMs')) this.zero.push({ profile: p, allowedMs: z.value, action: z.action, longest: 0 });
    this.serverDir = m.conn.role === 'server' ? 'sent' : 'received';
    if (this.zero.length && !m.conn.joinedMidway) {
      this.windows = windows ?? new FlowWindows(m.trace, m.conn);
      this.ownWindows = !windows;
    }
  }
  private ownWindows = false;

  /** ` (median increment 1 byte)`, ` (median increment 512–1,023 bytes)`, or nothing when no increment was logged. */
  private medianIncrement(): string {
    const total = this.incrementLog2.reduce((a, b) => a + b, 0);
    if (total === 0) return '';
    let seen = 0;
    let k = 0;
    for (; k < 31; k++) { seen += this.incrementLog2[k]!; if (seen * 2 >= total) break; }
    return k === 0 ? ' (median increment 1 byte)' : ` (median increment ${n(2 ** k)}–${n(2 ** (k + 1) - 1)} bytes)`;
  }

  frame(f: FrameRecord): void {
    const conn = this.m.conn;
    const fromClient = fromSide(conn, f, 'client');
    if (this.ownWindows) this.windows!.frame(f);
    if (fromClient && f.type === FrameType.HEADERS && f.stateBefore === 'idle') this.openedStreams++;
    if (!fromClient && f.type === FrameType.DATA) this.serverData++;
    if (fromClient && f.type === FrameType.WINDOW_UPDATE) {
      this.updates.push(f);
      if (f.increment) this.incrementLog2[Math.min(31, Math.floor(Math.log2(f.increment)))]!++;
      // Envoy (protocol_constraints.cc): inbound WINDOW_UPDATEs > 5 + 2 × (opened streams + N × DATA frames sent).
      for (const r of this.ratio) {
        const allowed = 5 + 2 * (this.openedStreams + r.per * this.serverData);
        const ratio = this.updates.count / allowed;
        if (ratio > r.worst) {
          r.worst = ratio;
          r.worstUsed = this.updates.count;
          r.worstAllowed = allowed;
        }
        if (this.updates.count > allowed && !r.cutAt) r.cutAt = f;
      }
    }
    if (this.windows) this.trackZero(f, fromClient);
  }

  /** nginx send_timeout: the server cannot write for longer than the limit because the client gives no credit. */
  private trackZero(f: FrameRecord, fromClient: boolean): void {
    const w = this.windows!;
    if (!fromClient && f.type === FrameType.DATA && (f.flags & 1) === 0) {
      const sw = w.streamWindow(this.serverDir, f);
      if (sw !== undefined && sw <= 0 && !this.blocked.has(f.streamId)) this.block(f.streamId, f);
      if (w.connWindow(this.serverDir) <= 0 && !this.blocked.has(0)) this.block(0, f);
    }
    if (fromClient && f.type === FrameType.WINDOW_UPDATE && (f.increment ?? 0) > 0) this.unblock(f.streamId, f);
    if (f.streamId !== 0 && f.stateAfter === 'closed') {
      if (this.blocked.has(f.streamId)) this.unblock(f.streamId, f);
      if (this.blocked.get(0)?.streamId === f.streamId) this.unblock(0, f);
    }
    if (this.earliest && f.time !== undefined && this.earliest.time !== undefined) {
      const held = f.time - this.earliest.time;
      for (const z of this.zero) if (held > z.allowedMs && !z.cutAt) z.cutAt = f;
    }
  }

  private block(key: number, f: FrameRecord): void {
    this.blocked.set(key, f);
    this.order.push({ key, since: f });
    this.earliest ??= f;
  }

  private unblock(key: number, f: FrameRecord): void {
    const since = this.blocked.get(key);
    if (!since) return;
    this.blocked.delete(key);
    if (since.time !== undefined && f.time !== undefined) {
      const held = f.time - since.time;
      for (const z of this.zero) {
        z.longest = Math.max(z.longest, held);
        // The credit came too late: the peer had given up before this frame.
        if (held > z.allowedMs && !z.cutAt) z.cutAt = f;
      }
    }
    if (since === this.earliest) {
      const order = this.order;
      while (order.length > 0 && this.blocked.get(order.peek().key) !== order.peek().since) order.shift();
      this.earliest = order.length > 0 ? order.peek().since : undefined;
    }
  }

  measure(): Measurement | undefined {
    const zeroCut = this.zero.some((z) => z.cutAt);
    if (this.updates.count === 0 && !zeroCut) return undefined;
    const verdicts: ProfileVerdict[] = [];
    for (const r of this.ratio) {
      if (this.updates.count === 0) break;
      const v = { profile: r.profile, used: r.worstUsed, allowed: r.worstAllowed, unit: 'WINDOW_UPDATEs', ...(r.action ? { action: r.action } : {}), ...(r.cutAt ? { cutAt: r.cutAt } : {}) };
      const rule = `allows 5 + 2 × (streams opened + ${r.per} × DATA frames it sent) WINDOW_UPDATEs`;
      const summary = r.cutAt
        ? `${r.profile.name}: ${rule} — passed at line ${n(r.cutAt.line + 1)}: ${r.action ?? 'connection closed'}`
        : `${r.profile.name}: ${rule} — at most ${n(r.worstUsed)} of ${n(r.worstAllowed)}`;
      verdicts.push({ ...v, quietAtLimit: true, summary });
    }
    for (const z of this.zero) {
      if (!zeroCut && z.longest === 0) continue;
      const v = { profile: z.profile, used: Math.round(z.longest / 1000), allowed: Math.round(z.allowedMs / 1000), unit: 's with a zero window', ...(z.action ? { action: z.action } : {}), ...(z.cutAt ? { cutAt: z.cutAt } : {}) };
      const summary = z.cutAt
        ? `${z.profile.name}: stops waiting after ${formatSeconds(z.allowedMs / 1000)} without credit to send — the window stayed at zero past that (line ${n(z.cutAt.line + 1)}): ${z.action ?? 'connection closed'}`
        : `${z.profile.name}: window held at zero for at most ${formatSeconds(z.longest / 1000)}, of ${formatSeconds(z.allowedMs / 1000)}`;
      verdicts.push({ ...v, summary });
    }
    const c = this.updates.count;
    const headline = c
      ? `${n(c)} WINDOW_UPDATE${c === 1 ? '' : 's'} from the client${during(this.updates.first[0], this.updates.last)}${this.medianIncrement()} for ${n(this.serverData)} DATA frame${this.serverData === 1 ? '' : 's'} from the server`
      : 'The client held the server\'s flow-control window at zero';
    const first = c ? this.updates.first : this.earliest ? [this.earliest] : [];
    return {
      rule: WINDOW_UPDATE_DRIBBLE, kind: 'window-updates', offender: 'client', count: c, headline,
      verdicts, notes: notesFor(this.m.ctx, this.m.rule), first, recent: c ? this.updates.recent() : first, score: scoreOf(verdicts),
    };
  }
}

const EXPLANATION = [
  'Flow control lets a receiver open its window a few bytes at a time, so that the sender must send many tiny DATA frames (CVE-2019-9511, data dribble), or hold the window at zero so that the sender keeps the response in memory (CVE-2019-9517, internal data buffering). Peers bound both: Envoy closes the connection once the WINDOW_UPDATEs it received exceed 5 + 2 × (streams + 10 × the DATA frames it sent); nginx closes a connection it could not write to for send_timeout (60 s).',
  '',
  'A client that sends a WINDOW_UPDATE after every small read is legitimate but chatty; nginx, in the tests\' recordings, answered Go clients that sent 100,000+ WINDOW_UPDATEs for 1,000 responses with GOAWAY NO_ERROR ("http2 flood detected").',
].join('\n');

export const windowUpdateDribbleRule: Rule = {
  id: WINDOW_UPDATE_DRIBBLE,
  title: 'WINDOW_UPDATE dribble / zero window',
  defaultSeverity: 'info',
  description: 'Many WINDOW_UPDATEs per DATA frame, or a window held at zero while the sender has data, past a real peer\'s limit (CVE-2019-9511 / CVE-2019-9517).',
  params: ['windowUpdatesPerDataFrame', 'maxZeroWindowMs'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(windowUpdateDribbleRule, trace, ctx);
  },
  scan({ conn, load }: ScanContext): ConnectionScan {
    return {
      end: (): Finding[] => {
        const m = load.windowUpdates.measure();
        const finding = m && floodFinding(conn, m, { rule: WINDOW_UPDATE_DRIBBLE, severity: 'info', fullSeverity: 'info', relatedLabel: 'WINDOW_UPDATE', explanation: EXPLANATION });
        return finding ? [finding] : [];
      },
    };
  },
};
