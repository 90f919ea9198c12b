/**
 * A Go client whose deadline ends while it reads slowly streamed bodies (real:
 * fixtures/go-client-timeout/record.sh). Go 1.24 net/http on both sides; the client reads every body to
 * the end (io.Copy before Close), so no body is left undrained: each of its 40 requests fails with
 * "context deadline exceeded (Client.Timeout or context cancellation while reading body)". Go resets
 * those streams with RST_STREAM CANCEL and a PING, the frames of a body closed early. Expected numbers
 * come from the client's record (truth.json) and the raw lines, not from h2lens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { fixture, fixtureJson } from '../helpers.ts';
import { byRule } from './ruleHelpers.ts';

interface Truth { requests: number; failed: number; errors: Record<string, number>; timedOutRequests: number[]; undrainedBodies: number }

describe('Go client deadline while reading the body (real: go-client-timeout)', () => {
  const truth = fixtureJson<Truth>('go-client-timeout/run/truth.json');
  it('the record: every request timed out while reading its body, none left a body undrained', () => {
    assert.deepEqual(truth.errors, { 'context deadline exceeded (Client.Timeout or context cancellation while reading body)': truth.failed });
    assert.equal(truth.undrainedBodies, 0);
    assert.ok(truth.failed >= 10);
  });

  for (const side of ['client', 'server'] as const) {
    it(`${side}.log: one cancelled-response per reset, giving both causes (early close, deadline) and not claiming an undrained body`, () => {
      const log = fixture(`go-client-timeout/run/${side}.log`);
      const lines = log.split('\n');
      const resets = lines.flatMap((l, i) => (/http2: Framer 0x[0-9a-f]+: (wrote|read) RST_STREAM stream=\d+ len=4 ErrCode=CANCEL$/.test(l) ? [i] : []));
      assert.equal(resets.length, truth.failed, 'a reset per timed-out request');
      const found = byRule(analyzeText(log), 'cancelled-response');
      assert.deepEqual(found.map((f) => f.line), resets);
      const paths = new Set<string>();
      for (const f of found) {
        assert.equal(f.severity, 'warning');
        assert.match(f.message, /while its body was still arriving \([\d,]+ bytes of DATA by then, no END_STREAM\)/);
        assert.match(f.message, /Client\.Timeout or context cancellation while reading body/);
        assert.match(f.message, /if a deadline ended it/);
        assert.doesNotMatch(f.message, /the response body was closed before it was read to the end/);
        const path = / GET (\/item\/\d+):/.exec(f.message)?.[1];
        if (path) paths.add(path);
      }
      // Paths named (fields tied to their stream) are the requests that timed out.
      for (const p of paths) assert.ok(truth.timedOutRequests.includes(Number(p.slice(6))), p);
      assert.ok(paths.size >= truth.failed / 2, `${paths.size} paths named`);
    });
  }
});
