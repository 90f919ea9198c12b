/**
 * Negative controls from real gRPC traffic (issue #7: "gRPC unary calls produce nothing above
 * information"): grpc-go 1.33 client + server recorded on lo by test/fixtures/grpc/record.sh and
 * exported by tshark (`-d tcp.port==PORT,http2 -T json`). Every expected number comes from the run's
 * truth.json — the generator's own record (client.stdout) and tshark's own per-frame table
 * (http2-frames.tsv) — never from h2lens.
 *
 * - unary: 200 Health/Check calls, 8 at a time, 10 deadlines expired and 5 calls cancelled (RST_STREAM
 *   CANCEL, normal gRPC behaviour);
 * - large: 256 KiB – 1 MiB messages both ways, with grpc-go's BDP PINGs and WINDOW_UPDATEs;
 * - keepalive-ping-flood/server-permits: keepalive PINGs within that server's enforcement policy; the
 *   same PINGs against grpc-go's default policy (server-defaults) got a real GOAWAY "too_many_pings".
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { analyzeParsed } from '../../../server/src/core/analyze.ts';
import { parseGoHttp2debug } from '../../../server/src/core/formats/goHttp2debug.ts';
import { parseTsharkJson } from '../../../server/src/core/formats/tsharkJson.ts';
import type { HeaderField, ParsedLog } from '../../../server/src/core/model/frame.ts';
import { FrameType } from '../../../server/src/core/model/frame.ts';
import { isFromClient } from '../../../server/src/core/model/trace.ts';
import type { Finding } from '../../../server/src/core/rules/types.ts';
import { FIXTURES, fixture, fixtureJson } from '../helpers.ts';
import type { RunOptions } from './ruleHelpers.ts';
import { analyzedFixture } from './ruleHelpers.ts';

interface Truth {
  deliberate: { calls: number; codes: Record<string, number>; deadline_exceeded: number; cancelled: number; message_sizes: number[]; server_args: string };
  tcp_connections: number;
  tshark_frames: number;
  tshark_frames_by_sender: Record<'client' | 'server', Record<string, number>>;
  streams: number;
  pings: Record<'client' | 'server', Record<string, number>>;
  non_bdp_pings: Array<{ from: string; tcp_stream: number; frame: number; time_epoch: string }>;
  settings_non_ack: Partial<Record<'client' | 'server', number>>;
  window_updates: Record<'client' | 'server', { stream: number; connection: number; connection_increment_total: number }>;
  rst_stream: Array<{ from: string; stream: number; error: number | null }>;
  rst_cancel_after_server_end_stream: number[];
  goaway: Array<{ from: string; tcp_stream: number; frame: number; time_relative: number; error: number; debug: string }>;
  expected: { streams: number; max_severity: string };
}

const RUNS = ['unary', 'large', 'keepalive-ping-flood/server-permits', 'keepalive-ping-flood/server-defaults'] as const;
type Run = (typeof RUNS)[number];

const BDP_PING = '02041010090e0707'; // grpc-go internal/transport/bdp_estimator.go bdpPing
/** grpc-go's keepalive policy of the server-permits run (server.go -ka-min-time 5s -ka-permit-without-stream). */
const PERMITS_POLICY: RunOptions = { thresholds: { 'ping-flood': { pingMinIntervalMs: 5000, pingIdleMinIntervalMs: 5000 } } };

const truthOf = (run: Run): Truth => fixtureJson<Truth>(`grpc/${run}/truth.json`);
function exportOf(run: Run): string {
  const plain = `grpc/${run}/export.json`;
  return existsSync(join(FIXTURES, plain)) ? plain : `${plain}.gz`;
}
const analysis = (run: Run, o: RunOptions = {}): Analysis => analyzedFixture(exportOf(run), o);
const loud = (a: Analysis): Finding[] => a.findings.filter((f) => f.severity !== 'info' && f.severity !== 'hint');
const show = (fs: Finding[]): string[] => fs.map((f) => `${f.rule} stream ${f.stream ?? '-'} line ${f.line + 1}: ${f.message.slice(0, 140)}`);

/** Frame counts per sender and type, as h2lens read them (names as in tshark's table). */
function framesBySender(a: Analysis): Record<'client' | 'server', Record<string, number>> {
  const names: Record<number, string> = { 0: 'DATA', 1: 'HEADERS', 3: 'RST_STREAM', 4: 'SETTINGS', 6: 'PING', 7: 'GOAWAY', 8: 'WINDOW_UPDATE' };
  const out = { client: {} as Record<string, number>, server: {} as Record<string, number> };
  for (const c of a.trace!.connections) {
    for (const i of c.frames) {
      const f = a.trace!.frames.get(i)!;
      const side = isFromClient(c, f) ? out.client : out.server;
      const name = names[f.type] ?? String(f.type);
      side[name] = (side[name] ?? 0) + 1;
    }
  }
  return out;
}

/** PINGs (not ACKs) a side sent, split into grpc-go BDP pings and others. */
function pingsBy(a: Analysis, from: 'client' | 'server'): { bdp: number; other: number } {
  const n = { bdp: 0, other: 0 };
  for (const c of a.trace!.connections) {
    for (const i of c.frames) {
      const f = a.trace!.frames.get(i)!;
      if (f.type !== FrameType.PING || (f.flags & 1) !== 0 || isFromClient(c, f) !== (from === 'client')) continue;
      if (f.pingPayload === BDP_PING) n.bdp++;
      else n.other++;
    }
  }
  return n;
}

describe('gRPC negative controls (real grpc-go 1.33 traffic, tshark JSON exports)', () => {
  for (const run of RUNS) {
    it(`${run}: the export reads as the capture: connections, streams = calls, frames per sender and type`, () => {
      const t = truthOf(run);
      const a = analysis(run);
      assert.equal(a.format, 'tshark-json');
      assert.equal(a.trace!.connections.length, t.tcp_connections);
      const streams = a.trace!.connections.reduce((s, c) => s + c.streams.size, 0);
      assert.equal(t.streams, t.deliberate.calls, 'tshark: one stream per call');
      assert.equal(streams, t.expected.streams);
      assert.equal(a.trace!.frames.length, t.tshark_frames);
      assert.deepEqual(framesBySender(a), t.tshark_frames_by_sender);
    });
  }

  describe('unary: 200 calls, 8 concurrent, 10 deadlines expired, 5 cancelled', () => {
    const run = 'unary';
    it('the generator did what the truth says, and every reset is a client RST_STREAM CANCEL', () => {
      const t = truthOf(run);
      assert.equal(t.deliberate.calls, 200);
      assert.equal(t.deliberate.deadline_exceeded, 10);
      assert.equal(t.deliberate.cancelled, 5);
      assert.ok(t.rst_stream.length > 0 && t.rst_stream.length <= 15, `${t.rst_stream.length} resets`);
      assert.ok(t.rst_stream.every((r) => r.from === 'client' && r.error === 8));
      const a = analysis(run);
      const resets = a.trace!.frames.filter((f) => f.type === FrameType.RST_STREAM);
      assert.deepEqual(resets.map((f) => [f.streamId, f.errorCode]), t.rst_stream.map((r) => [r.stream, r.error]));
    });

    it('grpc-go BDP PINGs even for small messages, counted as tshark counted them', () => {
      const t = truthOf(run);
      const a = analysis(run);
      assert.ok(t.pings.client.bdp! > 0);
      assert.deepEqual(pingsBy(a, 'client'), { bdp: t.pings.client.bdp ?? 0, other: t.pings.client.other ?? 0 });
      assert.deepEqual(pingsBy(a, 'server'), { bdp: t.pings.server.bdp ?? 0, other: t.pings.server.other ?? 0 });
    });

    it('no finding above information from the flood and protocol rules', () => {
      const a = analysis(run);
      assert.deepEqual(show(loud(a).filter((f) => f.rule !== 'cancelled-response')), []);
    });

    it('the deadline races (server trailers crossing the client\'s RST_STREAM CANCEL) are told as gRPC cancellations, at info, without the drain fix', () => {
      const t = truthOf(run);
      const a = analysis(run);
      const crossed = a.findings.filter((f) => f.rule === 'cancelled-response' && t.rst_cancel_after_server_end_stream.includes(f.stream!));
      assert.equal(crossed.length, t.rst_cancel_after_server_end_stream.length);
      for (const f of crossed) {
        assert.equal(f.severity, 'info');
        assert.match(f.message, /gRPC client cancelled the call .*grpc-status 4/);
        assert.equal(f.fix, undefined);
      }
    });

    it('no finding above information from any rule', () => {
      assert.deepEqual(show(loud(analysis(run))), []);
    });
  });

  describe('large: 256 KiB – 1 MiB messages, BDP PINGs and WINDOW_UPDATEs', () => {
    const run = 'large';
    it('messages of 256 KiB to 1 MiB both ways; BDP PINGs from both ends; window growth by SETTINGS and WINDOW_UPDATE', () => {
      const t = truthOf(run);
      assert.deepEqual(t.deliberate.message_sizes, [262144, 524288, 1048576]);
      const a = analysis(run);
      const client = pingsBy(a, 'client');
      const server = pingsBy(a, 'server');
      assert.ok(client.bdp > 0 && server.bdp > 0, `BDP pings: client ${client.bdp}, server ${server.bdp}`);
      assert.deepEqual(client, { bdp: t.pings.client.bdp ?? 0, other: t.pings.client.other ?? 0 });
      assert.deepEqual(server, { bdp: t.pings.server.bdp ?? 0, other: t.pings.server.other ?? 0 });
      for (const side of ['client', 'server'] as const) {
        const wus = a.trace!.frames.filter((f) => f.type === FrameType.WINDOW_UPDATE && isFromClient(a.trace!.connections[0]!, f) === (side === 'client'));
        assert.equal(wus.filter((f) => f.streamId === 0).length, t.window_updates[side].connection, `${side} connection WINDOW_UPDATEs`);
        assert.equal(wus.filter((f) => f.streamId !== 0).length, t.window_updates[side].stream, `${side} stream WINDOW_UPDATEs`);
        assert.equal(wus.filter((f) => f.streamId === 0).reduce((s, f) => s + (f.increment ?? 0), 0), t.window_updates[side].connection_increment_total);
        assert.ok((t.settings_non_ack[side] ?? 0) > 1, `${side} SETTINGS beyond the preface (BDP window growth)`);
      }
    });

    it('no finding above information from any rule', () => {
      assert.deepEqual(show(loud(analysis(run))), []);
    });
  });

  describe('keepalive PINGs: benign for a server that permits them, a ping flood for grpc-go\'s defaults', () => {
    /** The 3rd keepalive (non-BDP) PING the client sent on the first connection, from tshark's table. */
    function thirdKeepalive(t: Truth): number {
      const ka = t.non_bdp_pings.filter((p) => p.from === 'client' && p.tcp_stream === 0);
      assert.equal(ka.length, 3, 'three keepalive PINGs during the 35 s idle');
      return Number(ka[2]!.time_epoch) * 1000;
    }
    const cutTime = (a: Analysis): number | undefined => {
      const f = a.findings.find((x) => x.rule === 'ping-flood');
      return f?.frame === undefined ? undefined : a.trace!.frames.get(f.frame)!.time;
    };

    it('server-permits, evaluated with that server\'s policy (MinTime 5 s, PermitWithoutStream): no finding above information', () => {
      const t = truthOf('keepalive-ping-flood/server-permits');
      assert.equal(t.deliberate.server_args, '-ka-min-time 5s -ka-permit-without-stream');
      assert.deepEqual(t.goaway, [], 'the real server sent no GOAWAY');
      assert.deepEqual(show(loud(analysis('keepalive-ping-flood/server-permits', PERMITS_POLICY))), []);
    });

    it('server-permits, evaluated with grpc-go\'s default policy: ping-flood cuts at the 3rd idle keepalive PING', () => {
      const t = truthOf('keepalive-ping-flood/server-permits');
      const a = analysis('keepalive-ping-flood/server-permits');
      assert.deepEqual(loud(a).map((f) => `${f.rule} ${f.severity}`), ['ping-flood error']);
      assert.ok(Math.abs(cutTime(a)! - thirdKeepalive(t)) < 0.01, 'cut at the 3rd keepalive PING');
    });

    it('server-defaults: the real grpc-go server sent GOAWAY ENHANCE_YOUR_CALM "too_many_pings" right after that same PING, as predicted', () => {
      const t = truthOf('keepalive-ping-flood/server-defaults');
      assert.equal(t.deliberate.server_args, '');
      assert.equal(t.goaway.length, 1);
      const g = t.goaway[0]!;
      assert.deepEqual([g.from, g.tcp_stream, g.error, g.debug], ['server', 0, 11, 'too_many_pings']);
      const ping = t.non_bdp_pings.filter((p) => p.from === 'client' && p.tcp_stream === 0)[2]!;
      assert.ok(g.frame > ping.frame, 'GOAWAY after the 3rd keepalive PING');
      const a = analysis('keepalive-ping-flood/server-defaults');
      assert.ok(Math.abs(cutTime(a)! - thirdKeepalive(t)) < 0.01, 'ping-flood cut at the 3rd keepalive PING');
      const calm = a.findings.filter((f) => f.rule === 'enhance-your-calm');
      assert.equal(calm.length, 1);
      assert.match(calm[0]!.message, /too_many_pings/);
      assert.match(calm[0]!.message, /grpc-go/);
    });
  });
});

/**
 * A Go log of many connections can leave a stream with another stream's fields (marked
 * headersGuessed). Whether a cancellation is a gRPC call's must then not rest on those fields. The
 * logs below are real; the edit is hand-made: one cancelled stream's response fields are replaced by
 * a guessed block of the other kind, as the Go parser could have left them.
 */
describe('cancelled-response on a stream whose fields were guessed', () => {
  /** Gives the stream's request block (`:method`) or response block (`:status`) other fields, marked as guessed. */
  const swap = (parsed: ParsedLog, stream: number, pseudo: ':method' | ':status', fields: HeaderField[]): void => {
    const f = parsed.frames;
    for (let i = 0; i < f.length; i++) {
      if (f.typeOf(i) !== FrameType.HEADERS || f.streamIdOf(i) !== stream || f.headersOf(i)?.every((h) => h.name !== pseudo)) continue;
      f.setHeaders(i, fields);
      f.setHeadersGuessed(i, true);
    }
  };
  const cancelled = (a: Analysis, stream: number): Finding => a.findings.find((f) => f.rule === 'cancelled-response' && f.stream === stream)!;

  it('a gRPC connection (unary/): the call is still told as a gRPC cancellation, and no grpc-status is quoted from the guessed block', () => {
    const t = truthOf('unary');
    const stream = t.rst_cancel_after_server_end_stream[0]!;
    const parsed = parseTsharkJson(fixture(exportOf('unary')));
    swap(parsed, stream, ':method', [{ name: ':method', value: 'GET' }, { name: ':path', value: '/other' }, { name: ':scheme', value: 'http' }, { name: ':authority', value: '127.0.0.1' }]);
    swap(parsed, stream, ':status', [{ name: ':status', value: '200' }, { name: 'content-type', value: 'text/plain; charset=utf-8' }, { name: 'grpc-status', value: '13' }]);
    const finding = cancelled(analyzeParsed(parsed), stream);
    assert.equal(finding.severity, 'info');
    assert.doesNotMatch(finding.message, /\/other|grpc-status 13/);
    assert.match(finding.message, /gRPC client cancelled the call/);
    assert.equal(finding.fix, undefined);
  });

  it('a plain Go connection (go1.24 undrained client): still the drain story and fix, though the guessed block says application/grpc', () => {
    const rel = 'go-undrained-body/go1.24-std-undrained/client.log';
    const before = analyzeParsed(parseGoHttp2debug(fixture(rel)));
    const stream = before.findings.find((f) => f.rule === 'cancelled-response')!.stream!;
    const parsed = parseGoHttp2debug(fixture(rel));
    swap(parsed, stream, ':status', [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc' }, { name: 'grpc-status', value: '0' }]);
    const finding = cancelled(analyzeParsed(parsed), stream);
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.fix, 'drain-go-body');
    assert.doesNotMatch(finding.message, /gRPC|grpc-status/);
  });
});
