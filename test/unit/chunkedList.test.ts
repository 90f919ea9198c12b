/**
 * ChunkedList: items come back in order, at the exact count, across chunk boundaries (hand-made values).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedList } from '../../server/src/core/formats/chunkedList.ts';

describe('ChunkedList', () => {
  it('gives back every item in order, below, at and past a chunk boundary', () => {
    for (const n of [0, 1, 8191, 8192, 8193, 3 * 8192 + 5]) {
      const list = new ChunkedList<number>();
      for (let i = 0; i < n; i++) list.push(i * 3);
      assert.equal(list.length, n);
      const out = list.take();
      assert.equal(out.length, n);
      assert.ok(out.every((v, i) => v === i * 3), `n=${n}`);
      assert.equal(list.length, 0);
      assert.deepEqual(list.take(), []);
    }
  });

  it('can be filled again after take', () => {
    const list = new ChunkedList<string>();
    list.push('a');
    assert.deepEqual(list.take(), ['a']);
    list.push('b');
    list.push('c');
    assert.deepEqual(list.take(), ['b', 'c']);
  });
});
