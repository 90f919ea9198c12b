/**
 * empty-frames-flood: DATA, HEADERS or CONTINUATION frames with an empty payload and no END_STREAM,
 * past a real peer's budget (CVE-2019-9518): Envoy's consecutive empty frames, Rust h2's empty DATA
 * count, nghttp2's glitch bucket.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict, Side } from './budget.ts';
import { Sample, during, floodFinding, fromSide, limitsOf, n, notesFor, scoreOf } from './budget.ts';
import type { PeerProfile } from './profiles.ts';
import { BucketBudget, CountBudget } from './resetBudget.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { frameTypes } from './frameDispatch.ts';

export const EMPTY_FRAMES_FLOOD = 'empty-frames-flood';

/** An empty frame that is not the end of anything: no payload, no END_STREAM (CONTINUATION has none). */
export function isEmptyFrame(f: FrameRecord): boolean {
  if (f.length !== 0) return false;
  if (f.type === FrameType.CONTINUATION) return true;
  return (f.type === FrameType.DATA || f.type === FrameType.HEADERS) && (f.flags & 1) === 0;
}

interface ConsecutiveState { profile: PeerProfile; allowed: number; action: string | undefined; run: number; max: number; cutAt?: FrameRecord }

export class EmptyFramesMeter implements Meter {
  /** The frames Envoy counts in a run of empty ones. */
  readonly types = frameTypes(FrameType.DATA, FrameType.HEADERS, FrameType.CONTINUATION);
  readonly empty = new Sample(20);
  private readonly consecutive: ConsecutiveState[] = [];
  private readonly emptyData: CountBudget;
  private readonly glitches: BucketBudget;

  constructor(private readonly m: MeterContext, readonly side: Side) {
    for (const { profile: p, limit: l } of limitsOf(m.ctx, m.rule, 'maxConsecutiveEmptyFrames')) this.consecutive.push({ profile: p, allowed: l.value, action: l.action, run: 0, max: 0 });
    this.emptyData = new CountBudget(m, 'maxEmptyDataFrames', 'empty non-final DATA frames');
    this.glitches = new BucketBudget(m, 'glitchBurst', 'glitchRatePerSecond', 'glitch', 'glitches');
  }

  frame(f: FrameRecord): void {
    if (f.type !== FrameType.DATA && f.type !== FrameType.HEADERS && f.type !== FrameType.CONTINUATION) return;
    if (!fromSide(this.m.conn, f, this.side)) return;
    const empty = isEmptyFrame(f);
    // Envoy (protocol_constraints.cc trackInboundFrames): any DATA/HEADERS/CONTINUATION with payload or END_STREAM ends the run.
    for (const c of this.consecutive) {
      c.run = empty ? c.run + 1 : 0;
      if (c.run > c.max) c.max = c.run;
      if (c.run > c.allowed && !c.cutAt) c.cutAt = f;
    }
    if (!empty) return;
    this.empty.push(f);
    if (f.type === FrameType.DATA) {
      this.emptyData.take(f);
      this.glitches.take(f);
    }
  }

  measure(): Measurement | undefined {
    if (this.empty.count === 0) return undefined;
    const verdicts: ProfileVerdict[] = [];
    for (const c of this.consecutive) {
      const v = { profile: c.profile, used: c.max, allowed: c.allowed, unit: 'consecutive empty frames', quietAtLimit: true, ...(c.action ? { action: c.action } : {}), ...(c.cutAt ? { cutAt: c.cutAt } : {}) };
      const summary = c.cutAt
        ? `${c.profile.name}: ${n(c.max)} empty frames in a row, over the ${n(c.allowed)} it allows — cut at line ${n(c.cutAt.line + 1)}: ${c.action ?? 'connection closed'}`
        : `${c.profile.name}: at most ${n(c.max)} of ${n(c.allowed)} empty frames in a row${c.max >= c.allowed ? ` — one more in a row and ${c.action ?? 'it closes the connection'}` : ''}`;
      verdicts.push({ ...v, summary });
    }
    verdicts.push(...this.emptyData.verdicts(), ...this.glitches.verdicts());
    return {
      rule: EMPTY_FRAMES_FLOOD, kind: 'empty-frames', offender: this.side, count: this.empty.count,
      headline: `${n(this.empty.count)} empty frame${this.empty.count === 1 ? '' : 's'} (no payload, no END_STREAM) from the ${this.side}${during(this.empty.first[0], this.empty.last)}`,
      verdicts, notes: notesFor(this.m.ctx, this.m.rule), first: this.empty.first, recent: this.empty.recent(), score: scoreOf(verdicts),
    };
  }
}

const EXPLANATION = [
  'A DATA, HEADERS or CONTINUATION frame with no payload and no END_STREAM carries nothing, yet the receiver must process it: CVE-2019-9518 (empty frames flood). One such frame is legitimate now and then (RFC 9113 §10.5); a stream of them is not.',
  '',
  'Envoy closes the connection at the second empty frame in a row; Rust h2 answers GOAWAY ENHANCE_YOUR_CALM "too_many_data_frames" past 100 empty DATA frames; nghttp2 counts each empty DATA frame in its glitch bucket (GOAWAY ENHANCE_YOUR_CALM). Go, h2o and nginx have no dedicated limit.',
  '',
  '**Fix**: send END_STREAM on the last DATA frame rather than an extra empty one, and never flush empty writes as frames.',
].join('\n');

export const emptyFramesFloodRule: Rule = {
  id: EMPTY_FRAMES_FLOOD,
  title: 'Empty frames flood (CVE-2019-9518)',
  defaultSeverity: 'warning',
  description: 'DATA/HEADERS/CONTINUATION frames with an empty payload and no END_STREAM past a real peer\'s budget (CVE-2019-9518).',
  params: ['maxConsecutiveEmptyFrames', 'maxEmptyDataFrames', 'glitchBurst', 'glitchRatePerSecond'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(emptyFramesFloodRule, trace, ctx);
  },
  scan({ conn, load }: ScanContext): ConnectionScan {
    return {
      end: (): Finding[] => {
        const findings: Finding[] = [];
        for (const meter of [load.empty.client, load.empty.server]) {
          const m = meter.measure();
          const finding = m && floodFinding(conn, m, { rule: EMPTY_FRAMES_FLOOD, severity: 'warning', fullSeverity: 'info', relatedLabel: 'empty frame', explanation: EXPLANATION });
          if (finding) findings.push(finding);
        }
        return findings;
      },
    };
  },
};
