/**
 * Ranks what, earlier on a connection, most likely made a peer answer ENHANCE_YOUR_CALM (or a flood
 * verdict): the debug data and odd error codes first (they name the defence), then each kind of load
 * measured by the flood rules' meters against the profiles' budgets.
 *
 * Streaming: `ConnectionLoad` sees the frames of one connection once, in order, feeding every meter;
 * `causes()` is a snapshot of the running counts (cost bounded by profiles and samples, not frames),
 * taken at each verdict.
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import type { CauseKind, Measurement, Meter, MeterContext, ProfileVerdict, Side } from './budget.ts';
import { fromSide, limitOf, n } from './budget.ts';
import { ContinuationMeter } from './continuationFlood.ts';
import { EmptyFramesMeter } from './emptyFramesFlood.ts';
import { PingMeter } from './pingBudget.ts';
import type { PeerProfile } from './profiles.ts';
import { RapidResetMeter } from './rapidReset.ts';
import { ResetMeter } from './resetFlood.ts';
import { SettingsMeter } from './settingsFlood.ts';
import type { RuleContext } from './types.ts';
import { WindowUpdateMeter } from './windowUpdateDribble.ts';
import type { FlowViolation } from './flowWindows.ts';
import { FlowWindows } from './flowWindows.ts';
import { StreamSet } from './streamSlots.ts';
import { FrameDispatch, frameTypes } from './frameDispatch.ts';
import { contextForPeer } from './peerContext.ts';

export type { CauseKind } from './budget.ts';

export interface CalmCause {
  kind: CauseKind;
  /** Rule whose measurement this is. */
  rule?: string;
  /** Human summary, e.g. "40 PINGs from the client, 3 of them right after a RST_STREAM". */
  summary: string;
  /** used / budget of the peer profile it comes closest to (≥ 1: that peer would have cut). */
  score: number;
  /** Frames counted: how many, and the most recent of them (bounded). */
  count: number;
  frames: FrameRecord[];
  /** The profile budget the score is measured against. */
  against?: string;
  /** Every profile line (for the hover). */
  budget?: string[];
  /** The per-profile verdicts behind the budget lines. */
  verdicts?: ProfileVerdict[];
}

/** nghttp2's NGHTTP2_ERR_TOO_MANY_CONTINUATIONS (−905) as Apache mod_http2 puts it in a GOAWAY. */
export const NGHTTP2_ERR_TOO_MANY_CONTINUATIONS_ON_WIRE = 0xfffffc77;

/** grpc-go, Rust h2, nghttp2, Apache debug strings → the cause they name (research §4.9). */
const DEBUG_DATA: Array<[string, CauseKind[], string]> = [
  ['too_many_pings', ['pings'], 'gRPC keepalive enforcement (grpc-go / C-core / Java): too many PINGs'],
  ['too_many_resets', ['rapid-resets', 'resets'], 'Rust h2: too many streams reset by the client before the server accepted them (Rapid Reset defence, CVE-2023-44487)'],
  ['too_many_internal_resets', ['provoked-resets', 'resets'], 'Rust h2: too many streams the server had to reset because of client errors (MadeYouReset defence, CVE-2025-8671)'],
  ['too_many_continuations', ['continuations'], 'Rust h2: too many CONTINUATION frames (CONTINUATION flood defence)'],
  ['header_list_way_too_large', ['continuations'], 'Rust h2: the header list is far above its limit (4 × max_header_list_size)'],
  ['too_many_data_frames', ['empty-frames'], 'Rust h2: too many empty DATA frames (CVE-2019-9518)'],
  ['SETTINGS: too many setting entries', ['settings'], 'nghttp2: too many entries in one SETTINGS frame'],
  ['Flooding was detected', ['pings', 'settings'], 'Apache mod_http2 / nghttp2: flooding detected (more PING/SETTINGS ACKs queued than it allows)'],
  ['Too many CONTINUATION frames', ['continuations'], 'Apache mod_http2 / nghttp2: too many CONTINUATION frames after a HEADERS'],
];

/** Error codes that are not RFC 9113 codes but name a flood (Apache mod_http2 sends nghttp2's internal errors). */
const ODD_CODES: Array<[number, CauseKind[], string]> = [
  [0xfffffc78, ['pings', 'settings'], 'error code 0xfffffc78 is nghttp2\'s NGHTTP2_ERR_FLOODED (−904), sent on the wire by Apache mod_http2: more PING/SETTINGS ACKs queued than it allows'],
  [NGHTTP2_ERR_TOO_MANY_CONTINUATIONS_ON_WIRE, ['continuations'], 'error code 0xfffffc77 is nghttp2\'s NGHTTP2_ERR_TOO_MANY_CONTINUATIONS (−905), sent on the wire by Apache mod_http2'],
];

export interface Verdict { kinds: CauseKind[]; text: string }

export function explainDebugData(debug: string | undefined): Verdict | undefined {
  if (!debug) return undefined;
  for (const [needle, kinds, text] of DEBUG_DATA) if (debug.includes(needle)) return { kinds, text };
  return undefined;
}

export function explainOddCode(code: number | undefined): Verdict | undefined {
  for (const [c, kinds, text] of ODD_CODES) if (c === code) return { kinds, text };
  return undefined;
}

/** Concurrency against the MAX_CONCURRENT_STREAMS that real servers advertise by default. */
export class StreamsMeter implements Meter {
  private readonly open: StreamSet;
  private max = 0;
  private opened = 0;
  private readonly recent: FrameRecord[] = [];
  /** HEADERS open streams; a stream closes on DATA, HEADERS or RST_STREAM. */
  readonly types = frameTypes(FrameType.HEADERS, FrameType.DATA, FrameType.RST_STREAM);
  constructor(private readonly m: MeterContext, private readonly side: Side) {
    this.open = new StreamSet(m.trace, m.conn);
  }
  frame(f: FrameRecord): void {
    if (f.streamId === 0) return;
    if (f.type === FrameType.HEADERS && f.stateBefore === 'idle' && fromSide(this.m.conn, f, this.side)) {
      this.open.add(f);
      this.opened++;
      this.max = Math.max(this.max, this.open.size);
      this.recent.push(f);
      if (this.recent.length > 25) this.recent.shift();
    }
    if (f.stateAfter === 'closed') this.open.delete(f);
  }
  measure(): Measurement | undefined {
    if (this.max === 0) return undefined;
    let best: { value: number; profile: PeerProfile } | undefined;
    for (const p of this.m.ctx.profiles) {
      const l = limitOf(this.m.ctx, this.m.rule, p, 'maxConcurrentStreams');
      if (l && (!best || l.value < best.value)) best = { value: l.value, profile: p };
    }
    if (!best) return undefined;
    const summary = `${best.profile.name}: at most ${n(this.max)} of ${n(best.value)} streams open at once (its default MAX_CONCURRENT_STREAMS)`;
    return {
      rule: 'concurrent-streams-exceeded', kind: 'streams', offender: this.side, count: this.opened,
      headline: `up to ${n(this.max)} streams open at once (${n(this.opened)} opened) by the ${this.side}`,
      verdicts: [{ profile: best.profile, used: this.max, allowed: best.value, unit: 'streams', summary }], notes: [],
      first: this.recent, recent: this.recent, score: this.max / best.value,
    };
  }
}

/**
 * Load that every connection has some of (the preface WINDOW_UPDATE, a stream or two) is only a cause
 * once it comes this close to a budget.
 */
const ORDINARY: Partial<Record<CauseKind, number>> = { 'window-updates': 0.5, streams: 0.5 };

/** Every meter, for both sides, over one connection: fed once per frame, read by every rule. */
export class ConnectionLoad {
  /** Flow-control windows of both directions (flow-control-violation, window-update-dribble). */
  readonly flow: FlowWindows;
  /** Called with the flow-control violations of each frame (set by flow-control-violation). */
  onFlowViolation: ((v: FlowViolation[]) => void) | undefined;
  readonly ping: Record<Side, PingMeter>;
  readonly settings: Record<Side, SettingsMeter>;
  readonly empty: Record<Side, EmptyFramesMeter>;
  readonly continuation: Record<Side, ContinuationMeter>;
  readonly streams: Record<Side, StreamsMeter>;
  readonly rapid: RapidResetMeter;
  readonly reset: ResetMeter;
  readonly windowUpdates: WindowUpdateMeter;
  private readonly meters: Array<{ side: Side; meter: Meter }> = [];
  /**
   * The windows' and meters' frame methods by frame type, bound once: a call through a function value,
   * not a megamorphic `.frame` lookup per frame and meter.
   */
  private readonly feeds = new FrameDispatch();
  /** ConnectionInfo.closedLine, or no line. */
  private readonly closedLine: number;

  constructor(trace: Trace, conn: Connection, ctx: RuleContext) {
    this.closedLine = conn.info.closedLine ?? Infinity;
    // Each meter reads the threshold overrides of the rule that reports it, and the profiles this
    // connection's peer can be.
    const peerCtx = contextForPeer(conn, ctx);
    const m = (rule: string): MeterContext => ({ trace, conn, ctx: peerCtx, rule });
    this.flow = new FlowWindows(trace, conn);
    const both = <T extends Meter>(make: (side: Side) => T): Record<Side, T> => {
      const r = { client: make('client'), server: make('server') };
      this.meters.push({ side: 'client', meter: r.client }, { side: 'server', meter: r.server });
      return r;
    };
    this.ping = both((side) => new PingMeter(m('ping-flood'), side));
    this.settings = both((side) => new SettingsMeter(m('settings-flood'), side));
    this.empty = both((side) => new EmptyFramesMeter(m('empty-frames-flood'), side));
    this.continuation = both((side) => new ContinuationMeter(m('continuation-flood'), side));
    this.streams = both((side) => new StreamsMeter(m('concurrent-streams-exceeded'), side));
    this.rapid = new RapidResetMeter(m('rapid-reset'));
    this.reset = new ResetMeter(m('reset-flood'));
    this.windowUpdates = new WindowUpdateMeter(m('window-update-dribble'), this.flow);
    this.meters.push({ side: 'client', meter: this.rapid }, { side: 'client', meter: this.reset }, { side: 'client', meter: this.windowUpdates });
    // The windows first: the window-update meter reads them.
    this.feeds.add((f) => {
      const v = this.flow.frame(f);
      if (v && this.onFlowViolation) this.onFlowViolation(v);
    }, FlowWindows.TYPES);
    for (const { meter } of this.meters) this.feeds.add(meter.frame.bind(meter), meter.types);
  }

  /** Can `f` be load on its receiver? Not what this endpoint wrote after closing the connection itself: it never left. */
  delivered(f: FrameRecord): boolean {
    return f.line <= this.closedLine || f.direction !== 'sent';
  }

  frame(f: FrameRecord): void {
    if (!this.delivered(f)) return;
    const feeds = this.feeds.visitorsOf(f.type);
    for (let k = 0; k < feeds.length; k++) feeds[k]!(f);
  }

  /** The load `offender` sent so far, best cause first. */
  causes(offender: Side): CalmCause[] {
    const causes: CalmCause[] = [];
    for (const { side, meter } of this.meters) {
      if (side !== offender) continue;
      const m = meter.measure();
      if (!m || m.score <= (ORDINARY[m.kind] ?? 0)) continue;
      // The verdict the cause comes closest to (or past).
      let top = m.verdicts[0];
      for (const v of m.verdicts) if (!v.unavailable && v.allowed > 0 && (!top || v.used / v.allowed > top.used / top.allowed || (v.cutAt && !top.cutAt))) top = v;
      causes.push({
        kind: m.kind, rule: m.rule, summary: m.headline, score: m.score, count: m.count, frames: m.recent,
        ...(top ? { against: top.summary } : {}), budget: [...m.verdicts.map((v) => v.summary), ...m.notes], verdicts: m.verdicts,
      });
    }
    // Equal scores (PINGs and SETTINGS share one ACK queue): the larger count first.
    return causes.sort((a, b) => b.score - a.score || b.count - a.count);
  }
}

/**
 * Causes on `conn` before frame `upTo`, for the load sent by `offender` (the side that received the
 * ENHANCE_YOUR_CALM), best first. One pass; for many verdicts use `ConnectionLoad` directly.
 */
export function rankCalmCauses(trace: Trace, conn: Connection, offender: Side, upTo: number, profiles: readonly PeerProfile[], ctx?: Partial<RuleContext>): CalmCause[] {
  const load = new ConnectionLoad(trace, conn, { ...ctx, profiles });
  for (const i of conn.frames) {
    if (i >= upTo) break;
    load.frame(trace.frames.row(i));
  }
  return load.causes(offender);
}

/**
 * The profiles whose defence answers the way the peer did (their action names the same frame and
 * error code, e.g. "GOAWAY ENHANCE_YOUR_CALM"), closest to their limit first.
 */
export function matchingVerdicts(cause: CalmCause, answer: string): ProfileVerdict[] {
  return (cause.verdicts ?? [])
    .filter((v) => !v.unavailable && v.action?.includes(answer))
    .sort((a, b) => (b.cutAt ? 1 : 0) - (a.cutAt ? 1 : 0) || b.used / b.allowed - a.used / a.allowed);
}

/** Put the causes a verdict names first (keeping their order by score). */
export function promote(causes: CalmCause[], kinds: readonly CauseKind[]): CalmCause[] {
  const named = causes.filter((c) => kinds.includes(c.kind));
  return [...named, ...causes.filter((c) => !kinds.includes(c.kind))];
}
