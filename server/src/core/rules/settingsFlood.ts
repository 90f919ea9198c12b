/**
 * settings-flood: SETTINGS frames one side sends beyond its connection preface use up a real peer's
 * budget (CVE-2019-9515: each must be acknowledged), a SETTINGS frame carries more entries than a
 * peer accepts, or SETTINGS are never acknowledged (RFC 9113 §6.5.3).
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict, Side } from './budget.ts';
import { Sample, during, floodFinding, fromSide, lastFrameFrom, limitsOf, n, notesFor, otherSide, scoreOf, verdictLine } from './budget.ts';
import { AckBudget } from './pingBudget.ts';
import type { PeerProfile } from './profiles.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { at } from './util.ts';
import { frameTypes } from './frameDispatch.ts';
import { readPast } from './readPast.ts';

export const SETTINGS_FLOOD = 'settings-flood';

interface EntriesState { profile: PeerProfile; allowed: number; action: string | undefined; cutAt?: FrameRecord }

export class SettingsMeter implements Meter {
  /** SETTINGS, and PINGs for the ACK queue they share. */
  readonly types = frameTypes(FrameType.SETTINGS, FrameType.PING);
  private readonly acks: AckBudget;
  private readonly entries: EntriesState[] = [];
  private readonly extra = new Sample(25);
  private prefaceSeen: boolean;
  private maxEntries = 0;
  private maxEntriesAt: FrameRecord | undefined;
  /** For "never acknowledged": the last SETTINGS this side sent. */
  lastSettings: FrameRecord | undefined;

  constructor(private readonly m: MeterContext, readonly side: Side) {
    this.acks = new AckBudget(m, side);
    // The side's first SETTINGS is its mandatory connection preface (RFC 9113 §3.4), not load.
    this.prefaceSeen = m.conn.joinedMidway;
    for (const { profile: p, limit: e } of limitsOf(m.ctx, m.rule, 'maxSettingsEntries')) this.entries.push({ profile: p, allowed: e.value, action: e.action });
  }

  frame(f: FrameRecord): void {
    this.acks.frame(f);
    if (!fromSide(this.m.conn, f, this.side)) return;
    if (f.type !== FrameType.SETTINGS || (f.flags & 1) !== 0) return;
    this.lastSettings = f;
    if (this.prefaceSeen) this.extra.push(f);
    this.prefaceSeen = true;
    const count = f.settings?.length ?? Math.floor(f.length / 6);
    if (count > this.maxEntries) {
      this.maxEntries = count;
      this.maxEntriesAt = f;
    }
    for (const e of this.entries) if (count > e.allowed && !e.cutAt) e.cutAt = f;
  }

  /** The peer's last frame on the connection (a trace index), or -1. */
  lastPeerFrame(): number {
    return lastFrameFrom(this.m.trace, this.m.conn, otherSide(this.side));
  }

  /**
   * At the end of the connection: SETTINGS sent but not acknowledged although the peer read them (it
   * answered a later frame: readPast.ts), and the peer's frame that shows it; undefined otherwise.
   */
  unacknowledged(): { count: number; proof: FrameRecord } | undefined {
    const s = this.lastSettings;
    if (!s || this.lastPeerFrame() < s.index) return undefined;
    const count = this.acks.queue.outstandingSettings;
    if (count === 0) return undefined;
    const read = readPast(this.m.trace, this.m.conn, this.side);
    return read.written > s.index ? { count, proof: this.m.trace.frames.row(read.answer) } : undefined;
  }

  verdicts(): ProfileVerdict[] {
    const out: ProfileVerdict[] = [];
    // Queued ACKs only matter once this side sent SETTINGS beyond its preface.
    if (this.extra.count > 0) out.push(...this.acks.verdicts().filter((v) => v.used > 0 || v.atRisk));
    for (const e of this.entries) {
      if (!e.cutAt) continue;
      const v = { profile: e.profile, used: this.maxEntries, allowed: e.allowed, unit: 'entries in one SETTINGS frame', ...(e.action ? { action: e.action } : {}), ...(e.cutAt ? { cutAt: e.cutAt } : {}) };
      out.push({ ...v, summary: verdictLine(v, this.maxEntriesAt ? `(line ${n(this.maxEntriesAt.line + 1)})` : '') });
    }
    return out;
  }

  measure(): Measurement | undefined {
    const big = this.entries.some((e) => e.cutAt);
    if (this.extra.count === 0 && !big) return undefined;
    const verdicts = this.verdicts();
    const headline = this.extra.count
      ? `${n(this.extra.count)} SETTINGS frame${this.extra.count === 1 ? '' : 's'} from the ${this.side} after its connection preface${during(this.extra.first[0], this.extra.last)}${this.acks.perSecond.peak > 1 ? ` (at most ${n(this.acks.perSecond.peak)} PINGs/SETTINGS within one second)` : ''}`
      : `A SETTINGS frame with ${n(this.maxEntries)} entries from the ${this.side}`;
    return {
      rule: SETTINGS_FLOOD, kind: 'settings', offender: this.side, count: Math.max(this.extra.count, big ? 1 : 0), headline,
      verdicts, notes: notesFor(this.m.ctx, this.m.rule),
      first: this.extra.count ? this.extra.first : this.maxEntriesAt ? [this.maxEntriesAt] : [],
      recent: this.extra.count ? this.extra.recent() : this.maxEntriesAt ? [this.maxEntriesAt] : [],
      score: scoreOf(verdicts),
    };
  }
}

const EXPLANATION = [
  'Every SETTINGS frame must be acknowledged (RFC 9113 §6.5.3), so a peer that receives many of them queues an ACK for each: CVE-2019-9515 (SETTINGS flood). nghttp2 (and Apache over it) and Envoy count PING and SETTINGS ACKs in one queue and drop the connection past 1,000; Go closes past 10,000 queued control frames. A SETTINGS frame with too many entries is refused too (nghttp2: more than 32, GOAWAY ENHANCE_YOUR_CALM; Go: more than 100, GOAWAY PROTOCOL_ERROR).',
  '',
  'An endpoint sends SETTINGS once at the start of the connection and rarely again: a stream of them is a bug or an attack.',
].join('\n');

export const settingsFloodRule: Rule = {
  id: SETTINGS_FLOOD,
  title: 'SETTINGS flood',
  defaultSeverity: 'warning',
  description: 'SETTINGS frames beyond the connection preface use up a real peer\'s queued-ACK budget (CVE-2019-9515), a SETTINGS frame has more entries than a peer accepts, or SETTINGS are never acknowledged.',
  params: ['maxQueuedAcks', 'maxSettingsEntries'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(settingsFloodRule, trace, ctx);
  },
  scan({ trace, conn, load }: ScanContext): ConnectionScan {
    return {
      end: (): Finding[] => {
        const findings: Finding[] = [];
        for (const meter of [load.settings.client, load.settings.server]) {
          const m = meter.measure();
          const flood = m && floodFinding(conn, m, { rule: SETTINGS_FLOOD, severity: 'warning', fullSeverity: 'info', relatedLabel: 'SETTINGS beyond the preface', explanation: EXPLANATION });
          if (flood) {
            findings.push(flood);
            continue;
          }
          const missing = meter.unacknowledged();
          if (missing && meter.lastSettings) {
            const s = meter.lastSettings;
            const peer = meter.side === 'client' ? 'server' : 'client';
            findings.push({
              rule: SETTINGS_FLOOD, severity: 'warning', line: s.line, startChar: s.startChar, endChar: s.endChar, connection: conn.id, frame: s.index,
              related: [
                at(missing.proof, `the ${peer} answered a frame sent after these SETTINGS, so it had received them, without the ACK`),
                ...(meter.lastPeerFrame() !== missing.proof.index ? [at(trace.frames.row(meter.lastPeerFrame()), `the ${peer}'s last frame, still without the ACK`)] : []),
              ],
              message: `${n(missing.count)} SETTINGS frame${missing.count === 1 ? '' : 's'} from the ${meter.side} never acknowledged, although the ${peer} read past them (it answered a later frame). RFC 9113 §6.5.3: the receiver must send SETTINGS with ACK "immediately" after applying them; the sender may close the connection with SETTINGS_TIMEOUT.`,
            });
          }
        }
        return findings;
      },
    };
  },
};
