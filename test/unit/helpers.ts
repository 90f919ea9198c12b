/**
 * Shared helpers of the unit tests: fixture loading, and a builder for hand-made Go http2debug logs
 * (every line is built from the exact format strings of golang/net http2/frame.go, see
 * ../shared/research/formats-and-limits.md §1.3–1.4 in the project's research notes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = join(__dirname, '..', 'fixtures');

/** A fixture file as text; `.gz` files are gunzipped. */
export function fixture(rel: string): string {
  const buf = readFileSync(join(FIXTURES, rel));
  return (rel.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

export function fixtureJson<T = any>(rel: string): T {
  return JSON.parse(fixture(rel)) as T;
}

export interface TruthExpected { finding: string; streams?: number[]; count: number }
export interface GoRun {
  name: string;
  files: { client_log: string; server_log: string; client_record: string };
  connections: number;
  deliberate: { requests: number };
  expected: TruthExpected[];
  client_frames: { written: Record<string, number>; read: Record<string, number> };
  server_rst_read: number[];
  /** Which truth file (folder) the run comes from. */
  scenario: string;
}

/** Every run of the two Go truth files, with its folder. */
export function goRuns(): GoRun[] {
  const runs: GoRun[] = [];
  for (const scenario of ['go-undrained-body', 'go-drained-body']) {
    const truth = fixtureJson<{ runs: GoRun[] }>(`${scenario}/truth.json`);
    for (const r of truth.runs) runs.push({ ...r, scenario });
  }
  return runs;
}

export function expected(run: GoRun, finding: string): TruthExpected {
  const e = run.expected.find((x) => x.finding === finding);
  if (!e) throw new Error(`truth of ${run.name} has no ${finding}`);
  return e;
}

/** Lines of a text, 0-based, the way the parser numbers them. */
export const linesOf = (text: string): string[] => text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));

// ---------------------------------------------------------------------------------------------
// Hand-made Go logs

export const FRAMER = '0xc000010000';
const BASE = Date.UTC(2026, 10, 24, 12, 0, 0);

/** Go log.LstdFlags|log.Lmicroseconds prefix for `BASE + seconds`: `2026/11/24 12:00:01.500000 `. */
export function stamp(seconds: number): string {
  const d = new Date(BASE + Math.round(seconds * 1000));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 `;
}
export const stampMs = (seconds: number): number => BASE + Math.round(seconds * 1000);

/** `[stamp ]http2: Framer <ptr>: wrote|read <summary>` */
export function framer(dir: 'wrote' | 'read', summary: string, at?: number, ptr = FRAMER): string {
  return `${at === undefined ? '' : stamp(at)}http2: Framer ${ptr}: ${dir} ${summary}`;
}
export const wrote = (summary: string, at?: number): string => framer('wrote', summary, at);
export const read = (summary: string, at?: number): string => framer('read', summary, at);

/** The connection preface exchange as a Go client logs it (SETTINGS both ways and their ACKs). */
export function clientPreface(at?: number): string[] {
  return [
    wrote('SETTINGS len=18, settings: ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=4194304, MAX_HEADER_LIST_SIZE=10485760', at),
    wrote('WINDOW_UPDATE len=4 (conn) incr=1073741824', at),
    read('SETTINGS len=18, settings: MAX_FRAME_SIZE=1048576, MAX_CONCURRENT_STREAMS=250, MAX_HEADER_LIST_SIZE=1048896', at),
    wrote('SETTINGS flags=ACK len=0', at),
    read('SETTINGS flags=ACK len=0', at),
  ];
}

/** 8 bytes as Go's %q prints them (only \xHH escapes: valid, if not the shortest, rendering). */
export function pingQ(bytes: number[]): string {
  return `"${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`;
}
export const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
