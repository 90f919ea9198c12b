/**
 * Go's HTTP/2 health check on a hung server (real: fixtures/go-health-check/record.sh). A Go 1.24
 * client with HTTP2Config.SendPingTimeout and PingTimeout of 1 s talks to a Go server that the
 * recorder stops (SIGSTOP) for 4 s (`frames/`, `app-only/`) or 9 s (`frames-long/`, where the new
 * connections the client dials meanwhile are lost too), or not at all (`idle/`: the health checks of an
 * idle connection, all answered). Each lost connection is a health-check PING
 * without ACK; the client then closes it and its requests fail with "http2: client connection lost".
 * Expected numbers come from the client's own record (truth.json) and from the raw lines, not from h2lens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { analyzeStream } from '../../../server/src/core/stream.ts';
import { fixture, fixtureJson } from '../helpers.ts';
import { byRule } from './ruleHelpers.ts';

interface Truth { requests: number; failed: number; connectionLostErrors: number; errors: Record<string, number> }

const ABOVE_INFO = new Set(['error', 'warning']);

describe('Go health check, server hung (real: go-health-check)', () => {
  for (const run of ['frames', 'frames-long'] as const) {
    it(`${run}/client.log: one unanswered-ping per lost connection, on its health-check PING, telling the story; nothing else above info`, () => {
      const truth = fixtureJson<Truth>(`go-health-check/${run}/truth.json`);
      assert.deepEqual(truth.errors, { 'http2: client connection lost': truth.failed }, 'every failure is a lost connection');
      const log = fixture(`go-health-check/${run}/client.log`);
      const lines = log.split('\n');
      // From the raw lines: each timeout is a connection Go gave up on.
      const timeouts = lines.flatMap((l, i) => (l.endsWith('http2: Transport health check failure: context deadline exceeded') ? [i] : []));
      assert.ok(timeouts.length >= 1);
      const a = analyzeText(log);
      const found = byRule(a, 'unanswered-ping');
      assert.equal(found.length, timeouts.length, 'one finding per lost connection');
      let failed = 0;
      for (const [k, f] of found.entries()) {
        assert.match(lines[f.line]!, /http2: Framer 0x[0-9a-f]+: wrote PING len=8 ping=/, 'on a PING the client wrote');
        assert.equal(lines[f.line - 1]!.endsWith('http2: Transport sending health check'), true, 'the health check\'s PING');
        assert.equal(f.related![0]!.line, timeouts[k], 'the line where the health check gives up');
        assert.ok(f.line < timeouts[k]!);
        assert.match(f.message, /^Go's HTTP\/2 health check got no ACK for this PING, and the client closed the connection as lost/);
        assert.match(f.message, /ReadIdleTimeout .*PingTimeout/);
        failed += Number(/(\d+) requests? in flight on it failed with "http2: client connection lost"/.exec(f.message)![1]);
      }
      assert.equal(failed, truth.connectionLostErrors, 'the failed requests named are those the client recorded');
      // The PINGs and resets the client wrote after closing a connection never left it: no flood.
      assert.deepEqual(a.findings.filter((f) => ABOVE_INFO.has(f.severity) && f.rule !== 'unanswered-ping'), []);
      // The connections say how they ended.
      const lost = a.trace!.connections.filter((c) => c.info.lostPing);
      assert.equal(lost.length, timeouts.length);
      for (const c of lost) assert.match(c.info.endNote!, /^health check failed: no PING ACK within PingTimeout/);
    });

    it(`${run}/server.log: the server that was stopped reads the backlog; nothing above info (frames in flight are no missing ACK)`, () => {
      const a = analyzeText(fixture(`go-health-check/${run}/server.log`));
      assert.ok(a.trace!.frames.length > 500);
      assert.deepEqual(a.findings.filter((f) => ABOVE_INFO.has(f.severity)).map((f) => `${f.rule}@${f.line + 1}`), []);
    });
  }

  for (const side of ['client', 'server'] as const) {
    it(`idle/${side}.log: health checks on an idle connection to a Go server, every PING answered → no finding (grpc-go's keepalive budget is not this peer's)`, () => {
      const log = fixture(`go-health-check/idle/${side}.log`);
      const pings = log.match(/: (wrote|read) PING len=8 ping=/g)!.length;
      const acks = log.match(/: (wrote|read) PING flags=ACK len=8 ping=/g)!.length;
      assert.ok(pings >= 8, `${pings} PINGs`);
      assert.equal(acks, pings, 'every PING answered');
      // Before: "grpc-go server would cut the connection here" (error), though a grpc-go server refuses plain HTTP.
      assert.deepEqual(analyzeText(log).findings.map((f) => `${f.rule}@${f.line + 1}`), []);
    });
  }

  it('app-only/client.log: no frame, but the note names the lost connections, the first one\'s line, and what they mean', async () => {
    const truth = fixtureJson<Truth>('go-health-check/app-only/truth.json');
    const log = fixture('go-health-check/app-only/client.log');
    const lines = log.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, truth.failed, 'one line per failed request');
    const a = analyzeText(log);
    assert.equal(a.trace!.frames.length, 0);
    const last = a.notes[a.notes.length - 1]!;
    assert.ok(last.startsWith(`No HTTP/2 frame found in ${lines.length} lines, but ${truth.connectionLostErrors} of them are Go's HTTP/2 client error "client connection lost" (first at line 1). Go's Transport closes a connection as lost when its health check fails`), last);
    assert.match(last, /PingTimeout/);
    assert.match(last, /GODEBUG=http2debug=2/);
    async function* chunks(): AsyncGenerator<Uint8Array> { yield Buffer.from(log); }
    const s = await analyzeStream(chunks());
    assert.equal(s.notes[s.notes.length - 1], last);
  });

  it('both kinds of error in one log are told one after the other (hand-made lines in Go\'s error formats)', () => {
    const a = analyzeText([
      '2026/11/25 09:00:00 request 1 failed: Get "http://api.example/a": http2: client connection lost',
      '2026/11/25 09:00:01 request 2 failed: Get "http://api.example/b": http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=""',
    ].join('\n') + '\n');
    const last = a.notes[a.notes.length - 1]!;
    assert.match(last, /^No HTTP\/2 frame found in 2 lines, but one of them is Go's HTTP\/2 client error "server sent GOAWAY and closed the connection" \(first at line 2\): ErrCode=NO_ERROR\. .* And one of them is Go's HTTP\/2 client error "client connection lost" \(first at line 1\)\. /);
  });
});
