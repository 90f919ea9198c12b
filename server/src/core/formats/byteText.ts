/**
 * Byte-level helpers for the hot path of big logs: reading numbers and literals straight from a
 * Buffer, and turning repeated byte ranges (header names and values, DATA previews, Framer
 * pointers) into one shared string without decoding them again. No regular expressions; every
 * helper is bounded by the end index it is given.
 */

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Does `pat` occur at `i` (and end before `end`)? */
export function matchAt(b: Uint8Array, i: number, end: number, pat: Uint8Array): boolean {
  if (i + pat.length > end) return false;
  for (let k = 0; k < pat.length; k++) if (b[i + k] !== pat[k]) return false;
  return true;
}

/** First index of `pat` in [from, end), or -1. Patterns are short; lines are bounded by `end`. */
export function indexIn(b: Uint8Array, pat: Uint8Array, from: number, end: number): number {
  const first = pat[0]!;
  const last = end - pat.length;
  for (let i = from; i <= last; i++) {
    if (b[i] === first && matchAt(b, i, end, pat)) return i;
  }
  return -1;
}

/** Where the last readUint stopped (one number out without allocating a tuple). */
export let uintEnd = -1;

/** Decimal digits at `i` (at most 16, like the string parser), or -1 when there is none. */
export function readUint(b: Uint8Array, i: number, end: number): number {
  let j = i;
  let v = 0;
  while (j < end && j - i < 16) {
    const c = b[j]! - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    j++;
  }
  uintEnd = j;
  return j > i ? v : -1;
}

/**
 * The FNV-1a offset basis, drawn per process: the bytes hashed are a peer's (DATA payloads, header
 * values, tshark's `Header: …` keys), and a fixed basis would let a crafted log make its hashes
 * collide in the tables (here and in jsonBytes.ts).
 */
export const HASH_BASIS = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;
/** Entries one hash keeps at most: past that, values are made and not shared, so a lookup never compares more. */
const MAX_BUCKET = 8;

/**
 * Byte range → string (or any value made from it), computed once per distinct content. A hash table of the raw bytes (FNV-1a)
 * with a bounded number of entries and bytes, and of entries per hash: past the bounds, values are
 * still computed, just not shared. `make` turns the bytes into the value (e.g. decodes Go quoting);
 * it sees the same bytes every time, so sharing its result is exact.
 */
export class ByteInterner<T = string> {
  private readonly table = new Map<number, InternEntry<T>[]>();
  private entries = 0;
  private held = 0;
  /** A DataView over the buffer read last (a reader's chunk): bytes are hashed and compared four at a time. */
  private viewed: Uint8Array | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly make: (b: Buffer, start: number, end: number) => T,
    private readonly maxEntries = 65_536,
    private readonly maxBytes = 8 << 20,
  ) {}

  /** The entry found last: runs of the same value (a response's DATA previews, a Framer's pointer) skip the hash. */
  private last: InternEntry<T> | undefined;

  get(b: Buffer, start: number, end: number): T {
    if (this.viewed !== b) this.view = viewOf((this.viewed = b));
    const view = this.view;
    const len = end - start;
    const last = this.last;
    if (last !== undefined && sameBytes(view, b, start, len, last)) return last.value;
    let h = HASH_BASIS;
    let i = start;
    for (; i + 4 <= end; i += 4) h = Math.imul(h ^ view.getInt32(i, true), 0x01000193);
    for (; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    // Words mix less than bytes: a final avalanche (murmur3's) spreads them over the table.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    const bucket = this.table.get(h);
    if (bucket) {
      for (let k = 0; k < bucket.length; k++) {
        const e = bucket[k]!;
        if (sameBytes(view, b, start, len, e)) { this.last = e; return e.value; }
      }
    }
    const value = this.make(b, start, end);
    if (this.entries < this.maxEntries && this.held + len <= this.maxBytes && (bucket === undefined || bucket.length < MAX_BUCKET)) {
      // A copy: the chunk this line came from is reused by the reader.
      const bytes: Uint8Array = Uint8Array.prototype.slice.call(b, start, end);
      const entry: InternEntry<T> = { bytes, view: viewOf(bytes), value };
      if (bucket) bucket.push(entry);
      else this.table.set(h, [entry]);
      this.last = entry;
      this.entries++;
      this.held += len;
    }
    return value;
  }
}

/** A DataView over exactly `b`'s bytes (b may be a slice of a larger buffer). */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/** Kept bytes with a DataView over them, to be compared four bytes at a time. */
export interface ViewedBytes { bytes: Uint8Array; view: DataView }

interface InternEntry<T> extends ViewedBytes { value: T }

/**
 * Is `b[start, start + len)` (`view` over `b`) exactly `kept`'s bytes? Four bytes at a time, from the
 * end: lines that share a prefix (header lines of one name) differ at the end.
 */
export function sameBytes(view: DataView, b: Uint8Array, start: number, len: number, kept: ViewedBytes): boolean {
  const bytes = kept.bytes;
  if (bytes.length !== len) return false;
  const kv = kept.view;
  let k = len - 4;
  for (; k >= 0; k -= 4) if (view.getUint32(start + k, true) !== kv.getUint32(k, true)) return false;
  for (k += 3; k >= 0; k--) if (b[start + k] !== bytes[k]) return false;
  return true;
}

/** A literal to look for in lines, with its bytes viewed as words (see matchWords). */
export function bytePattern(s: string): ViewedBytes {
  const bytes = ascii(s);
  return { bytes, view: viewOf(bytes) };
}

/**
 * matchAt four bytes at a time (`view` over `b`): the hot path tests several literals per line, and a
 * mismatch nearly always shows in the first word.
 */
export function matchWords(view: DataView, b: Uint8Array, i: number, end: number, p: ViewedBytes): boolean {
  const bytes = p.bytes;
  const n = bytes.length;
  if (i + n > end) return false;
  const pv = p.view;
  let k = 0;
  for (; k + 4 <= n; k += 4) if (view.getUint32(i + k, true) !== pv.getUint32(k, true)) return false;
  for (; k < n; k++) if (b[i + k] !== bytes[k]) return false;
  return true;
}

/** Latin-1 view of ASCII bytes (callers only use it on lines known to be ASCII). */
export function latin1(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', start, end);
}

/** The same bytes as a Buffer (no copy). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A hex digit's value (either case), or -1. */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
