/**
 * continuation-flood: a field block spread over more CONTINUATION frames, or more bytes, than a real
 * peer accepts (the 2024 CONTINUATION flood: CVE-2024-27316, CVE-2023-45288 and kin).
 */
import { FrameType } from '../model/frame.ts';
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { Measurement, Meter, MeterContext, ProfileVerdict, Side } from './budget.ts';
import { Sample, during, floodFinding, fromSide, limitsOf, n, notesFor, ordinal, scoreOf } from './budget.ts';
import type { PeerProfile } from './profiles.ts';
import { scanOnly } from './engine.ts';
import type { ConnectionScan, Finding, Rule, RuleContext, ScanContext } from './types.ts';
import { frameTypes } from './frameDispatch.ts';

export const CONTINUATION_FLOOD = 'continuation-flood';

interface BlockLimit { profile: PeerProfile; allowed: number; action: string | undefined; cutAt?: FrameRecord; perField?: number; riskAt?: FrameRecord }

/**
 * HPACK's Huffman code has no code shorter than 5 bits (RFC 7541 Appendix B): a Huffman-coded string
 * decodes to at most 8/5 of its size on the wire.
 */
const HUFFMAN_MAX_EXPANSION = 8 / 5;

export class ContinuationMeter implements Meter {
  /** A field block: its HEADERS or PUSH_PROMISE and its CONTINUATIONs. */
  readonly types = frameTypes(FrameType.HEADERS, FrameType.PUSH_PROMISE, FrameType.CONTINUATION);
  readonly continuations = new Sample(25);
  private readonly frameLimits: BlockLimit[] = [];
  private readonly byteLimits: BlockLimit[] = [];
  /** The field block being received: its first frame, CONTINUATIONs so far, bytes so far. */
  private block: { start: FrameRecord; frames: number; bytes: number } | undefined;
  private maxFrames = 0;
  private maxBytes = 0;
  /** The largest decoded size a field block may have (see `decodedEstimate`). */
  private maxDecoded = 0;
  private worst: FrameRecord | undefined;

  constructor(private readonly m: MeterContext, readonly side: Side) {
    for (const { profile: p, limit: f } of limitsOf(m.ctx, m.rule, 'maxContinuations')) this.frameLimits.push({ profile: p, allowed: f.value, action: f.action });
    // Header size limits are what servers enforce on requests.
    if (side === 'client') {
      for (const { profile: p, limit: b } of limitsOf(m.ctx, m.rule, 'maxHeaderBlockBytes')) {
        this.byteLimits.push({ profile: p, allowed: b.value, action: b.action, ...(b.decodedPerField !== undefined ? { perField: b.decodedPerField } : {}) });
      }
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
    for (const l of this.byteLimits) {
      if (this.block.bytes > l.allowed && !l.cutAt) l.cutAt = f;
      // A limit on the decoded list: the wire bytes are a lower bound (cut above); past the most the
      // block may decode to, the peer is at risk.
      if (l.perField !== undefined && !l.cutAt && !l.riskAt && this.decodedEstimate(l.perField) > l.allowed) l.riskAt = f;
    }
    if (this.perField !== undefined) this.maxDecoded = Math.max(this.maxDecoded, this.decodedEstimate(this.perField));
    if (this.block.frames > this.maxFrames || this.block.bytes > this.maxBytes) this.worst = this.block.start;
    this.maxFrames = Math.max(this.maxFrames, this.block.frames);
    this.maxBytes = Math.max(this.maxBytes, this.block.bytes);
    if (f.flags & 0x4) this.block = undefined;
  }

  /** The per-field cost of the decoded-size limits (they all use RFC 7541's 32). */
  private get perField(): number | undefined {
    return this.byteLimits.find((l) => l.perField !== undefined)?.perField;
  }

  /**
   * The most the current field block decodes to, as a peer that counts name + value + `perField` per
   * field sees it: its strings Huffman-coded (up to 8/5 on decoding) and one field per frame. An
   * estimate, not a bound: fields indexed in the dynamic table decode to more.
   */
  private decodedEstimate(perField: number): number {
    const b = this.block!;
    return Math.ceil(b.bytes * HUFFMAN_MAX_EXPANSION) + perField * (b.frames + 1);
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
      const atRisk = !l.cutAt && !!l.riskAt;
      const v = { profile: l.profile, used: this.maxBytes, allowed: l.allowed, unit: 'bytes in one field block', ...(l.action ? { action: l.action } : {}), ...(l.cutAt ? { cutAt: l.cutAt } : {}), ...(atRisk ? { atRisk } : {}) };
      const decoded = l.perField !== undefined ? ` (it counts them decoded, name + value + ${l.perField} per field: up to ${n(this.maxDecoded)} bytes if Huffman-coded, one field per frame)` : '';
      const summary = l.cutAt
        ? `${l.profile.name}: allows ${n(l.allowed)} bytes of field block — passed at line ${n(l.cutAt.line + 1)}: ${l.action ?? 'connection closed'}`
        : atRisk
          ? `${l.profile.name}: at most ${n(this.maxBytes)} of ${n(l.allowed)} bytes in one field block on the wire${decoded} — decoded, past its limit from line ${n(l.riskAt!.line + 1)}: ${l.action ?? 'connection closed'}`
          : `${l.profile.name}: at most ${n(this.maxBytes)} of ${n(l.allowed)} bytes in one field block${decoded}`;
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
  'Patched peers cut it: nghttp2 (and Apache, Node.js, curl over it) closes the connection at the 9th CONTINUATION after a HEADERS; Rust h2 at the 1,281st ("too_many_continuations"); Go answers GOAWAY PROTOCOL_ERROR past 1 MiB of header list; nginx answers GOAWAY ENHANCE_YOUR_CALM past its 32 KiB of header buffers; h2o refuses the stream past 417,792 bytes. Counted here on the wire (HPACK-compressed) bytes, a lower bound of the decoded size those limits apply to. Go counts 32 bytes more per field and Huffman-coded strings grow up to 8/5 when decoded, so a block that may decode past its limit puts Go at risk (go1.24 cut a flood of 62–63-byte frames at 528,528 bytes on the wire).',
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
