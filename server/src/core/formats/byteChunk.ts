/**
 * Chunk parsers that can also read bytes: a file is then handed to them as it comes off the disk,
 * undecoded, and they decode only what they keep (see jsonBytes.ts). One parser instance reads
 * either text or bytes, never both.
 */
import type { ChunkParser } from './incremental.ts';

export interface ByteChunkParser extends ChunkParser {
  /** Feed the next bytes of a UTF-8 file (chunks may split characters anywhere). */
  writeBytes(chunk: Uint8Array): void;
}

export function readsBytes(p: ChunkParser): p is ByteChunkParser {
  return typeof (p as Partial<ByteChunkParser>).writeBytes === 'function';
}
