/**
 * formatNumber writes numbers as toLocaleString('en-US') does, without Intl: compared with it on the
 * edge cases of its rounding and on arbitrary doubles (fast-check).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatNumber } from '../../server/src/core/numberText.ts';

const sameAsIntl = (x: number): void => assert.equal(formatNumber(x), x.toLocaleString('en-US'), `for ${x}`);

describe('formatNumber = toLocaleString("en-US")', () => {
  it('on hand-picked edges: halves on the shortest decimal form, carries, -0, tiny and huge numbers', () => {
    const edges = [
      0, -0, 1, -1, 999, 1000, 1234567, -1234567, 1.0005, 1.0015, 2.675, 2.6745, 0.0005, 0.00049999, 0.9995, 0.9994,
      9.9995, 99.9995, 999.9995, 123456789.1235, -1234.5, 0.1 + 0.2, 5e-7, 1e-10, -0.0001, -0.0004, -0.0005, 0.0004,
      2 ** 53 + 2, 12345678901234567890, 1e21, 1.5e300, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE,
      NaN, Infinity, -Infinity,
    ];
    for (const x of edges) sameAsIntl(x);
  });

  it('on arbitrary doubles, integers and short decimals', () => {
    const numbers = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.integer({ min: -10_000_000, max: 10_000_000 }).map((k) => k / 10_000),
    );
    fc.assert(fc.property(numbers, (x) => formatNumber(x) === x.toLocaleString('en-US')), { numRuns: 20_000 });
  });
});
