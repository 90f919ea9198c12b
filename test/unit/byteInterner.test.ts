/**
 * ByteInterner hashes and compares four bytes at a time: equal bytes must give the one shared value
 * wherever they sit in whichever buffer, and bytes that differ anywhere (in a word, in the tail, in
 * length only) must not. Hand-made byte strings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteInterner, bytePattern, matchAt, matchWords } from '../../server/src/core/formats/byteText.ts';

describe('ByteInterner', () => {
  it('shares a value for equal bytes at any offset and in any buffer, and only for those', () => {
    let made = 0;
    const interner = new ByteInterner((b, s, e) => { made++; return `${b.toString('latin1', s, e)}#${made}`; });
    const words = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdefg', 'abcdefgh', 'abcdefghi', 'xbcdefghi', 'abcdefghx', 'abcdexghi'];
    const first = new Map<string, string>();
    for (let pad = 0; pad < 6; pad++) {
      for (const w of words) {
        // A fresh buffer each time, with the bytes at an offset that is not a multiple of four.
        const buf = Buffer.from('_'.repeat(pad) + w + '_'.repeat(3));
        const v = interner.get(buf, pad, pad + w.length);
        assert.equal(v.split('#')[0], w);
        if (first.has(w)) assert.equal(v, first.get(w), `"${w}" at offset ${pad} was made again`);
        else first.set(w, v);
      }
    }
    assert.equal(made, words.length);
  });

  it('still gives the right value past the bound on entries (made again, not shared)', () => {
    const interner = new ByteInterner((b, s, e) => b.toString('latin1', s, e), 4);
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 50; k++) {
        const text = `value-${k}`;
        assert.equal(interner.get(Buffer.from(text), 0, text.length), text);
      }
    }
  });

  it('matchWords (four bytes at a time) agrees with matchAt at every offset, end and pattern', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 }), fc.nat(45), fc.nat(45), (text, pat, i, end) => {
      const b = Buffer.from(text, 'latin1');
      const view = new DataView(b.buffer, b.byteOffset, b.length);
      const p = bytePattern(pat.replace(/[^\x00-\x7f]/g, 'x'));
      const stop = Math.min(end, b.length);
      assert.equal(matchWords(view, b, i, stop, p), matchAt(b, i, stop, p.bytes), `"${text}" @${i} <${stop}`);
      // A pattern taken from the text itself matches where it was taken.
      const at = Math.min(i, b.length);
      const q = bytePattern(text.slice(at, at + 9).replace(/[^\x00-\x7f]/g, 'x'));
      if (/^[\x00-\x7f]*$/.test(text)) assert.ok(matchWords(view, b, at, b.length, q));
    }), { numRuns: 3000 });
  });
});
