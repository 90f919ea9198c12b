/**
 * Content sniffing: which format is this, or why it cannot be read. Never by file name alone.
 */
import { GO_FORMAT, looksLikeGoHttp2debug } from './goHttp2debug.ts';

export type Detection =
  | { format: string }
  | { error: string };

export const FORMATS = [GO_FORMAT] as const;

const SAMPLE = 1 << 16;

/** Magic numbers of files people open by mistake, with what to do instead. */
function binaryKind(bytes: Uint8Array): string | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'a gzip-compressed file';
  if ((b(0) === 0xd4 && b(1) === 0xc3 && b(2) === 0xb2 && b(3) === 0xa1) || (b(0) === 0xa1 && b(1) === 0xb2 && b(2) === 0xc3 && b(3) === 0xd4) || (b(0) === 0x4d && b(1) === 0x3c && b(2) === 0xb2 && b(3) === 0xa1)) {
    return 'a pcap capture (export it with tshark -T json first)';
  }
  if (b(0) === 0x0a && b(1) === 0x0d && b(2) === 0x0d && b(3) === 0x0a) return 'a pcapng capture (export it with tshark -T json first)';
  return undefined;
}

/** Sniff raw bytes (CLI, "analyse from disk"). */
export function detectBytes(bytes: Uint8Array): Detection | undefined {
  if (bytes.length === 0) return { error: 'the file is empty' };
  const kind = binaryKind(bytes);
  if (kind) return { error: `this is ${kind}, not a text log` };
  const n = Math.min(bytes.length, SAMPLE);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0) return { error: 'this is a binary file (it contains NUL bytes), not an HTTP/2 log' };
    if (c < 9 || (c > 13 && c < 32)) control++;
  }
  if (control > n / 10) return { error: 'this is a binary file, not an HTTP/2 log' };
  return undefined;
}

/** Sniff decoded text (editor documents, and the CLI after detectBytes). */
export function detectText(text: string, forced?: string): Detection {
  if (forced) {
    if ((FORMATS as readonly string[]).includes(forced)) return { format: forced };
    return { error: `unknown format "${forced}" (known: ${FORMATS.join(', ')})` };
  }
  let i = 0;
  while (i < text.length && i < SAMPLE && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t' || text[i] === '\ufeff')) i++;
  if (i >= text.length) return { error: 'the file is empty' };
  const sample = text.slice(0, SAMPLE);
  if (sample.includes('\u0000')) return { error: 'this is a binary file (it contains NUL bytes), not an HTTP/2 log' };
  if (looksLikeGoHttp2debug(sample)) return { format: GO_FORMAT };
  const first = text[i];
  if (first === '{' || first === '[') {
    return { error: 'this is a JSON file, and h2lens does not read JSON captures yet (tshark -T json and Chrome NetLog support is planned); it has no Go http2debug lines either' };
  }
  if (first === '<') return { error: 'this is an XML/HTML file (PDML capture exports are not supported yet), not a Go http2debug log' };
  // Go lines may start later in a big mixed log: let the Go parser decide (it reports "no frame").
  return { format: GO_FORMAT };
}
