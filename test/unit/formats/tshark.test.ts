/**
 * tshark exports (-T json with duplicate keys, --no-duplicate-keys, -T ek, -T pdml) of two real
 * captures, checked against tshark's own per-frame table (http2-frames.tsv), the capture's
 * truth.json and the Go programs' own logs of the same connection; the rules find the same
 * cancelled-response streams on every export as on the Go logs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { detectText } from '../../../server/src/core/formats/detect.ts';
import { parseGoHttp2debug } from '../../../server/src/core/formats/goHttp2debug.ts';
import { createTsharkEkParser, parseTsharkEk } from '../../../server/src/core/formats/tsharkEk.ts';
import { createTsharkJsonParser, parseTsharkJson } from '../../../server/src/core/formats/tsharkJson.ts';
import { createTsharkPdmlParser, decodeEntities, parseTsharkPdml } from '../../../server/src/core/formats/tsharkPdml.ts';
import type { FrameEvent, ParsedLog } from '../../../server/src/core/model/frame.ts';
import { buildTrace } from '../../../server/src/core/model/trace.ts';
import { assertWellFormed, byDirection, fixture, fixtureJson, shape } from './helpers.ts';

interface Export { name: string; file: string; format: string; parse: (t: string) => ParsedLog }

function exportsOf(dir: string): Export[] {
  return [
    { name: 'json (duplicate keys)', file: `${dir}/export.json.gz`, format: 'tshark-json', parse: parseTsharkJson },
    { name: 'json --no-duplicate-keys', file: `${dir}/export.no-duplicate-keys.json.gz`, format: 'tshark-json', parse: parseTsharkJson },
    { name: 'ek', file: `${dir}/export.ek.ndjson.gz`, format: 'tshark-ek', parse: parseTsharkEk },
    { name: 'pdml', file: `${dir}/export.pdml.gz`, format: 'tshark-pdml', parse: parseTsharkPdml },
  ];
}

/** tshark's own table → one row per HTTP/2 frame: sender port, stream, type, flags, length, error. */
function tsharkTable(rel: string): Array<{ port: number; stream: number; type: number; flags: number; length: number; error?: number }> {
  const [head, ...rows] = fixture(rel).trimEnd().split('\n').map((l) => l.split('\t'));
  const col = (name: string): number => head!.indexOf(name);
  const out: Array<{ port: number; stream: number; type: number; flags: number; length: number; error?: number }> = [];
  for (const r of rows) {
    const streams = r[col('http2.streamid')]!.split(' ');
    const types = r[col('http2.type')]!.split(' ');
    const flags = r[col('http2.flags')]!.split(' ');
    const lengths = r[col('http2.length')]!.split(' ');
    const errors = (r[col('http2.rst_stream.error')] ?? '').split(' ').filter(Boolean);
    let e = 0;
    for (let k = 0; k < types.length; k++) {
      const row = { port: Number(r[col('tcp.srcport')]), stream: Number(streams[k]), type: Number(types[k]), flags: parseInt(flags[k]!, 16), length: Number(lengths[k]) };
      out.push(row.type === 3 ? { ...row, error: Number(errors[e++]) } : row);
    }
  }
  return out;
}

function tableShape(rel: string): string[] {
  const rows = tsharkTable(rel);
  const client = rows[0]!.port; // the client's preface SETTINGS is the first frame of a capture
  const names = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
  return rows.map((r) => `${r.port === client ? 'sent' : 'received'} ${names[r.type]} s${r.stream} f${r.flags} l${r.length}${r.error !== undefined ? ` e${r.error}` : ''}`);
}

const cancelled = (text: string): number[] => {
  const a = analyzeText(text);
  assert.equal(a.error, undefined);
  return a.findings.filter((f) => f.rule === 'cancelled-response').map((f) => f.stream!).sort((x, y) => x - y);
};

/** Request :path and response :status per stream, from any parsed log. */
function pseudo(frames: Iterable<FrameEvent>): Map<number, string> {
  const out = new Map<number, string>();
  for (const f of frames) {
    if (f.type !== 1 || !f.headers) continue;
    const path = f.headers.find((h) => h.name === ':path')?.value;
    const status = f.headers.find((h) => h.name === ':status')?.value;
    const prev = out.get(f.streamId) ?? '';
    if (path) out.set(f.streamId, `${path}${prev}`);
    if (status) out.set(f.streamId, `${prev} ${status}`);
  }
  return out;
}

for (const dir of ['tshark/h2c', 'tshark/tls-hold']) {
  describe(`tshark exports of ${dir}`, () => {
    const table = tableShape(`${dir}/http2-frames.tsv`);
    const goClient = parseGoHttp2debug(fixture(`${dir}/client.log`));

    for (const ex of exportsOf(dir)) {
      describe(ex.name, () => {
        const text = fixture(ex.file);
        const parsed = ex.parse(text);

        it('is detected by its content', () => {
          const d = detectText(text);
          assert.ok('format' in d && d.format === ex.format, JSON.stringify(d));
        });

        it('has exactly tshark\'s own frames, in order (type, direction, stream, flags, length, error code)', () => {
          assertWellFormed(parsed, text);
          assert.deepEqual(shape(parsed.frames), table);
        });

        it('has the Go client\'s own frame counts, by direction and type', () => {
          assert.deepEqual(byDirection(parsed.frames), byDirection(goClient.frames));
        });

        it('one connection, the client\'s side, named by tcp.stream, with times from frame.time_epoch', () => {
          assert.deepEqual([...parsed.connections.keys()], ['tcp.stream 0']);
          const c = parsed.connections.get('tcp.stream 0')!;
          assert.equal(c.role, 'client');
          assert.match(c.peer!, /^127\.0\.0\.1:359\d\d$/);
          const t0 = parsed.frames.get(0)!.time!;
          assert.ok(t0 > Date.UTC(2026, 0, 1) && t0 < Date.UTC(2027, 0, 1), String(t0));
          for (let i = 1; i < parsed.frames.length; i++) assert.ok(parsed.frames.get(i)!.time! >= parsed.frames.get(i - 1)!.time!);
        });

        it('the same streams, :path and :status as the Go client\'s log', () => {
          const trace = buildTrace(parsed);
          const streams = [...trace.connections[0]!.streams.keys()].sort((a, b) => a - b);
          const goStreams = [...buildTrace(goClient).connections[0]!.streams.keys()].sort((a, b) => a - b);
          assert.deepEqual(streams, goStreams);
          assert.deepEqual(pseudo(parsed.frames), pseudo(goClient.frames));
        });

        it('puts each frame on the line where its object starts', () => {
          const lines = text.split('\n');
          for (const f of parsed.frames) {
            const at = lines[f.line]!.slice(f.startChar);
            if (ex.format === 'tshark-pdml') assert.ok(at.startsWith('<field name="http2.stream"'), at.slice(0, 40));
            else if (ex.format === 'tshark-ek') assert.ok(at.startsWith('{"http2_http2_stream"') || at.startsWith('"http2"'), at.slice(0, 40));
            else assert.ok(at.startsWith('"http2.stream"') || at.startsWith('{'), at.slice(0, 40));
          }
        });

        it('reads the same when fed in small chunks (the streaming path)', () => {
          const p = ex.format === 'tshark-pdml' ? createTsharkPdmlParser() : ex.format === 'tshark-ek' ? createTsharkEkParser() : createTsharkJsonParser();
          for (let i = 0; i < text.length; i += 4093) p.write(text.slice(i, i + 4093));
          const chunked = p.finish();
          assert.deepEqual(shape(chunked.frames), shape(parsed.frames));
          assert.equal(chunked.lineCount, parsed.lineCount);
        });
      });
    }
  });
}

describe('the rules on the exports find what they find on the Go logs of the same traffic', () => {
  it('tls-hold: cancelled-response on the same 20 streams in all four exports and both Go logs, as tshark\'s table says', () => {
    const truth = fixtureJson<{ expected: Array<{ finding: string; streams: number[] }> }>('tshark/tls-hold/truth.json');
    const expected = truth.expected.find((e) => e.finding === 'cancelled-response')!.streams;
    assert.equal(expected.length, 20);
    assert.deepEqual(cancelled(fixture('tshark/tls-hold/client.log')), expected);
    assert.deepEqual(cancelled(fixture('tshark/tls-hold/server.log')), expected);
    for (const ex of exportsOf('tshark/tls-hold')) assert.deepEqual(cancelled(fixture(ex.file)), expected, ex.name);
  });

  it('h2c: every response ended before Close() — no cancelled-response on the exports, none on the Go logs (truth: 0 resets)', () => {
    const truth = fixtureJson<{ runs: Array<{ expected: Array<{ finding: string; count: number }> }> }>('tshark/h2c/truth.json');
    assert.equal(truth.runs[0]!.expected.find((e) => e.finding === 'client-rst-stream-cancel')!.count, 0);
    assert.deepEqual(cancelled(fixture('tshark/h2c/client.log')), []);
    assert.deepEqual(cancelled(fixture('tshark/h2c/server.log')), []);
    for (const ex of exportsOf('tshark/h2c')) assert.deepEqual(cancelled(fixture(ex.file)), [], ex.name);
  });

  it('h2c: the counts of the capture\'s truth.json (client_frames written/read)', () => {
    const truth = fixtureJson<{ runs: Array<{ client_frames: { written: Record<string, number>; read: Record<string, number> } }> }>('tshark/h2c/truth.json');
    const parsed = parseTsharkJson(fixture('tshark/h2c/export.json.gz'));
    assert.deepEqual(byDirection(parsed.frames), { sent: truth.runs[0]!.client_frames.written, received: truth.runs[0]!.client_frames.read });
  });
});

describe('tshark exports: bad and partial input', () => {
  const full = fixture('tshark/tls-hold/export.json.gz');
  const all = parseTsharkJson(full);

  it('a JSON export cut at any point: the frames of the complete packets before the cut, and a note', () => {
    const step = Math.floor(full.length / 97);
    for (let cut = 1; cut < full.length; cut += step) {
      const p = parseTsharkJson(full.slice(0, cut));
      assertWellFormed(p, full.slice(0, cut));
      assert.deepEqual(shape(p.frames), shape(all.frames).slice(0, p.frames.length), `cut ${cut}`);
      assert.ok(p.notes.some((n) => /truncated/.test(n)), `cut ${cut}: ${p.notes.join(' | ')}`);
    }
  });

  it('EK and PDML cut mid-record say so too', () => {
    const ek = fixture('tshark/tls-hold/export.ek.ndjson.gz');
    const ekCut = parseTsharkEk(ek.slice(0, Math.floor(ek.length / 2)));
    assert.ok(ekCut.frames.length > 0 && ekCut.notes.some((n) => /truncated/.test(n)));
    const pdml = fixture('tshark/tls-hold/export.pdml.gz');
    const pdmlCut = parseTsharkPdml(pdml.slice(0, Math.floor(pdml.length / 2)));
    assert.ok(pdmlCut.frames.length > 0 && pdmlCut.notes.some((n) => /truncated/.test(n)));
  });

  it('malformed JSON: the place, and the frames before it', () => {
    const at = full.indexOf('"http2.stream"', full.length / 2);
    const bad = `${full.slice(0, at)}"http2.stream" ! ${full.slice(at + 16)}`;
    const p = parseTsharkJson(bad);
    assert.ok(p.frames.length > 0 && p.frames.length < all.frames.length);
    assert.ok(p.notes.some((n) => /malformed at line \d+, column \d+/.test(n)), p.notes.join(' | '));
  });

  it('the TLS capture exported without its key log: no frames, and a note on how to give tshark the keys', () => {
    const noKeys = fixture('tshark/tls-hold/export-no-keys.json.gz');
    const p = parseTsharkJson(noKeys);
    assert.equal(p.frames.length, 0);
    assert.ok(p.notes.some((n) => /TLS/.test(n) && /tls\.keylog_file/.test(n)), p.notes.join(' | '));
  });

  it('JSON that is not a capture: a clear detection error, and a note when the format is forced', () => {
    for (const text of ['{"a": 1}', '[1, 2, 3]', '[{"_index": "x", "layers": 1}]', '{"events": []}']) {
      const d = detectText(text);
      assert.ok('error' in d && /tshark/.test(d.error) && /NetLog/.test(d.error), `${text}: ${JSON.stringify(d)}`);
    }
    const forced = analyzeText('[{"a": 1}, {"b": 2}]', { format: 'tshark-json' });
    assert.equal(forced.error, undefined);
    assert.ok(forced.notes.some((n) => /not a tshark\/Wireshark packet export/.test(n)));
    const ekForced = parseTsharkEk('{"a": 1}\n{"b": 2}\n');
    assert.ok(ekForced.notes.some((n) => /not a tshark -T ek export/.test(n)));
    const pdmlForced = parseTsharkPdml('<html><body>hi</body></html>');
    assert.ok(pdmlForced.notes.some((n) => /not a tshark -T pdml export/.test(n)));
  });

  it('binary and NUL-laden input never throws', () => {
    for (const text of ['\u0000\u0001\u0002{', '[{"_source": {"layers": {"http2": {"http2.type": "\u0000"}}}}]', '<pdml><packet><proto name="http2"><field name="http2.stream"><field name="http2.type" show="999"/></field></proto></packet>']) {
      for (const parse of [parseTsharkJson, parseTsharkEk, parseTsharkPdml]) assertWellFormed(parse(text), text);
    }
  });
});

describe('PDML attribute entities (hand-made)', () => {
  it('decodes entities of up to 10 characters to their `;`, and keeps a bare `&` as it is', () => {
    assert.equal(decodeEntities('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;'), 'a <b> & "c" \'d\' AB');
    // The `;` of `&#x010FFFF;` is 10 characters after the `&`: decoded; one more and it is text.
    assert.equal(decodeEntities('&#x010FFFF;'), String.fromCodePoint(0x10ffff));
    assert.equal(decodeEntities('&#x0010FFFF;'), '&#x0010FFFF;');
    assert.equal(decodeEntities('AT&T; a & b;'), 'AT&T; a & b;');
    assert.equal(decodeEntities(`x&${'y'.repeat(100_000)};`), `x&${'y'.repeat(100_000)};`);
  });
});
