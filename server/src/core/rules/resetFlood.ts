/**
 * reset-flood: stream resets on a connection use up a real server's reset budget (CVE-2019-9514):
 * the client's RST_STREAMs, and the server's own resets that answer client frames — MadeYouReset
 * (CVE-2025-8671), where the client makes the server reset streams whose work goes on.
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import { ErrorCode } from '../knowledge/rfc9113.ts';
import type { Measurement, Meter, MeterContext } from './budget.ts';
import { Sample, during, floodFinding, fromSide, n, notesFor, scoreOf } from './budget.ts';
import { BucketBudget, CountBudget, H2oResetBudget, isProvokedReset } from './resetBudget.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { frameTypes } from './frameDispatch.ts';

export const RESET_FLOOD = 'reset-flood';

export class ResetMeter implements Meter {
  /** Resets, and the frames that end a stream without one (h2o's budget). */
  readonly types = frameTypes(FrameType.RST_STREAM, FrameType.DATA, FrameType.HEADERS);
  private readonly resets: BucketBudget;
  private readonly glitches: BucketBudget;
  private readonly provoked: CountBudget;
  private readonly flowErrors: CountBudget;
  private readonly h2o: H2oResetBudget;
  readonly clientResets = new Sample(20);
  readonly provokedResets = new Sample(20);

  constructor(private readonly m: MeterContext) {
    this.resets = new BucketBudget(m, 'resetBurst', 'resetRatePerSecond', 'RST_STREAM');
    this.glitches = new BucketBudget(m, 'glitchBurst', 'glitchRatePerSecond', 'glitch', 'glitches');
    this.provoked = new CountBudget(m, 'maxProvokedResets', 'streams reset by the server for client errors');
    this.flowErrors = new CountBudget(m, 'maxStreamErrors', 'RST_STREAM FLOW_CONTROL_ERROR for client errors');
    this.h2o = new H2oResetBudget(m);
  }

  frame(f: FrameRecord): void {
    if (f.streamId === 0) return;
    if (f.type === FrameType.RST_STREAM) {
      if (fromSide(this.m.conn, f, 'client')) {
        this.clientResets.push(f);
        this.resets.take(f);
        this.h2o.reset(f);
      } else if (isProvokedReset(this.m, f)) {
        this.provokedResets.push(f);
        this.glitches.take(f);
        this.provoked.take(f);
        if (f.errorCode === ErrorCode.FLOW_CONTROL_ERROR) this.flowErrors.take(f);
        this.h2o.reset(f);
      }
      return;
    }
    // A stream that ended without a reset earns h2o's budget back.
    if (f.stateAfter === 'closed' && f.stateBefore !== 'closed' && f.stateBefore !== undefined) this.h2o.normal();
  }

  measure(): Measurement | undefined {
    const c = this.clientResets.count;
    const p = this.provokedResets.count;
    if (c + p === 0) return undefined;
    const verdicts = [...this.resets.verdicts(), ...this.provoked.verdicts(), ...this.glitches.verdicts(), ...this.flowErrors.verdicts(), ...this.h2o.verdicts()];
    const parts: string[] = [];
    if (c) parts.push(`${n(c)} RST_STREAM from the client${during(this.clientResets.first[0], this.clientResets.last)}`);
    if (p) parts.push(`${n(p)} stream${p === 1 ? '' : 's'} reset by the server in answer to a client frame${during(this.provokedResets.first[0], this.provokedResets.last)}`);
    const first = [...this.clientResets.first, ...this.provokedResets.first].sort((a, b) => a.index - b.index).slice(0, 20);
    const recent = [...this.clientResets.recent(), ...this.provokedResets.recent()].sort((a, b) => a.index - b.index).slice(-20);
    return {
      rule: RESET_FLOOD, kind: p > c ? 'provoked-resets' : 'resets', offender: 'client', count: c + p,
      headline: parts.join(', and '), verdicts, notes: notesFor(this.m.ctx, this.m.rule), first, recent, score: scoreOf(verdicts),
    };
  }

  /** Did the server's provoked resets (MadeYouReset) reach a limit? */
  madeYouReset(): boolean {
    return [...this.provoked.verdicts(), ...this.glitches.verdicts(), ...this.flowErrors.verdicts()].some((v) => v.cutAt || v.used >= v.allowed);
  }
}

const EXPLANATION = [
  'Each stream reset costs the server work (CVE-2019-9514, reset flood). Servers count them: nghttp2 (and Apache, Node.js, curl over it) takes a token from a bucket of 1,000 for every RST_STREAM it receives, refilled by 33 per second, and answers GOAWAY INTERNAL_ERROR when none is left; h2o slows a connection down once its resets outnumber its normal streams by 100.',
  '',
  '**MadeYouReset (CVE-2025-8671)**: the client sends frames that are invalid on an open stream (a WINDOW_UPDATE with increment 0, DATA beyond the window, HEADERS on a half-closed stream…), so the *server* resets the stream — with PROTOCOL_ERROR, FLOW_CONTROL_ERROR, STREAM_CLOSED — while the request\'s work goes on in the backend, and none of the client-reset limits counts it. Rust h2 answers GOAWAY ENHANCE_YOUR_CALM "too_many_internal_resets" past 1,024 such resets, nghttp2 counts them in its glitch bucket, Apache mod_http2 allows 8 flow-control errors (H2MaxStreamErrors).',
  '',
  '**Fix** in a client: do not reset streams you still need (Go: drain response bodies before closing them; gRPC: avoid cancelling calls in a loop); never send frames that the server must refuse.',
].join('\n');

export const resetFloodRule: Rule = {
  id: RESET_FLOOD,
  title: 'Reset flood (incl. MadeYouReset)',
  defaultSeverity: 'warning',
  description: 'Stream resets use up a real server\'s reset budget: the client\'s RST_STREAMs (CVE-2019-9514), or the server\'s own resets provoked by client frames (MadeYouReset, CVE-2025-8671).',
  params: ['resetBurst', 'resetRatePerSecond', 'glitchBurst', 'glitchRatePerSecond', 'maxProvokedResets', 'maxStreamErrors', 'resetBudget'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(resetFloodRule, trace, ctx);
  },
  scan({ conn, load }: ScanContext): ConnectionScan {
    return {
      end: (): Finding[] => {
        const meter = load.reset;
        const m = meter.measure();
        if (!m) return [];
        const myr = meter.madeYouReset();
        const finding = floodFinding(conn, m, {
          rule: RESET_FLOOD, severity: 'warning', fullSeverity: 'info', relatedLabel: 'reset',
          explanation: EXPLANATION,
          ...(myr ? { extra: 'The server\'s resets answer client frames: this is MadeYouReset (CVE-2025-8671) — the client makes the server reset streams whose work goes on.' } : {}),
        });
        return finding ? [finding] : [];
      },
    };
  },
};
