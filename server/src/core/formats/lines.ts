/**
 * Line iteration without splitting the whole text into an array first
 * (a 250 MB log would otherwise hold millions of strings at once).
 */

/** Calls `fn(line, lineNo)` for each line (0-based; `\r\n` and `\n` endings); returns the line count. */
export function forEachLine(text: string, fn: (line: string, lineNo: number) => void): number {
  let start = 0;
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    fn(text.slice(start, stop), lineNo);
    lineNo++;
    start = end + 1;
  }
  return lineNo;
}
