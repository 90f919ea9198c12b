/**
 * The editor's entry point: the same analysis as analyzeText, but a big document is parsed in slices
 * with a yield between them, so the language server keeps answering (hovers, the tree) meanwhile,
 * and a run made stale by a newer edit is abandoned at the next slice.
 */
import type { Analysis, AnalyzeOptions } from './analyze.ts';
import { analyzeParsed, analyzeText } from './analyze.ts';
import { detectText } from './formats/detect.ts';
import { GO_FORMAT, createGoHttp2debugParser } from './formats/goHttp2debug.ts';
import { AnalysisCancelled } from './stream.ts';

/** Characters parsed between two yields (a few milliseconds of work). */
const SLICE_CHARS = 1 << 20;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function analyzeTextAsync(text: string, opts: AnalyzeOptions = {}, signal?: AbortSignal): Promise<Analysis> {
  const detected = detectText(text, opts.format);
  // Small inputs, and formats without an incremental parser, are analysed in one go.
  if ('error' in detected || detected.format !== GO_FORMAT || text.length <= SLICE_CHARS) return analyzeText(text, opts);
  const parser = createGoHttp2debugParser();
  let start = 0;
  let lineNo = 0;
  let sliceEnd = SLICE_CHARS;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    parser.line(text.slice(start, stop), lineNo++);
    start = end + 1;
    if (start >= sliceEnd) {
      await yieldToEventLoop();
      if (signal?.aborted) throw new AnalysisCancelled();
      sliceEnd = start + SLICE_CHARS;
    }
  }
  await yieldToEventLoop();
  if (signal?.aborted) throw new AnalysisCancelled();
  return analyzeParsed(parser.finish(lineNo), opts);
}
