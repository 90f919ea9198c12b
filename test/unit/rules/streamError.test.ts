/**
 * stream-error on a Go server that cuts responses short (real: fixtures/go-server-reset/record.sh; Go
 * 1.24 net/http on both sides, the client reading every body to the end): `write-timeout/` has
 * http.Server.WriteTimeout shorter than a response takes, `handler-panic/` a handler that panics for
 * every 3rd request. Go resets those streams with RST_STREAM INTERNAL_ERROR. Expected numbers come from
 * the client's record (truth.json) and the raw lines, not from h2lens. Hand-made edge cases are labelled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { fixture, fixtureJson, clientPreface, read, wrote } from '../helpers.ts';
import { analyzeLines, byRule } from './ruleHelpers.ts';

interface Truth { requests: number; failed: number; errors: Record<string, number> }

describe('stream-error (real: go-server-reset)', () => {
  for (const run of ['write-timeout', 'handler-panic'] as const) {
    const truth = fixtureJson<Truth>(`go-server-reset/${run}/truth.json`);
    it(`${run}: the record: the failed requests all got INTERNAL_ERROR from the server`, () => {
      assert.deepEqual(truth.errors, { 'INTERNAL_ERROR; received from peer': truth.failed });
      assert.ok(truth.failed >= 4);
    });
    for (const side of ['client', 'server'] as const) {
      it(`${run}/${side}.log: one stream-error per reset, on its RST_STREAM INTERNAL_ERROR line`, () => {
        const log = fixture(`go-server-reset/${run}/${side}.log`);
        const lines = log.split('\n');
        const resets = lines.flatMap((l, i) => (/http2: Framer 0x[0-9a-f]+: (wrote|read) RST_STREAM stream=\d+ len=4 ErrCode=INTERNAL_ERROR$/.test(l) ? [i] : []));
        assert.equal(resets.length, truth.failed, 'a reset per failed request');
        const a = analyzeText(log);
        const found = byRule(a, 'stream-error');
        assert.deepEqual(found.map((f) => f.line), resets);
        for (const f of found) {
          assert.equal(f.severity, 'warning');
          assert.match(f.message, /the server reset it with INTERNAL_ERROR after the response began \(:status 200\), with [\d,]+ bytes of its body sent: the response was cut short/);
          assert.match(f.message, new RegExp(`${truth.failed} streams of ${truth.requests} on this connection were reset by the server with INTERNAL_ERROR`));
        }
        // The server's own log names the panic of each handler that panicked; nothing else claims one.
        const panics = lines.flatMap((l, i) => (l.includes(' http2: panic serving ') ? [i] : []));
        if (run === 'handler-panic' && side === 'server') {
          assert.equal(panics.length, truth.failed);
          for (const [k, f] of found.entries()) {
            assert.match(f.message, /The server's log says why: its handler panicked \(line [\d,]+: "http2: panic serving …: request \d+: simulated handler failure"\)/);
            assert.equal(f.related!.find((r) => r.message === 'the handler\'s panic')!.line, panics[k]);
          }
        } else {
          assert.equal(panics.length, 0);
          for (const f of found) assert.match(f.message, /http\.Server\.WriteTimeout/);
        }
        assert.deepEqual(a.findings.filter((f) => f.rule !== 'stream-error' && (f.severity === 'error' || f.severity === 'warning')), []);
      });
    }
  }
});

describe('stream-error edges (hand-made)', () => {
  const request = [...clientPreface(), wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'), read('HEADERS flags=END_HEADERS stream=1 len=5')];
  it('CANCEL, NO_ERROR, REFUSED_STREAM, STREAM_CLOSED and ENHANCE_YOUR_CALM are other rules\' or lose nothing → nothing', () => {
    for (const code of ['CANCEL', 'NO_ERROR', 'REFUSED_STREAM', 'STREAM_CLOSED', 'ENHANCE_YOUR_CALM']) {
      assert.deepEqual(byRule(analyzeLines([...request, read(`RST_STREAM stream=1 len=4 ErrCode=${code}`)]), 'stream-error'), [], code);
    }
  });
  it('a second reset after the stream\'s first (NO_ERROR, then PROTOCOL_ERROR for frames that crossed it) → nothing', () => {
    assert.deepEqual(byRule(analyzeLines([...request, read('RST_STREAM stream=1 len=4 ErrCode=NO_ERROR'), read('RST_STREAM stream=1 len=4 ErrCode=PROTOCOL_ERROR')]), 'stream-error'), []);
  });
  it('PROTOCOL_ERROR from the client before any response → warning naming a malformed stream', () => {
    const [f] = byRule(analyzeLines([...clientPreface(), wrote('HEADERS flags=END_STREAM|END_HEADERS stream=1 len=10'), wrote('RST_STREAM stream=1 len=4 ErrCode=PROTOCOL_ERROR')]), 'stream-error');
    assert.match(f!.message, /^Stream 1: the client reset it with PROTOCOL_ERROR before any response: the request failed unanswered\./);
    assert.match(f!.message, /found this stream malformed/);
  });
});
