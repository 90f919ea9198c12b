/**
 * Timestamps in the prefix of a log line, found by character checks (no regex on untrusted text).
 * Go's log package: `2026/11/24 12:24:47` with optional `.123456`; container runtimes and slog:
 * RFC 3339 `2025-09-10T12:00:00.123456789Z`. Local times without a zone are read as UTC: only
 * intervals matter to the rules.
 */

const d = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const x = d(s, i + k);
    if (x < 0) return -1;
    v = v * 10 + x;
  }
  return v;
}

/** `YYYY?MM?DD?HH:MM:SS[.frac]` at i, with the given date separator and date/time separator. */
function dateTimeAt(s: string, i: number, dateSep: string, dtSep: string): number | undefined {
  if (s[i + 4] !== dateSep || s[i + 7] !== dateSep || s[i + 10] !== dtSep || s[i + 13] !== ':' || s[i + 16] !== ':') return undefined;
  const y = digits(s, i, 4), mo = digits(s, i + 5, 2), da = digits(s, i + 8, 2);
  const h = digits(s, i + 11, 2), mi = digits(s, i + 14, 2), se = digits(s, i + 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || da < 1 || da > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return undefined;
  let ms = Date.UTC(y, mo - 1, da, h, mi, se);
  let j = i + 19;
  if (s[j] === '.' || s[j] === ',') {
    j++;
    let frac = 0;
    let scale = 1;
    while (d(s, j) >= 0 && scale < 1e9) {
      frac = frac * 10 + d(s, j);
      scale *= 10;
      j++;
    }
    ms += (frac / scale) * 1000;
  }
  return ms;
}

/** Go's log date `YYYY/MM/DD HH:MM:SS` at `i` without the fraction (the byte-level parser's cache key), in ms. */
export function goLogSecondAt(s: string, i: number): number | undefined {
  return dateTimeAt(s.slice(i, i + 19), 0, '/', ' ');
}

/** The first timestamp that starts before `limit` on the line (Go log date preferred, then RFC 3339). */
export function parseLeadingTimestamp(line: string, limit: number): number | undefined {
  // Prefixes are short; bounding the scan keeps a huge line with a late `http2: ` cheap.
  const end = Math.min(limit, line.length, 512) - 18;
  let rfc: number | undefined;
  for (let i = 0; i <= end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    const go = dateTimeAt(line, i, '/', ' ');
    if (go !== undefined) return go;
    if (rfc === undefined) {
      const r = dateTimeAt(line, i, '-', 'T') ?? dateTimeAt(line, i, '-', ' ');
      if (r !== undefined) rfc = r;
    }
  }
  return rfc;
}
