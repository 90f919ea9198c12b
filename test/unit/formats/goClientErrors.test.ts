/**
 * An application's own log, without GODEBUG=http2debug, from a Go client whose server closed its
 * connections with GOAWAY ENHANCE_YOUR_CALM (real: fixtures/go-app-errors/record.sh; the server is Go's,
 * cutting a client that cancels its requests right after sending them). It has no frame, but its
 * `http2: server sent GOAWAY and closed the connection; …` errors say what happened: the note on the
 * log without frames names them. Expected numbers come from the client's record (truth.json) and the
 * raw lines, not from h2lens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { analyzeStream } from '../../../server/src/core/stream.ts';
import { fixture, fixtureJson } from '../helpers.ts';

interface Truth { failed: number; goawayErrors: number; goawayErrCodes: Record<string, number> }

describe('Go HTTP/2 client errors in an application log without frames (real: go-app-errors)', () => {
  for (const format of ['text', 'json'] as const) {
    it(`${format} log: the note on the missing frames names the GOAWAY ENHANCE_YOUR_CALM errors, the first one's line, and what to do`, async () => {
      const truth = fixtureJson<Truth>(`go-app-errors/${format}/truth.json`);
      assert.deepEqual(truth.goawayErrCodes, { ENHANCE_YOUR_CALM: truth.goawayErrors });
      const log = fixture(`go-app-errors/${format}/client.log`);
      const lines = log.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, truth.failed, 'one line per failed request');
      const first = lines.findIndex((l) => l.includes('http2: server sent GOAWAY and closed the connection;')) + 1;
      assert.ok(first > 1);
      const a = analyzeText(log);
      assert.equal(a.trace!.frames.length, 0);
      const expected = `No HTTP/2 frame found in ${lines.length} lines, but ${truth.goawayErrors} of them are Go's HTTP/2 client error "server sent GOAWAY and closed the connection" (first at line ${first}): ErrCode=ENHANCE_YOUR_CALM in all ${truth.goawayErrors}. ENHANCE_YOUR_CALM is a server's flood defence`;
      // The last note is what the CLI exits with and the editor shows.
      const last = a.notes[a.notes.length - 1]!;
      assert.ok(last.startsWith(expected), last);
      assert.match(last, /CVE-2023-44487/);
      assert.match(last, /h2lens check/);
      assert.match(last, /GODEBUG=http2debug=2/);
      assert.equal(a.notes.filter((n) => n.startsWith('No HTTP/2 frame found')).length, 1, 'one note on the missing frames');
      // The byte stream (CLI, Analyse from disk) says the same.
      async function* chunks(): AsyncGenerator<Uint8Array> { yield Buffer.from(log); }
      const s = await analyzeStream(chunks());
      assert.equal(s.notes[s.notes.length - 1], last);
    });
  }

  it('several error codes are counted apart, the most frequent explained (hand-made lines in Go\'s error format)', () => {
    const err = (code: string, last: number) => `2026/11/25 09:00:00 request failed: Get "https://api.example/v1": http2: server sent GOAWAY and closed the connection; LastStreamID=${last}, ErrCode=${code}, debug=""`;
    const a = analyzeText([err('NO_ERROR', 1999), 'retrying', err('NO_ERROR', 3999), err('PROTOCOL_ERROR', 5)].join('\n') + '\n');
    const last = a.notes[a.notes.length - 1]!;
    assert.ok(last.startsWith('No HTTP/2 frame found in 4 lines, but 3 of them are Go\'s HTTP/2 client error "server sent GOAWAY and closed the connection" (first at line 1): ErrCode=NO_ERROR ×2, ErrCode=PROTOCOL_ERROR ×1. NO_ERROR is a graceful close'), last);
  });

  it('a log with frames gets no such note (its GOAWAY frames tell the story)', () => {
    const log = fixture('go-undrained-body/go1.24-std-undrained/client.log') + `2026/11/25 09:00:00 request failed: http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=ENHANCE_YOUR_CALM, debug=""\n`;
    assert.ok(!analyzeText(log).notes.some((n) => n.startsWith('No HTTP/2 frame found')));
  });
});
