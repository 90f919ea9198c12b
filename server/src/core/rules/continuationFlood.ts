/**
 * continuation-flood: a field block spread over more CONTINUATION frames, or more bytes, than a real
 * peer accepts (the 2024 CONTINUATION flood: CVE-2024-27316, CVE-2023-45288 and kin).
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict, Side } from './budget.ts';
import { Sample, during, floodFinding, fromSide, limitOf, n, notesFor, ordinal, scoreOf } from './budget.ts';
import type { PeerProfile } from './profiles.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';

export const CONTINUATION_FLOOD = 'continuation-flood';

interface BlockLimit { profile: PeerProfile; allowed: number; action: string | undefined; cutAt?: FrameRecord }

export class ContinuationMeter implements Meter {
  readonly continuations = new Sample(25);
  private readonly frameLimits: BlockLimit[] = [];
  private readonly byteLimits: BlockLimit[] = [];
  /** The field block being received: its first frame, CONTINUATIONs so far, bytes so far. */
  private block: { start: FrameRecord; frames: number; bytes: number } | undefined;
  private maxFrames = 0;
  private maxBytes = 0;
  private worst: FrameRecord | undefined;

  constructor(private readonly m: MeterContext, readonly side: Side) {
    for (const p of m.ctx.profiles) {
      const f = limitOf(m.ctx, m.rule, p, 'maxContinuations');
      if (f) this.frameLimits.push({ profile: p, allowed: f.value, action: f.action });
      // Header size limits are what servers enforce on requests.
      const b = side === 'client' ? limitOf(m.ctx, m.rule, p, 'maxHeaderBlockBytes') : undefined;
      if (b) this.byteLimits.push({ profile: p, allowed: b.value, action: b.action });
    }
  }

  frame(f: FrameRecord): void {
    if (f.type !== FrameType.HEADERS && f.type !== FrameType.PUSH_PROMISE && f.type !== FrameType.CONTINUATION) return;
    if (!fromSide(this.m.conn, f, this.side)) return;
    if (f.type === FrameType.CONTINUATION) {
      this.continuations.push(f);
      if (!this.block) this.block = { start: f, frames: 0, bytes: 0 };
      this.block.frames++;
      this.block.bytes += f.length;
      for (const l of this.frameLimits) if (this.block.frames > l.allowed && !l.cutAt) l.cutAt = f;
    } else {
      this.block = { start: f, frames: 0, bytes: f.length };
    }
    for (const l of this.byteLimits) if (this.block.bytes > l.allowed && !l.cutAt) l.cutAt = f;
    if (this.block.frames > this.maxFrames || this.block.bytes > this.maxBytes) this.worst = this.block.start;
    this.maxFrames = Math.max(this.maxFrames, this.block.frames);
    this.maxBytes = Math.max(this.maxBytes, this.block.bytes);
    if (f.flags & 0x4) this.block = undefined;
  }

  measure(): Measurement | undefined {
    const bytesCut = this.byteLimits.some((l) => l.cutAt);
    if (this.continuations.count === 0 && !bytesCut) return undefined;
    const verdicts: ProfileVerdict[] = [];
    for (const l of this.frameLimits) {
      if (this.continuations.count === 0) break;
      const v = { profile: l.profile, used: this.maxFrames, allowed: l.allowed, unit: 'CONTINUATION frames in one field block', ...(l.action ? { action: l.action } : {}), ...(l.cutAt ? { cutAt: l.cutAt } : {}) };
      const summary = l.cutAt
        ? `${l.profile.name}: allows ${n(l.allowed)} CONTINUATION frames after a HEADERS — cut at the ${ordinal(l.allowed + 1)}, line ${n(l.cutAt.line + 1)}: ${l.action ?? 'connection closed'}`
        : `${l.profile.name}: at most ${n(this.maxFrames)} of ${n(l.allowed)} CONTINUATION frames in one field block`;
      verdicts.push({ ...v, quietAtLimit: true, summary });
    }
    for (const l of this.byteLimits) {
      const v = { profile: l.profile, used: this.maxBytes, allowed: l.allowed, unit: 'bytes in one field block', ...(l.action ? { action: l.action } : {}), ...(l.cutAt ? { cutAt: l.cutAt } : {}) };
      const summary = l.cutAt
        ? `${l.profile.name}: allows ${n(l.allowed)} bytes of field block — passed at line ${n(l.cutAt.line + 1)}: ${l.action ?? 'connection closed'}`
        : `${l.profile.name}: at most ${n(this.maxBytes)} of ${n(l.allowed)} bytes in one field block`;
      verdicts.push({ ...v, quietAtLimit: true, summary });
    }
    const c = this.continuations.count;
    const where = this.worst ? ` on stream ${this.worst.streamId}` : '';
    const headline = c
      ? `${n(c)} CONTINUATION frame${c === 1 ? '' : 's'} from the ${this.side}${during(this.continuations.first[0], this.continuations.last)}; the largest field block${where} spans ${n(this.maxFrames + 1)} frames, ${n(this.maxBytes)} bytes`
      : `A field block of ${n(this.maxBytes)} bytes from the ${this.side}${where}`;
    const first = c ? this.continuations.first : this.worst ? [this.worst] : [];
    return {
      rule: CONTINUATION_FLOOD, kind: 'continuations', offender: this.side, count: c || 1, headline,
      verdicts, notes: notesFor(this.m.ctx, this.m.rule), first, recent: c ? this.continuations.recent() : first, score: scoreOf(verdicts),
    };
  }
}

const EXPLANATION = [
  'A field block (request or response headers) that does not fit into one HEADERS frame continues in CONTINUATION frames, and nothing else may be sent on the connection until it ends (RFC 9113 §6.10). A peer that never ends the block makes the receiver buffer and decode without limit: the 2024 CONTINUATION flood (CVE-2024-27316 Apache, CVE-2023-45288 Go, and kin).',
  '',
  'Patched peers cut it: nghttp2 (and Apache, Node.js, curl over it) closes the connection at the 9th CONTINUATION after a HEADERS; Rust h2 at the 1,281st ("too_many_continuations"); Go answers GOAWAY PROTOCOL_ERROR past 1 MiB of header list; nginx answers GOAWAY ENHANCE_YOUR_CALM past its 32 KiB of header buffers; h2o refuses the stream past 417,792 bytes. Counted here on the wire (HPACK-compressed) bytes, a lower bound of the decoded size those limits apply to.',
  '',
  '**Fix**: keep headers small (cookies, tokens); a legitimate client never needs more than a few CONTINUATION frames.',
].join('\n');

export const continuationFloodRule: Rule = {
  id: CONTINUATION_FLOOD,
  title: 'CONTINUATION flood',
  defaultSeverity: 'warning',
  description: 'A field block spread over more CONTINUATION frames, or more bytes, than a real peer accepts (the 2024 CONTINUATION flood, CVE-2024-27316 and kin).',
  params: ['maxContinuations', 'maxHeaderBlockBytes'],
  check(trace: Trace, ctx: RuleContext): Finding[] {
    return scanOnly(continuationFloodRule, trace, ctx);
  },
  scan({ conn, load }: ScanContext): ConnectionScan {
    return {
      end: (): Finding[] => {
        const findings: Finding[] = [];
        for (const meter of [load.continuation.client, load.continuation.server]) {
          const m = meter.measure();
          const finding = m && floodFinding(conn, m, { rule: CONTINUATION_FLOOD, severity: 'warning', fullSeverity: 'info', relatedLabel: 'CONTINUATION', explanation: EXPLANATION });
          if (finding) findings.push(finding);
        }
        return findings;
      },
    };
  },
};
