/**
 * What the settings change: the profiles evaluated (`h2lens.peerProfiles` / `--profile`), per-rule
 * threshold overrides (`h2lens.rules.<id>.<param>`), and the profiles' own bookkeeping (every number
 * has a source; Cloudflare has none).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS, PROFILES, type LimitKey } from '../../../server/src/core/rules/profiles.ts';
import { RULES, thresholdKeys } from '../../../server/src/core/rules/index.ts';
import { clientPreface, wrote } from '../helpers.ts';
import { analyzedFixture, analyzeLines, byRule, floodLogPath } from './ruleHelpers.ts';

const rapid = (n: number): string[] => [...clientPreface(0), ...Array.from({ length: n }, (_, i) => [wrote(`HEADERS flags=END_STREAM|END_HEADERS stream=${2 * i + 1} len=10`, 1), wrote(`RST_STREAM stream=${2 * i + 1} len=4 ErrCode=CANCEL`, 1)]).flat()];

describe('profile selection', () => {
  it('changes the verdict on the real nghttpd rapid-reset flood: all → Rust h2 cuts first; envoy → Envoy at the 250th; nginx → nothing', () => {
    const rel = floodLogPath('nghttpd', 'rapid-reset');
    const [all] = byRule(analyzedFixture(rel), 'rapid-reset');
    assert.match(all!.message, /Rust h2 \(hyper\) server would cut/);
    const [envoy] = byRule(analyzedFixture(rel, { profiles: ['envoy'] }), 'rapid-reset');
    assert.match(envoy!.message, /^1,000 streams reset .* Envoy would cut the connection here/);
    assert.ok(envoy!.line > all!.line, 'Envoy cuts later than Rust h2');
    assert.ok(envoy!.budget!.every((b, i) => i === 0 || /^Envoy: /.test(b)), 'only the selected profile in the hover');
    assert.deepEqual(byRule(analyzedFixture(rel, { profiles: ['nginx'] }), 'rapid-reset'), []);
  });
  it('the cloudflare profile alone never produces a finding: it publishes no number', () => {
    const a = analyzedFixture(floodLogPath('nghttpd', 'rapid-reset'), { profiles: ['cloudflare'] });
    assert.deepEqual(a.findings.filter((f) => f.rule !== 'cancelled-response'), []);
  });
});

describe('threshold overrides (h2lens.rules.<id>.<param>)', () => {
  it('raising Rust h2\'s limit silences the edge; lowering it moves the cut earlier', () => {
    assert.equal(byRule(analyzeLines(rapid(21), { profiles: ['rust-h2'] }), 'rapid-reset')[0]?.severity, 'warning');
    assert.deepEqual(byRule(analyzeLines(rapid(21), { profiles: ['rust-h2'], thresholds: { 'rapid-reset': { maxPendingAcceptResets: 100 } } }), 'rapid-reset'), []);
    const a = analyzeLines(rapid(21), { profiles: ['rust-h2'], thresholds: { 'rapid-reset': { maxPendingAcceptResets: 5 } } });
    const [f] = byRule(a, 'rapid-reset');
    assert.equal(a.trace!.frames.get(f!.frame!)!.streamId, 11, 'cut at the 6th reset');
    assert.ok(f!.budget!.some((b) => /more than 5 streams/.test(b)));
  });
  it('an override applies to its rule only: reset-flood keeps nghttp2\'s burst when rapid-reset changes it', () => {
    const thresholds = { 'rapid-reset': { resetBurst: 10 } };
    const a = analyzeLines(rapid(30), { profiles: ['nghttp2'], thresholds });
    assert.equal(byRule(a, 'rapid-reset')[0]?.severity, 'warning');
    assert.deepEqual(byRule(a, 'reset-flood'), []);
  });
  it('an override on a limit a profile does not have adds nothing to it', () => {
    assert.deepEqual(byRule(analyzeLines(rapid(30), { profiles: ['nginx'], thresholds: { 'rapid-reset': { maxPendingAcceptResets: 1 } } }), 'rapid-reset'), []);
  });
  it('enhance-your-calm follows the flood rules\' overrides', () => {
    const lines = [...rapid(10), wrote('GOAWAY len=8 LastStreamID=0 ErrCode=ENHANCE_YOUR_CALM Debug=""', 1)].map((l) => l.replace(': wrote GOAWAY', ': read GOAWAY'));
    const [plain] = byRule(analyzeLines(lines, { profiles: ['rust-h2'] }), 'enhance-your-calm');
    assert.match(plain!.message, /at most 10 of 20 streams reset/);
    const [low] = byRule(analyzeLines(lines, { profiles: ['rust-h2'], thresholds: { 'rapid-reset': { maxPendingAcceptResets: 4 } } }), 'enhance-your-calm');
    assert.match(low!.message, /more than 4 streams reset before the server accepted them/);
  });
  it('the settings keys: every parameter is a known profile limit, and the hover cites the setting', () => {
    const keys = thresholdKeys();
    assert.ok(keys.includes('h2lens.rules.rapid-reset.maxPendingAcceptResets'));
    assert.ok(keys.includes('h2lens.rules.ping-flood.maxQueuedAcks'));
    for (const r of RULES) for (const p of r.params ?? []) assert.ok(p in LIMITS, `${r.id}.${p}`);
    const [f] = byRule(analyzeLines(rapid(21), { profiles: ['rust-h2'], thresholds: { 'rapid-reset': { maxPendingAcceptResets: 5 } } }), 'rapid-reset');
    assert.ok(f!.budget!.includes('Setting h2lens.rules.rapid-reset.maxPendingAcceptResets = 5 replaces the default of Rust h2 (hyper) server 20.'), f!.budget!.join('\n'));
  });
});

describe('peer profiles', () => {
  it('every number has a source and an id of the CLI/settings form; ids are unique', () => {
    const ids = PROFILES.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of PROFILES) {
      assert.match(p.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const [key, l] of Object.entries(p.limits) as Array<[LimitKey, { value: number; source: string }]>) {
        assert.ok(key in LIMITS);
        assert.ok(Number.isFinite(l.value) && l.value > 0, `${p.id}.${key}`);
        assert.ok(l.source.length > 20, `${p.id}.${key} has a source`);
      }
    }
  });
  it('the implementations of the research notes are all there; Cloudflare has notes but no number', () => {
    for (const id of ['nghttp2', 'apache', 'envoy', 'go', 'grpc-go', 'nginx', 'h2o', 'haproxy', 'rust-h2', 'cloudflare']) assert.ok(PROFILES.some((p) => p.id === id), id);
    const cf = PROFILES.find((p) => p.id === 'cloudflare')!;
    assert.deepEqual(cf.limits, {});
    assert.ok(cf.notes!.length >= 2 && cf.notes!.every((n) => /blog\.cloudflare\.com/.test(n.source)));
  });
});
