/**
 * The flood rules on real Apache floods (test/fixtures/floods/apache2/, recorded by
 * test/fixtures/floods/record-apache2.sh: the raw-frame client floodclient.go against Debian's apache2
 * with mod_http2, h2c on 127.0.0.1). Apache answered the PING and the SETTINGS flood with GOAWAY error
 * code 0xfffffc78 (nghttp2's internal -904 NGHTTP2_ERR_FLOODED sent as an HTTP/2 error code) and the
 * debug text "Flooding was detected in this HTTP/2 session, and it must be closed". The expected
 * numbers come from the recording itself: the client's summary.json and Apache's own error log.
 *
 * The flood client keeps writing after it read the GOAWAY. In the SETTINGS flood the Go-log parser takes
 * the first SETTINGS written after the GOAWAY for the preface of a new connection on a reused Framer
 * pointer (formats/goHttp2debug.ts connectionKey), so that log shows a second connection "<ptr>#2"; the
 * assertions here are about the first (the real) connection only and do not depend on that split.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import { ConnectionLoad } from '../../../server/src/core/rules/calmCauses.ts';
import { PROFILES } from '../../../server/src/core/rules/profiles.ts';
import type { Finding } from '../../../server/src/core/rules/types.ts';
import { FIXTURES, fixture, fixtureJson } from '../helpers.ts';
import { analyzedFixture, byRule, floodLogPath } from './ruleHelpers.ts';

interface Summary {
  attack: string;
  n: number;
  attack_frames_written: number;
  frames_read: Record<string, number>;
  goaway_received: Array<{ last_stream_id: number; code: string; debug: string; after_frames_written: number }>;
  read_end: string;
}

const FLOODED = 'Flooding was detected in this HTTP/2 session, and it must be closed';

const summary = (attack: string): Summary => fixtureJson<Summary>(`floods/apache2/${attack}/summary.json`);

function serverLog(attack: string): string {
  const plain = `floods/apache2/${attack}/server-error.log`;
  return fixture(existsSync(join(FIXTURES, plain)) ? plain : `${plain}.gz`);
}

/** Apache's own line for the GOAWAY it sent: error, reason, last stream, frames read/sent. */
function apacheGoaway(attack: string): { error: number; reason: string; lastStream: number; read: number; sent: number } {
  const m = /sent FRAME\[GOAWAY\[error=(-?\d+), reason='([^']*)', last_stream=(\d+)\]\], frames=(\d+)\/(\d+) \(r\/s\)/.exec(serverLog(attack));
  assert.ok(m, `Apache logged the GOAWAY it sent (${attack})`);
  return { error: Number(m[1]), reason: m[2]!, lastStream: Number(m[3]), read: Number(m[4]), sent: Number(m[5]) };
}

const num = (s: string): number => Number(s.replace(/,/g, ''));
const firstConn = (a: Analysis, fs: Finding[]): Finding[] => fs.filter((f) => f.connection === a.trace!.connections[0]!.id);

/** Non-ACK frames of `type` the client wrote before the frame index `upTo`. */
function writtenBefore(a: Analysis, upTo: number, type: number): number {
  let k = 0;
  for (const f of a.trace!.frames) {
    if (f.index >= upTo) break;
    if (f.type === type && f.direction === 'sent' && (f.flags & 1) === 0) k++;
  }
  return k;
}

for (const [attack, rule, type, cause] of [
  ['ping', 'ping-flood', FrameType.PING, /Most likely cause on this connection: ([\d,]+) PINGs from the client/],
  ['settings', 'settings-flood', FrameType.SETTINGS, /Most likely cause on this connection: ([\d,]+) SETTINGS frames from the client after its connection preface/],
] as const) {
  describe(`real Apache ${attack} flood (apache2/${attack})`, () => {
    const s = summary(attack);
    const a = analyzedFixture(floodLogPath('apache2', attack));
    const goaways = a.trace!.frames.filter((f) => f.type === FrameType.GOAWAY && f.direction === 'received');

    it('the recording: Apache sent GOAWAY 0xfffffc78 (= -904, NGHTTP2_ERR_FLOODED) "Flooding was detected…", last stream 0, then closed', () => {
      assert.equal(s.attack, attack);
      assert.equal(s.goaway_received.length, 1);
      const g = s.goaway_received[0]!;
      assert.equal(g.code, 'unknown error code 0xfffffc78');
      assert.equal((0xfffffc78 | 0), -904);
      assert.equal(g.debug, FLOODED);
      assert.equal(g.last_stream_id, 0);
      assert.ok(g.after_frames_written < s.n, 'cut before the flood was over');
      assert.equal(s.read_end, 'EOF');
      const log = apacheGoaway(attack);
      assert.equal(log.error, -904);
      assert.equal(log.reason, FLOODED);
      assert.equal(log.lastStream, 0);
      // What Apache says it sent (its preface, the ACKs, the GOAWAY) is exactly what the client read.
      assert.equal(log.sent, Object.values(s.frames_read).reduce((x, y) => x + y, 0));
      // It had read far fewer frames than the client had written when it gave up.
      assert.ok(log.read < g.after_frames_written, `Apache read ${log.read}, the client had written ${g.after_frames_written}`);
    });

    it('the parser reads the same frames as the client counted', () => {
      assert.equal(a.error, undefined);
      assert.equal(goaways.length, 1);
      const g = goaways[0]!;
      assert.equal(g.errorCode, 0xfffffc78);
      assert.equal(g.lastStreamId, 0);
      const readAcks = a.trace!.frames.filter((f) => f.type === type && f.direction === 'received' && (f.flags & 1) !== 0).length;
      assert.equal(readAcks, type === FrameType.PING ? s.frames_read.PING : s.frames_read.SETTINGS! - 1);
      // Every attack frame of the client (plus the SETTINGS preface) is in the log.
      const written = writtenBefore(a, a.trace!.frames.length, type);
      assert.equal(written, s.attack_frames_written + (type === FrameType.SETTINGS ? 1 : 0));
    });

    it(`enhance-your-calm: an error on the GOAWAY that names 0xfffffc78, the ${attack === 'ping' ? 'PINGs' : 'SETTINGS'} before it and the apache profile`, () => {
      const found = byRule(a, 'enhance-your-calm');
      assert.equal(found.length, 1, a.findings.map((f) => f.rule).join(', '));
      const f = found[0]!;
      assert.equal(f.severity, 'error');
      assert.equal(f.frame, goaways[0]!.index, 'on the real GOAWAY');
      assert.match(f.message, /0xfffffc78 \(nghttp2 NGHTTP2_ERR_FLOODED, a flood verdict\)/);
      assert.ok(f.message.includes(`debug "${FLOODED}"`));
      assert.match(f.message, /Apache mod_http2 \(over nghttp2\): [\d,]+ PING\/SETTINGS frames awaiting their ACK, over the 1,000 queued ACKs it allows/);
      const m = cause.exec(f.message);
      assert.ok(m, f.message);
      // The cause counts the flood frames written before the GOAWAY was read: the client's own count.
      const counted = num(m[1]!);
      assert.equal(counted, writtenBefore(a, goaways[0]!.index, type) - (type === FrameType.SETTINGS ? 1 : 0));
      const real = s.goaway_received[0]!.after_frames_written;
      assert.ok(Math.abs(counted - real) <= 2, `counted ${counted}, the client wrote ${real} before reading the GOAWAY`);
      assert.ok(f.related.length > 0 && f.related.every((r) => /^counted as: /.test(r.message)), 'the cause\'s frames are the related information');
    });

    it(`${rule} fires on the connection, and the apache profile predicts the cut within an order of magnitude`, () => {
      const found = firstConn(a, byRule(a, rule));
      assert.equal(found.length, 1, a.findings.map((f) => `${f.rule}@${f.connection}`).join(', '));
      assert.equal(a.trace!.frames.get(found[0]!.frame!)!.type, type);
      const trace = a.trace!;
      const conn = trace.connections[0]!;
      const load = new ConnectionLoad(trace, conn, { profiles: PROFILES });
      for (const i of conn.frames) load.frame(trace.frames.get(i)!);
      const meter = type === FrameType.PING ? load.ping.client : load.settings.client;
      const v = meter.verdicts().find((x) => x.profile.id === 'apache')!;
      assert.ok(v.cutAt, 'the apache profile cuts');
      assert.match(v.action!, /0xfffffc78/);
      const predicted = writtenBefore(a, v.cutAt.index + 1, type) - (type === FrameType.SETTINGS ? 1 : 0);
      const real = s.goaway_received[0]!.after_frames_written;
      assert.ok(predicted >= real / 10 && predicted <= real * 10, `predicted ${predicted}, real ${real}`);
      assert.ok(predicted <= real, 'no later than the real cut');
    });
  });
}

describe('real Apache rapid reset (apache2/rapid-reset): no GOAWAY, rapid-reset fires', () => {
  it('Apache let 1,000 HEADERS+RST_STREAM pass; rapid-reset names 1,000 streams, no enhance-your-calm', () => {
    const s = summary('rapid-reset');
    assert.deepEqual(s.goaway_received, []);
    const a = analyzedFixture(floodLogPath('apache2', 'rapid-reset'));
    const [f] = byRule(a, 'rapid-reset');
    assert.ok(f);
    assert.match(f.message, new RegExp(`^${s.attack_frames_written.toLocaleString('en-US')} streams reset by the client before any response`));
    assert.equal(byRule(a, 'enhance-your-calm').length, 0);
    assert.equal(byRule(a, 'goaway').length, 0);
    // Apache's log: every client reset seen as "RST_STREAM by client, error=8" (CANCEL).
    const resets = serverLog('rapid-reset').match(/RST_STREAM by client, error=8/g) ?? [];
    assert.equal(resets.length, s.attack_frames_written);
  });
});
