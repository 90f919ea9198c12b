/**
 * A small streaming JSON tokenizer that KEEPS DUPLICATE KEYS (tshark's default `-T json` repeats
 * `"http2"`, `"http2.header"`, `"http2.settings"` in one object; JSON.parse keeps only the last).
 *
 * - Push-based: `write(chunk)` any number of times, then `end()`. A token may straddle chunks.
 * - Linear: every character is looked at once, in a plain loop; no regular expression, no
 *   backtracking, no re-scanning of earlier input.
 * - Bounded: it holds only the current token (strings are cut at `maxString` characters; the rest
 *   is scanned and counted, not kept) and the stack of open containers (at most `maxDepth`).
 * - Positions: 0-based line and UTF-16 column of every key and container, for diagnostics.
 * - Lenient where real files need it: several top-level values (NDJSON / tshark -T ek), trailing
 *   commas (`[1,2,]`), a leading byte-order mark. Anything else malformed stops it with `error`.
 *
 * `TreeBuilder` (below) turns the token stream into small trees, one "record" at a time (a packet,
 * a NetLog event), so that a 200 MB export never becomes one tree. jsonBytes.ts is the same tokenizer
 * on bytes (files from disk), which decodes only what the builder keeps.
 */

export type JScalar = string | number | boolean | null;

/** An object with its members in order, duplicates kept. */
export class JObj {
  keys: string[] = [];
  vals: JNode[] = [];
  /** Where the member's key (or the bracket, for array elements / roots) starts. */
  line = 0;
  col = 0;
  /** End of the key token, or of the whole object when it closes on its first line. */
  endCol = 0;
  /** PDML: the `show` attribute of a field that has children. */
  show?: string;
}

export class JArr {
  items: JNode[] = [];
  line = 0;
  col = 0;
  endCol = 0;
}

export type JNode = JScalar | JObj | JArr;

export interface JsonSink {
  /** A container opens; `key` is its member name when its parent is an object. */
  open(isArray: boolean, key: string | undefined, line: number, col: number, endCol: number): void;
  close(isArray: boolean, line: number, col: number): void;
  scalar(value: JScalar, key: string | undefined, line: number, col: number, endCol: number): void;
  /** True while the sink ignores what it is given (string values need not be kept then). */
  readonly discarding?: boolean;
  /**
   * Asked right after `open`: true when the sink ignores that container whole. The tokenizer then only
   * checks its brackets and strings on the way to the matching close (which it still reports).
   */
  readonly skipsOpened?: boolean;
}

export interface JsonError {
  message: string;
  line: number;
  col: number;
}

const enum St {
  /** Top level: a value or whitespace (several values allowed). */
  Top,
  /** After `{`: a key or `}`. */
  KeyOrEnd,
  /** After `,` in an object: a key (or `}` leniently). */
  Key,
  Colon,
  /** A member value / array element. */
  Value,
  /** After `[`: a value or `]`. */
  ValueOrEnd,
  /** After a value inside a container: `,` or the closing bracket. */
  CommaOrEnd,
}

const enum Tok { None, Str, Num, Lit }

export interface TokenizerOptions {
  maxString?: number;
  maxDepth?: number;
}

export class JsonTokenizer {
  /** Set once the input is found malformed; nothing is read after it. */
  error: JsonError | undefined;
  /** 0-based line of the current position; after `end()`, the number of lines. */
  line = 0;
  private lineStart = 0; // absolute offset of the current line's first character
  private offset = 0; // absolute offset of the current chunk's first character
  private st: St = St.Top;
  /** 1 = array, 0 = object, per open container. */
  private stack: number[] = [];
  private readonly maxString: number;
  private readonly maxDepth: number;
  private pendingKey: string | undefined;
  private keyLine = 0;
  private keyCol = 0;
  private keyEnd = 0;
  // Token in progress (may straddle chunks).
  private tok: Tok = Tok.None;
  private tokIsKey = false;
  private tokLine = 0;
  private tokCol = 0;
  private parts: string[] = [];
  private partsLen = 0;
  private esc = 0; // 0 none, 1 after backslash, 2..5 reading \u hex digits
  private uni = 0;
  private started = false;
  /** Skipping a container the sink ignores: the kinds of its open brackets (1 = array), string state. */
  private skipKinds: number[] = [];
  private skipInString = false;
  private skipEscape = false;

  constructor(private readonly sink: JsonSink, opts: TokenizerOptions = {}) {
    this.maxString = opts.maxString ?? 65536;
    this.maxDepth = opts.maxDepth ?? 512;
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
    if (!this.error) this.error = { message, line: this.line, col: this.offset + i - this.lineStart };
  }

  private append(s: string): void {
    if (this.partsLen >= this.maxString) return;
    const room = this.maxString - this.partsLen;
    const piece = s.length > room ? s.slice(0, room) : s;
    this.parts.push(piece);
    this.partsLen += piece.length;
  }

  private takeText(): string {
    const t = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.partsLen = 0;
    return t;
  }

  write(chunk: string): void {
    if (this.error) return;
    let i = 0;
    const n = chunk.length;
    if (!this.started && n > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    while (i < n && !this.error) {
      if (this.skipKinds.length > 0) {
        i = this.skipOn(chunk, i);
        continue;
      }
      if (this.tok !== Tok.None) {
        i = this.continueToken(chunk, i);
        continue;
      }
      let c = chunk.charCodeAt(i);
      if (c <= 32) {
        // Whitespace (pretty-printed exports are mostly indentation): a tight loop.
        while (i < n) {
          if (c === 32 || c === 9 || c === 13) i++;
          else if (c === 10) { i++; this.line++; this.lineStart = this.offset + i; }
          else break;
          c = chunk.charCodeAt(i);
        }
        if (i >= n) break;
        if (c <= 32 && c !== 32 && c !== 9 && c !== 13 && c !== 10) { this.fail('a control character outside a string', i); return; }
      }
      const col = this.offset + i - this.lineStart;
      switch (this.st) {
        case St.KeyOrEnd:
        case St.Key:
          if (c === 34) { this.startToken(Tok.Str, true, col); i++; continue; }
          if (c === 125) { this.closeContainer(0, col, i); i++; continue; } // `}` (also lenient after `,`)
          this.fail('expected a key (a string in double quotes) or "}"', i);
          return;
        case St.Colon:
          if (c === 58) { this.st = St.Value; i++; continue; }
          this.fail('expected ":" after the key', i);
          return;
        case St.CommaOrEnd: {
          const top = this.stack[this.stack.length - 1];
          // After a comma a closing bracket is tolerated (trailing commas).
          if (c === 44) { this.st = top === 1 ? St.ValueOrEnd : St.Key; i++; continue; }
          if (c === 125 && top === 0) { this.closeContainer(0, col, i); i++; continue; }
          if (c === 93 && top === 1) { this.closeContainer(1, col, i); i++; continue; }
          this.fail(top === 1 ? 'expected "," or "]"' : 'expected "," or "}"', i);
          return;
        }
        case St.ValueOrEnd:
        case St.Value:
        case St.Top:
          if (c === 93 && this.st === St.ValueOrEnd) { this.closeContainer(1, col, i); i++; continue; }
          i = this.startValue(chunk, i, c, col);
          continue;
      }
    }
    this.offset += n;
  }

  /** At end of input: finishes a pending number or literal. */
  end(): void {
    if (this.error) return;
    if (this.tok === Tok.Num || this.tok === Tok.Lit) this.finishBare(0);
    // Count the last line if it is not empty.
    if (this.offset > this.lineStart) this.line++;
  }

  private startToken(t: Tok, isKey: boolean, col: number): void {
    this.tok = t;
    this.tokIsKey = isKey;
    this.tokLine = this.line;
    this.tokCol = col;
    this.parts = [];
    this.partsLen = 0;
    this.esc = 0;
  }

  private startValue(chunk: string, i: number, c: number, col: number): number {
    if (c === 123 || c === 91) {
      if (this.stack.length >= this.maxDepth) { this.fail(`nested deeper than ${this.maxDepth} levels`, i); return i; }
      const isArray = c === 91;
      const key = this.pendingKey;
      const inObject = this.stack.length > 0 && this.stack[this.stack.length - 1] === 0;
      if (inObject) this.sink.open(isArray, key, this.keyLine, this.keyCol, this.keyEnd);
      else this.sink.open(isArray, undefined, this.line, col, col + 1);
      this.pendingKey = undefined;
      this.stack.push(isArray ? 1 : 0);
      this.st = isArray ? St.ValueOrEnd : St.KeyOrEnd;
      if (this.sink.skipsOpened) this.skipKinds.push(isArray ? 1 : 0);
      return i + 1;
    }
    if (c === 34) { this.startToken(Tok.Str, false, col); return i + 1; }
    if (c === 45 || (c >= 48 && c <= 57)) { this.startToken(Tok.Num, false, col); return i; }
    if (c === 116 || c === 102 || c === 110) { this.startToken(Tok.Lit, false, col); return i; }
    this.fail(c === 93 || c === 125 ? 'unexpected closing bracket' : `expected a value, found "${chunk[i]}"`, i);
    return i;
  }

  /**
   * Inside a container the sink ignores: strings (with escapes) and brackets only, lines counted, up to
   * the bracket that closes it (a mismatched bracket or a broken string is still an error).
   */
  private skipOn(s: string, i: number): number {
    const n = s.length;
    const kinds = this.skipKinds;
    while (i < n) {
      if (this.skipInString) {
        if (this.skipEscape) { this.skipEscape = false; i++; continue; }
        let c = s.charCodeAt(i);
        while (c !== 34 && c !== 92 && c >= 32) {
          if (++i >= n) return i;
          c = s.charCodeAt(i);
        }
        if (c === 92) { this.skipEscape = true; i++; continue; }
        if (c < 32) { this.fail(c === 10 ? 'a line break inside a string (the string is not closed)' : 'a control character inside a string', i); return n; }
        this.skipInString = false;
        i++;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === 34) this.skipInString = true;
      else if (c === 10) { this.line++; this.lineStart = this.offset + i + 1; }
      else if (c === 123 || c === 91) {
        if (this.stack.length + kinds.length > this.maxDepth) { this.fail(`nested deeper than ${this.maxDepth} levels`, i); return n; }
        kinds.push(c === 91 ? 1 : 0);
      } else if (c === 125 || c === 93) {
        const kind = c === 93 ? 1 : 0;
        if (kinds[kinds.length - 1] !== kind) { this.fail('mismatched closing bracket', i); return n; }
        kinds.pop();
        if (kinds.length === 0) {
          // The skipped container itself closes: back to full tokenizing.
          this.closeContainer(kind, this.offset + i - this.lineStart, i);
          return i + 1;
        }
      }
      i++;
    }
    return i;
  }

  private closeContainer(kind: number, col: number, i: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== kind) { this.fail('mismatched closing bracket', i); return; }
    this.stack.pop();
    this.sink.close(kind === 1, this.line, col);
    this.afterValue();
  }

  private afterValue(): void {
    this.st = this.stack.length === 0 ? St.Top : St.CommaOrEnd;
  }

  private emitScalar(v: JScalar, endCol: number): void {
    const inObject = this.stack.length > 0 && this.stack[this.stack.length - 1] === 0;
    if (inObject) this.sink.scalar(v, this.pendingKey, this.keyLine, this.keyCol, this.keyEnd);
    else this.sink.scalar(v, undefined, this.tokLine, this.tokCol, endCol);
    this.pendingKey = undefined;
    this.afterValue();
  }

  /** Continues the token in progress from `i`; returns the next index. */
  private continueToken(s: string, i: number): number {
    const n = s.length;
    if (this.tok === Tok.Str) {
      let start = i;
      const keep = this.tokIsKey || !this.sink.discarding;
      while (i < n) {
        if (this.esc === 0) {
          // Fast path: plain characters up to a quote, a backslash or a control character.
          let c = s.charCodeAt(i);
          while (c !== 34 && c !== 92 && c >= 32) {
            if (++i >= n) break;
            c = s.charCodeAt(i);
          }
          if (i >= n) break;
        }
        const c = s.charCodeAt(i);
        if (this.esc !== 0) {
          if (this.esc === 1) {
            let out: string | undefined;
            switch (c) {
              case 34: out = '"'; break;
              case 92: out = '\\'; break;
              case 47: out = '/'; break;
              case 98: out = '\b'; break;
              case 102: out = '\f'; break;
              case 110: out = '\n'; break;
              case 114: out = '\r'; break;
              case 116: out = '\t'; break;
              case 117: this.esc = 2; this.uni = 0; i++; start = i; continue;
              default: this.fail('bad escape in a string', i); return n;
            }
            this.append(out);
            this.esc = 0;
            i++;
            start = i;
            continue;
          }
          // \u hex digits
          const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (h < 0) { this.fail('bad \\u escape in a string', i); return n; }
          this.uni = this.uni * 16 + h;
          i++;
          if (++this.esc === 6) {
            this.append(String.fromCharCode(this.uni));
            this.esc = 0;
          }
          start = i;
          continue;
        }
        if (c === 34) {
          if (i > start && keep) this.append(s.slice(start, i));
          const text = this.takeText();
          const endCol = this.offset + i + 1 - this.lineStart;
          this.tok = Tok.None;
          if (this.tokIsKey) {
            this.pendingKey = text;
            this.keyLine = this.tokLine;
            this.keyCol = this.tokCol;
            this.keyEnd = endCol;
            this.st = St.Colon;
          } else this.emitScalar(text, endCol);
          return i + 1;
        }
        if (c === 92) {
          if (i > start && keep) this.append(s.slice(start, i));
          this.esc = 1;
          i++;
          start = i;
          continue;
        }
        if (c < 32) {
          this.fail(c === 10 ? 'a line break inside a string (the string is not closed)' : 'a control character inside a string', i);
          return n;
        }
        i++;
      }
      if (i > start && keep) this.append(s.slice(start, i));
      return i;
    }
    // Number or literal: runs of characters that can belong to it.
    const start = i;
    if (this.tok === Tok.Num) {
      while (i < n) {
        const c = s.charCodeAt(i);
        if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) i++;
        else break;
      }
    } else {
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c >= 97 && c <= 122) i++;
        else break;
      }
    }
    if (i > start) this.append(s.slice(start, i));
    if (i < n) this.finishBare(i);
    return i;
  }

  private finishBare(i: number): void {
    const text = this.takeText();
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
}

// -------------------------------------------------------------------------------------------------

export interface BuilderOptions {
  /**
   * Should the container opening here become a record root? `depth` is the number of containers
   * already open above it, `key` its member name, `parentKey` the member name of its parent.
   */
  isRoot: (depth: number, key: string | undefined, parentKey: string | undefined, isArray: boolean) => boolean;
  /** A finished record (its tree), or `undefined` parts when it was too big to keep whole. */
  onRecord: (root: JObj | JArr, overflowed: boolean) => void;
  /** Inside a record: skip this member's subtree (kept as `null`, so its presence still shows). */
  skip?: (key: string, parentKey: string | undefined) => boolean;
  /**
   * Inside a record: which members of a container are wanted in the tree, given the container's
   * member name and its parent's (asked once per container; undefined = all). A member that is not
   * wanted is still read to its end and counted against `maxNodes` (so errors and budgets are what
   * they would be), just not built, and its string values need not be decoded.
   */
  members?: (key: string | undefined, parentKey: string | undefined) => ((member: string) => boolean) | undefined;
  /** Scalars outside records (e.g. a top-level `"timeTickOffset"`), for formats that want them. */
  onOuterScalar?: (value: JScalar, key: string | undefined, depth: number) => void;
  /** Most nodes one record may hold; the rest of the record is skipped (bounded memory). */
  maxNodes?: number;
}

/** Builds one small tree per record out of the token stream; everything else passes by. */
export class TreeBuilder implements JsonSink {
  /** Member names of the open containers outside records (index = depth). */
  private outerKeys: Array<string | undefined> = [];
  private stack: Array<JObj | JArr> = [];
  private stackKeys: Array<string | undefined> = [];
  /** The `members` filter of each container on `stack`. */
  private filters: Array<((member: string) => boolean) | undefined> = [];
  private skipDepth = 0;
  /** Member names of the open containers that are read but not built (not wanted by `members`). */
  private ghostKeys: Array<string | undefined> = [];
  private nodes = 0;
  private overflowed = false;
  private readonly maxNodes: number;
  /** Records that were cut because they were too big. */
  overflowCount = 0;
  /** Start line of the record being built (for "truncated inside record at line N"). */
  recordLine = -1;

  constructor(private readonly opts: BuilderOptions) {
    this.maxNodes = opts.maxNodes ?? 2_000_000;
  }

  get discarding(): boolean {
    return this.skipDepth > 0 || this.ghostKeys.length > 0 || (this.stack.length === 0 && !this.opts.onOuterScalar);
  }

  /** A member of the current container that `members` does not want (asked before its value is read). */
  drops(key: string): boolean {
    if (this.ghostKeys.length > 0) return false;
    const filter = this.filters[this.filters.length - 1];
    return filter !== undefined && !filter(key);
  }

  /** Right after `open`: this container is skipped whole (a skipped member, or past the node budget). */
  get skipsOpened(): boolean {
    return this.skipDepth === 1;
  }

  /** Is a record being built (the input stopped inside it if the tokenizer is done)? */
  get inRecord(): boolean {
    return this.stack.length > 0;
  }

  private add(parent: JObj | JArr, key: string | undefined, v: JNode): void {
    if (parent instanceof JObj) {
      parent.keys.push(key ?? '');
      parent.vals.push(v);
    } else parent.items.push(v);
  }

  open(isArray: boolean, key: string | undefined, line: number, col: number, endCol: number): void {
    if (this.stack.length === 0) {
      const depth = this.outerKeys.length;
      const parentKey = depth > 0 ? this.outerKeys[depth - 1] : undefined;
      if (!this.opts.isRoot(depth, key, parentKey, isArray)) {
        this.outerKeys.push(key);
        return;
      }
      this.nodes = 0;
      this.overflowed = false;
      this.recordLine = line;
    } else if (this.skipDepth > 0) {
      this.skipDepth++;
      return;
    } else {
      const parent = this.stack[this.stack.length - 1]!;
      const ghosts = this.ghostKeys.length;
      const parentKey = ghosts > 0 ? this.ghostKeys[ghosts - 1] : this.stackKeys[this.stackKeys.length - 1];
      if (this.overflowed || ++this.nodes > this.maxNodes) {
        this.overflowed = true;
        this.skipDepth = 1;
        return;
      }
      if (key !== undefined && this.opts.skip?.(key, parentKey)) {
        if (ghosts === 0) this.add(parent, key, null);
        this.skipDepth = 1;
        return;
      }
      if (ghosts > 0 || (key !== undefined && this.drops(key))) {
        this.ghostKeys.push(key);
        return;
      }
    }
    const node = isArray ? new JArr() : new JObj();
    node.line = line;
    node.col = col;
    node.endCol = endCol;
    if (this.stack.length > 0) this.add(this.stack[this.stack.length - 1]!, key, node);
    this.filters.push(this.opts.members?.(key, this.stackKeys[this.stackKeys.length - 1]));
    this.stack.push(node);
    this.stackKeys.push(key);
  }

  close(_isArray: boolean, line: number, col: number): void {
    if (this.stack.length === 0) {
      this.outerKeys.pop();
      return;
    }
    if (this.skipDepth > 0) {
      this.skipDepth--;
      return;
    }
    if (this.ghostKeys.length > 0) {
      this.ghostKeys.pop();
      return;
    }
    const node = this.stack.pop()!;
    this.stackKeys.pop();
    this.filters.pop();
    if (line === node.line) node.endCol = col + 1;
    if (this.stack.length === 0) {
      if (this.overflowed) this.overflowCount++;
      this.recordLine = -1;
      this.opts.onRecord(node, this.overflowed);
    }
  }

  scalar(value: JScalar, key: string | undefined): void {
    if (this.stack.length === 0) {
      this.opts.onOuterScalar?.(value, key, this.outerKeys.length);
      return;
    }
    if (this.skipDepth > 0) return;
    if (++this.nodes > this.maxNodes) {
      this.overflowed = true;
      return;
    }
    if (this.ghostKeys.length > 0 || (key !== undefined && this.drops(key))) return;
    this.add(this.stack[this.stack.length - 1]!, key, value);
  }
}

// -------------------------------------------------------------------------------------------------
// Reading the trees.

/** Every value of `key` in `obj`: duplicate keys in order, arrays flattened one level. */
export function allOf(obj: JObj | undefined, key: string, out: JNode[] = []): JNode[] {
  if (!obj) return out;
  for (let i = 0; i < obj.keys.length; i++) {
    if (obj.keys[i] !== key) continue;
    const v = obj.vals[i]!;
    if (v instanceof JArr) for (const item of v.items) out.push(item);
    else out.push(v);
  }
  return out;
}

/** The first value of `key` (the first element when it is an array). */
export function firstOf(obj: JObj | undefined, key: string): JNode | undefined {
  if (!obj) return undefined;
  for (let i = 0; i < obj.keys.length; i++) {
    if (obj.keys[i] !== key) continue;
    const v = obj.vals[i]!;
    if (v instanceof JArr) return v.items[0];
    return v;
  }
  return undefined;
}

/** The first value of `key` as it is (an array stays an array). */
export function rawOf(obj: JObj | undefined, key: string): JNode | undefined {
  if (!obj) return undefined;
  const i = obj.keys.indexOf(key);
  return i < 0 ? undefined : obj.vals[i];
}

export function hasKey(obj: JObj | undefined, key: string): boolean {
  return !!obj && obj.keys.includes(key);
}

/** A node as text: strings as they are, numbers/booleans printed, PDML fields by their `show`. */
export function textOf(v: JNode | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof JObj) return v.show;
  return undefined;
}

export function objOf(v: JNode | undefined): JObj | undefined {
  return v instanceof JObj ? v : undefined;
}

/** Non-negative integer from decimal text (or a JSON number); undefined when not one. */
export function intOf(v: JNode | undefined): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const t = textOf(v);
  if (t === undefined) return undefined;
  return parseUint(t);
}

export function parseUint(t: string): number | undefined {
  let s = t.trim();
  if (s.length === 0 || s.length > 20) return undefined;
  if (s.startsWith('0x') || s.startsWith('0X')) {
    s = s.slice(2);
    if (s.length === 0 || s.length > 13) return undefined;
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (h < 0) return undefined;
      v = v * 16 + h;
    }
    return v;
  }
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive (V8 slices share their
 * parent): used for what outlives a record, so that a parsed 200 MB file does not stay in memory.
 * Copies of short texts are shared (a bounded cache): header names and values repeat in every
 * request, and one copy each keeps the parsed frames small.
 */
export function detach(s: string): string {
  if (s.length < 13) return s;
  if (s.length > 128) return (' ' + s).slice(1);
  let copy = detached.get(s);
  if (copy === undefined) {
    if (detached.size >= 4096) detached.clear();
    copy = (' ' + s).slice(1);
    detached.set(copy, copy);
  }
  return copy;
}
const detached = new Map<string, string>();
