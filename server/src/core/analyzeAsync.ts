/**
 * The editor's entry point: the same analysis as analyzeText, but a big document is parsed in slices
 * with a yield between them, so the language server keeps answering (hovers, the tree) meanwhile,
 * and a run made stale by a newer edit is abandoned at the next slice.
 */
import type { Analysis, AnalyzeOptions } from './analyze.ts';
import { analyzeParsedAsync, analyzeText } from './analyze.ts';
import { detectText, textEndOfFileNote } from './formats/detect.ts';
import { GO_FORMAT, GoByteFeeder } from './formats/goHttp2debug.ts';
import { AnalysisCancelled, yieldToEventLoop } from './steps.ts';

/** Characters parsed between two yields: a few milliseconds of work (up to 40 in a server still warming up). */
export const SLICE = 1 << 18;

/**
 * Where the slice starting at `start` ends: after the last line end within SLICE characters (so the
 * feeder never joins a line split across slices), else at SLICE characters, never inside a UTF-16
 * surrogate pair (a half pair would be encoded as U+FFFD).
 */
export function sliceEnd(text: string, start: number, size = SLICE): number {
  const limit = start + size;
  if (limit >= text.length) return text.length;
  // Searched back to `start` only: lastIndexOf would go on to the previous line end, however far back,
  // once per slice of a long tail without one (quadratic).
  for (let i = limit - 1; i >= start; i--) if (text.charCodeAt(i) === 10) return i + 1;
  const c = text.charCodeAt(limit - 1);
  return c >= 0xd800 && c <= 0xdbff ? limit - 1 : limit;
}

export async function analyzeTextAsync(text: string, opts: AnalyzeOptions = {}, signal?: AbortSignal): Promise<Analysis> {
  const detected = detectText(text, opts.format);
  // Small inputs, and formats without an incremental parser, are analysed in one go.
  if ('error' in detected || detected.format !== GO_FORMAT || text.length <= SLICE) return analyzeText(text, opts);
  const feeder = new GoByteFeeder();
  // Each slice is encoded on its own: the whole text is never held a second time as bytes.
  for (let start = 0; start < text.length;) {
    const end = sliceEnd(text, start);
    feeder.write(Buffer.from(text.slice(start, end), 'utf8'));
    start = end;
    await yieldToEventLoop();
    if (signal?.aborted) throw new AnalysisCancelled();
  }
  const parsed = feeder.finish();
  // What sniffing found out (e.g. the file mixes formats) reaches the notes, as in analyzeText.
  parsed.notes.unshift(...(detected.notes ?? []));
  const end = textEndOfFileNote(parsed.format, detected, opts.format, text);
  if (end) parsed.notes.push(end);
  return analyzeParsedAsync(parsed, opts, signal);
}
