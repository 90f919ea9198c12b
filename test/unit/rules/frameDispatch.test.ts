/**
 * Meters and rule scans that declare the frame types they read get only those frames (FrameDispatch).
 * Their contract: they do nothing for other frames. Checked on every real log fixture with frames:
 * each meter fed every frame measures exactly what it measures fed by type, and every rule finds
 * exactly what it finds with its types ignored.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyzeText, type Analysis } from '../../../server/src/core/analyze.ts';
import { ConnectionLoad } from '../../../server/src/core/rules/calmCauses.ts';
import type { Meter } from '../../../server/src/core/rules/budget.ts';
import { runScans } from '../../../server/src/core/rules/engine.ts';
import { RULES } from '../../../server/src/core/rules/index.ts';
import { PROFILES } from '../../../server/src/core/rules/profiles.ts';
import type { Rule } from '../../../server/src/core/rules/types.ts';
import { FrameDispatch, frameTypes } from '../../../server/src/core/rules/frameDispatch.ts';
import { FIXTURES, fixture } from '../helpers.ts';

/** Every log and capture export among the fixtures (not sources, scripts, notes or truth files). */
function logFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(log|txt|json|pdml|xml|gz)$/.test(name) && name !== 'truth.json' && !name.endsWith('.go')) out.push(relative(FIXTURES, path));
    }
  };
  walk(FIXTURES);
  // The big log is its own test (bench and truth); its three small companions stay.
  return out.filter((rel) => !rel.endsWith('server.log.gz'));
}

const analyses = new Map<string, Analysis>();
/** A fixture's analysis with the default profiles, made once for both checks. */
function analysed(rel: string): Analysis {
  let a = analyses.get(rel);
  if (!a) analyses.set(rel, (a = analyzeText(fixture(rel), { ctx: { profiles: PROFILES } })));
  return a;
}

/** JSON of a measurement with frames as their index (a frame view holds its whole table). */
const frameless = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && 'index' in x && 'streamId' in x ? `#${(x as { index: number }).index}` : x));

describe('frames by type (FrameDispatch)', () => {
  it('visitors get the frames of the types they declare, in the order they were added; undeclared: every frame', () => {
    // Hand-made: three visitors, frame types as bare numbers.
    const d = new FrameDispatch();
    const seen: string[] = [];
    d.add((f) => seen.push(`all:${f.type}`), undefined);
    d.add((f) => seen.push(`ping:${f.type}`), frameTypes(6));
    d.add((f) => seen.push(`data+ping:${f.type}`), frameTypes(0, 6));
    for (const type of [0, 6, 1, 0x10]) for (const v of d.visitorsOf(type)) v({ type } as never);
    assert.deepEqual(seen, ['all:0', 'data+ping:0', 'all:6', 'ping:6', 'data+ping:6', 'all:1', 'all:16']);
  });

  const logs = logFixtures();
  it('finds the real logs to check', () => {
    assert.ok(logs.length >= 60, `${logs.length} logs`);
  });

  it('every meter measures the same fed by type as fed every frame, on every real log', () => {
    let checked = 0;
    for (const rel of logs) {
      const a = analysed(rel);
      const trace = a.trace;
      if (!trace) continue;
      for (const conn of trace.connections) {
        const byType: ConnectionLoad = new ConnectionLoad(trace, conn, { profiles: PROFILES });
        const everyFrame: ConnectionLoad = new ConnectionLoad(trace, conn, { profiles: PROFILES });
        const meters = (l: ConnectionLoad): Meter[] => [l.ping.client, l.ping.server, l.settings.client, l.settings.server, l.empty.client, l.empty.server, l.continuation.client, l.continuation.server, l.streams.client, l.streams.server, l.rapid, l.reset, l.windowUpdates];
        for (const i of conn.frames) {
          const f = trace.frames.row(i);
          byType.frame(f);
          // Frames that never left the endpoint are no load, whatever their type.
          if (!everyFrame.delivered(f)) continue;
          everyFrame.flow.frame(f);
          for (const m of meters(everyFrame)) m.frame(f);
        }
        const a1: string[] = meters(byType).map((m) => frameless(m.measure()));
        const a2: string[] = meters(everyFrame).map((m) => frameless(m.measure()));
        assert.deepEqual(a1, a2, `${rel} ${conn.id}`);
        assert.equal(frameless(byType.causes('client')), frameless(everyFrame.causes('client')), `${rel} ${conn.id}`);
        assert.equal(frameless(byType.causes('server')), frameless(everyFrame.causes('server')), `${rel} ${conn.id}`);
        checked++;
      }
    }
    assert.ok(checked >= 100, `${checked} connections`);
  });

  it('every rule finds the same with its scan\'s types ignored, on every real log', () => {
    // The same rules, their scans wrapped so that they declare no types (and get every frame).
    const untyped: Rule[] = RULES.filter((r) => r.scan).map((r) => ({
      ...r,
      scan: (s) => {
        const scan = r.scan!(s);
        return scan && { ...(scan.frame ? { frame: scan.frame.bind(scan) } : {}), end: scan.end.bind(scan) };
      },
    }));
    let findings = 0;
    for (const rel of logs) {
      const a = analysed(rel);
      if (!a.trace) continue;
      const typed = runScans(a.trace, { profiles: PROFILES }, RULES.filter((r) => r.scan));
      const all = runScans(a.trace, { profiles: PROFILES }, untyped);
      for (const [id, list] of typed) {
        assert.equal(frameless(list), frameless(all.get(id)), `${rel} ${id}`);
        findings += list.length;
      }
    }
    assert.ok(findings >= 50, `${findings} findings`);
  });
});
