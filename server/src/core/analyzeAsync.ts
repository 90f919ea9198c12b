/**
 * The editor's entry point: the same analysis as analyzeText, but a big document is parsed in slices
 * with a yield between them, so the language server keeps answering (hovers, the tree) meanwhile,
 * and a run made stale by a newer edit is abandoned at the next slice.
 */
import type { Analysis, AnalyzeOptions } from './analyze.ts';
import { analyzeParsed, analyzeText } from './analyze.ts';
import { detectText } from './formats/detect.ts';
import { GO_FORMAT, GoByteFeeder } from './formats/goHttp2debug.ts';
import { AnalysisCancelled } from './stream.ts';

/** Characters (bytes, once encoded) parsed between two yields: a few milliseconds of work. */
const SLICE = 1 << 20;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function analyzeTextAsync(text: string, opts: AnalyzeOptions = {}, signal?: AbortSignal): Promise<Analysis> {
  const detected = detectText(text, opts.format);
  // Small inputs, and formats without an incremental parser, are analysed in one go.
  if ('error' in detected || detected.format !== GO_FORMAT || text.length <= SLICE) return analyzeText(text, opts);
  const feeder = new GoByteFeeder();
  const bytes = Buffer.from(text, 'utf8');
  for (let start = 0; start < bytes.length; start += SLICE) {
    feeder.write(bytes.subarray(start, Math.min(bytes.length, start + SLICE)));
    await yieldToEventLoop();
    if (signal?.aborted) throw new AnalysisCancelled();
  }
  const parsed = feeder.finish();
  // What sniffing found out (e.g. the file mixes formats) reaches the notes, as in analyzeText.
  parsed.notes.unshift(...(detected.notes ?? []));
  return analyzeParsed(parsed, opts);
}
