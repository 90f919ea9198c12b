/**
 * A frame explained in words, as Markdown: what it is, its flags and fields, the RFC section, the
 * stream's state before → after, and where the stream started. Used by the hover (and anything else
 * that wants to show a frame to a person).
 */
import type { Connection, FrameRecord, Trace } from '../model/trace.ts';
import { FrameType } from '../model/frame.ts';
import { FLAG_EXPLANATIONS, SETTINGS, errorCodeMeaning, errorCodeName, flagNames, frameTypeInfo, rfcLink } from './rfc9113.ts';
import { pingFingerprint } from './pingFingerprints.ts';
import { formatNumber } from '../numberText.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Why a format's fields are a guess (FrameEvent.headersGuessed). */
const INTERLEAVED = 'the log wrote the fields of several connections interleaved without saying whose they were (Go does not name the Framer on its hpack lines)';

function describeDirection(conn: Connection | undefined, f: FrameRecord): string {
  const me = conn?.role && conn.role !== 'unknown' ? conn.role : 'logging endpoint';
  const peer = me === 'client' ? 'server' : me === 'server' ? 'client' : 'peer';
  return f.direction === 'sent' ? `sent by the ${me} (this log) to the ${peer}` : `received by the ${me} (this log) from the ${peer}`;
}

export function explainFrame(trace: Trace, f: FrameRecord): string {
  const info = frameTypeInfo(f.type);
  const conn = trace.connectionById.get(f.connection);
  const name = f.typeName || info?.name || `frame type ${hex(f.type)}`;
  const lines: string[] = [];
  const section = info ? ` — [RFC 9113 §${info.section}](${rfcLink(info.section)})` : '';
  lines.push(`**${name}**${f.streamId ? ` on stream ${f.streamId}` : ' (connection)'}, ${describeDirection(conn, f)}${section}`);
  lines.push('');
  if (info) lines.push(`${capitalize(info.summary)}.`);
  else lines.push('An extension or unknown frame type: RFC 9113 §4.1 and §5.5 say to ignore frame types you do not know.');
  lines.push('');

  const flags = flagNames(f.type, f.flags);
  const facts: string[] = [];
  facts.push(`Flags: ${flags.length ? flags.map((n) => `\`${n}\`${FLAG_EXPLANATIONS[n] ? ` (${FLAG_EXPLANATIONS[n]})` : ''}`).join(', ') : 'none'}`);
  facts.push(`Payload: ${formatNumber(f.length)} bytes`);
  if (f.errorCode !== undefined) facts.push(`Error code: \`${errorCodeName(f.errorCode)}\` (${hex(f.errorCode)}) — ${errorCodeMeaning(f.errorCode)} ([§7](${rfcLink('7')}))`);
  if (f.type === FrameType.GOAWAY) {
    facts.push(`Last stream id: ${f.lastStreamId ?? 0} — streams above it that the receiver opened were not processed and can be retried`);
    if (f.debugData) facts.push(`Debug data: \`${f.debugData}\``);
  }
  if (f.increment !== undefined) facts.push(`Window increment: ${formatNumber(f.increment)} bytes${f.streamId ? '' : ' for the whole connection'}`);
  if (f.settings?.length) {
    for (const [k, v] of f.settings) facts.push(`\`${k}\` = ${formatNumber(v)}${SETTINGS[k] ? ` — ${SETTINGS[k]!.meaning} (initial ${SETTINGS[k]!.initial})` : ' — unknown setting: ignored by the receiver'}`);
  }
  if (f.pingPayload !== undefined) {
    const who = pingFingerprint(f.pingPayload);
    facts.push(`Opaque data: \`${f.pingPayload}\`${who ? ` — ${who}` : ''}`);
    if (f.type === FrameType.PING && (f.flags & 1) === 0) facts.push('The receiver must answer with PING ACK carrying the same 8 bytes.');
  }
  if (f.dataPreview !== undefined && f.length > 0) facts.push(`Data: \`${truncate(f.dataPreview, 80)}\`${f.dataOmitted ? ` (+${f.dataOmitted} bytes not logged)` : ''}`);
  if (f.headers?.length) {
    facts.push(`Header fields: ${f.headers.slice(0, 8).map((h) => `\`${h.name}: ${truncate(h.value, 40)}\``).join(', ')}${f.headers.length > 8 ? ', …' : ''}`);
    if (f.headersGuessed) facts.push(`These fields are a best guess: ${INTERLEAVED}, so some may be another stream's.`);
  } else if (f.headersGuessed) facts.push(`Header fields: none could be tied to this frame: ${INTERLEAVED}.`);
  if (f.time !== undefined) facts.push(`Time: ${formatTime(f.time)}`);
  for (const fact of facts) lines.push(`- ${fact}`);

  if (f.streamId && conn) {
    const stream = conn.streams.get(f.streamId);
    if (stream) {
      lines.push('');
      const before = f.stateBefore ?? '?';
      const after = f.stateAfter ?? '?';
      lines.push(`Stream ${f.streamId}: **${before}** → **${after}** ([§5.1](${rfcLink('5.1')}))`);
      const opener = stream.openFrame !== undefined ? trace.frames.get(stream.openFrame) : undefined;
      const what = [stream.method, stream.path].filter(Boolean).join(' ');
      const status = stream.status_ ? ` → ${stream.status_}` : '';
      if (opener) lines.push(`Opened at line ${opener.line + 1}${what ? ` by \`${what}\`${status}${stream.headersGuessed ? ' (a guess: the fields of several connections interleave in this log)' : ''}` : ''}, ${stream.frames.length} frames in all.`);
      else lines.push('The log does not show where this stream was opened.');
    }
  }
  if (f.violation) {
    lines.push('');
    lines.push(`⚠ Not allowed here: ${f.violation.why} → ${f.violation.scope} error \`${f.violation.error}\`.`);
  }
  return lines.join('\n');
}

/** Wall-clock times as dates; relative ones (nghttp's `[  0.069]`, stored as ms since start) as offsets. */
function formatTime(ms: number): string {
  if (ms < 1e11) return `+${(ms / 1000).toFixed(3)} s since the log's start`;
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function truncate(s: string, n: number): string {
  const clean = s.replace(/[\u0000-\u001f`]/g, ' ');
  return clean.length > n ? `${clean.slice(0, n)}…` : clean;
}
