/**
 * A Go server restarted gracefully while a Go client keeps requests in flight (real:
 * fixtures/go-graceful-restart/record.sh; Go 1.24 net/http on both sides). http.Server.Shutdown sends
 * GOAWAY NO_ERROR and lets the requests in flight finish; the client moves to a new connection and no
 * request fails (the client's record). A control: each GOAWAY is told as the graceful close it is, and
 * nothing is above information. Expected numbers come from truth.json and the raw lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { fixture, fixtureJson } from '../helpers.ts';

interface Truth { restarts: number; shutdownErrors: string[]; requests: number; failed: number }

describe('Go graceful restart (real: go-graceful-restart)', () => {
  const truth = fixtureJson<Truth>('go-graceful-restart/run/truth.json');
  it('the record: two restarts, each drained without error, and no request failed', () => {
    assert.equal(truth.restarts, 2);
    assert.deepEqual(truth.shutdownErrors, []);
    assert.equal(truth.failed, 0);
  });
  for (const side of ['client', 'server'] as const) {
    it(`${side}.log: one goaway info per restart, on its GOAWAY NO_ERROR line; nothing above information`, () => {
      const log = fixture(`go-graceful-restart/run/${side}.log`);
      const goaways = log.split('\n').flatMap((l, i) => (/http2: Framer 0x[0-9a-f]+: (wrote|read) GOAWAY len=8 LastStreamID=\d+ ErrCode=NO_ERROR/.test(l) ? [i] : []));
      assert.equal(goaways.length, truth.restarts);
      const a = analyzeText(log);
      assert.equal(a.trace!.connections.length, truth.restarts + 1, 'a connection per server generation');
      assert.deepEqual(a.findings.map((f) => `${f.rule} ${f.severity} ${f.line}`), goaways.map((l) => `goaway info ${l}`));
      for (const f of a.findings) assert.match(f.message, /GOAWAY NO_ERROR with last-stream-id \d+: graceful shutdown/);
    });
  }
});
