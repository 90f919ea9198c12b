/**
 * Helpers of the format tests: fixtures (gunzipped with node:zlib), frame counting, the common
 * well-formedness check every parser's output must pass, and a linear-time check by ratio.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FrameEvent, ParsedLog } from '../../../server/src/core/model/frame.ts';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');

/** A fixture as text; `.gz` files are gunzipped. */
export function fixture(rel: string): string {
  const buf = readFileSync(join(FIXTURES, rel));
  return (rel.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

export function fixtureJson<T = any>(rel: string): T {
  return JSON.parse(fixture(rel)) as T;
}

/** `{ "sent HEADERS": 40, … }` */
export function countBy(frames: Iterable<FrameEvent>, key: (f: FrameEvent) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of frames) out[key(f)] = (out[key(f)] ?? 0) + 1;
  return out;
}

export const byDirType = (frames: Iterable<FrameEvent>): Record<string, number> => countBy(frames, (f) => `${f.direction} ${f.typeName}`);

/** Per direction: `{ sent: {HEADERS: 40}, received: {…} }` */
export function byDirection(frames: Iterable<FrameEvent>): { sent: Record<string, number>; received: Record<string, number> } {
  const out = { sent: {} as Record<string, number>, received: {} as Record<string, number> };
  for (const f of frames) out[f.direction][f.typeName] = (out[f.direction][f.typeName] ?? 0) + 1;
  return out;
}

export function linesOf(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Every frame field in its domain, every position inside the text. */
export function assertWellFormed(parsed: ParsedLog, text: string): void {
  const lines = linesOf(text);
  assert.ok(Number.isInteger(parsed.lineCount) && parsed.lineCount >= 0);
  assert.ok(Array.isArray(parsed.notes) && parsed.notes.every((n) => typeof n === 'string' && n.length > 0));
  for (const f of parsed.frames) {
    assert.ok(Number.isInteger(f.type) && f.type >= 0 && f.type <= 255, `type ${f.type}`);
    assert.ok(Number.isInteger(f.flags) && f.flags >= 0 && f.flags <= 255, `flags ${f.flags}`);
    assert.ok(Number.isInteger(f.streamId) && f.streamId >= 0, `stream ${f.streamId}`);
    assert.ok(Number.isInteger(f.length) && f.length >= 0, `length ${f.length}`);
    assert.ok(Number.isInteger(f.line) && f.line >= 0 && f.line < Math.max(parsed.lineCount, 1), `line ${f.line} of ${parsed.lineCount}`);
    const line = lines[f.line] ?? '';
    assert.ok(f.startChar >= 0 && f.startChar <= f.endChar && f.endChar <= line.length, `chars ${f.startChar}-${f.endChar} of ${line.length} on line ${f.line}`);
    assert.ok(f.direction === 'sent' || f.direction === 'received');
    assert.ok(typeof f.connection === 'string' && f.connection.length > 0);
    assert.ok(parsed.connections.has(f.connection), `connection ${f.connection} is described`);
    if (f.time !== undefined) assert.ok(Number.isFinite(f.time));
    if (f.errorCode !== undefined) assert.ok(Number.isInteger(f.errorCode) && f.errorCode >= 0 && f.errorCode <= 0xffffffff, `errorCode ${f.errorCode}`);
    if (f.lastStreamId !== undefined) assert.ok(Number.isInteger(f.lastStreamId) && f.lastStreamId >= 0);
    if (f.increment !== undefined) assert.ok(Number.isInteger(f.increment) && f.increment >= 0);
    if (f.pingPayload !== undefined) assert.match(f.pingPayload, /^([0-9a-f]{2})*$/);
    if (f.settings) for (const [k, v] of f.settings) assert.ok(typeof k === 'string' && k.length > 0 && Number.isFinite(v));
    if (f.headers) for (const h of f.headers) assert.ok(typeof h.name === 'string' && typeof h.value === 'string');
  }
}

/** The sequence of frames as comparable tuples (for format-against-format equality). */
export function shape(frames: Iterable<FrameEvent>): string[] {
  return [...frames].map((f) => `${f.direction} ${f.typeName} s${f.streamId} f${f.flags} l${f.length}${f.errorCode !== undefined ? ` e${f.errorCode}` : ''}`);
}

/**
 * Linear time by ratio, not by wall clock: the per-byte time of an 8× larger input must stay
 * within ~3× the per-byte time of the small one (a quadratic parser gives ×8). Best of several
 * tries, each the minimum of `reps` runs, so that a busy machine does not fail it.
 */
export function assertLinear(name: string, make: (n: number) => string, run: (text: string) => void, base = 1, reps = 3): void {
  const small = make(base);
  const large = make(base * 8);
  const time = (t: string): number => {
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      run(t);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  let report = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const ts = time(small);
    const tl = time(large);
    const ratio = tl / Math.max(ts, 0.05);
    report = `${name}: ${tl.toFixed(1)} ms for ×8 input vs ${ts.toFixed(1)} ms (ratio ${ratio.toFixed(1)}, limit 24)`;
    if (process.env['H2LENS_TIMING']) console.log(report);
    if (ratio <= 8 * 3) return;
  }
  assert.fail(report);
}
