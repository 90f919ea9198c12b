/**
 * The first i in [0, n) whose key is not below `value`, keys ascending in i (n if none): a binary search
 * over anything indexed (a frame column, a list of events by their order).
 */
export function lowerBoundBy(n: number, value: number, key: (i: number) => number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position in ascending `sorted` whose value is not below `value` (its length if none). */
export function lowerBound(sorted: readonly number[], value: number): number {
  return lowerBoundBy(sorted.length, value, (i) => sorted[i]!);
}
