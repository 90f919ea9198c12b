/**
 * How a connection's PINGs look to the PING defences of real peers (peer profiles):
 * grpc-go's keepalive strikes and the queued-ACK limits of nghttp2, Envoy and Go.
 * Shared by ping-flood (would this be cut?) and enhance-your-calm (was this why?).
 */
import { FrameType, endsStream } from '../model/frame.ts';
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import type { PeerProfile } from './profiles.ts';
import { formatSeconds } from './util.ts';

export interface ProfileVerdict {
  profile: PeerProfile;
  /** Budget used, in the profile's unit ("3 strikes of 2 allowed"). */
  used: number;
  allowed: number;
  unit: string;
  /** The frame at which the peer would cut the connection. */
  cutAt?: FrameRecord;
  /** Frames that counted against the budget (strikes, outstanding pings). */
  counted: FrameRecord[];
  /** Why the profile could not be evaluated (e.g. no timestamps). */
  unavailable?: string;
  summary: string;
}

export interface PingReport {
  /** Which end sent the PINGs. */
  pinger: 'client' | 'server';
  pings: FrameRecord[];
  /** Pings that came straight after a RST_STREAM from the same side (Go ≥ 1.24 pattern). */
  afterReset: Array<{ rst: FrameRecord; ping: FrameRecord }>;
  verdicts: ProfileVerdict[];
}

/** Evaluate the PINGs sent by one side of a connection against every profile. */
export function pingReport(trace: Trace, conn: Connection, pinger: 'client' | 'server', profiles: readonly PeerProfile[], upTo = Infinity): PingReport {
  const fromPinger = (f: FrameRecord): boolean => isFromClient(conn, f) === (pinger === 'client');
  const pings: FrameRecord[] = [];
  const afterReset: PingReport['afterReset'] = [];
  let prevFromPinger: FrameRecord | undefined;
  for (const i of conn.frames) {
    if (i >= upTo) break;
    const f = trace.frames[i]!;
    if (!fromPinger(f)) continue;
    if (f.type === FrameType.PING && (f.flags & 1) === 0) {
      pings.push(f);
      if (prevFromPinger?.type === FrameType.RST_STREAM) afterReset.push({ rst: prevFromPinger, ping: f });
    }
    prevFromPinger = f;
  }
  const verdicts: ProfileVerdict[] = [];
  for (const profile of profiles) {
    if (profile.pingStrikes && pinger === 'client') verdicts.push(strikeVerdict(trace, conn, profile, upTo));
    if (profile.maxQueuedAcks) verdicts.push(queuedAckVerdict(trace, conn, profile, fromPinger, upTo));
  }
  return { pinger, pings, afterReset, verdicts };
}

/**
 * grpc-go server keepalive enforcement (internal/transport/http2_server.go handlePing): a PING sooner
 * than MinTime after the previous one (2 h when no stream is active and PermitWithoutStream is false)
 * is a strike; strikes are forgiven once the server has sent HEADERS or DATA; more than maxStrikes
 * strikes → GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
 */
function strikeVerdict(trace: Trace, conn: Connection, profile: PeerProfile, upTo: number): ProfileVerdict {
  const p = profile.pingStrikes!;
  const allowed = p.maxStrikes.value;
  const base = { profile, allowed, unit: 'strikes', counted: [] as FrameRecord[] };
  let strikes = 0;
  let maxStrikes = 0;
  let lastPingAt: number | undefined;
  let resetStrikes = false;
  let cutAt: FrameRecord | undefined;
  const counted: FrameRecord[] = [];
  const active = new Set<number>();
  let sawPing = false;
  for (const i of conn.frames) {
    if (i >= upTo) break;
    const f = trace.frames[i]!;
    const fromClient = isFromClient(conn, f);
    if (f.streamId !== 0) {
      if (f.type === FrameType.HEADERS && fromClient && !active.has(f.streamId) && f.stateBefore === 'idle') active.add(f.streamId);
      if (f.stateAfter === 'closed' || f.type === FrameType.RST_STREAM) active.delete(f.streamId);
      if (!fromClient && (f.type === FrameType.HEADERS || f.type === FrameType.DATA)) resetStrikes = true;
      if (endsStream(f) && f.stateAfter === 'closed') active.delete(f.streamId);
    }
    if (!(fromClient && f.type === FrameType.PING && (f.flags & 1) === 0)) continue;
    sawPing = true;
    if (f.time === undefined) {
      return { ...base, used: 0, unavailable: 'the log has no timestamps, so PING intervals cannot be checked', summary: `${profile.name}: not evaluated (no timestamps in the log)` };
    }
    const now = f.time;
    if (resetStrikes) {
      strikes = 0;
      resetStrikes = false;
    } else {
      const interval = active.size < 1 ? p.idleMinTimeMs.value : p.minTimeMs.value;
      if (lastPingAt !== undefined && lastPingAt + interval > now) {
        strikes++;
        counted.push(f);
        if (strikes > allowed && !cutAt) cutAt = f;
      }
    }
    maxStrikes = Math.max(maxStrikes, strikes);
    lastPingAt = now;
  }
  const used = maxStrikes;
  const min = formatSeconds(p.minTimeMs.value / 1000);
  const idle = formatSeconds(p.idleMinTimeMs.value / 1000);
  const summary = !sawPing
    ? `${profile.name}: no PING from the client`
    : cutAt
      ? `${profile.name}: ${used} strikes of ${allowed} allowed — GOAWAY ENHANCE_YOUR_CALM "${p.goawayDebug}" at line ${cutAt.line + 1} (PINGs closer than ${min}, or ${idle} with no active stream, without HEADERS/DATA from the server in between)`
      : `${profile.name}: ${used} strike${used === 1 ? '' : 's'} of ${allowed} allowed (PINGs closer than ${min}, or ${idle} with no active stream, count unless the server sent HEADERS/DATA since the last one)`;
  return { ...base, used, counted, ...(cutAt ? { cutAt } : {}), summary };
}

/** PINGs the pinger sent that were not yet acknowledged: the peer's queue of ACKs it could not write. */
function queuedAckVerdict(trace: Trace, conn: Connection, profile: PeerProfile, fromPinger: (f: FrameRecord) => boolean, upTo: number): ProfileVerdict {
  const allowed = profile.maxQueuedAcks!.value;
  const outstanding = new Map<string, number>();
  let count = 0;
  let max = 0;
  let cutAt: FrameRecord | undefined;
  for (const i of conn.frames) {
    if (i >= upTo) break;
    const f = trace.frames[i]!;
    if (f.type !== FrameType.PING) continue;
    const key = f.pingPayload ?? '';
    if ((f.flags & 1) === 0 && fromPinger(f)) {
      outstanding.set(key, (outstanding.get(key) ?? 0) + 1);
      count++;
      if (count > max) max = count;
      if (count > allowed && !cutAt) cutAt = f;
    } else if ((f.flags & 1) !== 0 && !fromPinger(f)) {
      const n = outstanding.get(key) ?? 0;
      if (n > 0) {
        outstanding.set(key, n - 1);
        count--;
      }
    }
  }
  const summary = cutAt
    ? `${profile.name}: ${max.toLocaleString('en-US')} PINGs awaiting their ACK, over the ${allowed.toLocaleString('en-US')} queued ACKs it allows — ${profile.pingAction ?? 'connection closed'} (from line ${cutAt.line + 1})`
    : `${profile.name}: at most ${max.toLocaleString('en-US')} PING${max === 1 ? '' : 's'} awaiting an ACK at once, of ${allowed.toLocaleString('en-US')} queued ACKs allowed`;
  return { profile, used: max, allowed, unit: 'queued ACKs', counted: [], ...(cutAt ? { cutAt } : {}), summary };
}
