/**
 * The streaming JSON tokenizer: duplicate keys kept, any chunking gives the same result, positions,
 * errors and truncation reported (never thrown), linear time, and agreement with JSON.parse on
 * everything JSON.parse can represent (fast-check).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { JNode } from '../../../server/src/core/formats/jsonTokenizer.ts';
import { JArr, JObj, JsonTokenizer, TreeBuilder, allOf, detach } from '../../../server/src/core/formats/jsonTokenizer.ts';
import { assertLinear } from './helpers.ts';

const SEED = 0x5eed;

/** Plain JS value of a tree (duplicate keys: the last wins, like JSON.parse). */
function plain(v: JNode): unknown {
  if (v instanceof JArr) return v.items.map(plain);
  if (v instanceof JObj) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < v.keys.length; i++) o[v.keys[i]!] = plain(v.vals[i]!);
    return o;
  }
  return v;
}

/** Keys and values in order, duplicates included (for exact comparisons). */
function dump(v: JNode): unknown {
  if (v instanceof JArr) return v.items.map(dump);
  if (v instanceof JObj) return v.keys.map((k, i) => [k, dump(v.vals[i]!)]);
  return v;
}

/** Parses `text` written in the given chunk sizes; every top-level value is a record. */
function parse(text: string, chunks: number[] = [text.length], rootDepth = 0): { records: JNode[]; tok: JsonTokenizer; builder: TreeBuilder; scalars: unknown[] } {
  const records: JNode[] = [];
  const scalars: unknown[] = [];
  const builder = new TreeBuilder({ isRoot: (depth) => depth === rootDepth, onRecord: (r) => records.push(r), onOuterScalar: (v) => scalars.push(v) });
  const tok = new JsonTokenizer(builder);
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const n = Math.max(1, chunks[k++ % chunks.length]!);
    tok.write(text.slice(i, i + n));
    i += n;
  }
  tok.end();
  return { records, tok, builder, scalars };
}

describe('JSON tokenizer', () => {
  it('keeps duplicate keys in order (tshark -T json repeats "http2")', () => {
    const { records, tok } = parse('{"layers": {"http2": {"t": 1}, "http2": {"t": 2}, "tcp": "x", "http2": {"t": 3}}}');
    assert.equal(tok.error, undefined);
    const layers = (records[0] as JObj).vals[0] as JObj;
    assert.deepEqual(layers.keys, ['http2', 'http2', 'tcp', 'http2']);
    assert.deepEqual(allOf(layers, 'http2').map((v) => plain(v)), [{ t: 1 }, { t: 2 }, { t: 3 }]);
  });

  it('flattens arrays of repeated keys (--no-duplicate-keys) the same way', () => {
    const { records } = parse('{"http2": [{"t": 1}, {"t": 2}], "one": {"t": 3}}');
    assert.deepEqual(allOf(records[0] as JObj, 'http2').map((v) => plain(v)), [{ t: 1 }, { t: 2 }]);
    assert.deepEqual(allOf(records[0] as JObj, 'one').map((v) => plain(v)), [{ t: 3 }]);
  });

  it('decodes every escape, including surrogate pairs split across chunks', () => {
    const text = '["a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "\\u00e9\\u65e5", "\\ud83d\\ude00"]';
    for (let n = 1; n <= text.length; n++) {
      const { records, tok } = parse(text, [n]);
      assert.equal(tok.error, undefined, `chunk ${n}`);
      assert.deepEqual(plain(records[0]!), JSON.parse(text), `chunk ${n}`);
    }
  });

  it('gives the same tree whatever the chunking (every split point of a tshark-like document)', () => {
    const text = '[\n  {\n    "_source": {\n      "layers": {\n        "http2": {"http2.type": "4", "n": -1.5e3, "b": true, "z": null},\n        "http2": {"http2.type": "8"}\n      }\n    }\n  }\n]\n';
    const whole = dump(parse(text).records[0]!);
    for (let split = 1; split < text.length; split++) {
      const { records, tok } = parse(text, [split, text.length]);
      assert.equal(tok.error, undefined);
      assert.deepEqual(dump(records[0]!), whole, `split at ${split}`);
    }
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      assert.deepEqual(dump(parse(text, sizes).records[0]!), whole);
    }), { numRuns: 200, seed: SEED });
  });

  it('reports positions of keys and containers (0-based line, UTF-16 column)', () => {
    const text = '{\n  "a": {"b": 1},\n  "c":\n    [1]\n}';
    const root = parse(text).records[0] as JObj;
    assert.deepEqual([root.line, root.col], [0, 0]);
    const a = root.vals[0] as JObj;
    assert.deepEqual([a.line, a.col, a.endCol], [1, 2, 15], 'key start to the end of the object on its line');
    const c = root.vals[1] as JArr;
    assert.deepEqual([c.line, c.col, c.endCol], [2, 2, 5], 'key start, key end when the value is on another line');
  });

  it('takes several top-level values (NDJSON), trailing commas and a byte-order mark', () => {
    const { records, tok } = parse('\ufeff{"a": 1}\n{"b": [1, 2,],}\n');
    assert.equal(tok.error, undefined);
    assert.deepEqual(records.map(plain), [{ a: 1 }, { b: [1, 2] }]);
    assert.equal(tok.line, 2);
  });

  it('stops at malformed input with the place, never throws', () => {
    for (const [text, at] of [['{"a" 1}', [0, 5]], ['[1, 2 3]', [0, 6]], ['{"a": tru}', [0, 9]], ['{"a": "x\ny"}', [0, 8]], ['[1]]', [0, 3]], ['{"a": 1,, "b": 2}', [0, 8]], ['{"a": "\\q"}', [0, 8]]] as const) {
      const { tok } = parse(text);
      assert.ok(tok.error, text);
      assert.deepEqual([tok.error.line, tok.error.col], at, `${text}: ${tok.error.message}`);
    }
  });

  it('says when the input stops inside a value (a truncated file), at any byte', () => {
    const text = '[{"a": [1, 2, {"b": "cd"}]}, {"e": 3}]';
    for (let cut = 1; cut < text.length; cut++) {
      const { tok } = parse(text.slice(0, cut));
      assert.equal(tok.error, undefined, `cut ${cut}`);
      assert.ok(tok.incomplete, `cut ${cut}`);
    }
    assert.equal(parse(text).tok.incomplete, false);
  });

  it('cuts long strings (maxString) but reads on', () => {
    const records: JNode[] = [];
    const tok = new JsonTokenizer(new TreeBuilder({ isRoot: (d) => d === 0, onRecord: (r) => records.push(r) }), { maxString: 10 });
    tok.write(`{"s": "${'x'.repeat(1000)}", "t": 1}`);
    tok.end();
    assert.deepEqual(plain(records[0]!), { s: 'x'.repeat(10), t: 1 });
  });

  it('refuses to nest deeper than maxDepth', () => {
    const { tok } = parse('['.repeat(10000));
    assert.match(tok.error!.message, /nested deeper/);
  });

  it('skips members and caps records (bounded memory)', () => {
    const records: JNode[] = [];
    const builder = new TreeBuilder({ isRoot: (d) => d === 0, onRecord: (r) => records.push(r), skip: (k) => k === 'big', maxNodes: 5 });
    const tok = new JsonTokenizer(builder);
    tok.write('{"big": {"x": [1, 2, 3]}, "keep": 1}\n{"a": [1, 2, 3, 4, 5, 6, 7, 8]}');
    tok.end();
    assert.deepEqual(plain(records[0]!), { big: null, keep: 1 });
    assert.equal(builder.overflowCount, 1);
  });

  it('detach() copies without changing the text', () => {
    const s = 'abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(5, 60);
    assert.equal(detach(s), s);
    assert.equal(detach('short'), 'short');
  });
});

describe('JSON tokenizer, property-based', () => {
  it('agrees with JSON.parse on any JSON value, whatever the chunking', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (text, sizes) => {
      const expected = JSON.parse(text);
      const { records, scalars, tok } = parse(text, sizes);
      assert.equal(tok.error, undefined, text);
      const got = records.length ? plain(records[0]!) : scalars[0];
      assert.deepEqual(got, expected);
    }), { numRuns: 500, seed: SEED });
  });

  it('skipped members: the tree has null where the subtree was, lines and errors as if it had been read, whatever the chunking', () => {
    // Any member whose key starts with "a" is skipped (containers only, like the tshark layers).
    const nullSkipped = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(nullSkipped);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k.startsWith('a') && x !== null && typeof x === 'object' ? null : nullSkipped(x)]));
      return v;
    };
    const withSkip = (text: string, sizes: number[]) => {
      const records: JNode[] = [];
      const builder = new TreeBuilder({ isRoot: (depth) => depth === 0, onRecord: (r) => records.push(r), skip: (key) => key.startsWith('a') });
      const tok = new JsonTokenizer(builder);
      for (let i = 0, k = 0; i < text.length; k++) { const n = Math.max(1, sizes[k % sizes.length]!); tok.write(text.slice(i, i + n)); i += n; }
      tok.end();
      return { records, tok };
    };
    const value = fc.json({ maxDepth: 4 }).map((t) => JSON.parse(t) as unknown);
    const doc = fc.dictionary(fc.constantFrom('a', 'ab', 'b', 'c', 'a"x'), value).map((o) => JSON.stringify({ ...o, nested: { ...o } }, null, 1));
    fc.assert(fc.property(doc, fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (text, sizes) => {
      const { records, tok } = withSkip(text, sizes);
      assert.equal(tok.error, undefined, text);
      assert.deepEqual(plain(records[0]!), nullSkipped(JSON.parse(text)));
      assert.equal(tok.line, parse(text).tok.line);
    }), { numRuns: 300, seed: SEED });
    // Broken inside a skipped subtree: still an error, at the right line (hand-made).
    for (const [bad, line] of [['{"a": {"x": [1, 2}}, "b": 1}', 0], ['{"a": {"x":\n "unclosed\n}}', 1], ['{"a": [[[', -1]] as const) {
      const { tok } = withSkip(bad, [3]);
      if (line < 0) assert.ok(tok.incomplete, bad);
      else assert.equal(tok.error?.line, line, bad);
    }
  });

  it('never throws on random or mutated input', () => {
    const base = '[{"_source": {"layers": {"http2": {"http2.type": "1", "http2.header": {"n": ":path", "v": "/\\u00e9"}}}}}]';
    const mutated = fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 6 })).map(([at, del, ins]) => base.slice(0, at) + ins + base.slice(at + del));
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), mutated), fc.integer({ min: 1, max: 50 }), (text, n) => {
      const { tok } = parse(text, [n]);
      assert.ok(tok.error === undefined || (tok.error.line >= 0 && tok.error.col >= 0));
    }), { numRuns: 1000, seed: SEED });
  });
});

describe('JSON tokenizer, linear time', () => {
  it('many small objects', () => {
    const one = '{"_source": {"layers": {"http2": {"http2.type": "0", "http2.data.data": "6b:6b:6b"}, "http2": {"http2.type": "8"}}}},\n';
    assertLinear('objects', (n) => `[${one.repeat(2000 * n)}{}]`, (t) => void parse(t, [65536], 1), 1);
  });

  it('one huge string and one deep-ish nesting', () => {
    assertLinear('string', (n) => `["${'x\\u00e9'.repeat(100000 * n)}"]`, (t) => void parse(t, [65536]), 1);
    assertLinear('nesting', (n) => '[{"a":'.repeat(60).concat('1', '}]'.repeat(60), ',').repeat(500 * n).replace(/,$/, ''), (t) => void parse(`[${t}]`, [65536], 1), 1);
  });
});
