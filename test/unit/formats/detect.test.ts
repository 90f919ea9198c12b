/**
 * Content sniffing: every fixture is recognised by what it contains (its file name plays no part),
 * mixed files pick the format with the most frame lines and say so, and what is no known format
 * gets a clear error naming what was expected.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTextAsync } from '../../../server/src/core/analyzeAsync.ts';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { FORMATS, MIN_STRIDE, SAMPLE, STRIDE, StreamSniffer, detectBytes, detectText, frameLineCounts, strideFor, textSamples } from '../../../server/src/core/formats/detect.ts';
import fc from 'fast-check';
import { TEXT_PARSERS, CHUNK_PARSERS } from '../../../server/src/core/formats/registry.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyzeStream } from '../../../server/src/core/stream.ts';
import { FIXTURES, fixture } from './helpers.ts';

const CASES: Array<[string, string]> = [
  ['tshark/h2c/export.json.gz', 'tshark-json'],
  ['tshark/h2c/export.no-duplicate-keys.json.gz', 'tshark-json'],
  ['tshark/tls-hold/export-no-keys.json.gz', 'tshark-json'],
  ['tshark/h2c/export.ek.ndjson.gz', 'tshark-ek'],
  ['tshark/h2c/export.pdml.gz', 'tshark-pdml'],
  ['netlog/chrome-netlog.json', 'chrome-netlog'],
  ['netlog/chrome-netlog-truncated.json', 'chrome-netlog'],
  ['nghttp/nghttp-v-server-resets.log', 'nghttp-verbose'],
  ['nghttp/nghttpd-v-h2c.log', 'nghttp-verbose'],
  ['nghttp/nghttpd-ping-flood/server-output.log.gz', 'nghttp-verbose'],
  ['curl/curl-7.88-v.log', 'curl-verbose'],
  ['curl/curl-7.88-trace-ascii.txt', 'curl-verbose'],
  ['curl/curl-8-trace-config-HANDMADE.log', 'curl-verbose'],
  ['rust-h2/client.log', 'rust-h2'],
  ['rust-h2/client-ansi.log', 'rust-h2'],
  ['node/client.log', 'node-debug-http2'],
  ['node/server-native.log', 'node-debug-http2'],
  ['okhttp/okhttp-frames-HANDMADE.log', 'okhttp'],
  ['envoy/envoy-http2-trace-HANDMADE.log', 'envoy-http2'],
  ['tshark/tls-hold/client.log', 'go-http2debug'],
  ['netlog/go-server.log', 'go-http2debug'],
];

describe('format detection by content', () => {
  for (const [file, format] of CASES) {
    it(`${file} → ${format}`, () => {
      const text = fixture(file);
      const d = detectText(text);
      assert.ok('format' in d, JSON.stringify(d));
      assert.equal(d.format, format);
      assert.equal(detectBytes(Buffer.from(text.slice(0, 65536))), undefined, 'not taken for binary');
    });
  }

  it('every format has a whole-text and an incremental parser, and --format takes every name', () => {
    assert.deepEqual(Object.keys(TEXT_PARSERS).sort(), [...FORMATS].sort());
    assert.deepEqual(Object.keys(CHUNK_PARSERS).sort(), [...FORMATS].sort());
    for (const f of FORMATS) assert.deepEqual(detectText('anything', f), { format: f });
    const bad = detectText('x', 'pcap');
    assert.ok('error' in bad && FORMATS.every((f) => bad.error.includes(f)));
  });

  it('a log that starts with "[" is not taken for JSON when it has frame lines (nghttp, Envoy)', () => {
    assert.equal((detectText(fixture('nghttp/nghttp-v-server-resets.log')) as { format: string }).format, 'nghttp-verbose');
    assert.equal((detectText(fixture('envoy/envoy-http2-trace-HANDMADE.log')) as { format: string }).format, 'envoy-http2');
  });

  it('mixed formats: the one with the most frame lines, and a note naming both (it reaches the analysis notes)', () => {
    const go = fixture('tshark/tls-hold/client.log').split('\n').slice(0, 60).join('\n');
    const ng = fixture('nghttp/nghttp-v-fetch-assets.log');
    const mixed = `${ng}\n${go}\n`;
    const counts = frameLineCounts(mixed);
    assert.equal(counts.length, 2);
    const d = detectText(mixed);
    assert.ok('format' in d);
    assert.equal(d.format, counts[0]![0]);
    assert.match(d.notes![0]!, /mixes log formats/);
    assert.match(d.notes![0]!, /--format/);
    const a = analyzeText(mixed);
    assert.ok(a.notes.some((n) => /mixes log formats/.test(n)), a.notes.join(' | '));
  });

  it('mixed formats in a document big enough to be analysed in slices: the note reaches the analysis too', async () => {
    const go = fixture('tshark/tls-hold/client.log');
    const ng = fixture('nghttp/nghttp-v-fetch-assets.log').split('\n').slice(0, 40).join('\n');
    const mixed = `${go}\n${ng}\n${go.repeat(Math.ceil((1.5 * 1048576) / go.length))}`;
    const d = detectText(mixed);
    assert.ok('format' in d && d.format === 'go-http2debug' && d.notes?.length, JSON.stringify(d).slice(0, 200));
    const a = await analyzeTextAsync(mixed);
    assert.ok(a.notes.some((n) => /mixes log formats/.test(n)), a.notes.join(' | '));
  });

  it('XML that is not PDML, JSON that is no capture: clear errors naming what was expected', () => {
    const xml = detectText('<?xml version="1.0"?>\n<html><body/></html>');
    assert.ok('error' in xml && /pdml/.test(xml.error));
    const json = detectText('{"level":"info","msg":"hello"}\n');
    assert.ok('error' in json && /tshark/.test(json.error) && /NetLog/.test(json.error));
  });

  it('binary input is refused before sniffing', () => {
    const pcapng = detectBytes(Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, 1, 2, 3, 4]));
    assert.ok(pcapng && 'error' in pcapng && /tshark -T json/.test(pcapng.error));
    const d = detectText('\u0000\u0001binary');
    assert.ok('error' in d && /binary/.test(d.error));
  });
});

/**
 * Two real logs put together with `cat`: the start decides the format, and only sniffing the end of
 * the file can tell that another log follows. (The concatenations are made here; each part is real.)
 */
describe('a second log at the end of the file, or between two (files put together)', () => {
  const all = gunzipSync(readFileSync(join(FIXTURES, 'big-log/server.log.gz')));
  /** The first `bytes` of the real big log, cut at a line end. */
  const bigLogHead = (bytes: number): string => all.subarray(0, all.lastIndexOf(10, bytes) + 1).toString('utf8');
  const go = bigLogHead(1 << 20);
  /** The note `pick` finds in the analysis of `text` by the text, slice and byte-stream paths: the same by each. */
  const sameNoteByEveryPath = async (text: string, chunk: number, pick: (a: { format?: string; notes: string[] }) => string): Promise<void> => {
    const inText = pick(analyzeText(text));
    assert.equal(pick(await analyzeTextAsync(text)), inText);
    const bytes = Buffer.from(text, 'utf8');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    }
    // As from a plain file, whose length is known before it is read (what spaces the windows).
    assert.equal(pick(await analyzeStream(chunks(), { length: bytes.length })), inText);
  };
  const cases: Array<[string, string, string, string]> = [
    ['Go log, then nghttp -v', go + fixture('nghttp/nghttp-v-fetch-assets.log'), 'go-http2debug', 'nghttp-verbose'],
    ['Go log, then a tshark -T ek export', go + fixture('tshark/h2c/export.ek.ndjson.gz'), 'go-http2debug', 'tshark-ek'],
    ['tshark -T json export, then a Go log', fixture('tshark/h2c/export.json.gz') + go, 'tshark-json', 'go-http2debug'],
  ];
  for (const [what, text, first, second] of cases) {
    it(`${what}: read as the first, with a note naming the second (text, slices and byte stream)`, async () => {
      const notes = (a: { format?: string; notes: string[] }): string => {
        assert.equal(a.format, first);
        const note = a.notes.find((n) => /^The end of this file /.test(n));
        assert.ok(note, a.notes.join(' | '));
        assert.ok(note.includes(`--format ${second}`), note);
        return note;
      };
      // Chunks smaller than the sample: the end is gathered across them.
      await sameNoteByEveryPath(text, 40_000, notes);
    });
  }

  it('Go log, nghttp -v, Go log (cat a b c): the nghttp part, 8 MB in, gets a note (text, slices and byte stream)', async () => {
    const nghttp = fixture('nghttp/nghttp-v-fetch-assets.log');
    // The window sniffed at 8 MB falls in the nghttp part; the end of the file is Go again.
    const text = bigLogHead((8 << 20) - 4096) + nghttp + go;
    const note = (a: { format?: string; notes: string[] }): string => {
      assert.equal(a.format, 'go-http2debug');
      assert.ok(!a.notes.some((n) => /^The end of this file /.test(n)), a.notes.join(' | '));
      const found = a.notes.find((n) => /^Part of this file, about 8 MB in, (is|also holds) nghttp \/ nghttpd -v output \(\d+ frames in 64 KB there\)/.test(n));
      assert.ok(found?.includes('--format nghttp-verbose'), a.notes.join(' | '));
      return found!;
    };
    await sameNoteByEveryPath(text, 262_144, note);
  });

  it('Go log, nghttp -v, Go log: the nghttp part, 3 MB into 12 MB, gets a note (windows 1 MB apart); a stream of unknown length (gzip) spaces them 8 MB', async () => {
    const nghttp = fixture('nghttp/nghttp-v-fetch-assets.log');
    const text = bigLogHead((3 << 20) - 4096) + nghttp + bigLogHead(9 << 20);
    assert.equal(strideFor(Buffer.byteLength(text)), MIN_STRIDE);
    const note = (a: { format?: string; notes: string[] }): string => {
      assert.equal(a.format, 'go-http2debug');
      const found = a.notes.find((n) => /^Part of this file, about 3 MB in, (is|also holds) nghttp \/ nghttpd -v output \(\d+ frames in 64 KB there\)/.test(n));
      assert.ok(found?.includes('--format nghttp-verbose'), a.notes.join(' | '));
      return found!;
    };
    await sameNoteByEveryPath(text, 262_144, note);
    // The limit: without the length, windows are 8 MB apart, and the one at 8 MB is in the Go log after it.
    async function* unknownLength(): AsyncGenerator<Uint8Array> { yield Buffer.from(text, 'utf8'); }
    assert.ok(!(await analyzeStream(unknownLength())).notes.some((n) => /^(Part|The end) of this file/.test(n)));
  });

  it('the windows: 64 spread over the file, 1 MB to 8 MB apart, on whole samples', () => {
    assert.equal(strideFor(undefined), STRIDE);
    assert.equal(strideFor(0), MIN_STRIDE);
    assert.equal(strideFor(64 << 20), MIN_STRIDE);
    assert.equal(strideFor(254_012_664), 61 * SAMPLE); // the bench log: 63 windows, just under 4 MB apart
    assert.equal(strideFor(4 * 2 ** 30), STRIDE);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (length) => {
      const stride = strideFor(length);
      assert.ok(stride >= MIN_STRIDE && stride <= STRIDE && stride % SAMPLE === 0);
      if (stride < STRIDE) assert.ok(Math.floor(length / stride) <= 64, `${Math.floor(length / stride)} windows`);
    }));
  });

  it('the byte stream samples what the text samples, however the stream is cut (fast-check)', () => {
    // Real parts: Go, nghttp, Go, curl, Go; windows every 100,000 bytes (so several fall in each part).
    const text = go.slice(0, 150_000) + fixture('nghttp/nghttp-v-fetch-assets.log') + go.slice(150_000, 400_000) + fixture('curl/curl-7.88-v.log') + go.slice(400_000);
    const bytes = Buffer.from(text, 'utf8');
    assert.equal(bytes.length, text.length, 'ASCII: windows at the same offsets in both');
    const stride = 100_000;
    const inText = textSamples('go-http2debug', text, stride);
    assert.ok(inText.middle(), 'some window holds another format');
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 * SAMPLE }), { minLength: 1, maxLength: 40 }), (sizes) => {
      const sniffer = new StreamSniffer('go-http2debug', stride);
      for (let i = 0, k = 0; i < bytes.length; k++) {
        const n = sizes[k % sizes.length]!;
        sniffer.push(bytes.subarray(i, i + n));
        i += n;
      }
      assert.equal(sniffer.bytes, bytes.length);
      assert.equal(sniffer.middle(), inText.middle());
      assert.equal(sniffer.tail(), inText.tail());
    }), { numRuns: 60 });
  });

  it('no such note on any single real log or export, nor when the format was chosen', async () => {
    const mixNote = /^(The end of this file|Part of this file) /;
    for (const [file] of CASES) {
      const a = analyzeText(fixture(file));
      assert.ok(!a.notes.some((n) => mixNote.test(n)), `${file}: ${a.notes.join(' | ')}`);
    }
    assert.ok(!analyzeText(go).notes.some((n) => mixNote.test(n)));
    // 20 MB of one real log: two windows between its start and its end.
    const long = bigLogHead(20 << 20);
    assert.ok(!analyzeText(long).notes.some((n) => mixNote.test(n)));
    async function* chunks(): AsyncGenerator<Uint8Array> { yield Buffer.from(long, 'utf8'); }
    assert.ok(!(await analyzeStream(chunks())).notes.some((n) => mixNote.test(n)));
    const chosen = analyzeText(cases[0]![1], { format: 'go-http2debug' });
    assert.ok(!chosen.notes.some((n) => mixNote.test(n)));
  });
});
