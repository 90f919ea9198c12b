/**
 * The connections → streams → frames view of an analysis, as plain data pages. The language server
 * answers the tree requests with these; the client only renders them.
 */
import type { Analysis } from '../analyze.ts';
import { FrameType } from '../model/frame.ts';
import type { Connection, FrameRecord, Stream, Trace } from '../model/trace.ts';
import { isFromClient } from '../model/trace.ts';
import { errorCodeName, flagNames } from '../knowledge/rfc9113.ts';
import type { Finding, Severity } from '../rules/types.ts';
import { lowerBound, lowerBoundBy } from '../lowerBound.ts';
import { formatNumber } from '../numberText.ts';

export type Outcome = 'ok' | 'reset' | 'error' | 'open';

export interface ProblemMark {
  severity: Severity;
  rule: string;
  message: string;
  count: number;
}

export interface ConnectionItem {
  id: string;
  role: string;
  peer?: string;
  streams: number;
  frames: number;
  /** Line of the connection's first frame (0-based). */
  line: number;
  /** How it ended: GOAWAY with code and debug data, EOF/error from the log, or still open. */
  ended: { kind: 'goaway'; code: string; debug?: string; by: 'sent' | 'received'; line: number } | { kind: 'closed'; note: string; line?: number } | { kind: 'open' };
  problem?: ProblemMark;
  /** Connection-level frames (stream 0). */
  connectionFrames: number;
}

export interface StreamItem {
  connection: string;
  id: number;
  method?: string;
  path?: string;
  status?: string;
  /** Method, path or status may be another stream's: the log did not say which fields were whose. */
  headersGuessed?: true;
  state: string;
  outcome: Outcome;
  /** "reset by client (CANCEL)" etc. */
  outcomeText: string;
  frames: number;
  bodyBytes: number;
  durationMs?: number;
  line: number;
  problem?: ProblemMark;
}

export interface FrameItem {
  index: number;
  line: number;
  time?: number;
  /** Seconds since the connection's first frame, when timed. */
  offsetMs?: number;
  direction: 'sent' | 'received';
  type: string;
  flags: string[];
  length: number;
  streamId: number;
  /** The one field that matters for this type: error code, increment, ping payload, settings… */
  key?: string;
  problem?: ProblemMark;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

function worst(findings: Finding[]): ProblemMark | undefined {
  let best: Finding | undefined;
  for (const f of findings) if (!best || RANK[f.severity] > RANK[best.severity]) best = f;
  return best ? { severity: best.severity, rule: best.rule, message: best.message, count: findings.length } : undefined;
}

/** Findings indexed once per analysis (the view asks page after page). */
export class TreeIndex {
  readonly byConnection = new Map<string, Finding[]>();
  readonly byStream = new Map<string, Finding[]>();
  readonly byFrame = new Map<number, Finding[]>();

  constructor(readonly analysis: Analysis) {
    for (const f of analysis.findings) {
      if (f.connection !== undefined) push(this.byConnection, f.connection, f);
      if (f.connection !== undefined && f.stream !== undefined) push(this.byStream, `${f.connection}#${f.stream}`, f);
      if (f.frame !== undefined) push(this.byFrame, f.frame, f);
      // A finding also marks the frames it points at (related locations).
      for (const r of f.related) if (r.frame !== undefined && r.frame !== f.frame) push(this.byFrame, r.frame, f);
    }
  }

  get trace(): Trace | undefined {
    return this.analysis.trace;
  }

  /** Per connection, built on first use: its streams by id — each page request is then a slice. */
  private readonly sortedStreams = new Map<string, Stream[]>();
  private streamsOf(conn: Connection): Stream[] {
    let list = this.sortedStreams.get(conn.id);
    if (!list) this.sortedStreams.set(conn.id, (list = [...conn.streams.values()].sort((a, b) => a.id - b.id)));
    return list;
  }

  /** Per connection, built on first use: its streams with findings — paging through them is then slices too. */
  private readonly sortedProblemStreams = new Map<string, Stream[]>();
  private problemStreamsOf(conn: Connection): Stream[] {
    let list = this.sortedProblemStreams.get(conn.id);
    if (!list) this.sortedProblemStreams.set(conn.id, (list = this.streamsOf(conn).filter((s) => this.byStream.has(`${conn.id}#${s.id}`))));
    return list;
  }

  connections(): ConnectionItem[] {
    const trace = this.trace;
    if (!trace) return [];
    return trace.connections.map((c) => connectionItem(trace, c, this.byConnection.get(c.id) ?? [], c.ownFrames.length));
  }

  streams(connection: string, offset: number, limit: number, onlyProblems = false): Page<StreamItem> {
    const trace = this.trace;
    const conn = trace?.connectionById.get(connection);
    if (!trace || !conn) return { items: [], total: 0, offset };
    const streams = onlyProblems ? this.problemStreamsOf(conn) : this.streamsOf(conn);
    const items = streams.slice(offset, offset + limit).map((s) => streamItem(trace, conn, s, this.byStream.get(`${connection}#${s.id}`) ?? []));
    return { items, total: streams.length, offset };
  }

  /** Frames of a stream, or of the connection itself when `stream` is 0. */
  frames(connection: string, stream: number, offset: number, limit: number): Page<FrameItem> {
    const trace = this.trace;
    const conn = trace?.connectionById.get(connection);
    if (!trace || !conn) return { items: [], total: 0, offset };
    const ids = stream === 0 ? conn.ownFrames : conn.streams.get(stream)?.frames ?? [];
    const start = trace.frames.get(conn.frames[0]!)?.time;
    const items = ids.slice(offset, offset + limit).map((i) => frameItem(trace.frames.row(i), start, this.byFrame.get(i)));
    return { items, total: ids.length, offset };
  }

  /**
   * Which frame a cursor line is on (for selecting the matching tree node), and its position in the
   * frame list the tree shows it in (its stream's, or the connection's own for stream 0).
   */
  frameAtLine(line: number): { connection: string; stream: number; index: number; position: number } | undefined {
    const trace = this.trace;
    if (!trace) return undefined;
    // Frames are in line order: the first frame on the line, by binary search.
    const frames = trace.frames;
    const i = lowerBoundBy(frames.length, line, (k) => frames.lineOf(k));
    if (i === frames.length || frames.lineOf(i) !== line) return undefined;
    const f = frames.row(i);
    const conn = trace.connectionById.get(f.connection);
    const list = (f.streamId === 0 ? conn?.ownFrames : conn?.streams.get(f.streamId)?.frames) ?? [];
    return { connection: f.connection, stream: f.streamId, index: f.index, position: positionIn(list, f.index) };
  }

  /** Streams whose id or path matches the query ("13", "/api/users"). */
  findStreams(query: string, limit = 50): StreamItem[] {
    const trace = this.trace;
    if (!trace) return [];
    const q = query.trim().toLowerCase();
    const asId = /^\d+$/.test(q) ? Number(q) : undefined;
    const out: StreamItem[] = [];
    for (const c of trace.connections) {
      for (const s of c.streams.values()) {
        const hit = asId !== undefined ? s.id === asId : (s.path ?? '').toLowerCase().includes(q) || (s.method ?? '').toLowerCase() === q;
        if (hit) out.push(streamItem(trace, c, s, this.byStream.get(`${c.id}#${s.id}`) ?? []));
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** A readable one-paragraph account of a stream (the view's "Copy summary"). */
  streamSummary(connection: string, streamId: number): string | undefined {
    const trace = this.trace;
    const conn = trace?.connectionById.get(connection);
    const s = conn?.streams.get(streamId);
    if (!trace || !conn || !s) return undefined;
    const item = streamItem(trace, conn, s, this.byStream.get(`${connection}#${streamId}`) ?? []);
    const what = ([s.method, s.path].filter(Boolean).join(' ') || 'a request') + (s.headersGuessed && (s.method || s.path) ? ' (fields guessed)' : '');
    const opened = trace.frames.row(s.frames[0]!);
    const parts = [`Stream ${s.id} on connection ${conn.id}${conn.peer ? ` (${conn.role} side, peer ${conn.peer})` : ` (${conn.role} side)`}: ${what}${s.status_ ? ` answered ${s.status_}` : ''}.`];
    parts.push(`First seen at line ${opened.line + 1}; ${item.frames} frames, ${formatNumber(item.bodyBytes)} body bytes${item.durationMs !== undefined ? `, ${item.durationMs.toFixed(1)} ms` : ''}; ${item.outcomeText}.`);
    const findings = this.byStream.get(`${connection}#${streamId}`) ?? [];
    for (const f of findings) parts.push(`${f.severity} ${f.rule} (line ${f.line + 1}): ${f.message}`);
    return parts.join(' ');
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function connectionItem(trace: Trace, c: Connection, findings: Finding[], connectionFrames: number): ConnectionItem {
  const first = trace.frames.row(c.frames[0]!);
  const lastGoaway = c.goaways.length ? trace.frames.row(c.goaways[c.goaways.length - 1]!) : undefined;
  let ended: ConnectionItem['ended'] = { kind: 'open' };
  if (lastGoaway) {
    ended = { kind: 'goaway', code: errorCodeName(lastGoaway.errorCode ?? 0), by: lastGoaway.direction, line: lastGoaway.line, ...(lastGoaway.debugData ? { debug: lastGoaway.debugData } : {}) };
  } else if (c.info.endNote) {
    ended = { kind: 'closed', note: c.info.endNote, ...(c.info.endLine !== undefined ? { line: c.info.endLine } : {}) };
  }
  const problem = worst(findings);
  return {
    id: c.id, role: c.role, ...(c.peer ? { peer: c.peer } : {}), streams: c.streams.size, frames: c.frames.length,
    line: first.line, ended, ...(problem ? { problem } : {}),
    connectionFrames,
  };
}

function streamItem(trace: Trace, conn: Connection, s: Stream, findings: Finding[]): StreamItem {
  let outcome: Outcome;
  let outcomeText: string;
  if (s.resetFrame !== undefined) {
    const r = trace.frames.row(s.resetFrame);
    const byClient = isFromClient(conn, r);
    const code = r.errorCode ?? 0;
    outcome = code === 0x8 || code === 0x0 ? 'reset' : 'error';
    outcomeText = `reset by ${byClient ? 'client' : 'server'} (${errorCodeName(code)})`;
  } else if (s.status.state === 'closed') {
    const status = Number(s.status_ ?? '200');
    outcome = status >= 500 ? 'error' : 'ok';
    outcomeText = 'closed';
  } else {
    outcome = 'open';
    outcomeText = `${s.status.state} at end of log`;
  }
  const first = trace.frames.row(s.frames[0]!);
  const last = trace.frames.row(s.frames[s.frames.length - 1]!);
  const open = s.openFrame !== undefined ? trace.frames.row(s.openFrame) : first;
  const problem = worst(findings);
  return {
    connection: conn.id, id: s.id,
    ...(s.method ? { method: s.method } : {}), ...(s.path ? { path: s.path } : {}), ...(s.status_ ? { status: s.status_ } : {}),
    ...(s.headersGuessed ? { headersGuessed: true as const } : {}),
    state: s.status.state, outcome, outcomeText, frames: s.frames.length,
    bodyBytes: s.dataBytesReceived + s.dataBytesSent,
    ...(first.time !== undefined && last.time !== undefined ? { durationMs: last.time - first.time } : {}),
    line: open.line, ...(problem ? { problem } : {}),
  };
}

function frameKey(f: FrameRecord): string | undefined {
  switch (f.type) {
    case FrameType.RST_STREAM: return errorCodeName(f.errorCode ?? 0);
    case FrameType.GOAWAY: return `${errorCodeName(f.errorCode ?? 0)} last=${f.lastStreamId ?? 0}${f.debugData ? ` "${f.debugData}"` : ''}`;
    case FrameType.WINDOW_UPDATE: return f.increment !== undefined ? `+${f.increment}` : undefined;
    case FrameType.PING: return f.pingPayload;
    case FrameType.SETTINGS: return f.settings?.length ? f.settings.map(([k, v]) => `${k}=${v}`).join(', ') : undefined;
    case FrameType.HEADERS: {
      const st = f.headers?.find((h) => h.name === ':status')?.value;
      const path = f.headers?.find((h) => h.name === ':path')?.value;
      const method = f.headers?.find((h) => h.name === ':method')?.value;
      return st ? `:status ${st}` : path ? `${method ?? ''} ${path}`.trim() : undefined;
    }
    default: return undefined;
  }
}

function frameItem(f: FrameRecord, start: number | undefined, findings: Finding[] | undefined): FrameItem {
  const key = frameKey(f);
  const problem = findings ? worst(findings) : undefined;
  return {
    index: f.index, line: f.line, ...(f.time !== undefined ? { time: f.time } : {}),
    ...(f.time !== undefined && start !== undefined ? { offsetMs: f.time - start } : {}),
    direction: f.direction, type: f.typeName || `0x${f.type.toString(16)}`, flags: flagNames(f.type, f.flags), length: f.length,
    streamId: f.streamId, ...(key ? { key } : {}), ...(problem ? { problem } : {}),
  };
}

/** Where frame `index` is in an ascending list of frame indices, or -1. */
function positionIn(list: readonly number[], index: number): number {
  const at = lowerBound(list, index);
  return at < list.length && list[at] === index ? at : -1;
}
