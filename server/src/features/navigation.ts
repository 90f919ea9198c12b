/** Document symbols (connections → streams), references (a stream's frames) and definition (its opening HEADERS). */
import { SymbolKind, type DocumentSymbol, type Location, type Range } from 'vscode-languageserver';
import type { CachedAnalysis } from '../analysisCache.ts';
import { frameAt } from '../analysisCache.ts';
import type { FrameRecord, Stream, Trace } from '../core/model/trace.ts';
import { errorCodeName } from '../core/knowledge/rfc9113.ts';

const frameRange = (f: FrameRecord): Range => ({ start: { line: f.line, character: f.startChar }, end: { line: f.line, character: f.endChar } });
const span = (a: FrameRecord, b: FrameRecord): Range => ({ start: { line: a.line, character: 0 }, end: { line: b.line, character: b.endChar } });

/** One line describing a stream's outcome: `GET /x → 200, reset by client (CANCEL)`. */
export function streamLabel(trace: Trace, s: Stream): { name: string; detail: string } {
  const request = [s.method, s.path].filter(Boolean).join(' ');
  const what = request && s.headersGuessed ? `≈ ${request}` : request;
  const name = `stream ${s.id}${what ? ` ${what}` : ''}${s.status_ ? ` → ${s.status_}` : ''}`;
  let detail: string;
  const conn = trace.connectionById.get(s.connection)!;
  if (s.resetFrame !== undefined) {
    const r = trace.frames.row(s.resetFrame);
    const by = r.direction === 'sent' ? (conn.role === 'unknown' ? 'this endpoint' : conn.role) : conn.role === 'client' ? 'server' : conn.role === 'server' ? 'client' : 'peer';
    detail = `reset by ${by} (${errorCodeName(r.errorCode ?? 0)})`;
  } else if (s.status.state === 'closed') detail = 'closed';
  else detail = `${s.status.state} at end of log`;
  return { name, detail: `${detail}, ${s.frames.length} frames` };
}

export function documentSymbols(entry: CachedAnalysis): DocumentSymbol[] {
  const trace = entry.analysis.trace;
  if (!trace) return [];
  return trace.connections.map((c) => {
    const first = trace.frames.row(c.frames[0]!);
    const last = trace.frames.row(c.frames[c.frames.length - 1]!);
    const children: DocumentSymbol[] = [];
    for (const s of [...c.streams.values()].sort((a, b) => a.id - b.id)) {
      const open = trace.frames.row(s.openFrame ?? s.frames[0]!);
      const label = streamLabel(trace, s);
      // Streams interleave: a range from first to last frame would make sticky scroll and breadcrumbs
      // name the wrong stream, so a stream's symbol is its opening frame.
      children.push({ name: label.name, detail: label.detail, kind: SymbolKind.Event, range: frameRange(open), selectionRange: frameRange(open) });
    }
    const peer = c.peer ? ` ↔ ${c.peer}` : '';
    return {
      name: `connection ${c.id}${peer}`,
      detail: `${c.role} side, ${c.streams.size} streams, ${c.frames.length} frames`,
      kind: SymbolKind.Module,
      range: span(first, last),
      selectionRange: frameRange(first),
      children,
    };
  });
}

export function references(entry: CachedAnalysis, uri: string, line: number, character: number): Location[] {
  const trace = entry.analysis.trace;
  const f = trace && frameAt(entry, line, character);
  if (!trace || !f) return [];
  const conn = trace.connectionById.get(f.connection)!;
  const ids = f.streamId ? conn.streams.get(f.streamId)?.frames ?? [] : conn.frames;
  return ids.map((i) => ({ uri, range: frameRange(trace.frames.row(i)) }));
}

export function definition(entry: CachedAnalysis, uri: string, line: number, character: number): Location | null {
  const trace = entry.analysis.trace;
  const f = trace && frameAt(entry, line, character);
  if (!trace || !f) return null;
  const conn = trace.connectionById.get(f.connection)!;
  const stream = f.streamId ? conn.streams.get(f.streamId) : undefined;
  const target = stream?.openFrame !== undefined ? trace.frames.row(stream.openFrame) : trace.frames.row((stream?.frames ?? conn.frames)[0]!);
  return { uri, range: frameRange(target) };
}
