/**
 * The byte form of the streaming JSON tokenizer (jsonTokenizer.ts `JsonTokenizer`), for big files
 * read from disk: the input is never decoded as a whole. It emits exactly the events, positions and
 * errors the text tokenizer emits on the UTF-8 decoding of the same bytes, but
 * - containers the sink skips are scanned as bytes (brackets and strings only), never decoded;
 * - a string value is decoded only when the sink keeps it (`discarding` / `drops`);
 * - keys are decoded once per distinct spelling (`KeyInterner`) and only when the sink needs them
 *   (a key whose scalar value is discarded is never turned into a string).
 * Columns stay UTF-16 columns, like the text tokenizer's: non-ASCII bytes (only possible inside
 * strings, or in skipped containers) are counted the way a UTF-8 decoder (WHATWG, what Buffer and
 * StringDecoder do) turns them into UTF-16 units, invalid sequences into U+FFFD.
 *
 * Same bounds as the text tokenizer: linear (every byte looked at once, no regular expression), the
 * current token only (a string's bytes are kept up to what `maxString` characters can take, the rest
 * is scanned, not kept), at most `maxDepth` open containers.
 */
import type { JScalar, JsonError, JsonSink, TokenizerOptions } from './jsonTokenizer.ts';
import { HASH_BASIS, asBuffer, hexDigit } from './byteText.ts';

/** A sink that may also say, before a member's string value is read, that it will not keep it. */
export interface ByteJsonSink extends JsonSink {
  /**
   * Asked (when not `discarding`) before a member's string value is read: true when the member is not
   * kept, so its text need not be decoded. `scalar` is still called, with `''` for the value.
   */
  drops?(key: string): boolean;
}

const enum St { Top, KeyOrEnd, Key, Colon, Value, ValueOrEnd, CommaOrEnd }
const enum Tok { None, Str, Num, Lit }
/** Where the pending key's bytes are. */
const enum KeyAt { None, Text, Chunk, Buf }

/** Bytes a string may need to give `maxString` UTF-16 units: at most 6 per unit (`\uXXXX`), plus a partial sequence. */
const bytesFor = (maxString: number): number => maxString * 6 + 16;

/** The first byte from `i` that ends a plain run inside a string: a quote, a backslash, a control or non-ASCII byte (or `n`). */
function plainEnd(b: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = b[i]!;
    if (c === 34 || c === 92 || c < 32 || c >= 128) return i;
    i++;
  }
  return n;
}

/**
 * The text of a JSON string's raw bytes (between the quotes, already checked by the tokenizer),
 * escapes resolved, cut at `max` UTF-16 units. A cut escape at the very end (bytes past the kept
 * bound) is dropped: it lies beyond `max` units anyway.
 */
export function decodeJsonString(b: Buffer, s: number, e: number, hasEscape: boolean, max: number): string {
  if (e - s > bytesFor(max)) e = s + bytesFor(max);
  let out: string;
  if (!hasEscape) out = b.toString('utf8', s, e);
  else {
    out = '';
    let from = s;
    let i = s;
    while (i < e) {
      if (b[i] !== 92) { i++; continue; }
      if (i > from) out += b.toString('utf8', from, i);
      if (i + 1 >= e) { from = e; break; }
      const c = b[i + 1]!;
      if (c === 117) {
        if (i + 6 > e) { from = e; break; }
        out += String.fromCharCode((hexDigit(b[i + 2]!) << 12) | (hexDigit(b[i + 3]!) << 8) | (hexDigit(b[i + 4]!) << 4) | hexDigit(b[i + 5]!));
        i += 6;
      } else {
        out += c === 110 ? '\n' : c === 116 ? '\t' : c === 114 ? '\r' : c === 98 ? '\b' : c === 102 ? '\f' : String.fromCharCode(c);
        i += 2;
      }
      if (out.length > max) return out.slice(0, max);
      from = i;
    }
    if (from < e) out += b.toString('utf8', from, e);
  }
  return out.length > max ? out.slice(0, max) : out;
}

/**
 * Raw key bytes → the key's text, decoded once per distinct spelling: an open-addressing table of
 * FNV-1a hashes, bounded in entries and key length (past the bounds keys are decoded each time).
 * tshark repeats a few hundred field names millions of times.
 */
export class KeyInterner {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly bytes: Uint8Array[] = [];
  private readonly texts: string[] = [];

  constructor(private readonly maxString: number, private readonly maxEntries = 4096, private readonly maxKeyBytes = 128) {
    this.slots = new Int32Array(maxEntries * 2);
    this.mask = maxEntries * 2 - 1;
  }

  get(b: Buffer, s: number, e: number, hasEscape: boolean): string {
    const len = e - s;
    if (len > this.maxKeyBytes) return decodeJsonString(b, s, e, hasEscape, this.maxString);
    let h = HASH_BASIS ^ len;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) break;
      const kb = this.bytes[at - 1]!;
      if (kb.length === len) {
        let k = 0;
        while (k < len && kb[k] === b[s + k]) k++;
        if (k === len) return this.texts[at - 1]!;
      }
      slot = (slot + 1) & mask;
    }
    const text = decodeJsonString(b, s, e, hasEscape, this.maxString);
    if (this.texts.length < this.maxEntries) {
      // A copy of the bytes: the chunk is not ours to keep.
      this.bytes.push(Uint8Array.prototype.slice.call(b, s, e) as Uint8Array);
      this.texts.push(text);
      this.slots[slot] = this.texts.length;
    }
    return text;
  }
}

/**
 * Short string values → text, through a direct-mapped cache (a slot per hash, the newest entry wins):
 * values that repeat (header names and values, addresses, ports) become one string instead of one
 * per packet, which is what keeps the parsed frames small; values that do not repeat just pass
 * through. Fixed memory: `slots` × `width` bytes.
 */
export class ValueCache {
  private readonly arena: Uint8Array;
  private readonly lens: Int16Array;
  private readonly texts: string[];
  private readonly mask: number;

  constructor(private readonly width = 48, slots = 1024) {
    this.arena = new Uint8Array(width * slots);
    this.lens = new Int16Array(slots).fill(-1);
    this.texts = new Array<string>(slots).fill('');
    this.mask = slots - 1;
  }

  /** The text of raw bytes without escapes; undefined when too long to cache. */
  get(b: Buffer, s: number, e: number): string | undefined {
    const len = e - s;
    if (len > this.width) return undefined;
    let h = HASH_BASIS ^ len;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & this.mask;
    const at = slot * this.width;
    const arena = this.arena;
    if (this.lens[slot] === len) {
      let k = 0;
      while (k < len && arena[at + k] === b[s + k]) k++;
      if (k === len) return this.texts[slot];
    }
    const text = b.toString('utf8', s, e);
    for (let k = 0; k < len; k++) arena[at + k] = b[s + k]!;
    this.lens[slot] = len;
    this.texts[slot] = text;
    return text;
  }
}

export class JsonByteTokenizer {
  /** Set once the input is found malformed; nothing is read after it. */
  error: JsonError | undefined;
  /** 0-based line of the current position; after `end()`, the number of lines. */
  line = 0;
  private lineStart = 0; // absolute byte offset of the current line's first byte
  /** Bytes minus UTF-16 units between `lineStart` and the scan position (non-ASCII text). */
  private colAdj = 0;
  private offset = 0; // absolute byte offset of the current chunk's first byte
  private st: St = St.Top;
  /** 1 = array, 0 = object, per open container. */
  private stack: number[] = [];
  private readonly maxString: number;
  private readonly maxDepth: number;
  private readonly maxBytes: number;
  private readonly sink: ByteJsonSink;
  private readonly keys: KeyInterner;
  private readonly values = new ValueCache();

  // The pending key (the member name before its value): its text, or where its bytes are.
  private keyAt: KeyAt = KeyAt.None;
  private keyText = '';
  private keyChunk: Buffer | undefined;
  private keyS = 0;
  private keyE = 0;
  private keyEsc = false;
  private keyBuf: Buffer;
  private keyLen = 0;
  private keyLine = 0;
  private keyCol = 0;
  private keyEnd = 0;

  // Token in progress (may straddle chunks).
  private tok: Tok = Tok.None;
  private tokIsKey = false;
  private tokKeep = false;
  private tokLine = 0;
  private tokCol = 0;
  /** Index in the current chunk where the string's bytes start; -1 when it began in an earlier chunk (bytes in `acc`). */
  private strFrom = -1;
  private strEsc = false;
  private acc: Buffer;
  private accLen = 0;
  /** Number / literal text so far. */
  private bare = '';
  private esc = 0; // 0 none, 1 after backslash, 2..5 reading \u hex digits

  // UTF-8 sequence in progress (for columns): continuation bytes expected / seen, range of the next one.
  private utfNeed = 0;
  private utfSeen = 0;
  private utfLo = 0x80;
  private utfHi = 0xbf;

  private started = false;
  private head: Buffer | undefined;
  /** Skipping a container the sink ignores: the kinds of its open brackets (1 = array), string state. */
  private skipKinds: number[] = [];
  private skipInString = false;
  private skipEscape = false;
  /** An error naming a non-ASCII character whose bytes run into the next chunk. */
  private found: { bytes: number[]; done: boolean } | undefined;

  constructor(sink: ByteJsonSink, opts: TokenizerOptions = {}) {
    this.sink = sink;
    this.maxString = opts.maxString ?? 65536;
    this.maxDepth = opts.maxDepth ?? 512;
    this.maxBytes = bytesFor(this.maxString);
    this.keys = new KeyInterner(this.maxString);
    this.acc = Buffer.allocUnsafe(256);
    this.keyBuf = Buffer.allocUnsafe(256);
  }

  /** Depth of open containers (0 at top level). */
  get depth(): number {
    return this.stack.length;
  }

  /** True when the input so far stopped inside a value (a truncated file). */
  get incomplete(): boolean {
    return this.stack.length > 0 || this.tok === Tok.Str || this.st === St.Colon;
  }

  private fail(message: string, i: number): void {
    if (!this.error) this.error = { message, line: this.line, col: this.offset + i - this.lineStart - this.colAdj };
  }

  write(chunk: Uint8Array): void {
    let b = asBuffer(chunk);
    if (this.error) {
      if (this.found && !this.found.done) this.moreFound(b, 0);
      return;
    }
    if (!this.started) {
      // A byte-order mark (EF BB BF) is one character of the text, skipped like the text tokenizer does.
      if (this.head) { b = Buffer.concat([this.head, b]); this.head = undefined; }
      if (b.length === 0) return;
      if (b.length < 3 && b[0] === 0xef && (b.length < 2 || b[1] === 0xbb)) { this.head = Buffer.from(b); return; }
      this.started = true;
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
        this.colAdj += 2;
        this.run(b, 3);
        return;
      }
    }
    this.run(b, 0);
  }

  private run(b: Buffer, i: number): void {
    const n = b.length;
    while (i < n && !this.error) {
      if (this.skipKinds.length > 0) {
        i = this.skipOn(b, i);
        continue;
      }
      if (this.tok !== Tok.None) {
        i = this.tok === Tok.Str ? this.continueString(b, i) : this.continueBare(b, i);
        continue;
      }
      let c = b[i]!;
      if (c <= 32) {
        // Whitespace (pretty-printed exports are mostly indentation): a tight loop.
        while (i < n) {
          if (c === 32 || c === 9 || c === 13) i++;
          else if (c === 10) { i++; this.line++; this.lineStart = this.offset + i; this.colAdj = 0; }
          else break;
          c = b[i]!;
        }
        if (i >= n) break;
        if (c < 32) { this.fail('a control character outside a string', i); break; }
      }
      const col = this.offset + i - this.lineStart - this.colAdj;
      switch (this.st) {
        case St.KeyOrEnd:
        case St.Key:
          if (c === 34) {
            // Most keys are plain ASCII and end in this chunk: no token state, decoded only if asked for.
            const j = plainEnd(b, i + 1, n);
            if (j < n && b[j] === 34) {
              this.keyAt = KeyAt.Chunk;
              this.keyChunk = b;
              this.keyS = i + 1;
              this.keyE = j;
              this.keyEsc = false;
              this.keyLine = this.line;
              this.keyCol = col;
              this.keyEnd = col + j + 1 - i;
              this.st = St.Colon;
              i = j + 1;
              continue;
            }
            this.startString(true, true, col, i + 1);
            i++;
            continue;
          }
          if (c === 125) { this.closeContainer(0, col, i); i++; continue; } // `}` (also lenient after `,`)
          this.fail('expected a key (a string in double quotes) or "}"', i);
          break;
        case St.Colon:
          if (c === 58) { this.st = St.Value; i++; continue; }
          this.fail('expected ":" after the key', i);
          break;
        case St.CommaOrEnd: {
          const top = this.stack[this.stack.length - 1];
          // After a comma a closing bracket is tolerated (trailing commas).
          if (c === 44) { this.st = top === 1 ? St.ValueOrEnd : St.Key; i++; continue; }
          if (c === 125 && top === 0) { this.closeContainer(0, col, i); i++; continue; }
          if (c === 93 && top === 1) { this.closeContainer(1, col, i); i++; continue; }
          this.fail(top === 1 ? 'expected "," or "]"' : 'expected "," or "}"', i);
          break;
        }
        case St.ValueOrEnd:
        case St.Value:
        case St.Top:
          if (c === 93 && this.st === St.ValueOrEnd) { this.closeContainer(1, col, i); i++; continue; }
          i = this.startValue(b, i, c, col);
          continue;
      }
    }
    // What is pending must outlive this chunk (the reader may reuse it): the key's bytes, and a string
    // that opened on the chunk's last byte continues in `acc`.
    if (this.keyAt === KeyAt.Chunk) this.keyToBuf();
    if (this.tok === Tok.Str && this.strFrom >= 0) {
      if (this.tokKeep) this.keepBytes(b, this.strFrom, n);
      this.strFrom = -1;
    }
    this.offset += n;
  }

  /** At end of input: finishes a pending number or literal. */
  end(): void {
    if (this.head && !this.error) {
      const h = this.head;
      this.head = undefined;
      this.started = true;
      this.run(h, 0);
    }
    if (this.found && !this.found.done) this.settleFound();
    if (this.error) return;
    if (this.tok === Tok.Num || this.tok === Tok.Lit) this.finishBare(0);
    // Count the last line if it is not empty.
    if (this.offset > this.lineStart) this.line++;
  }

  // --- keys -----------------------------------------------------------------------------------

  private keyToBuf(): void {
    const len = Math.min(this.keyE - this.keyS, this.maxBytes);
    if (this.keyBuf.length < len) this.keyBuf = Buffer.allocUnsafe(Math.max(len, this.keyBuf.length * 2));
    this.keyChunk!.copy(this.keyBuf, 0, this.keyS, this.keyS + len);
    this.keyLen = len;
    this.keyChunk = undefined;
    this.keyAt = KeyAt.Buf;
  }

  /** The pending key as text (decoded now if it was not yet). */
  private key(): string {
    switch (this.keyAt) {
      case KeyAt.Chunk:
        this.keyText = this.keys.get(this.keyChunk!, this.keyS, this.keyE, this.keyEsc);
        this.keyChunk = undefined;
        break;
      case KeyAt.Buf:
        this.keyText = this.keys.get(this.keyBuf, 0, this.keyLen, this.keyEsc);
        break;
      default:
        return this.keyText;
    }
    this.keyAt = KeyAt.Text;
    return this.keyText;
  }

  private clearKey(): void {
    this.keyAt = KeyAt.None;
    this.keyChunk = undefined;
    this.keyText = '';
  }

  // --- values ---------------------------------------------------------------------------------

  private startString(isKey: boolean, keep: boolean, col: number, from: number): void {
    this.tok = Tok.Str;
    this.tokIsKey = isKey;
    this.tokKeep = keep;
    this.tokLine = this.line;
    this.tokCol = col;
    this.strFrom = from;
    this.strEsc = false;
    this.accLen = 0;
    this.esc = 0;
  }

  private startBare(t: Tok, col: number): void {
    this.tok = t;
    this.tokIsKey = false;
    this.tokLine = this.line;
    this.tokCol = col;
    this.bare = '';
  }

  private inObject(): boolean {
    return this.stack.length > 0 && this.stack[this.stack.length - 1] === 0;
  }

  private startValue(b: Buffer, i: number, c: number, col: number): number {
    if (c === 123 || c === 91) {
      if (this.stack.length >= this.maxDepth) { this.fail(`nested deeper than ${this.maxDepth} levels`, i); return i; }
      const isArray = c === 91;
      if (this.inObject()) this.sink.open(isArray, this.key(), this.keyLine, this.keyCol, this.keyEnd);
      else this.sink.open(isArray, undefined, this.line, col, col + 1);
      this.clearKey();
      this.stack.push(isArray ? 1 : 0);
      this.st = isArray ? St.ValueOrEnd : St.KeyOrEnd;
      if (this.sink.skipsOpened) this.skipKinds.push(isArray ? 1 : 0);
      return i + 1;
    }
    if (c === 34) {
      let keep = !this.sink.discarding;
      if (keep && this.sink.drops && this.inObject()) keep = !this.sink.drops(this.key());
      // A plain ASCII value that ends in this chunk (most of them): straight to the sink.
      const j = plainEnd(b, i + 1, b.length);
      if (j < b.length && b[j] === 34) {
        this.tokLine = this.line;
        this.tokCol = col;
        const v = !keep ? '' : j - i - 1 <= this.maxString ? this.values.get(b, i + 1, j) ?? b.toString('latin1', i + 1, j) : b.toString('latin1', i + 1, i + 1 + this.maxString);
        this.emitScalar(v, col + j + 1 - i);
        return j + 1;
      }
      this.startString(false, keep, col, i + 1);
      return i + 1;
    }
    if (c === 45 || (c >= 48 && c <= 57)) { this.startBare(Tok.Num, col); return i; }
    if (c === 116 || c === 102 || c === 110) { this.startBare(Tok.Lit, col); return i; }
    if (c === 93 || c === 125) this.fail('unexpected closing bracket', i);
    else if (c < 128) this.fail(`expected a value, found "${String.fromCharCode(c)}"`, i);
    else {
      this.fail('', i);
      this.found = { bytes: [], done: false };
      this.moreFound(b, i);
    }
    return i;
  }

  /** The character named by "expected a value, found …": up to 4 bytes, maybe from the next chunk. */
  private moreFound(b: Buffer, i: number): void {
    const f = this.found!;
    while (f.bytes.length < 4 && i < b.length) f.bytes.push(b[i++]!);
    if (f.bytes.length >= 4) this.settleFound();
  }

  private settleFound(): void {
    const f = this.found!;
    f.done = true;
    const ch = Buffer.from(f.bytes).toString('utf8').charAt(0);
    this.error!.message = `expected a value, found "${ch}"`;
  }

  private closeContainer(kind: number, col: number, i: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== kind) { this.fail('mismatched closing bracket', i); return; }
    this.stack.pop();
    this.sink.close(kind === 1, this.line, col);
    this.st = this.stack.length === 0 ? St.Top : St.CommaOrEnd;
  }

  private emitScalar(v: JScalar, endCol: number): void {
    if (this.inObject()) {
      // A discarded scalar's key is never decoded: the sink ignores both.
      const key = this.keyAt === KeyAt.Text || !this.sink.discarding ? this.key() : '';
      this.sink.scalar(v, key, this.keyLine, this.keyCol, this.keyEnd);
    } else this.sink.scalar(v, undefined, this.tokLine, this.tokCol, endCol);
    this.clearKey();
    this.st = this.stack.length === 0 ? St.Top : St.CommaOrEnd;
  }

  /**
   * One byte of a non-ASCII sequence, for columns: returns false when `c` ends an invalid sequence
   * and must be looked at again. A complete sequence of k bytes is 1 UTF-16 unit (2 for 4 bytes); an
   * invalid one (its longest valid prefix) is one U+FFFD.
   */
  private utf8(c: number): boolean {
    if (this.utfNeed > 0) {
      if (c >= this.utfLo && c <= this.utfHi) {
        this.utfLo = 0x80;
        this.utfHi = 0xbf;
        if (++this.utfSeen === this.utfNeed) {
          this.colAdj += this.utfNeed === 3 ? 2 : this.utfNeed;
          this.utfNeed = 0;
        }
        return true;
      }
      this.colAdj += this.utfSeen;
      this.utfNeed = 0;
      return false;
    }
    this.utfSeen = 0;
    if (c >= 0xc2 && c <= 0xdf) { this.utfNeed = 1; this.utfLo = 0x80; this.utfHi = 0xbf; }
    else if (c >= 0xe0 && c <= 0xef) { this.utfNeed = 2; this.utfLo = c === 0xe0 ? 0xa0 : 0x80; this.utfHi = c === 0xed ? 0x9f : 0xbf; }
    else if (c >= 0xf0 && c <= 0xf4) { this.utfNeed = 3; this.utfLo = c === 0xf0 ? 0x90 : 0x80; this.utfHi = c === 0xf4 ? 0x8f : 0xbf; }
    // Any other byte ≥ 0x80 cannot start a sequence: one U+FFFD, one unit.
    return true;
  }

  /** Keeps a string's bytes [s, e) of this chunk in `acc`, up to the bound. */
  private keepBytes(b: Buffer, s: number, e: number): void {
    const len = Math.min(e - s, this.maxBytes - this.accLen);
    if (len <= 0) return;
    if (this.accLen + len > this.acc.length) {
      const next = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(this.accLen + len, this.acc.length * 2)));
      this.acc.copy(next, 0, 0, this.accLen);
      this.acc = next;
    }
    b.copy(this.acc, this.accLen, s, s + len);
    this.accLen += len;
  }

  /** Continues the string in progress from `i`; returns the next index. */
  private continueString(b: Buffer, i: number): number {
    const n = b.length;
    while (i < n) {
      let c = b[i]!;
      if (this.utfNeed === 0 && this.esc === 0) {
        // Fast path: plain ASCII up to a quote, a backslash or a control character.
        while (c !== 34 && c !== 92 && c >= 32 && c < 128) {
          if (++i >= n) break;
          c = b[i]!;
        }
        if (i >= n) break;
      }
      if (this.utfNeed !== 0) {
        if (this.utf8(c)) i++;
        continue;
      }
      if (this.esc !== 0) {
        if (this.esc === 1) {
          if (c === 117) this.esc = 2;
          else if (c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116) this.esc = 0;
          else { this.fail('bad escape in a string', i); return n; }
          i++;
          continue;
        }
        if (hexDigit(c) < 0) { this.fail('bad \\u escape in a string', i); return n; }
        i++;
        if (++this.esc === 6) this.esc = 0;
        continue;
      }
      if (c === 34) return this.endString(b, i);
      if (c === 92) { this.esc = 1; this.strEsc = true; i++; continue; }
      if (c < 32) {
        this.fail(c === 10 ? 'a line break inside a string (the string is not closed)' : 'a control character inside a string', i);
        return n;
      }
      this.utf8(c);
      i++;
    }
    if (this.tokKeep) this.keepBytes(b, this.strFrom < 0 ? 0 : this.strFrom, n);
    this.strFrom = -1;
    return n;
  }

  private endString(b: Buffer, i: number): number {
    const endCol = this.offset + i + 1 - this.lineStart - this.colAdj;
    this.tok = Tok.None;
    if (this.tokIsKey) {
      this.keyEsc = this.strEsc;
      this.keyLine = this.tokLine;
      this.keyCol = this.tokCol;
      this.keyEnd = endCol;
      if (this.strFrom >= 0) {
        this.keyAt = KeyAt.Chunk;
        this.keyChunk = b;
        this.keyS = this.strFrom;
        this.keyE = i;
      } else {
        this.keepBytes(b, 0, i);
        // The key's bytes become the key buffer; the old key buffer collects the next string.
        const t = this.keyBuf;
        this.keyBuf = this.acc;
        this.keyLen = this.accLen;
        this.acc = t;
        this.accLen = 0;
        this.keyAt = KeyAt.Buf;
      }
      this.st = St.Colon;
      return i + 1;
    }
    let v = '';
    if (this.tokKeep) {
      if (this.strFrom >= 0) v = (!this.strEsc && i - this.strFrom <= this.maxString ? this.values.get(b, this.strFrom, i) : undefined) ?? decodeJsonString(b, this.strFrom, i, this.strEsc, this.maxString);
      else {
        this.keepBytes(b, 0, i);
        v = decodeJsonString(this.acc, 0, this.accLen, this.strEsc, this.maxString);
        this.accLen = 0;
        if (this.acc.length > 4096) this.acc = Buffer.allocUnsafe(256);
      }
    }
    this.emitScalar(v, endCol);
    return i + 1;
  }

  /** Number or literal: runs of the characters that can belong to it (ASCII). */
  private continueBare(b: Buffer, i: number): number {
    const n = b.length;
    const start = i;
    if (this.tok === Tok.Num) {
      while (i < n) {
        const c = b[i]!;
        if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) i++;
        else break;
      }
    } else {
      while (i < n) {
        const c = b[i]!;
        if (c >= 97 && c <= 122) i++;
        else break;
      }
    }
    if (i > start && this.bare.length < this.maxString) {
      this.bare += b.toString('latin1', start, Math.min(i, start + this.maxString - this.bare.length));
    }
    if (i < n) this.finishBare(i);
    return i;
  }

  private finishBare(i: number): void {
    const text = this.bare;
    this.bare = '';
    const endCol = this.tokCol + text.length;
    const kind = this.tok;
    this.tok = Tok.None;
    if (kind === Tok.Num) {
      const v = Number(text);
      if (text === '' || text === '-' || !Number.isFinite(v)) { this.fail(`bad number "${text.slice(0, 20)}"`, i); return; }
      this.emitScalar(v, endCol);
      return;
    }
    if (text === 'true') this.emitScalar(true, endCol);
    else if (text === 'false') this.emitScalar(false, endCol);
    else if (text === 'null') this.emitScalar(null, endCol);
    else this.fail(`unexpected word "${text.slice(0, 20)}"`, i);
  }

  /**
   * Inside a container the sink ignores: strings (with escapes) and brackets only, lines counted, up to
   * the bracket that closes it (a mismatched bracket or a broken string is still an error), exactly
   * as the text tokenizer skips.
   */
  private skipOn(b: Buffer, i: number): number {
    const n = b.length;
    const kinds = this.skipKinds;
    while (i < n) {
      let c = b[i]!;
      if (this.utfNeed !== 0) {
        if (this.utf8(c)) i++;
        continue;
      }
      if (this.skipInString) {
        if (this.skipEscape) {
          // Any character after a backslash (as the text tokenizer skips it: one character).
          this.skipEscape = false;
          if (c >= 128) this.utf8(c);
          i++;
          continue;
        }
        while (c !== 34 && c !== 92 && c >= 32 && c < 128) {
          if (++i >= n) return i;
          c = b[i]!;
        }
        if (c === 92) { this.skipEscape = true; i++; continue; }
        if (c < 32) { this.fail(c === 10 ? 'a line break inside a string (the string is not closed)' : 'a control character inside a string', i); return n; }
        if (c >= 128) { this.utf8(c); i++; continue; }
        this.skipInString = false;
        i++;
        continue;
      }
      // Indentation first: most of a skipped layer.
      while (c === 32) {
        if (++i >= n) return i;
        c = b[i]!;
      }
      if (c === 34) this.skipInString = true;
      else if (c === 10) { this.line++; this.lineStart = this.offset + i + 1; this.colAdj = 0; }
      else if (c === 123 || c === 91) {
        if (this.stack.length + kinds.length > this.maxDepth) { this.fail(`nested deeper than ${this.maxDepth} levels`, i); return n; }
        kinds.push(c === 91 ? 1 : 0);
      } else if (c === 125 || c === 93) {
        const kind = c === 93 ? 1 : 0;
        if (kinds[kinds.length - 1] !== kind) { this.fail('mismatched closing bracket', i); return n; }
        kinds.pop();
        if (kinds.length === 0) {
          // The skipped container itself closes: back to full tokenizing.
          this.closeContainer(kind, this.offset + i - this.lineStart - this.colAdj, i);
          return i + 1;
        }
      } else if (c >= 128) this.utf8(c);
      i++;
    }
    return i;
  }
}
