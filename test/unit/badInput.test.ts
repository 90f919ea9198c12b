/**
 * Bad input: files people open by mistake, empty or truncated logs, huge lines. analyzeText must
 * answer with an `error` or a note, never throw. (Speed is checked by linear scaling in
 * fuzz.test.ts, not by wall-clock limits here.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Analysis } from '../../server/src/core/analyze.ts';
import { analyzeText } from '../../server/src/core/analyze.ts';
import type { Detection } from '../../server/src/core/formats/detect.ts';
import { detectBytes, detectText } from '../../server/src/core/formats/detect.ts';
import { GoByteFeeder, MAX_LINE_BYTES } from '../../server/src/core/formats/goHttp2debug.ts';
import { MAX_LINE_CHARS } from '../../server/src/core/formats/incremental.ts';
import { CHUNK_PARSERS } from '../../server/src/core/formats/registry.ts';
import { fixture } from './helpers.ts';

/** The contract: no throw, and either an error or (when parsed) a trace with notes if nothing was found. */
function check(text: string): Analysis {
  const a = analyzeText(text);
  assert.ok(Array.isArray(a.findings));
  assert.ok(Array.isArray(a.notes));
  if (a.error !== undefined) {
    assert.equal(typeof a.error, 'string');
    assert.ok(a.error.length > 0);
    assert.deepEqual(a.findings, []);
  } else {
    assert.ok(a.trace);
    // Go logs get the generic how-to; other formats' parsers say themselves why nothing was found.
    if (a.trace.frames.length === 0) assert.ok(a.format === 'go-http2debug' ? a.notes.some((n) => /No HTTP\/2 frame found/.test(n)) : a.notes.length > 0, 'a note says nothing was found');
  }
  return a;
}

/** The error of a detection, or undefined. */
const errorOf = (d: Detection | undefined): string | undefined => (d && 'error' in d ? d.error : undefined);

const bytesToLatin = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('bad input never throws', () => {
  it('empty string', () => {
    assert.match(check('').error!, /empty/);
  });

  it('whitespace only (spaces, tabs, newlines, BOM)', () => {
    assert.match(check(' \t\r\n\n   \n').error!, /empty/);
    assert.match(check('\ufeff\n').error!, /empty/);
  });

  it('random binary with NUL bytes (as text, and through detectBytes)', () => {
    const bytes = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    bytes[100] = 0;
    assert.match(errorOf(detectBytes(bytes))!, /binary/);
    assert.match(check(Buffer.from(bytes).toString('utf8')).error!, /binary/);
    assert.match(check(bytesToLatin(bytes)).error!, /binary/);
  });

  it('control characters without NUL: detectBytes calls it binary, analyzeText does not throw', () => {
    const bytes = new Uint8Array(1000).fill(1);
    assert.match(errorOf(detectBytes(bytes))!, /binary/);
    check(bytesToLatin(bytes));
  });

  it('gzip magic → "gzip-compressed" (detectBytes), and its text does not throw', () => {
    const gz = gzipSync(Buffer.from(fixture('go-drained-body/go1.24-std-drained/client.log')));
    assert.match(errorOf(detectBytes(gz))!, /gzip/);
    check(gz.toString('utf8'));
    check(gz.toString('latin1'));
  });

  it('pcap magic (both byte orders, and nanosecond pcap) → "pcap capture"', () => {
    for (const magic of [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1]]) {
      const b = new Uint8Array([...magic, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
      assert.match(errorOf(detectBytes(b))!, /pcap capture/);
      check(bytesToLatin(b));
    }
  });

  it('pcapng magic → "pcapng capture"', () => {
    const b = new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0]);
    assert.match(errorOf(detectBytes(b))!, /pcapng/);
    check(bytesToLatin(b));
  });

  it('detectBytes: empty is an error, a real text log passes', () => {
    assert.match(errorOf(detectBytes(new Uint8Array(0)))!, /empty/);
    assert.equal(detectBytes(Buffer.from(fixture('go-drained-body/go1.24-std-drained/client.log'))), undefined);
  });

  it('a JSON document and a JSON array → JSON error', () => {
    assert.match(check('{"a":1}').error!, /JSON/);
    assert.match(check('  [1, 2, {"b": null}]\n').error!, /JSON/);
  });

  it('a truncated NetLog skeleton and an empty PDML are recognised, with a note and no frame', () => {
    // hand-made: the opening of a NetLog export cut short, and a PDML document with one empty packet
    const netlog = check('{"constants": {}, "events": [\n{"time": "1"},\n');
    assert.equal(netlog.error, undefined);
    assert.equal(netlog.format, 'chrome-netlog');
    assert.equal(netlog.trace?.frames.length, 0);
    assert.ok(netlog.notes.length > 0);
    const pdml = check('<?xml version="1.0"?>\n<pdml><packet></packet></pdml>\n');
    assert.equal(pdml.error, undefined);
    assert.equal(pdml.format, 'tshark-pdml');
    assert.equal(pdml.trace?.frames.length, 0);
    assert.ok(pdml.notes.length > 0);
  });

  it('an XML file that is not PDML → XML error', () => {
    assert.match(check('<?xml version="1.0"?>\n<html><body>hello</body></html>\n').error!, /XML|not/);
  });

  it('a forced unknown format → error; a forced known one parses', () => {
    assert.match(analyzeText('x', { format: 'nope' }).error!, /unknown format/);
    assert.equal(analyzeText('{"a":1}', { format: 'go-http2debug' }).error, undefined);
  });

  it('plain text without any HTTP/2 line → a note, no error', () => {
    const a = check('hello\nworld\n');
    assert.equal(a.error, undefined);
    assert.equal(a.trace!.frames.length, 0);
  });

  it('a 50 MB single line with no newline and no "http2:"', () => {
    const a = check('x'.repeat(50 * 1024 * 1024));
    assert.equal(a.trace!.lineCount, 1);
    assert.equal(a.trace!.frames.length, 0);
  });

  it('a 50 MB unterminated DATA line: one frame, preview capped at Go\'s 256 bytes', () => {
    const a = check(`http2: Framer 0xc0: wrote DATA stream=1 len=5 data="${'x'.repeat(50 * 1024 * 1024)}`);
    assert.equal(a.trace!.frames.length, 1);
    const f = a.trace!.frames.get(0)!;
    assert.equal(f.length, 5);
    assert.ok(f.dataPreview!.length <= 256);
  });

  it('a 50 MB line of repeated "http2: " tags and quotes', () => {
    check('http2: "\\'.repeat(5 * 1024 * 1024));
  });

  it('a truncated log (a real fixture cut in the middle of a line)', () => {
    const text = fixture('go-undrained-body/go1.24-std-empty/client.log');
    const full = check(text);
    for (const cut of [text.indexOf('wrote RST_STREAM') + 12, text.indexOf('ping="') + 9, Math.floor(text.length / 2), text.length - 7]) {
      const a = check(text.slice(0, cut));
      assert.equal(a.error, undefined);
      assert.ok(a.trace!.frames.length <= full.trace!.frames.length);
    }
    // Cut inside the first line: no frame yet.
    check(text.slice(0, 30));
  });

  it('a log whose first 64 KiB are application noise still parses', () => {
    const noise = 'INFO starting worker pool\n'.repeat(4000);
    const a = check(noise + fixture('go-drained-body/go1.24-std-drained/client.log'));
    assert.equal(a.trace!.frames.length, 166);
    assert.ok('format' in detectText(noise));
  });

  it('lone surrogates, NUL after 64 KiB, and mixed line endings', () => {
    check('http2: Framer 0xc0: wrote DATA stream=1 len=1 data="\ud800"\n\ud800\udc00\udfff');
    check('a\n'.repeat(40000) + '\u0000' + '\r\r\n\n\r');
  });
});

/**
 * Lines too long to be any format's line (hand-made giant lines put into real logs): the incremental
 * readers pass over them without keeping them, count them as lines, and say so when one had the Go
 * tag; the rest of the log reads as if they were short lines.
 */
describe('giant lines in the incremental readers', () => {
  const CHUNK = 1 << 18;
  const realLines = fixture('go-undrained-body/go1.24-std-empty/client.log').split('\n');
  const mid = realLines.length >> 1;
  const withLines = (inserted: Buffer[]): Buffer => Buffer.concat([
    Buffer.from(realLines.slice(0, mid).join('\n') + '\n'),
    ...inserted.flatMap((b) => [b, Buffer.from('\n')]),
    Buffer.from(realLines.slice(mid).join('\n')),
  ]);

  it('Go byte feeder: a 70 MB tagged line and a 1 MB untagged one, then a 10 MB untagged one; what it holds stays bounded', () => {
    const tagged = Buffer.concat([Buffer.from('2025/01/01 00:00:00.000000 http2: Framer 0xc000: wrote DATA stream=1 len=5 data="'), Buffer.alloc(70 << 20, 120), Buffer.from('"')]);
    const untagged = Buffer.alloc(1 << 20, 121);
    const feed = (bytes: Buffer): { parsed: ReturnType<GoByteFeeder['finish']>; held: number } => {
      const feeder = new GoByteFeeder();
      let held = 0;
      for (let i = 0; i < bytes.length; i += CHUNK) {
        feeder.write(bytes.subarray(i, i + CHUNK));
        held = Math.max(held, (feeder as unknown as { carryBytes: number }).carryBytes);
      }
      return { parsed: feeder.finish(), held };
    };
    const giant = feed(withLines([tagged, untagged]));
    const short = feed(withLines([Buffer.from('a'), Buffer.from('b')]));
    assert.ok(giant.held <= MAX_LINE_BYTES + CHUNK, `held ${giant.held}`);
    // Without the tag in its first 64 KB, a line is dropped at once.
    const noTag = feed(withLines([Buffer.alloc(10 << 20, 121)]));
    assert.ok(noTag.held < (1 << 20), `held ${noTag.held}`);
    assert.equal(noTag.parsed.frames.length, short.parsed.frames.length);
    assert.deepEqual(noTag.parsed.notes, short.parsed.notes);
    assert.equal(giant.parsed.lineCount, short.parsed.lineCount);
    assert.equal(giant.parsed.frames.length, short.parsed.frames.length);
    for (let i = 0; i < short.parsed.frames.length; i++) assert.equal(giant.parsed.frames.lineOf(i), short.parsed.frames.lineOf(i));
    assert.deepEqual(giant.parsed.notes, [...short.parsed.notes, `Line ${mid + 1} is longer than 64 MB, which no Go http2debug line is: it was passed over, not read.`]);
  });

  it('text line splitter (nghttp -v): a line of 70 M characters is passed over with a note', () => {
    const lines = fixture('nghttp/nghttp-v-fetch-assets.log').split('\n');
    const at = lines.length >> 1;
    const read = (inserted: string): ReturnType<ReturnType<(typeof CHUNK_PARSERS)[string]>['finish']> => {
      const parser = CHUNK_PARSERS['nghttp-verbose']!();
      const text = [...lines.slice(0, at), inserted, ...lines.slice(at)].join('\n');
      for (let i = 0; i < text.length; i += CHUNK) parser.write(text.slice(i, i + CHUNK));
      return parser.finish();
    };
    const giant = read('z'.repeat(MAX_LINE_CHARS + (6 << 20)));
    const short = read('z');
    assert.equal(giant.lineCount, short.lineCount);
    assert.equal(giant.frames.length, short.frames.length);
    assert.deepEqual(giant.notes, [...short.notes, `Line ${at + 1} is longer than 64 M characters, which no line of this format is: it was passed over, not read.`]);
  });
});
