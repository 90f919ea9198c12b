/**
 * StreamIdMap behaves as a Map keyed by stream id (ids in and out, insertion order),
 * whatever key they store an id under. Hand-made ids and fast-check operation sequences.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamIdMap, streamIdOf, streamKey } from '../../server/src/core/model/streamIds.ts';

const EDGE_IDS = [0, 1, 2, 3, 0x3fffffff, 0x40000000, 0x7ffffffe, 0x7fffffff, 0x80000000, 2 ** 40 + 1, 99999999999, 1.5, -1];

describe('stream id keys', () => {
  it('give every id back exactly, and distinct ids distinct keys', () => {
    const keys = new Set<number | string>();
    for (const id of EDGE_IDS) {
      assert.equal(streamIdOf(streamKey(id)), id, String(id));
      keys.add(streamKey(id));
    }
    assert.equal(keys.size, EDGE_IDS.length);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (id) => streamIdOf(streamKey(id)) === id));
  });

  it('StreamIdMap answers like a Map for any sequence of set, delete, get and has', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(...EDGE_IDS));
    const op = fc.tuple(fc.constantFrom('set', 'delete', 'get', 'has'), id, fc.integer());
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const ours = new StreamIdMap<number>();
      const ref = new Map<number, number>();
      for (const [what, k, v] of ops) {
        if (what === 'set') { ours.set(k, v); ref.set(k, v); }
        else if (what === 'delete') assert.equal(ours.delete(k), ref.delete(k));
        else if (what === 'get') assert.equal(ours.get(k), ref.get(k));
        else assert.equal(ours.has(k), ref.has(k));
      }
      assert.equal(ours.size, ref.size);
      assert.deepEqual([...ours], [...ref]);
      assert.deepEqual([...ours.keys()], [...ref.keys()]);
      assert.deepEqual([...ours.values()], [...ref.values()]);
      assert.deepEqual([...ours.entries()], [...ref.entries()]);
      const seen: Array<[number, number]> = [];
      ours.forEach((v, k, m) => { assert.equal(m, ours); seen.push([k, v]); });
      assert.deepEqual(seen, [...ref]);
    }));
  });

  it('is made from entries like Map is', () => {
    assert.deepEqual([...new StreamIdMap([[5, 'a'], [3, 'b']])], [[5, 'a'], [3, 'b']]);
  });
});
