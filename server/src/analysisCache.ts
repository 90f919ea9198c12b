/**
 * One analysis per document version, so hover, references, symbols and tree requests never re-parse.
 * Entries are evicted when their document closes, and the cache is bounded (LRU).
 */
import type { Analysis, AnalyzeOptions } from './core/analyze.ts';
import { analyzeText } from './core/analyze.ts';
import { analyzeTextAsync } from './core/analyzeAsync.ts';
import type { FrameRecord } from './core/model/trace.ts';
import type { Finding } from './core/rules/types.ts';
import { TreeIndex } from './core/views/tree.ts';
import { lowerBoundBy } from './core/lowerBound.ts';

export interface CachedAnalysis {
  uri: string;
  version: number;
  analysis: Analysis;
  /**
   * Line → frame indices on that line, built on first use and only when the frames are not in line
   * order (they are for every format so far: a binary search finds them without an index).
   */
  framesByLine?: Map<number, number[]>;
  /** Are the frames in line order? Checked once, on first use. */
  framesSorted?: boolean;
  /** Built on the first tree request, then reused for every page. */
  tree?: TreeIndex;
  /** Line → the findings reported on it, built on the first hover (a hover must not scan every finding). */
  findingsByLine?: Map<number, Finding[]>;
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/** The findings reported on `line`, in the analysis' order. */
export function findingsOnLine(entry: CachedAnalysis, line: number): readonly Finding[] {
  let byLine = entry.findingsByLine;
  if (!byLine) {
    byLine = entry.findingsByLine = new Map();
    for (const f of entry.analysis.findings) {
      const list = byLine.get(f.line);
      if (list) list.push(f);
      else byLine.set(f.line, [f]);
    }
  }
  return byLine.get(line) ?? NO_FINDINGS;
}

export function treeOf(entry: CachedAnalysis): TreeIndex {
  return (entry.tree ??= new TreeIndex(entry.analysis));
}

export class AnalysisCache {
  private readonly entries = new Map<string, CachedAnalysis>();
  constructor(private readonly capacity = 16) {}

  get(uri: string, version: number): CachedAnalysis | undefined {
    const e = this.entries.get(uri);
    if (!e || e.version !== version) return undefined;
    // Refresh LRU position.
    this.entries.delete(uri);
    this.entries.set(uri, e);
    return e;
  }

  /** Latest analysis of a document whatever its version (for requests that race with edits). */
  latest(uri: string): CachedAnalysis | undefined {
    return this.entries.get(uri);
  }

  analyze(uri: string, version: number, text: string, opts: AnalyzeOptions): CachedAnalysis {
    const hit = this.get(uri, version);
    if (hit) return hit;
    const analysis = analyzeText(text, opts);
    const entry: CachedAnalysis = { uri, version, analysis };
    this.store(entry);
    return entry;
  }

  /** Like analyze(), yielding while it parses; one run per document at a time, stale runs abandoned. */
  analyzeAsync(uri: string, version: number, text: string, opts: AnalyzeOptions): Promise<CachedAnalysis> {
    const hit = this.get(uri, version);
    if (hit) return Promise.resolve(hit);
    const running = this.inflight.get(uri);
    if (running && running.version === version) return running.promise;
    running?.controller.abort();
    const controller = new AbortController();
    const promise = analyzeTextAsync(text, opts, controller.signal).then((analysis) => {
      const entry: CachedAnalysis = { uri, version, analysis };
      this.store(entry);
      return entry;
    }).finally(() => {
      if (this.inflight.get(uri)?.promise === promise) this.inflight.delete(uri);
    });
    this.inflight.set(uri, { version, promise, controller });
    return promise;
  }

  private readonly inflight = new Map<string, { version: number; promise: Promise<CachedAnalysis>; controller: AbortController }>();

  private store(entry: CachedAnalysis): void {
    this.entries.delete(entry.uri);
    this.entries.set(entry.uri, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  evict(uri: string): void {
    this.inflight.get(uri)?.controller.abort();
    this.inflight.delete(uri);
    this.entries.delete(uri);
  }

  clear(): void {
    this.entries.clear();
  }
}

export function indexFrames(analysis: Analysis): Map<number, number[]> {
  const framesByLine = new Map<number, number[]>();
  const frames = analysis.trace?.frames;
  for (let i = 0; i < (frames?.length ?? 0); i++) {
    const line = frames!.lineOf(i);
    const list = framesByLine.get(line);
    if (list) list.push(i);
    else framesByLine.set(line, [i]);
  }
  return framesByLine;
}

/** Indices of the frames on a line. */
function framesOnLine(entry: CachedAnalysis, line: number): number[] {
  const frames = entry.analysis.trace?.frames;
  if (!frames) return [];
  if (entry.framesSorted === undefined) {
    let sorted = true;
    for (let i = 1; i < frames.length && sorted; i++) if (frames.lineOf(i) < frames.lineOf(i - 1)) sorted = false;
    entry.framesSorted = sorted;
  }
  if (!entry.framesSorted) return (entry.framesByLine ??= indexFrames(entry.analysis)).get(line) ?? [];
  // The first frame on or after the line, then the run of frames on it.
  const out: number[] = [];
  for (let i = lowerBoundBy(frames.length, line, (k) => frames.lineOf(k)); i < frames.length && frames.lineOf(i) === line; i++) out.push(i);
  return out;
}

/** The frame under a position: the one on that line whose range contains the character (else the first). */
export function frameAt(entry: CachedAnalysis, line: number, character: number): FrameRecord | undefined {
  const idx = framesOnLine(entry, line);
  const frames = entry.analysis.trace?.frames;
  if (idx.length === 0 || !frames) return undefined;
  for (const i of idx) {
    const f = frames.row(i);
    if (character >= f.startChar && character <= f.endChar) return f;
  }
  return frames.get(idx[0]!);
}
