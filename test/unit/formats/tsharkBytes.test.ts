/**
 * The byte path of the tshark JSON parser (JsonByteTokenizer + trimmed layers, what big files from
 * disk go through) must give exactly what the text reference gives (the text tokenizer on the UTF-8
 * decoding, whole layers built), like goBytes.test.ts does for the Go parser: on every real tshark
 * JSON export of the fixtures, whole and in chunks, and on fuzzed input (random edits, non-ASCII and
 * invalid UTF-8, escapes, truncation, any chunking). The tokenizers are also compared event by event.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readsBytes } from '../../../server/src/core/formats/byteChunk.ts';
import { JsonByteTokenizer } from '../../../server/src/core/formats/jsonBytes.ts';
import type { JNode } from '../../../server/src/core/formats/jsonTokenizer.ts';
import { JArr, JObj, JsonTokenizer, TreeBuilder } from '../../../server/src/core/formats/jsonTokenizer.ts';
import { CHUNK_PARSERS } from '../../../server/src/core/formats/registry.ts';
import { createTsharkEkParser } from '../../../server/src/core/formats/tsharkEk.ts';
import { createTsharkJsonParser, parseTsharkJson, parseTsharkJsonBytes } from '../../../server/src/core/formats/tsharkJson.ts';
import { analyzeStream } from '../../../server/src/core/stream.ts';
import { analyzeText } from '../../../server/src/core/analyze.ts';
import { FIXTURES, assertLinear } from './helpers.ts';

const SEED = 0x7e5a;

/** Every tshark JSON export of the fixtures (EK and PDML have their own parsers). */
function exports(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      if (/\.json(\.gz)?$/.test(name) && !/truth/.test(name) && p.includes('tshark')) out.push(relative(FIXTURES, p));
    }
  };
  walk(FIXTURES);
  return out.sort();
}
const bytesOf = (rel: string): Buffer => {
  const b = readFileSync(join(FIXTURES, rel));
  return rel.endsWith('.gz') ? gunzipSync(b) : b;
};

/** The reference: the text tokenizer on the bytes decoded chunk by chunk (the former stream path), whole layers. */
function reference(chunks: Uint8Array[]) {
  const p = createTsharkJsonParser({ wholeLayers: true });
  const d = new StringDecoder('utf8');
  for (const c of chunks) p.write(d.write(Buffer.from(c)));
  p.write(d.end());
  return p.finish();
}

function split(b: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let k = 0;
  for (let i = 0; i < b.length;) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('tshark JSON: byte path = text reference', () => {
  const files = exports();
  it('finds the real exports', () => assert.ok(files.length >= 5, `${files.length} exports`));
  for (const rel of files) {
    it(rel, () => {
      const bytes = bytesOf(rel);
      const ref = reference([bytes]);
      assert.ok(ref.frames.length > 0 || /no-keys/.test(rel));
      assert.deepStrictEqual(parseTsharkJsonBytes([bytes]), ref);
      // Tokens, keys, characters and the byte-order mark split across chunks.
      assert.deepStrictEqual(parseTsharkJsonBytes(split(bytes, [4093, 1, 2, 65536, 3, 17])), ref);
      // The text entry point (an editor's document) trims the layers too.
      assert.deepStrictEqual(parseTsharkJson(bytes.toString('utf8')), ref);
      // Cut short: same frames and notes as the reference cut at the same byte.
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.61));
      assert.deepStrictEqual(parseTsharkJsonBytes(split(cut, [8191])), reference([cut]));
    });
  }

  it('analyzeStream reads tshark JSON as bytes, with the same analysis as the text', async () => {
    assert.ok(readsBytes(CHUNK_PARSERS['tshark-json']!()));
    const bytes = bytesOf('tshark/tls-hold/export.json.gz');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const c of split(bytes, [1 << 18])) yield c;
    }
    const streamed = await analyzeStream(chunks());
    const text = analyzeText(bytes.toString('utf8'));
    assert.equal(streamed.format, 'tshark-json');
    assert.deepStrictEqual(streamed.findings, text.findings);
    assert.deepStrictEqual(streamed.trace?.frames, text.trace?.frames);
    assert.deepStrictEqual(streamed.notes, text.notes);
  });

  // Real packet shapes (pieces of the fixtures' layers), edited at random.
  const packet = (n: number, extra: string): string => `{
    "_index": "packets-2026-11-24",
    "_source": {
      "layers": {
        "frame": {"frame.time_epoch": "1795523058.28741450${n % 10}", "frame.number": "${n}", "frame.protocols": "eth:ip:tcp:http2"},
        "eth": {"eth.dst": "00:00:00:00:00:00", "eth.dst_tree": {"eth.dst.oui_resolved": "Officially Xerox, but 0:0:0:0:0:0 is more common"}},
        "ip": {"ip.src": "127.0.0.1", "ip.dst": "127.0.0.1", "ip.flags_tree": {"ip.flags.df": "1"}},
        "tcp": {"tcp.srcport": "5730${n % 3}", "tcp.dstport": "35961", "tcp.stream": "${n % 2}", "tcp.flags": "0x0018", "tcp.flags_tree": {"tcp.flags.str": "·······AP···", "tcp.flags.syn_tree": {"_ws.expert": {"_ws.expert.message": "Connection establish request (SYN): server port 35961"}}}, "Timestamps": {"tcp.time_delta": "0.000098053"}},
        "tls": {"tls.record": {"tls.app_data": "ab:cd"}},
        "http2": {"http2.stream": {"http2.length": "30", "http2.type": "1", "http2.flags": "0x25", "http2.streamid": "${2 * n + 1}",
          "http2.header": {"http2.header.name": ":method", "http2.header.value": "GET"},
          "http2.header": {"http2.header.name": ":path", "http2.header.value": "/items/${n}"}}}${extra}
      }
    }
  }`;
  const extras = [
    '',
    ',\n        "http2": {"http2.stream": {"http2.type": "4", "http2.flags": "0x00", "http2.streamid": "0", "http2.settings": {"http2.settings.id": "3", "http2.settings.max_concurrent_streams": "100"}}}',
    ',\n        "http2": {"http2.stream": [{"http2.type": "3", "http2.streamid": "1", "http2.rst_stream.error": "8"}, {"http2.type": "6", "http2.ping": "00:00:00:00:00:00:00:01"}]}',
    ',\n        "http2": {"http2.stream": {"http2.type": "0", "http2.length": "5", "http2.streamid": "1", "http2.data.data": "68:65:6c:6c:6f"}}',
    ',\n        "http2": {"http2.magic": "PRI", "http2.stream": {"http2.type": "7", "http2.goaway.error": "11", "http2.goaway.addata": "74:6f:6f"}}',
  ];
  const insert = fc.constantFrom(
    '"', '\\', '\\u00e9', '\\ud83d\\ude00', '\\n', '{', '}', '[', ']', ',', ':', ' ', '\n', '\r\n', '\t', '0', '-1.5e3', 'true', 'null', 'é', '·', '😀', '\u2028',
    '"tcp.stream": "7", ', '"frame": {}, ', '"layers": {"eth": [1, {"x": "é"}]}, ', '"http2": {"http2.type": "8", "http2.window_update.window_size_increment": "10"}, ',
  );
  /** Raw bytes that are not valid UTF-8 (lone continuation, cut sequences, overlong, surrogates, a BOM). */
  const rawBytes = fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0x00], [0x1f]);
  const edit = fc.tuple(fc.nat(), fc.nat(6), fc.oneof(insert.map((s) => Buffer.from(s)), rawBytes.map((b) => Buffer.from(b))));
  const doc = fc.tuple(
    fc.array(fc.tuple(fc.nat(50), fc.nat(extras.length - 1)), { minLength: 1, maxLength: 4 }),
    fc.array(edit, { maxLength: 4 }),
    fc.boolean(),
    fc.boolean(),
    fc.option(fc.nat(), { freq: 4 }),
  ).map(([packets, edits, bom, oneLine, cut]) => {
    let text = `[\n  ${packets.map(([n, e]) => packet(n, extras[e]!)).join(',\n  ')}\n]\n`;
    if (oneLine) text = text.replace(/\n\s*/g, ' ');
    let b = Buffer.from(text);
    for (const [at, del, ins] of edits) {
      const i = at % (b.length + 1);
      b = Buffer.concat([b.subarray(0, i), ins, b.subarray(Math.min(b.length, i + del))]);
    }
    if (cut !== null) b = b.subarray(0, cut % (b.length + 1));
    return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]) : b;
  });
  const chunking = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 });

  it('fuzzed exports: same frames, connections, notes and lines, in any chunking', () => {
    fc.assert(fc.property(doc, chunking, (b, sizes) => {
      const ref = reference([b]);
      assert.deepStrictEqual(parseTsharkJsonBytes([b]), ref);
      assert.deepStrictEqual(parseTsharkJsonBytes(split(b, sizes)), ref);
      assert.deepStrictEqual(parseTsharkJson(b.toString('utf8')), ref);
      // The former stream path decoded chunk by chunk: the same for any chunking.
      assert.deepStrictEqual(reference(split(b, sizes)), ref);
    }), { seed: SEED, numRuns: 600 });
  });
});

describe('tshark EK: byte path = text path', () => {
  const ekText = (chunks: Uint8Array[]) => {
    const p = createTsharkEkParser();
    const d = new StringDecoder('utf8');
    for (const c of chunks) p.write(d.write(Buffer.from(c)));
    p.write(d.end());
    return p.finish();
  };
  const ekBytes = (chunks: Uint8Array[]) => {
    const p = createTsharkEkParser();
    for (const c of chunks) p.writeBytes(c);
    return p.finish();
  };
  for (const rel of ['tshark/h2c/export.ek.ndjson.gz', 'tshark/tls-hold/export.ek.ndjson.gz']) {
    it(rel, () => {
      const bytes = bytesOf(rel);
      const ref = ekText([bytes]);
      assert.ok(ref.frames.length > 0);
      assert.deepStrictEqual(ekBytes([bytes]), ref);
      assert.deepStrictEqual(ekBytes(split(bytes, [4093, 1, 7])), ref);
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.37));
      assert.deepStrictEqual(ekBytes(split(cut, [999])), ekText([cut]));
    });
  }
  it('analyzeStream reads EK as bytes', () => assert.ok(readsBytes(CHUNK_PARSERS['tshark-ek']!())));
});

// -------------------------------------------------------------------------------------------------

/** Every record with positions, keys in order, values (exact comparison of the two tokenizers). */
function dump(v: JNode): unknown {
  if (v instanceof JArr) return { at: [v.line, v.col, v.endCol], items: v.items.map(dump) };
  if (v instanceof JObj) return { at: [v.line, v.col, v.endCol], members: v.keys.map((k, i) => [k, dump(v.vals[i]!)]) };
  return v;
}

interface Run { records: unknown[]; outer: unknown[]; error: unknown; line: number; incomplete: boolean; overflow: number; recordLine: number }

function run(write: (tok: { write(c: never): void }) => void, bytes: boolean, opts: { maxString?: number; maxNodes?: number } = {}): Run {
  const records: unknown[] = [];
  const outer: unknown[] = [];
  const builder = new TreeBuilder({
    isRoot: (depth) => depth === 1,
    onRecord: (r, overflowed) => records.push([overflowed, dump(r)]),
    onOuterScalar: (v, key, depth) => outer.push([v, key, depth]),
    skip: (key) => key.startsWith('s'),
    members: (key) => (key === 'g' ? () => false : (m) => !m.startsWith('d')),
    maxNodes: opts.maxNodes,
  });
  const tok = bytes ? new JsonByteTokenizer(builder, { maxString: opts.maxString }) : new JsonTokenizer(builder, { maxString: opts.maxString });
  write(tok as never);
  tok.end();
  return { records, outer, error: tok.error, line: tok.line, incomplete: tok.incomplete, overflow: builder.overflowCount, recordLine: builder.recordLine };
}

function viaText(b: Buffer, sizes: number[], opts?: { maxString?: number; maxNodes?: number }): Run {
  return run((tok) => {
    const d = new StringDecoder('utf8');
    for (const c of split(b, sizes)) (tok as unknown as JsonTokenizer).write(d.write(Buffer.from(c)));
    (tok as unknown as JsonTokenizer).write(d.end());
  }, false, opts);
}

function viaBytes(b: Buffer, sizes: number[], opts?: { maxString?: number; maxNodes?: number }): Run {
  return run((tok) => {
    for (const c of split(b, sizes)) (tok as unknown as JsonByteTokenizer).write(c);
  }, true, opts);
}

describe('JsonByteTokenizer = JsonTokenizer, event by event', () => {
  const piece = fc.oneof(
    fc.constantFrom('{', '}', '[', ']', ',', ':', ' ', '\n', '"', '\\', '\\u', '0041', 'é', '😀', '\ud83d', 'true', '-12.5', 'nul', '"s":', '"d":', '"g":', '"k":'),
    fc.string({ maxLength: 4, unit: 'binary' }),
  );
  const jsonish = fc.oneof(
    fc.json().map((j) => `[${j}, ${j}]`),
    fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
  );
  const withBytes = fc.tuple(jsonish, fc.array(fc.tuple(fc.nat(), fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xff], [0xef, 0xbb, 0xbf])), { maxLength: 2 }), fc.boolean())
    .map(([t, raws, bom]) => {
      let b = Buffer.from(t);
      for (const [at, raw] of raws) {
        const i = at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, i), Buffer.from(raw), b.subarray(i)]);
      }
      return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]) : b;
    });

  it('records, positions (UTF-16 columns), errors, lines and truncation are the same', () => {
    fc.assert(fc.property(withBytes, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }), (b, sizes) => {
      const ref = viaText(b, [b.length || 1]);
      assert.deepStrictEqual(viaBytes(b, [b.length || 1]), ref);
      assert.deepStrictEqual(viaBytes(b, sizes), ref);
    }), { seed: SEED, numRuns: 3000 });
  });

  it('strings cut at maxString, and the node budget, the same way', () => {
    fc.assert(fc.property(withBytes, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }), (b, maxString, maxNodes, sizes) => {
      const opts = { maxString, maxNodes };
      assert.deepStrictEqual(viaBytes(b, sizes, opts), viaText(b, [b.length || 1], opts));
    }), { seed: SEED, numRuns: 2000 });
  });

  it('hand-made: columns after non-ASCII text on one line, an error naming a character split across chunks, a BOM split', () => {
    const cases = [
      '[{"a": "é😀x", "b": {"c": 1}}, {"sx": {"y": "😀"}, "z": [1, 2]}]',
      '[{"a": "é"}, é]',
      '[{"a": "x"}, 😀]',
      '\ufeff[{"a": 1}]',
      '[{"a": "\\u00e9\\ud83d\\ude00", "k": "\\"\\\\\\/\\b\\f\\n\\r\\t"}]',
      '[{"s": "\\\n"}, {"a": 1}]',
    ];
    for (const text of cases) {
      const b = Buffer.from(text);
      const ref = viaText(b, [b.length]);
      for (let size = 1; size <= 5; size++) assert.deepStrictEqual(viaBytes(b, [size]), ref, `${text} in ${size}-byte chunks`);
    }
  });

  it('linear time on bytes: many members, long strings (escaped, non-ASCII, in kept and skipped containers), deep nesting, a huge number', () => {
    const bytes = (t: string): void => void viaBytes(Buffer.from(t), [65536]);
    const one = '{"a": "x", "d": "y", "s": {"z": ["é"]}, "g": {"h": [1, true, null]}},';
    assertLinear('objects', (n) => `[[${one.repeat(2000 * n)}{}]]`, bytes, 1);
    assertLinear('string', (n) => `[["${'x\u00e9é'.repeat(100000 * n)}", {"s": "${'\"é'.repeat(100000 * n)}"}]]`, bytes, 1);
    assertLinear('nesting', (n) => `[${'[{"a":'.repeat(60).concat('1', '}]'.repeat(60), ',').repeat(500 * n).replace(/,$/, '')}]`, bytes, 1);
    assertLinear('number', (n) => `[[${'1'.repeat(400000 * n)}]]`, bytes, 1);
  });

  it('a gigantic string is scanned, not kept whole', () => {
    const big = `[{"k": "${'é'.repeat(300_000)}", "n": 1}]`;
    const b = Buffer.from(big);
    const r = viaBytes(b, [65536], { maxString: 1000 });
    assert.deepStrictEqual(r, viaText(b, [b.length], { maxString: 1000 }));
  });
});
