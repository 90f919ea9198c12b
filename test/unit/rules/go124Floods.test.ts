/**
 * The flood rules on real floods against a Go 1.24 net/http server (test/fixtures/floods/go1.24-std/,
 * recorded by test/fixtures/floods/record-go124.sh: the raw-frame client floodclient.go against
 * go1.24.4's bundled HTTP/2 server, h2c on 127.0.0.1, the same seven attacks and frame counts as the
 * shared set's run.sh). go1.24-std/truth.json and each run's summary.json say what the server did; its
 * own log (server-output.log, GODEBUG=http2debug=2) has every frame it read and wrote.
 *
 * For every run the expected rule fires on the client's log and on the server's, and the `go` profile
 * agrees with the real server: no cut where Go did not cut (PING, SETTINGS, empty DATA, rapid reset,
 * and 20,000 unanswered PINGs), and the CONTINUATION flood Go cut with GOAWAY PROTOCOL_ERROR is
 * predicted within an order of magnitude, no later than the real cut. The expected numbers come from
 * the recording itself.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import type { FrameRecord } from '../../../server/src/core/model/trace.ts';
import type { ProfileVerdict } from '../../../server/src/core/rules/budget.ts';
import { profileById } from '../../../server/src/core/rules/profiles.ts';
import { FIXTURES, fixture, fixtureJson } from '../helpers.ts';
import { analyzedFixture, byRule, firstConnectionLoad as load, floodLogPath } from './ruleHelpers.ts';

interface Run {
  name: string;
  attack: string;
  attack_frames_written: number;
  noread: boolean;
  server_reaction: string;
  server_alive_after_attack: boolean;
  frames_read_by_client: Record<string, number>;
  goaway: Array<{ code: string; debug: string; last_stream_id: number; after_frames_written: number }>;
  rst_stream_received: Record<string, number>;
  read_end: string;
  server_log_key_lines: string[];
}

const SERVER = 'go1.24-std';
const truth = fixtureJson<{ server: string; runs: Run[] }>(`floods/${SERVER}/truth.json`);
const run = (attack: string): Run => truth.runs.find((r) => r.attack === attack)!;

/** The server's own output, plain or gzipped. */
function serverLogPath(attack: string): string {
  const plain = `floods/${SERVER}/${attack}/server-output.log`;
  return existsSync(join(FIXTURES, plain)) ? plain : `${plain}.gz`;
}
const clientLog = (attack: string): Analysis => analyzedFixture(floodLogPath(SERVER, attack));
const serverLog = (attack: string): Analysis => analyzedFixture(serverLogPath(attack));

/** The rule each attack must fire, the frame type it sits on, and the other rules allowed (client log / server log). */
const EXPECT: Record<string, { rule: string; type: number; others: string[]; serverOthers: string[] }> = {
  'rapid-reset': { rule: 'rapid-reset', type: FrameType.RST_STREAM, others: ['reset-flood'], serverOthers: ['reset-flood', 'cancelled-response'] },
  ping: { rule: 'ping-flood', type: FrameType.PING, others: [], serverOthers: [] },
  'ping-noread': { rule: 'ping-flood', type: FrameType.PING, others: [], serverOthers: [] },
  settings: { rule: 'settings-flood', type: FrameType.SETTINGS, others: [], serverOthers: [] },
  'settings-noread': { rule: 'settings-flood', type: FrameType.SETTINGS, others: [], serverOthers: [] },
  'empty-data': { rule: 'empty-frames-flood', type: FrameType.DATA, others: [], serverOthers: [] },
  continuation: { rule: 'continuation-flood', type: FrameType.CONTINUATION, others: ['goaway'], serverOthers: ['goaway'] },
};
const VIOLATIONS = ['flow-control-violation', 'stream-id-violation', 'stream-state-violation', 'concurrent-streams-exceeded'];

const goVerdict = (vs: ProfileVerdict[]): ProfileVerdict | undefined => vs.find((v) => v.profile.id === 'go');

/** Frames of `type` from the client up to `f` (inclusive): "the flood's N-th frame", in either side's log. */
function nth(a: Analysis, f: FrameRecord, type: number): number {
  const conn = a.trace!.connections[0]!;
  const fromClient = conn.role === 'server' ? 'received' : 'sent';
  let k = 0;
  for (const g of a.trace!.frames) {
    if (g.index > f.index) break;
    if (g.type === type && g.direction === fromClient && (g.flags & 1) === 0) k++;
  }
  return k;
}
const count = (a: Analysis, pick: (f: FrameRecord) => boolean): number => a.trace!.frames.filter(pick).length;

describe('go1.24 floods: the recordings', () => {
  it('seven runs, one per attack, all against go1.24 net/http', () => {
    assert.deepEqual(truth.runs.map((r) => r.attack).sort(), Object.keys(EXPECT).sort());
    assert.match(truth.server, /^go1\.24\.\d+ net\/http bundled http2/);
    for (const r of truth.runs) {
      assert.equal(r.attack_frames_written, r.noread ? 20_000 : r.attack === 'rapid-reset' ? 1_000 : 10_000, r.name);
      assert.ok(r.server_alive_after_attack, `${r.name}: the server process survived`);
    }
  });
  it('Go cut only the CONTINUATION flood (GOAWAY PROTOCOL_ERROR, "http2: header list too large"); every other connection stayed open', () => {
    for (const r of truth.runs) {
      if (r.attack === 'continuation') continue;
      assert.deepEqual(r.goaway, [], r.name);
      assert.deepEqual(r.rst_stream_received, {}, r.name);
      assert.match(r.read_end, /^connection still open/, r.name);
    }
    const c = run('continuation');
    assert.equal(c.goaway.length, 1);
    assert.equal(c.goaway[0]!.code, 'PROTOCOL_ERROR');
    assert.equal(c.goaway[0]!.last_stream_id, 1);
    assert.ok(c.server_log_key_lines.some((l) => l.endsWith('http2: header list too large')));
    assert.ok(c.server_log_key_lines.some((l) => /server connection error from .*: connection error: PROTOCOL_ERROR/.test(l)));
  });
});

describe('go1.24 floods: the expected rule fires on the client\'s log and on the server\'s', () => {
  for (const r of truth.runs) {
    const exp = EXPECT[r.attack]!;
    for (const [side, get, others] of [['client', clientLog, exp.others], ['server', serverLog, exp.serverOthers]] as const) {
      it(`${r.name} (${side} log): ${exp.rule}${others.length ? ` (and at most ${others.join(', ')})` : ''}`, () => {
        const a = get(r.attack);
        assert.equal(a.error, undefined);
        assert.equal(a.trace!.connections.length, 1);
        if (side === 'server') assert.equal(a.trace!.connections[0]!.role, 'server');
        const found = byRule(a, exp.rule);
        assert.equal(found.length, 1, `${exp.rule}: ${a.findings.map((f) => f.rule).join(', ')}`);
        assert.equal(a.trace!.frames.get(found[0]!.frame!)!.type, exp.type, 'anchored on a frame of the flood');
        // The hover names the go profile where it has a number (PING ACK queue, header list) or a note (rapid reset).
        const goLine = ['ping-flood', 'continuation-flood', 'rapid-reset'].includes(exp.rule);
        assert.equal(found[0]!.budget!.some((b) => b.startsWith('Go net/http')), goLine, found[0]!.budget!.join('\n'));
        const rules = new Set(a.findings.map((x) => x.rule));
        for (const x of rules) assert.ok(x === exp.rule || others.includes(x), `unexpected ${x}`);
        for (const v of VIOLATIONS) assert.ok(!rules.has(v), `${v}: the Go Framers never broke the protocol`);
      });
    }
  }
});

describe('go1.24 floods: the go profile agrees with what the Go 1.24 server did', () => {
  it('PING flood: all 10,000 answered, no cut; the go profile does not cut either (and is not at risk)', () => {
    const r = run('ping');
    assert.equal(r.frames_read_by_client.PING, r.attack_frames_written);
    const v = goVerdict(load(clientLog('ping')).ping.client.verdicts())!;
    assert.equal(v.cutAt, undefined);
    assert.ok(!v.atRisk, v.summary);
    assert.ok(v.used < v.allowed, v.summary);
  });

  it('PING flood, client reading nothing (20,000): Go answered every one and did not cut; the go profile says at risk, not cut, and the server\'s own log shows why', () => {
    const r = run('ping-noread');
    assert.equal(r.frames_read_by_client.PING, 20_000, 'every PING answered');
    const client = clientLog('ping-noread');
    const v = goVerdict(load(client).ping.client.verdicts())!;
    // The client's log: 20,000 unanswered at once, twice Go's 10,000 queued control frames.
    assert.equal(v.used, 20_000);
    assert.equal(v.cutAt, undefined, 'no cut: Go queues an ACK only while it cannot write it to the socket');
    assert.ok(v.atRisk);
    assert.match(v.summary, /it queues an ACK only while it cannot write to the socket/);
    // The server's log: it wrote each ACK soon after reading the PING — its backlog stayed far below 10,000
    // (the rest of the 20,000 waited in the kernel's socket buffers, which a log does not show).
    const server = serverLog('ping-noread');
    assert.equal(count(server, (f) => f.type === FrameType.PING && f.direction === 'sent' && (f.flags & 1) !== 0), 20_000);
    const sv = goVerdict(load(server).ping.client.verdicts())!;
    assert.equal(sv.cutAt, undefined);
    assert.ok(sv.used < profileById('go')!.limits.maxQueuedAcks!.value / 10, `the server's backlog: at most ${sv.used}`);
    // The ping-flood finding is still there (grpc-go would cut), and Go is not named as cutting.
    const [f] = byRule(client, 'ping-flood');
    assert.doesNotMatch(f!.message, /Also past the limit of:.*Go net\/http/);
  });

  it('SETTINGS floods: Go coalesced its ACKs and never cut; the go profile does not count SETTINGS', () => {
    for (const attack of ['settings', 'settings-noread']) {
      const r = run(attack);
      const acks = r.frames_read_by_client.SETTINGS! - 1;
      assert.ok(acks < r.attack_frames_written / 2, `${attack}: ${acks} ACKs for ${r.attack_frames_written} SETTINGS`);
      const a = clientLog(attack);
      assert.equal(count(a, (f) => f.type === FrameType.SETTINGS && f.direction === 'received' && (f.flags & 1) !== 0), acks);
      assert.equal(goVerdict(load(a).settings.client.verdicts()), undefined, attack);
    }
  });

  it('empty DATA flood: Go answered 200 and did not cut; the go profile has no empty-frame limit (nothing to cut with)', () => {
    assert.match(run('empty-data').server_reaction, /responses 200×1/);
    const m = load(clientLog('empty-data')).empty.client.measure()!;
    assert.equal(m.count, 10_000);
    assert.equal(goVerdict(m.verdicts), undefined);
  });

  it('rapid reset: Go answered the few streams that finished first and did not cut; the go profile has no number, only its note', () => {
    const r = run('rapid-reset');
    assert.ok((r.frames_read_by_client.HEADERS ?? 0) < r.attack_frames_written / 2);
    const m = load(clientLog('rapid-reset')).rapid.measure()!;
    assert.equal(m.count, 1_000);
    assert.equal(goVerdict(m.verdicts)?.cutAt, undefined);
    assert.ok(m.notes.some((n) => /^Go net\/http .* 4 × 250 wait to start/.test(n)));
  });

  it('CONTINUATION flood: Go cut at the CONTINUATION that took the decoded header list past 1,048,896 bytes; the go profile is at risk before that, within 10 %', () => {
    const limit = profileById('go')!.limits.maxHeaderBlockBytes!;
    assert.equal(limit.value, 1_048_896);
    assert.equal(limit.decodedPerField, 32);
    // The server's log: how many CONTINUATIONs it read (the last one refused), and the fields it decoded.
    const text = fixture(serverLogPath('continuation'));
    const server = serverLog('continuation');
    const realCut = count(server, (f) => f.type === FrameType.CONTINUATION && f.direction === 'received');
    const fields = [...text.matchAll(/http2: decoded hpack field header field "([^"]*)" = "([^"]*)"/g)].map((m) => m[1]!.length + m[2]!.length + 32);
    const decoded = fields.reduce((x, y) => x + y, 0);
    // Go's rule (h2_bundle.go readMetaFrame): each field costs name + value + 32; the field that did not fit
    // stopped the decoding, and the next fragment was refused with GOAWAY PROTOCOL_ERROR.
    assert.ok(decoded <= limit.value && decoded + fields[fields.length - 1]! > limit.value, `decoded ${decoded}`);
    assert.equal(realCut, fields.length - 5 + 1, 'one x-flood field per CONTINUATION (+5 in the HEADERS), then the refused one');
    assert.equal(count(server, (f) => f.type === FrameType.GOAWAY && f.direction === 'sent' && f.errorCode === 0x1), 1);
    // On the wire that was only about half the limit: counted as wire bytes, Go would not have cut.
    const m = load(server).continuation.client.measure()!;
    assert.ok(m.verdicts.length > 0);
    const wire = goVerdict(m.verdicts)!.used;
    assert.ok(wire < limit.value * 0.6, `wire bytes ${wire}`);
    // The profile: at risk (not cut: the wire bytes stay under the limit), from a CONTINUATION within 10 % of the real cut, not after it.
    for (const [side, a] of [['client', clientLog('continuation')], ['server', server]] as const) {
      const v = goVerdict(load(a).continuation.client.measure()!.verdicts)!;
      assert.equal(v.cutAt, undefined, side);
      assert.ok(v.atRisk, `${side}: ${v.summary}`);
      assert.match(v.summary, /it counts them decoded, name \+ value \+ 32 per field: up to [\d,]+ bytes .* decoded, past its limit from line ([\d,]+): GOAWAY PROTOCOL_ERROR/);
      const line = Number(/past its limit from line ([\d,]+)/.exec(v.summary)![1]!.replace(/,/g, '')) - 1;
      const at = a.trace!.frames.find((f) => f.line === line && f.type === FrameType.CONTINUATION)!;
      const predicted = nth(a, at, FrameType.CONTINUATION);
      assert.ok(predicted <= realCut && predicted >= realCut * 0.9, `${side}: predicted ${predicted}, real ${realCut}`);
    }
    // The finding's hover has that verdict, and the goaway rule on the real GOAWAY names the CONTINUATIONs.
    const client = clientLog('continuation');
    const [f] = byRule(client, 'continuation-flood');
    assert.ok(f!.budget!.some((b) => /^Go net\/http .*decoded, past its limit/.test(b)), f!.budget!.join('\n'));
    const [g] = byRule(client, 'goaway');
    assert.match(g!.message, /GOAWAY PROTOCOL_ERROR/);
    assert.match(g!.message, /Load before it that a real server's defence would have cut: [\d,]+ CONTINUATION frames/);
  });
});
