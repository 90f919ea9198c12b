/**
 * grpc-go's own GODEBUG=http2debug=2 logs (real: test/fixtures/grpc/record-http2debug.sh). grpc-go
 * frames with golang.org/x/net/http2's Framer, so its logs have the Framer lines and the decoded header
 * fields, but none of net/http's connection lines (`Transport creating client conn`, `server connection
 * from`) nor the fields it encodes: roles are inferred, and gRPC is told from the fields read. The same
 * client and server as the tshark exports of grpcControl.test.ts, from each side's own log. What each
 * log must give is read from its raw lines and the client's record (truth.json), not from h2lens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../server/src/core/analyze.ts';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import type { Finding } from '../../../server/src/core/rules/types.ts';
import { fixture, fixtureJson } from '../helpers.ts';

interface Truth {
  deliberate: { calls: number; codes: Record<string, number> };
  observed_in_logs: { client_rst_stream_written: number[]; server_rst_stream_read: number[]; client_pings_written: number; server_goaways_written: string[] };
}

const DIR = 'grpc/http2debug';
const BDP_PING = 'ping="\\x02\\x04\\x10\\x10\\t\\x0e\\a\\a"'; // grpc-go internal/transport/bdp_estimator.go bdpPing, as Go quotes it
const SIDES = ['client', 'server'] as const;
const loud = (a: Analysis): Finding[] => a.findings.filter((f) => f.severity !== 'info' && f.severity !== 'hint');
const show = (fs: Finding[]): string[] => fs.map((f) => `${f.rule} stream ${f.stream ?? '-'} line ${f.line + 1}: ${f.message.slice(0, 140)}`);

describe('grpc-go logs with GODEBUG=http2debug=2 (real)', () => {
  describe('unary: 200 calls, 10 deadlines expired and 5 cancelled (benign)', () => {
    const truth = fixtureJson<Truth>(`${DIR}/unary/truth.json`);
    for (const side of SIDES) {
      it(`${side} log: one ${side}-side connection of ${truth.deliberate.calls} streams, nothing above information`, () => {
        const a = analyzeText(fixture(`${DIR}/unary/${side}.log`));
        assert.equal(a.format, 'go-http2debug');
        const conns = a.trace!.connections;
        assert.equal(conns.length, 1);
        assert.equal(conns[0]!.role, side, 'inferred: grpc-go logs no connection line');
        assert.equal(conns[0]!.streamList.length, truth.deliberate.calls);
        assert.deepEqual(show(loud(a)), []);
        // The cancellations grpc-go made are real resets in the log; each one told is one of them, as a gRPC call's.
        const reset = side === 'client' ? truth.observed_in_logs.client_rst_stream_written : truth.observed_in_logs.server_rst_stream_read;
        assert.equal(reset.length, truth.deliberate.codes.Canceled! + truth.deliberate.codes.DeadlineExceeded!);
        for (const f of a.findings) {
          assert.equal(f.rule, 'cancelled-response');
          assert.ok(reset.includes(f.stream!), `stream ${f.stream}`);
          assert.match(f.message, /gRPC/);
        }
      });
    }
  });

  describe('keepalive PINGs against grpc-go\'s default enforcement policy: the real GOAWAY "too_many_pings"', () => {
    const truth = fixtureJson<Truth>(`${DIR}/keepalive-ping-flood/server-defaults/truth.json`);
    it('the run: the server wrote one GOAWAY ENHANCE_YOUR_CALM "too_many_pings"', () => {
      assert.equal(truth.observed_in_logs.server_goaways_written.length, 1);
      assert.match(truth.observed_in_logs.server_goaways_written[0]!, /ErrCode=ENHANCE_YOUR_CALM Debug="too_many_pings"/);
    });
    for (const side of SIDES) {
      it(`${side} log: ping-flood cuts at the 3rd keepalive PING, and the GOAWAY is told as grpc-go's keepalive enforcement`, () => {
        const log = fixture(`${DIR}/keepalive-ping-flood/server-defaults/${side}.log`);
        const lines = log.split('\n');
        // The client's PINGs that are not grpc-go's BDP pings (keepalive), as this side logged them.
        const verb = side === 'client' ? 'wrote' : 'read';
        const keepalive = lines.flatMap((l, k) => (l.includes(`: ${verb} PING len=8 `) && !l.includes(BDP_PING) ? [k] : []));
        assert.ok(keepalive.length >= 3, `${keepalive.length} keepalive PINGs`);
        const goaway = lines.findIndex((l) => l.includes('GOAWAY') && l.includes('too_many_pings'));
        assert.ok(goaway > keepalive[2]!, 'the GOAWAY came after the 3rd keepalive PING');
        const a = analyzeText(log);
        assert.deepEqual(a.trace!.connections.map((c) => c.role), [side, side], 'the client reconnected after the GOAWAY');
        assert.deepEqual(loud(a).map((f) => f.rule).sort(), ['enhance-your-calm', 'ping-flood']);
        const flood = a.findings.find((f) => f.rule === 'ping-flood')!;
        assert.equal(flood.line, keepalive[2]);
        assert.match(flood.message, /grpc-go/);
        const calm = a.findings.find((f) => f.rule === 'enhance-your-calm')!;
        assert.equal(calm.line, goaway);
        assert.match(calm.message, /too_many_pings/);
        assert.match(calm.message, /grpc-go/);
      });
    }
  });
});
