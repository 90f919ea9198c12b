/**
 * Analysis of a byte stream (a file on disk, possibly gunzipped, hundreds of MB): the input is
 * never held as one string. Every format's chunk parser (formats/registry.ts) gets the chunks in turn;
 * Go http2debug logs and tshark JSON/EK read them as bytes (formats/goHttp2debug.ts GoByteFeeder:
 * lines without `http2: ` are only counted, the common frame and header lines are parsed from the
 * bytes), the others as text decoded chunk by chunk.
 */
import type { Analysis, AnalyzeOptions } from './analyze.ts';
import { analyzeParsedAsync } from './analyze.ts';
import { AnalysisCancelled } from './steps.ts';
import { StreamSniffer, detectBytes, detectText, endOfFileNote, sniffsPastStart, strideFor } from './formats/detect.ts';
import { readsBytes } from './formats/byteChunk.ts';
import { CHUNK_PARSERS } from './formats/registry.ts';
import { StringDecoder } from 'node:string_decoder';

export interface StreamOptions extends AnalyzeOptions {
  /** Called after each chunk with the bytes consumed so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /** The input's length in bytes when it is known before reading (a plain file's size; not a gzip's): it spaces the sniffed windows (detect.ts strideFor). */
  length?: number;
}

export interface StreamAnalysis extends Analysis {
  bytes: number;
  lines: number;
}

const SNIFF_BYTES = 1 << 16;

export async function analyzeStream(chunks: AsyncIterable<Uint8Array>, opts: StreamOptions = {}): Promise<StreamAnalysis> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    return await analyzeChunks(iterator, opts);
  } finally {
    // Stopped early (bad input, cancelled, a parser threw): the source still closes its file now.
    await iterator.return?.();
  }
}

async function analyzeChunks(iterator: AsyncIterator<Uint8Array>, opts: StreamOptions): Promise<StreamAnalysis> {
  // Gather enough to sniff the format.
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) { done = true; break; }
    // A copy: the source may read its next chunk into the same memory (fileSource.ts).
    const b = Buffer.from(next.value);
    head.push(b);
    headBytes += b.length;
  }
  const first = Buffer.concat(head);
  const bad = detectBytes(first);
  if (bad && 'error' in bad) return { error: bad.error, findings: [], notes: [], bytes: first.length, lines: 0 };
  const detected = detectText(first.subarray(0, SNIFF_BYTES).toString('utf8'), opts.format);
  if ('error' in detected) return { error: detected.error, findings: [], notes: [], bytes: first.length, lines: 0 };

  async function* rest(): AsyncGenerator<Buffer> {
    yield first;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  }

  let bytes = 0;
  // The end of the input and windows between, for a log put after or between others (see detect.ts):
  // kept only when they will be asked.
  const sniffer = sniffsPastStart(detected, opts.format) ? new StreamSniffer(detected.format, strideFor(opts.length)) : undefined;
  const tick = (b: Uint8Array): void => {
    sniffer?.push(b);
    bytes += b.length;
    if (opts.signal?.aborted) throw new AnalysisCancelled();
    opts.onProgress?.(bytes);
  };

  // Every format has an incremental parser, so memory stays bounded by one record. Those that read
  // bytes (Go logs, tshark JSON and EK) get them undecoded and decode only what they keep; for the
  // others text is decoded chunk by chunk (a character split across chunks is kept by the decoder).
  const parser = CHUNK_PARSERS[detected.format]!();
  if (readsBytes(parser)) {
    for await (const b of rest()) {
      tick(b);
      parser.writeBytes(b);
    }
  } else {
    const decoder = new StringDecoder('utf8');
    for await (const b of rest()) {
      tick(b);
      parser.write(decoder.write(b));
    }
    parser.write(decoder.end());
  }
  const parsed = parser.finish();
  parsed.notes.unshift(...(detected.notes ?? []));
  const end = sniffer && endOfFileNote(parsed.format, detected, opts.format, bytes, () => sniffer.tail(), () => sniffer.middle());
  if (end) parsed.notes.push(end);
  return { ...(await analyzeParsedAsync(parsed, opts, opts.signal)), bytes, lines: parsed.lineCount };
}
