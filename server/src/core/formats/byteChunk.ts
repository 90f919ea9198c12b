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

/**
 * A parser's input, text (an editor's document) or bytes (a file), whichever is fed first: each side
 * is made on first use, and feeding the other one after it is a programming error.
 */
export class TextOrBytes<T extends { write(chunk: string): void }, B extends { write(chunk: Uint8Array): void }> {
  private text: T | undefined;
  private bytes: B | undefined;

  constructor(
    private readonly what: string,
    private readonly makeText: () => T,
    private readonly makeBytes: () => B,
  ) {}

  writeText(chunk: string): void {
    if (this.bytes) throw new Error(`${this.what}: text after bytes`);
    (this.text ??= this.makeText()).write(chunk);
  }

  writeBytes(chunk: Uint8Array): void {
    if (this.text) throw new Error(`${this.what}: bytes after text`);
    (this.bytes ??= this.makeBytes()).write(chunk);
  }

  /** The side that was fed (the text side when neither was). */
  fed(): T | B {
    return this.bytes ?? (this.text ??= this.makeText());
  }
}
