/**
 * Which frame each of Go's header-field lines belongs to.
 *
 * Go logs `decoded hpack field …`, `server encoding header …` and `Transport encoding header …` with
 * no Framer pointer, so in a process with many connections the lines of different field blocks
 * interleave. What Go guarantees (net/http h2_bundle.go, golang.org/x/net/http2):
 * - Decoding runs on the connection's reader goroutine: a block's `decoded` lines come after its
 *   Framer's `read HEADERS|PUSH_PROMISE|CONTINUATION` line, before that Framer's next `read` line and
 *   before the echo of the frame (`server read frame …`, `Transport received …`).
 * - Encoding runs under the connection's write lock (the Transport's wmu, the server's one write at a
 *   time): a block's `encoding` lines come after that connection's previous `wrote` line and before
 *   its `wrote HEADERS|PUSH_PROMISE`. Each block starts with a known field: the Transport's with
 *   `:authority`, the server's with `:status` (a response) or `:method` (a pushed request).
 * When a line could belong to more than one block, the choice is a guess, and every frame that could
 * have taken it is marked so (`headersGuessed`). The choice goes by what a field block must look like
 * (pseudo-header fields first and never twice), by the order of fields in the blocks seen so far (one
 * process repeats one shape with a few optional fields), and by runs (a goroutine often logs several
 * lines in a row).
 */
import type { HeaderField } from '../model/frame.ts';
import { FrameType } from '../model/frame.ts';
import type { FrameTable } from '../model/frameTable.ts';

/** Who logged an encoding line: the server (responses) or the Transport (requests, trailers). */
export enum Encoder { Server, Transport }

/**
 * Does a field named `name` start a block this encoder writes? The Transport's encodeHeaders begins
 * with `:authority`; the server's writeResHeaders with `:status`, its writePushPromise with `:method`.
 */
const startsBlock = (encoder: Encoder, name: string): boolean =>
  encoder === Encoder.Transport ? name === ':authority' : name === ':status' || name === ':method';

/** More open blocks than this are logs no Go process writes (one per connection at most): the oldest go. */
const MAX_OPEN = 64;
/** A score at or below this breaks a rule of field blocks: that block cannot take the field. */
const IMPOSSIBLE = -50;
/** A goroutine logs a block's lines in a run: the block that took the previous line is likelier. */
const SAME_RUN = 3;

/**
 * Header names as small numbers, so that a line is weighed against each open block with integer
 * compares (10^6 field lines in a big log, several open blocks each). 0 stands for a block's start,
 * END for its end; names past the first 253 share OTHER_PSEUDO or OTHER (a log of random names
 * teaches nothing about order).
 */
const OTHER_PSEUDO = 254;
const OTHER = 255;
const END = 256;
const NEXT = 257;
class NameIds {
  private readonly ids = new Map<string, number>();
  /** By id: is the name a pseudo-header field (`:status`)? */
  readonly pseudo = new Uint8Array(256);
  constructor() { this.pseudo[OTHER_PSEUDO] = 1; }
  of(name: string): number {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    const pseudo = name.charCodeAt(0) === 58; // ':'
    if (this.ids.size + 1 >= OTHER_PSEUDO) return pseudo ? OTHER_PSEUDO : OTHER;
    const id = this.ids.size + 1;
    this.ids.set(name, id);
    this.pseudo[id] = pseudo ? 1 : 0;
    return id;
  }
}

/**
 * The order fields come in, learnt from the blocks seen whole: how often each name followed each
 * name (or began a block), and how often each ended one. A process's blocks repeat one shape with a
 * few optional fields, so this tells which open block a field continues, and which looks complete.
 */
class FieldOrder {
  private readonly counts = new Float32Array(256 * NEXT);
  /** By name: 1 / how many blocks had a field after it (0: none yet), so a score is two products. */
  private readonly inverseTotals = new Float64Array(256);
  private readonly totals = new Float64Array(256);

  learn(names: readonly number[]): void {
    let prev = 0;
    for (let i = 0; i <= names.length; i++) {
      const name = i < names.length ? names[i]! : END;
      this.counts[prev * NEXT + name]!++;
      this.inverseTotals[prev] = 1 / ++this.totals[prev]!;
      prev = name === END ? 0 : name;
    }
  }

  /** From -5 (blocks end after `last`, never with `name`) to +6 (`name` always follows `last`; 0: a block's start). */
  score(last: number, name: number): number {
    const row = last * NEXT;
    return (6 * this.counts[row + name]! - 5 * this.counts[row + END]!) * this.inverseTotals[last]!;
  }

  /** Have blocks ended after `last`? */
  ends(last: number): boolean {
    return this.counts[last * NEXT + END]! > 0;
  }

  /** Have blocks begun with `name`? (For an encoder's blocks other than its usual start: trailers.) */
  starts(name: number): boolean {
    return this.counts[name]! > 0;
  }
}

/**
 * What a block holds so far, enough to weigh a field against it without reading its list: the names
 * as bits (ids below 32; `wide` when it has a name past those), its last name, and whether a regular
 * (not pseudo-header) field came (pseudo-header fields must come first).
 */
const MASKED = 32;

/**
 * How well a field named `name` continues a block (higher is better; IMPOSSIBLE or less breaks a rule
 * of field blocks), given what the blocks seen so far looked like (`order`). `twice`: the block has
 * the name already.
 */
function fit(last: number, regular: boolean, twice: boolean, name: number, pseudo: boolean, order: FieldOrder): number {
  let score = order.score(last, name);
  // RFC 9113 §8.3: pseudo-header fields come first, and none twice; a regular name rarely repeats.
  if (pseudo && regular) score -= 100;
  if (twice) score -= pseudo ? 100 : 10;
  return score;
}

/** Can a block take a pseudo-header field whose name has `bit`? Not after a regular field, not twice (RFC 9113 §8.3). */
const takesPseudo = (regular: boolean, mask: number, bit: number): boolean => !regular && (mask & bit) === 0;

/** Removes item `at` of a short list, keeping the order (splice would make an array of what it removes). */
function removeAt<T>(list: T[], at: number): void {
  if (at < 0) return;
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i]!;
  list.length--;
}

/** Does `list` hold a field named `name`? (For names past the bits.) */
function listHas(list: readonly HeaderField[] | undefined, name: string): boolean {
  if (list === undefined) return false;
  for (let i = 0; i < list.length; i++) if (list[i]!.name === name) return true;
  return false;
}

/** A block being encoded (kept in a pool: a big log encodes 10^5 of them). */
interface EncodingBlock {
  encoder: Encoder;
  /** Lines of its first and latest field. */
  firstLine: number;
  lastLine: number;
  fields: HeaderField[] | undefined;
  /** Could one of its fields have gone to another block? */
  guessed: boolean;
  mask: number;
  last: number;
  regular: boolean;
}

/** Blocks learnt whole before the order is learnt from one block in LEARN_EVERY only (it has settled by then). */
const LEARN_ALL = 4096;
const LEARN_EVERY = 16;

/**
 * `Added` is what the caller hands over with a field line, and `add(list, added)` gives `list` with
 * that line's field appended (the caller shares lists between frames).
 */
export class GoHeaderBlocks<Added> {
  private readonly names = new NameIds();
  /** Connection codes with a block being decoded, oldest first. */
  private readonly open: number[] = [];
  /** Per connection code: the row of its block being decoded (-1: none), and that block's shape. */
  private openRow = new Int32Array(64).fill(-1);
  private openMask = new Uint32Array(64);
  private openLast = new Uint16Array(64);
  private openFlags = new Uint8Array(64);
  /** Per connection code: the row of the last block it opened (-1: none), for a CONTINUATION after a close. */
  private lastOpenedRow = new Int32Array(64).fill(-1);
  /** Per connection code: the line of the last frame it wrote (-1: none). */
  private lastWriteLine = new Float64Array(64).fill(-1);
  /** The order of fields in the blocks read, and in those each encoder wrote. */
  private readonly readOrder = new FieldOrder();
  private readonly writeOrder = [new FieldOrder(), new FieldOrder()];
  private readonly learnt = [0, 0, 0];
  private readonly encoding: EncodingBlock[] = [];
  private readonly pool: EncodingBlock[] = [];
  /** The connection whose block took the last decoded line (-1: none), and the block that took the last encoding line. */
  private lastDecoded = -1;
  private lastEncoded: EncodingBlock | undefined;
  /** How many blocks being decoded are not marked as guesses yet (when none, no line needs to mark any). */
  private unmarked = 0;
  /** The row of the last block opened in the whole log: where decoded lines go when no block is open. */
  private lastOpened = -1;
  /** By nameId: a name some response announced as a trailer (its `trailer` field), so it may begin a block. */
  private readonly announced = new Uint8Array(NEXT);

  constructor(private readonly frames: FrameTable, private readonly add: (list: HeaderField[] | undefined, added: Added) => HeaderField[]) {}

  /** Is some block being decoded? (Only then do echo lines matter.) */
  get decoding(): boolean { return this.open.length > 0; }

  /** The small number that stands for a header name here (callers keep it with a line they see again). */
  nameId(name: string): number { return this.names.of(name); }

  /** A frame read (its Framer line). */
  read(row: number): void {
    const frames = this.frames;
    const conn = frames.connectionCodeOf(row);
    if (conn >= this.openRow.length) this.grow(conn);
    const type = frames.typeOf(row);
    const was = this.openRow[conn]!;
    if (type === FrameType.CONTINUATION) {
      // Fields decoded from a CONTINUATION belong to the block its HEADERS/PUSH_PROMISE opened.
      if (was >= 0 && frames.streamIdOf(was) === frames.streamIdOf(row)) return;
      const last = this.lastOpenedRow[conn]!;
      this.close(conn);
      this.openBlock(conn, last >= 0 && frames.streamIdOf(last) === frames.streamIdOf(row) ? last : row);
      return;
    }
    if (was >= 0) this.close(conn);
    if (type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE) this.openBlock(conn, row);
  }

  /**
   * The echo of a frame read (`server read frame …` / `Transport received …`): decoding of that frame
   * is over. Closes the one open block it can be; when several connections have a block open on that
   * stream with that length, it cannot tell which, and closes none.
   */
  echo(type: number, streamId: number, length: number): void {
    if (this.open.length === 0 || (type !== FrameType.HEADERS && type !== FrameType.PUSH_PROMISE && type !== FrameType.CONTINUATION)) return;
    const frames = this.frames;
    let match = -1;
    for (const conn of this.open) {
      const row = this.openRow[conn]!;
      if (frames.streamIdOf(row) !== streamId) continue;
      if (type !== FrameType.CONTINUATION && (frames.typeOf(row) !== type || frames.lengthOf(row) !== length)) continue;
      if (match >= 0) return;
      match = conn;
    }
    if (match >= 0) this.close(match);
  }

  /** A decoded field (`name` its nameId): adds it to the block it belongs to. */
  decoded(field: HeaderField, name: number, added: Added): void {
    const open = this.open;
    const frames = this.frames;
    const pseudo = this.names.pseudo[name] === 1;
    const bit = name < MASKED ? 1 << name : 0;
    let conn = -1;
    let row: number;
    let guessed = false;
    if (open.length === 1) conn = open[0]!;
    else if (open.length > 1) {
      // The run goes on when the order leaves no doubt: no other block can score above this one's
      // score + SAME_RUN (at most 6). Then it is a guess when any other block could take the field.
      const run = this.lastDecoded;
      // (Only for names with a bit: a name past the bits needs its list read to rule out a repeat.)
      if (run >= 0 && bit !== 0 && (!pseudo || (this.openFlags[run]! & REGULAR) === 0) && (this.openMask[run]! & bit) === 0 && this.readOrder.score(this.openLast[run]!, name) > 6 - SAME_RUN) {
        conn = run;
        if (!pseudo) guessed = true;
        else for (let i = 0; i < open.length && !guessed; i++) {
          const c = open[i]!;
          guessed = c !== run && takesPseudo((this.openFlags[c]! & REGULAR) !== 0, this.openMask[c]!, bit);
        }
      } else {
        let possible = 0;
        let bestScore = -Infinity;
        // Newest first: on a tie the block opened last wins (an older one may be complete already).
        for (let i = open.length - 1; i >= 0; i--) {
          const c = open[i]!;
          const twice = bit !== 0 ? (this.openMask[c]! & bit) !== 0 : (this.openFlags[c]! & WIDE) !== 0 && listHas(frames.headersOf(this.openRow[c]!), field.name);
          let score = fit(this.openLast[c]!, (this.openFlags[c]! & REGULAR) !== 0, twice, name, pseudo, this.readOrder);
          if (score > IMPOSSIBLE) possible++;
          if (c === this.lastDecoded) score += SAME_RUN;
          if (score > bestScore) { conn = c; bestScore = score; }
        }
        guessed = possible !== 1;
      }
      // Every block that could have taken the field may now lack it: all of them are guesses.
      if (guessed && this.unmarked > 0) {
        for (const c of open) {
          if ((this.openFlags[c]! & GUESSED) !== 0 || (pseudo && !takesPseudo((this.openFlags[c]! & REGULAR) !== 0, this.openMask[c]!, bit))) continue;
          this.markGuessed(c);
        }
      }
    }
    this.lastDecoded = conn;
    if (conn >= 0) {
      row = this.openRow[conn]!;
      this.openMask[conn]! |= bit;
      this.openLast[conn] = name;
      this.openFlags[conn]! |= (pseudo ? 0 : REGULAR) | (bit === 0 ? WIDE : 0);
    } else {
      // Outside every block's window (a log cut mid-block, or a Go that logs otherwise).
      row = this.lastOpened;
      if (row < 0) return;
      guessed = true;
    }
    frames.setHeaders(row, this.add(frames.headersOf(row), added));
    if (guessed) {
      if (conn >= 0) { if ((this.openFlags[conn]! & GUESSED) === 0) this.markGuessed(conn); }
      else frames.setHeadersGuessed(row, true);
    }
  }

  /** Marks the block `conn` is decoding as a guess. */
  private markGuessed(conn: number): void {
    this.frames.setHeadersGuessed(this.openRow[conn]!, true);
    this.openFlags[conn]! |= GUESSED;
    this.unmarked--;
  }

  /** An encoding line's field (`name` its nameId): adds it to the block it belongs to. */
  encoded(encoder: Encoder, field: HeaderField, name: number, line: number, added: Added): void {
    const pseudo = this.names.pseudo[name] === 1;
    const bit = name < MASKED ? 1 << name : 0;
    let block: EncodingBlock | undefined;
    let startGuessed = false;
    if (!startsBlock(encoder, field.name)) {
      let possible = 0;
      let bestScore = -Infinity;
      /** The chosen block's score without the run bonus: does the order expect the field there? */
      let bestFit = -Infinity;
      const order = this.writeOrder[encoder]!;
      for (let i = this.encoding.length - 1; i >= 0; i--) {
        const b = this.encoding[i]!;
        if (b.encoder !== encoder) continue;
        const twice = bit !== 0 ? (b.mask & bit) !== 0 : listHas(b.fields, field.name);
        const fitted = fit(b.last, b.regular, twice, name, pseudo, order);
        let score = fitted;
        if (score > IMPOSSIBLE) possible++;
        if (b === this.lastEncoded) score += SAME_RUN;
        if (score > bestScore) { block = b; bestScore = score; bestFit = fitted; }
      }
      // Trailers are a block of their own that begins with a regular field (RFC 9113 §8.1), logged by
      // another connection's writer while this block may be open. A name announced as a trailer (the
      // response's `trailer` field), or one that has begun blocks before, may begin one: it does when
      // the order does not expect it in the open block.
      if (possible > 0 && !pseudo && (this.announced[name] === 1 || order.starts(name))) {
        possible++;
        if (bestFit <= 0) bestScore = IMPOSSIBLE;
      }
      if (possible > 1) {
        for (const b of this.encoding) {
          if (b.encoder !== encoder || (pseudo && !takesPseudo(b.regular, b.mask, bit))) continue;
          b.guessed = true;
        }
      }
      // None open (trailers, or a block whose start the log does not hold), or none can take it.
      if (bestScore <= IMPOSSIBLE) {
        block = undefined;
        startGuessed = possible > 1;
      }
    }
    if (block === undefined) {
      if (this.encoding.length >= MAX_OPEN) this.release(this.encoding.shift()!);
      block = this.pool.pop() ?? { encoder, firstLine: line, lastLine: line, fields: undefined, guessed: false, mask: 0, last: 0, regular: false };
      block.encoder = encoder;
      block.firstLine = line;
      block.guessed = startGuessed;
      this.encoding.push(block);
    }
    if (field.name === 'trailer') this.announce(field.value);
    block.fields = this.add(block.fields, added);
    block.lastLine = line;
    block.mask |= bit;
    block.last = name;
    if (!pseudo) block.regular = true;
    this.lastEncoded = block;
  }

  /**
   * A frame written: a HEADERS or PUSH_PROMISE takes the encoded block that was its own — one begun
   * after its connection's previous write; among several, one that looks complete (its last field
   * has ended blocks before), then the one that took the latest line (the writer writes right after
   * encoding). `encoder` is the connection's side when known.
   */
  wrote(row: number, encoder: Encoder | undefined): void {
    const frames = this.frames;
    const conn = frames.connectionCodeOf(row);
    if (conn >= this.openRow.length) this.grow(conn);
    const after = this.lastWriteLine[conn]!;
    this.lastWriteLine[conn] = frames.lineOf(row);
    if (this.encoding.length === 0) return;
    const type = frames.typeOf(row);
    if (type !== FrameType.HEADERS && type !== FrameType.PUSH_PROMISE) return;
    // Unknown side: the Transport's blocks first (as a client's log has only those).
    const kind = encoder ?? (this.encoding.some((b) => b.encoder === Encoder.Transport) ? Encoder.Transport : Encoder.Server);
    const order = this.writeOrder[kind]!;
    let best = -1;
    let bestScore = -Infinity;
    let inWindow = 0;
    for (let i = 0; i < this.encoding.length; i++) {
      const b = this.encoding[i]!;
      if (b.encoder !== kind) continue;
      // Begun in the window first, then looking complete, then the latest line.
      let score = b.lastLine;
      if (b.firstLine > after) { score += 2e12; inWindow++; }
      if (order.ends(b.last)) score += 1e12;
      if (score > bestScore) { best = i; bestScore = score; }
    }
    if (best < 0) return;
    const block = this.encoding[best]!;
    removeAt(this.encoding, best);
    if (block === this.lastEncoded) this.lastEncoded = undefined;
    const fields = block.fields;
    if (fields?.length) {
      frames.setHeaders(row, fields);
      if (block.guessed || inWindow !== 1) frames.setHeadersGuessed(row, true);
      // The other blocks begun in the window could have been this frame's: each is a guess now.
      if (inWindow > 1) for (const b of this.encoding) if (b.encoder === kind && b.firstLine > after) b.guessed = true;
      this.learn(1 + kind, order, fields);
    }
    this.release(block);
  }

  /** A `trailer` field's value: the names of the trailers to come (comma-separated, any case). */
  private announce(value: string): void {
    for (const part of value.split(',')) {
      const id = this.names.of(part.trim().toLowerCase());
      if (id < OTHER_PSEUDO) this.announced[id] = 1;
    }
  }

  private release(block: EncodingBlock): void {
    block.fields = undefined;
    block.guessed = false;
    block.mask = 0;
    block.last = 0;
    block.regular = false;
    if (this.pool.length < MAX_OPEN) this.pool.push(block);
  }

  /** Learns the order of `fields` into `order` (which = 0 read, 1 + encoder written): every block at first, then a sample. */
  private learn(which: number, order: FieldOrder, fields: readonly HeaderField[]): void {
    const n = ++this.learnt[which]!;
    if (n > LEARN_ALL && n % LEARN_EVERY !== 0) return;
    const ids = new Array<number>(fields.length);
    for (let i = 0; i < fields.length; i++) ids[i] = this.names.of(fields[i]!.name);
    order.learn(ids);
  }

  private openBlock(conn: number, row: number): void {
    if (this.open.length >= MAX_OPEN) this.close(this.open[0]!);
    this.open.push(conn);
    this.openRow[conn] = row;
    // A block reopened by its CONTINUATION keeps what it had.
    let mask = 0;
    let last = 0;
    let flags = 0;
    const fields = this.frames.headersOf(row);
    if (fields !== undefined) {
      for (const f of fields) {
        const id = this.names.of(f.name);
        if (id < MASKED) mask |= 1 << id;
        else flags |= WIDE;
        if (this.names.pseudo[id] !== 1) flags |= REGULAR;
        last = id;
      }
    }
    if (this.frames.headersGuessedOf(row)) flags |= GUESSED;
    else this.unmarked++;
    this.openMask[conn] = mask;
    this.openLast[conn] = last;
    this.openFlags[conn] = flags;
    this.lastOpenedRow[conn] = row;
    this.lastOpened = row;
  }

  private close(conn: number): void {
    const row = this.openRow[conn]!;
    if (row < 0) return;
    this.openRow[conn] = -1;
    if ((this.openFlags[conn]! & GUESSED) === 0) this.unmarked--;
    if (this.lastDecoded === conn) this.lastDecoded = -1;
    removeAt(this.open, this.open.indexOf(conn));
    const fields = this.frames.headersOf(row);
    if (fields?.length) this.learn(0, this.readOrder, fields);
  }

  /** Makes the per-connection arrays hold connection code `conn`. */
  private grow(conn: number): void {
    const size = Math.max(conn + 1, this.openRow.length * 2);
    const widen = <T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.openRow = widen(this.openRow, -1);
    this.openMask = widen(this.openMask, 0);
    this.openLast = widen(this.openLast, 0);
    this.openFlags = widen(this.openFlags, 0);
    this.lastOpenedRow = widen(this.lastOpenedRow, -1);
    this.lastWriteLine = widen(this.lastWriteLine, -1);
  }
}

/** openFlags bits: a regular field came; a name past the bits came; the frame is marked as a guess. */
const REGULAR = 1;
const WIDE = 2;
const GUESSED = 4;
