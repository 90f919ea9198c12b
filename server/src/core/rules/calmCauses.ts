/**
 * Ranks what, earlier on a connection, most likely made a peer answer ENHANCE_YOUR_CALM (or a flood
 * verdict): the debug data first (it names the defence), then each kind of load against the tightest
 * budget a real peer profile has for it.
 */
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import type { PeerProfile } from './profiles.ts';
import { pingReport } from './pingBudget.ts';
import { plural } from './util.ts';

export interface CalmCause {
  kind: 'pings' | 'resets' | 'rapid-resets' | 'settings' | 'empty-frames' | 'continuations' | 'streams' | 'debug-data';
  /** Human summary, e.g. "40 PINGs, 3 of them right after a RST_STREAM". */
  summary: string;
  /** used / budget of the tightest peer profile (≥ 1 means that peer would have cut). */
  score: number;
  frames: FrameRecord[];
  /** Which profile's budget the score is measured against. */
  against?: string;
}

/** grpc-go, Rust h2, nghttp2 debug strings → the cause they name (research §4.9). */
const DEBUG_DATA: Array<[string, CalmCause['kind'], string]> = [
  ['too_many_pings', 'pings', 'gRPC keepalive enforcement (grpc-go / C-core / Java): too many PINGs'],
  ['too_many_resets', 'resets', 'Rust h2: too many streams reset by the client before the server accepted them (Rapid Reset defence)'],
  ['too_many_internal_resets', 'resets', 'Rust h2: too many streams the server had to reset because of client errors (MadeYouReset defence, CVE-2025-8671)'],
  ['too_many_continuations', 'continuations', 'Rust h2: too many CONTINUATION frames (CONTINUATION flood defence)'],
  ['header_list_way_too_large', 'continuations', 'Rust h2: the header list is far above its limit'],
  ['too_many_data_frames', 'empty-frames', 'Rust h2: too many empty DATA frames (CVE-2019-9518)'],
  ['SETTINGS: too many setting entries', 'settings', 'nghttp2: too many entries in one SETTINGS frame'],
  ['Flooding was detected', 'pings', 'Apache mod_http2 / nghttp2: flooding detected (queued ACKs or control frames)'],
];

export function explainDebugData(debug: string | undefined): { kind: CalmCause['kind']; text: string } | undefined {
  if (!debug) return undefined;
  for (const [needle, kind, text] of DEBUG_DATA) if (debug.includes(needle)) return { kind, text };
  return undefined;
}

/**
 * Causes on `conn` before frame `upTo`, for the load sent by `offender` (the side that received the
 * ENHANCE_YOUR_CALM), best first.
 */
export function rankCalmCauses(trace: Trace, conn: Connection, offender: 'client' | 'server', upTo: number, profiles: readonly PeerProfile[]): CalmCause[] {
  const fromOffender = (f: FrameRecord): boolean => isFromClient(conn, f) === (offender === 'client');
  const resets: FrameRecord[] = [];
  const rapid: FrameRecord[] = [];
  const settings: FrameRecord[] = [];
  const empty: FrameRecord[] = [];
  const continuations: FrameRecord[] = [];
  const opened: FrameRecord[] = [];
  const responded = new Set<number>();
  let maxConcurrent = 0;
  const open = new Set<number>();
  // The offender's first SETTINGS is its mandatory connection preface (RFC 9113 §3.4), not load.
  let prefaceSettingsSeen = conn.joinedMidway;
  for (const i of conn.frames) {
    if (i >= upTo) break;
    const f = trace.frames[i]!;
    const mine = fromOffender(f);
    if (!mine) {
      if (f.type === FrameType.HEADERS || f.type === FrameType.DATA) responded.add(f.streamId);
      if (f.stateAfter === 'closed') open.delete(f.streamId);
      continue;
    }
    switch (f.type) {
      case FrameType.RST_STREAM:
        resets.push(f);
        if (!responded.has(f.streamId)) rapid.push(f);
        open.delete(f.streamId);
        break;
      case FrameType.SETTINGS:
        if ((f.flags & 1) === 0) {
          if (prefaceSettingsSeen) settings.push(f);
          prefaceSettingsSeen = true;
        }
        break;
      case FrameType.DATA:
      case FrameType.HEADERS:
        if (f.length === 0 && (f.flags & 1) === 0) empty.push(f);
        if (f.type === FrameType.HEADERS && f.stateBefore === 'idle') {
          opened.push(f);
          open.add(f.streamId);
          maxConcurrent = Math.max(maxConcurrent, open.size);
        }
        break;
      case FrameType.CONTINUATION:
        continuations.push(f);
        if (f.length === 0) empty.push(f);
        break;
    }
    if (f.stateAfter === 'closed') open.delete(f.streamId);
  }

  const tightest = (pick: (p: PeerProfile) => number | undefined): { value: number; profile: PeerProfile } | undefined => {
    let best: { value: number; profile: PeerProfile } | undefined;
    for (const p of profiles) {
      const v = pick(p);
      if (v !== undefined && (!best || v < best.value)) best = { value: v, profile: p };
    }
    return best;
  };
  const causes: CalmCause[] = [];
  const add = (kind: CalmCause['kind'], frames: FrameRecord[], summary: string, budget: { value: number; profile: PeerProfile } | undefined): void => {
    if (frames.length === 0) return;
    causes.push({ kind, frames, summary, score: budget ? frames.length / budget.value : 0, ...(budget ? { against: `${budget.profile.name} allows ${budget.value.toLocaleString('en-US')}` } : {}) });
  };

  const pings = pingReport(trace, conn, offender, profiles, upTo);
  if (pings.pings.length) {
    // Pings score by the worst profile verdict (strikes or queued ACKs).
    let score = 0;
    let against: string | undefined;
    for (const v of pings.verdicts) {
      if (v.unavailable || v.allowed === 0) continue;
      const s = v.used / v.allowed;
      if (s > score) { score = s; against = v.summary; }
    }
    const paired = pings.afterReset.length ? `, ${pings.afterReset.length} of them right after a RST_STREAM (the Go ≥ 1.24 reset + PING pattern)` : '';
    causes.push({ kind: 'pings', frames: pings.pings, summary: `${plural(pings.pings.length, 'PING')} from the ${offender}${paired}`, score: score + pings.afterReset.length / Math.max(1, pings.pings.length) * 0.01, ...(against ? { against } : {}) });
  }
  add('rapid-resets', rapid, `${plural(rapid.length, 'stream')} reset by the ${offender} before any response (Rapid Reset, CVE-2023-44487)`, tightest((p) => p.maxResets?.value));
  add('resets', resets.filter((r) => !rapid.includes(r)), `${plural(resets.length - rapid.length, 'other RST_STREAM')} from the ${offender}`, tightest((p) => p.maxResets?.value));
  add('settings', settings, `${plural(settings.length, 'SETTINGS frame')} from the ${offender} (SETTINGS flood, CVE-2019-9515)`, tightest((p) => p.maxQueuedAcks?.value));
  add('empty-frames', empty, `${plural(empty.length, 'empty frame')} without END_STREAM (CVE-2019-9518)`, tightest((p) => p.maxEmptyFrames?.value));
  add('continuations', continuations, `${plural(continuations.length, 'CONTINUATION frame')} from the ${offender} (CONTINUATION flood)`, tightest((p) => p.maxContinuations?.value));
  if (maxConcurrent > 0) {
    const budget = tightest((p) => p.maxConcurrentStreams?.value);
    if (budget) causes.push({ kind: 'streams', frames: opened, summary: `up to ${maxConcurrent} streams open at once (${opened.length} opened)`, score: maxConcurrent / budget.value, against: `${budget.profile.name} allows ${budget.value}` });
  }
  return causes.filter((c) => c.score > 0).sort((a, b) => b.score - a.score);
}
