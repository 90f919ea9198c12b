/**
 * Negative controls: real traffic that is not a flood. The Go runs (drained bodies: nothing at all;
 * undrained: only cancelled-response) and every other real, non-flood log of the fixtures (nghttp,
 * curl, Node.js, Rust h2, tshark, NetLog exports…) give no finding of the flood and protocol rules
 * above information.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { FIXTURES, fixture, goRuns } from '../helpers.ts';

const NEW_RULES = [
  'settings-flood', 'reset-flood', 'rapid-reset', 'empty-frames-flood', 'continuation-flood', 'window-update-dribble',
  'concurrent-streams-exceeded', 'flow-control-violation', 'stream-id-violation', 'ping-flood', 'enhance-your-calm',
];

/** Real logs outside floods/ and big-log/ (too large for a unit test), hand-made ones excluded. */
function benignLogs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(FIXTURES, p);
      if (statSync(p).isDirectory()) {
        if (rel === 'floods' || rel === 'big-log' || rel === 'go' || rel.includes('ping-flood')) continue;
        walk(p);
      } else if (/\.(log|json|txt)(\.gz)?$/.test(name) && !/HANDMADE|truth\.json|meta\.json|summary\.json|README/i.test(name) && statSync(p).size < 8 * 1024 * 1024) out.push(rel);
    }
  };
  walk(FIXTURES);
  return out.sort();
}

describe('negative controls on real traffic', () => {
  it('go-drained-body (the control of the story): zero findings on both logs', () => {
    for (const run of goRuns().filter((r) => r.scenario === 'go-drained-body')) {
      for (const file of [run.files.client_log, run.files.server_log]) assert.deepEqual(analyzeText(fixture(`${run.scenario}/${file}`)).findings, [], file);
    }
  });

  it('go-undrained-body: only cancelled-response, on every log', () => {
    for (const run of goRuns().filter((r) => r.scenario === 'go-undrained-body')) {
      for (const file of [run.files.client_log, run.files.server_log]) {
        const rules = new Set(analyzeText(fixture(`${run.scenario}/${file}`)).findings.map((f) => f.rule));
        assert.deepEqual([...rules], ['cancelled-response'], `${run.name} ${file}`);
      }
    }
  });

  it('every other real, non-flood log: no finding of the flood and protocol rules above info', () => {
    const logs = benignLogs();
    assert.ok(logs.length >= 10, `found ${logs.length} logs`);
    for (const rel of logs) {
      const a = analyzeText(fixture(rel));
      const loud = a.findings.filter((f) => NEW_RULES.includes(f.rule) && f.severity !== 'info' && f.severity !== 'hint');
      assert.deepEqual(loud.map((f) => `${f.rule} line ${f.line + 1}: ${f.message.slice(0, 160)}`), [], rel);
    }
  });
});
