/**
 * window-update-dribble on real recordings (test/fixtures/floods/dribble/, recorded by
 * test/fixtures/floods/record-dribble.sh with this project's generator dribbleclient.go): h2c,
 * SETTINGS_INITIAL_WINDOW_SIZE=0, one GET of a 65,536-byte file, then the response's credit in 1-byte
 * stream WINDOW_UPDATEs — paced (dribble: one 1-byte DATA frame per update), back to back (burst), or
 * with the window held at zero for 5 s (hold) or 65 s (hold-long) — against the Go 1.24 net/http server
 * and nghttpd 1.52. dribble/truth.json says what each server did: none cut anything except nghttpd,
 * which reset the stream (RST_STREAM INTERNAL_ERROR, "timeout stream_id=1" in its log) 60 s after it
 * could last send; Go waited the whole 65 s.
 *
 * What the rule makes of them, and why (its thresholds are Envoy's WINDOW_UPDATE budget and nginx's
 * send_timeout, see docs/rules.md):
 * - burst: Envoy would cut (5 + 2 × (1 stream + 10 × DATA frames) WINDOW_UPDATEs: the 8th arrives before
 *   any DATA) → info;
 * - hold-long: past nginx's 60 s send_timeout → info, on the RST_STREAM where nghttpd itself gave up;
 * - dribble and the 5 s hold: one WINDOW_UPDATE per DATA frame and a 5 s zero window are within every
 *   published limit, and neither real server objected → no finding.
 * No other rule says anything about these logs, besides stream-error on the stream nghttpd reset.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import type { FrameRecord } from '../../../server/src/core/model/trace.ts';
import { ConnectionLoad } from '../../../server/src/core/rules/calmCauses.ts';
import { PROFILES, profileById } from '../../../server/src/core/rules/profiles.ts';
import { windowUpdateDribbleRule } from '../../../server/src/core/rules/windowUpdateDribble.ts';
import { FIXTURES, fixture, fixtureJson } from '../helpers.ts';
import { analyzedFixture, byRule } from './ruleHelpers.ts';

interface Run {
  name: string;
  server: string;
  mode: string;
  server_reaction: string;
  server_cut: boolean;
  server_reset_stream: boolean;
  server_closed_connection: boolean;
  stream_window_updates_sent: number;
  dribble_data_frames: number;
  dribble_data_frame_sizes: Record<string, number>;
  step_timeouts: number;
  holds: Array<{ after_updates: number; from_ms: number; to_ms: number; data_bytes_during_hold: number }>;
  goaway: unknown[];
  rst_stream_received: Record<string, number>;
  end_stream_received: boolean;
  server_log_key_lines: string[];
}

const truth = fixtureJson<{ resource: string; runs: Run[] }>('floods/dribble/truth.json');
const run = (name: string): Run => truth.runs.find((r) => r.name === name)!;
const SERVERS = ['go1.24-std', 'nghttpd'];
const MODES = ['dribble', 'burst', 'hold', 'hold-long'];

function path(name: string, file: 'client.log' | 'server-output.log'): string {
  const plain = `floods/dribble/${name}/${file}`;
  return existsSync(join(FIXTURES, plain)) ? plain : `${plain}.gz`;
}
const logs = (name: string): Array<['client' | 'server', Analysis]> => [
  ['client', analyzedFixture(path(name, 'client.log'))],
  ['server', analyzedFixture(path(name, 'server-output.log'))],
];

/** The window-update meter over the (only) connection of a log. */
function measure(a: Analysis) {
  const trace = a.trace!;
  const conn = trace.connections[0]!;
  const l = new ConnectionLoad(trace, conn, { profiles: PROFILES });
  for (const i of conn.frames) l.frame(trace.frames.get(i)!);
  return l.windowUpdates.measure()!;
}
/** Frames from the client (sent in its log, received in the server's). */
const fromClient = (a: Analysis, f: FrameRecord): boolean => (a.trace!.connections[0]!.role === 'server' ? f.direction === 'received' : f.direction === 'sent');
const before = (a: Analysis, upTo: FrameRecord, pick: (f: FrameRecord) => boolean): number => a.trace!.frames.filter((f) => f.index < upTo.index && pick(f)).length;

const FLOOD_RULES = ['ping-flood', 'settings-flood', 'reset-flood', 'rapid-reset', 'empty-frames-flood', 'continuation-flood', 'window-update-dribble', 'enhance-your-calm'];

describe('window-update dribble: the recordings', () => {
  it('eight runs: two servers × four modes, each 1-byte WINDOW_UPDATEs on a 65,536-byte response', () => {
    assert.deepEqual(truth.runs.map((r) => r.name).sort(), SERVERS.flatMap((s) => MODES.map((m) => `${s}/${m}`)).sort());
    assert.match(truth.resource, /65,536 bytes/);
  });

  it('paced (dribble, hold): every update was answered by exactly one 1-byte DATA frame; the holds got no DATA at all', () => {
    for (const r of truth.runs.filter((x) => x.mode !== 'burst')) {
      assert.deepEqual(r.dribble_data_frame_sizes, { 1: r.dribble_data_frames }, r.name);
      assert.equal(r.dribble_data_frames, r.stream_window_updates_sent, r.name);
      assert.equal(r.step_timeouts, 0, r.name);
      for (const h of r.holds) assert.equal(h.data_bytes_during_hold, 0, r.name);
    }
    assert.equal(run('go1.24-std/dribble').stream_window_updates_sent, 2_000);
    assert.equal(run('nghttpd/dribble').stream_window_updates_sent, 2_000);
  });

  it('burst: 2,000 updates back to back; both servers coalesced them into fewer, larger DATA frames', () => {
    for (const s of SERVERS) {
      const r = run(`${s}/burst`);
      assert.equal(r.stream_window_updates_sent, 2_000);
      assert.ok(r.dribble_data_frames < 2_000, `${s}: ${r.dribble_data_frames} DATA frames`);
      assert.ok(Object.keys(r.dribble_data_frame_sizes).some((k) => Number(k) > 1));
    }
  });

  it('who cut: nobody sent GOAWAY; only nghttpd, holding a zero window for 65 s, reset the stream (INTERNAL_ERROR) after 60 s; Go waited the 65 s and finished the response', () => {
    for (const r of truth.runs) {
      assert.deepEqual(r.goaway, [], r.name);
      assert.equal(r.server_closed_connection, false, r.name);
      if (r.name === 'nghttpd/hold-long') continue;
      assert.equal(r.server_cut, false, r.name);
      assert.ok(r.end_stream_received, r.name);
    }
    const n = run('nghttpd/hold-long');
    assert.deepEqual(n.rst_stream_received, { INTERNAL_ERROR: 1 });
    assert.ok(n.server_reset_stream && !n.end_stream_received);
    const hold = n.holds[0]!;
    assert.ok(Math.abs(hold.to_ms - hold.from_ms - 60_000) < 1_000, `the reset came ${hold.to_ms - hold.from_ms} ms into the hold`);
    assert.ok(n.server_log_key_lines.some((l) => /\[ *\d+\.\d+\] timeout stream_id=1$/.test(l)), 'nghttpd logs its stream timeout');
    const g = run('go1.24-std/hold-long').holds[0]!;
    assert.ok(g.to_ms - g.from_ms >= 65_000);
  });

  it('the parser reads the same updates and DATA frames as the generator counted (client and server logs)', () => {
    for (const r of truth.runs) {
      for (const [side, a] of logs(r.name)) {
        assert.equal(a.error, undefined);
        assert.equal(a.trace!.connections.length, 1, `${r.name} ${side}`);
        const tiny = a.trace!.frames.filter((f) => f.type === FrameType.WINDOW_UPDATE && fromClient(a, f) && f.streamId === 1 && f.increment === 1).length;
        assert.equal(tiny, r.stream_window_updates_sent, `${r.name} ${side}: 1-byte WINDOW_UPDATEs`);
        const oneByte = a.trace!.frames.filter((f) => f.type === FrameType.DATA && !fromClient(a, f) && f.length === 1).length;
        assert.ok(oneByte >= (r.dribble_data_frame_sizes['1'] ?? 0), `${r.name} ${side}: 1-byte DATA frames`);
      }
    }
  });
});

describe('window-update dribble: what the rule says', () => {
  it('its default severity is info', () => {
    assert.equal(windowUpdateDribbleRule.defaultSeverity, 'info');
  });

  it('no rule says anything but window-update-dribble, and nothing is above info (client and server logs), besides stream-error on a stream the server reset', () => {
    for (const r of truth.runs) {
      for (const [side, a] of logs(r.name)) {
        const rules = [...new Set(a.findings.map((f) => f.rule))];
        assert.ok(rules.every((x) => x === 'window-update-dribble' || (x === 'stream-error' && r.server_reset_stream)), `${r.name} ${side}: ${rules.join(', ')}`);
        // nghttpd's reset after 60 s at zero (truth: RST_STREAM INTERNAL_ERROR): the response was cut short.
        const resets = a.trace!.frames.filter((f) => f.type === FrameType.RST_STREAM && !fromClient(a, f) && f.errorCode === 0x2).map((f) => f.line);
        assert.deepEqual(a.findings.filter((f) => f.rule === 'stream-error').map((f) => f.line), r.server_reset_stream ? resets : [], `${r.name} ${side}`);
        const loud = a.findings.filter((f) => FLOOD_RULES.includes(f.rule) && f.severity !== 'info');
        assert.deepEqual(loud.map((f) => `${f.rule} ${f.severity}`), [], `${r.name} ${side}`);
      }
    }
  });

  it('burst: fires (info) where Envoy would cut — the 8th WINDOW_UPDATE before any DATA frame (5 + 2 × (1 stream + 10 × 0 DATA) = 7 allowed)', () => {
    const cases: Array<[string, Analysis]> = [
      ['go1.24-std client', logs('go1.24-std/burst')[0][1]], ['go1.24-std server', logs('go1.24-std/burst')[1][1]], ['nghttpd client', logs('nghttpd/burst')[0][1]],
    ];
    for (const [label, a] of cases) {
      const found = byRule(a, 'window-update-dribble');
      assert.equal(found.length, 1, label);
      const f = found[0]!;
      assert.equal(f.severity, 'info');
      assert.match(f.message, /^2,002 WINDOW_UPDATEs from the client .* Envoy would cut the connection here: closes the connection \(stat http2\.inbound_window_update_frames_flood\)\./);
      const anchor = a.trace!.frames.get(f.frame!)!;
      assert.equal(anchor.type, FrameType.WINDOW_UPDATE);
      assert.equal(before(a, anchor, (g) => g.type === FrameType.WINDOW_UPDATE && fromClient(a, g)), 7, `${label}: the 8th`);
      assert.equal(before(a, anchor, (g) => g.type === FrameType.DATA && !fromClient(a, g)), 0, `${label}: no DATA yet`);
    }
  });

  it('burst, nghttpd\'s own log: its DATA frames kept pace with the updates as it read them, so from its side Envoy\'s budget was not passed (frames in flight make the two logs differ)', () => {
    const a = logs('nghttpd/burst')[1][1];
    assert.deepEqual(byRule(a, 'window-update-dribble'), []);
    const envoy = measure(a).verdicts.find((v) => v.profile.id === 'envoy')!;
    assert.equal(envoy.cutAt, undefined);
    assert.ok(envoy.used < envoy.allowed, envoy.summary);
  });

  it('hold-long: fires (info) past nginx\'s 60 s send_timeout; for nghttpd exactly on the RST_STREAM INTERNAL_ERROR with which it gave up on the stream after 60 s', () => {
    for (const s of SERVERS) {
      for (const [side, a] of logs(`${s}/hold-long`)) {
        const found = byRule(a, 'window-update-dribble');
        assert.equal(found.length, 1, `${s} ${side}`);
        const f = found[0]!;
        assert.equal(f.severity, 'info');
        assert.match(f.message, /nginx would cut the connection here: closes the connection \(send_timeout: "client timed out"\)\./);
        const anchor = a.trace!.frames.get(f.frame!)!;
        if (s === 'nghttpd') {
          assert.equal(anchor.type, FrameType.RST_STREAM, `${side}: on nghttpd's reset`);
          assert.equal(anchor.errorCode, 0x2);
          assert.ok(!fromClient(a, anchor));
        } else {
          // Go did not give up: the finding is on the client's first credit after the hold.
          assert.equal(anchor.type, FrameType.WINDOW_UPDATE);
          assert.ok(fromClient(a, anchor));
        }
        const nginx = measure(a).verdicts.find((v) => v.profile.id === 'nginx')!;
        assert.ok(nginx.cutAt);
        assert.ok(nginx.used >= 60, `${s} ${side}: held ${nginx.used} s`);
      }
    }
    // Only nginx and nghttpd have such a timeout: the go profile has none, and Go did not cut.
    assert.equal(profileById('go')!.limits.maxZeroWindowMs, undefined);
  });

  it('dribble and the 5 s hold: one update per DATA frame and a short zero window are within every published limit — no finding, as neither server objected', () => {
    for (const s of SERVERS) {
      for (const m of ['dribble', 'hold']) {
        for (const [side, a] of logs(`${s}/${m}`)) {
          assert.deepEqual(byRule(a, 'window-update-dribble'), [], `${s}/${m} ${side}`);
          const v = measure(a);
          assert.ok(v.count >= run(`${s}/${m}`).stream_window_updates_sent, 'every update was counted');
          const envoy = v.verdicts.find((x) => x.profile.id === 'envoy')!;
          assert.equal(envoy.cutAt, undefined);
          assert.ok(envoy.used < envoy.allowed, `${s}/${m} ${side}: ${envoy.summary}`);
          const nginx = v.verdicts.find((x) => x.profile.id === 'nginx');
          assert.equal(nginx?.cutAt, undefined);
          if (m === 'hold') assert.ok(nginx && nginx.used >= 4 && nginx.used <= 6, `${s} ${side}: held ${nginx?.used} s`);
        }
      }
    }
  });
});

// The logs are what the programs wrote: spot-check that each names its producer.
describe('window-update dribble: provenance', () => {
  it('client logs are the generator\'s Framer lines; server logs are Go\'s http2debug=2 output and nghttpd -v', () => {
    for (const r of truth.runs) {
      assert.match(fixture(path(r.name, 'client.log')), /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} http2: Framer 0x[0-9a-f]+: wrote SETTINGS len=6, settings: INITIAL_WINDOW_SIZE=0\n/);
      const server = fixture(path(r.name, 'server-output.log'));
      if (r.server === 'nghttpd') assert.match(server, /recv SETTINGS frame <length=6, flags=0x00, stream_id=0>\n {10}\(niv=1\)\n {10}\[SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):0\]/);
      else assert.match(server, /listening on 127\.0\.0\.1:\d+ \(net\/http bundled http2, unencrypted HTTP\/2\), serving \$RUNDIR\/www\n/);
    }
  });
});
