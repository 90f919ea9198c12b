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
 *   its `wrote HEADERS|PUSH_PROMISE`. Each block starts with the same field: the Transport's with
 *   `:authority`, the server's with `:status`.
 * When a line could belong to more than one block, the choice is a guess, and the frame that takes
 * it is marked so (`headersGuessed`): from what a field block must look like (pseudo-header fields
 * first and never twice), from the connection's previous block (clients and servers repeat the same
 * fields in the same order), and from runs (a goroutine often logs several lines in a row).
 */
import type { HeaderField } from '../model/frame.ts';
import { FrameType } from '../model/frame.ts';
import type { FrameTable } from '../model/frameTable.ts';

/** Who logged an encoding line: the server (responses) or the Transport (requests, trailers). */
export enum Encoder { Server, Transport }

/** The first field of every block each encoder writes (encodeHeaders of the Transport and of writeResHeaders). */
const BLOCK_START = [':status', ':authority'] as const;

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
  private readonly counts = new Float64Array(256 * NEXT);
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
}

/** A field block being decoded or encoded: the names of its fields so far. */
interface Block {
  readonly names: number[];
  /** Has a regular (not pseudo-header) field come? Pseudo-header fields must come before any. */
  regular: boolean;
}

/** A block being decoded: its frame's row (HEADERS, PUSH_PROMISE, or a CONTINUATION with no opener in the log). */
interface DecodingBlock extends Block {
  readonly row: number;
  readonly conn: number;
}

/** A block being encoded. */
interface EncodingBlock extends Block {
  readonly encoder: Encoder;
  /** Lines of its first and latest field. */
  readonly firstLine: number;
  lastLine: number;
  fields: HeaderField[] | undefined;
  /** Could one of its fields have gone to another block? */
  guessed: boolean;
}

/**
 * How well a field named `name` continues `block` (higher is better; IMPOSSIBLE or less breaks a rule
 * of field blocks), given what the blocks seen so far looked like (`order`).
 */
function fit(block: Block, name: number, pseudo: boolean, order: FieldOrder): number {
  const names = block.names;
  let score = 0;
  // RFC 9113 §8.3: pseudo-header fields come first, and none twice; a regular name rarely repeats.
  if (pseudo && block.regular) score -= 100;
  for (let i = 0; i < names.length; i++) {
    if (names[i] === name) { score -= pseudo ? 100 : 10; break; }
  }
  return score + order.score(names.length > 0 ? names[names.length - 1]! : 0, name);
}

/** Can `block` take a pseudo-header field named `name` (none after a regular field, none twice)? */
function possibleFor(block: Block, name: number): boolean {
  return !block.regular && !block.names.includes(name);
}

function append(block: Block, name: number, pseudo: boolean): void {
  block.names.push(name);
  if (!pseudo) block.regular = true;
}

/**
 * `Added` is what the caller hands over with a field line, and `add(list, added)` gives `list` with
 * that line's field appended (the caller shares lists between frames).
 */
export class GoHeaderBlocks<Added> {
  private readonly names = new NameIds();
  /** Blocks being decoded, oldest first. */
  private readonly open: DecodingBlock[] = [];
  /** Per connection code: its block open for decoding, and the last one it opened. */
  private readonly openOf: Array<DecodingBlock | undefined> = [];
  private readonly lastOpenedOf: Array<DecodingBlock | undefined> = [];
  /** The order of fields in the blocks read, and in those each encoder wrote. */
  private readonly readOrder = new FieldOrder();
  private readonly writeOrder = [new FieldOrder(), new FieldOrder()];
  /** Per connection code: the line of the last frame it wrote. */
  private readonly lastWriteLine: number[] = [];
  private readonly encoding: EncodingBlock[] = [];
  /** The block that took the last decoded line, and the one that took the last encoding line. */
  private lastDecoded: DecodingBlock | undefined;
  private lastEncoded: EncodingBlock | undefined;
  /** The last block opened in the whole log: where decoded lines go when no block is open. */
  private lastOpened: DecodingBlock | undefined;

  constructor(private readonly frames: FrameTable, private readonly add: (list: HeaderField[] | undefined, added: Added) => HeaderField[]) {}

  /** Is some block being decoded? (Only then do echo lines matter.) */
  get decoding(): boolean { return this.open.length > 0; }

  /** A frame read (its Framer line). */
  read(row: number): void {
    const frames = this.frames;
    const conn = frames.connectionCodeOf(row);
    const type = frames.typeOf(row);
    const was = this.openOf[conn];
    if (type === FrameType.CONTINUATION) {
      // Fields decoded from a CONTINUATION belong to the block its HEADERS/PUSH_PROMISE opened.
      if (was !== undefined && frames.streamIdOf(was.row) === frames.streamIdOf(row)) return;
      const last = this.lastOpenedOf[conn];
      this.close(conn);
      if (last !== undefined && frames.streamIdOf(last.row) === frames.streamIdOf(row)) this.openBlock(last);
      else this.openBlock({ row, conn, names: [], regular: false });
      return;
    }
    if (was !== undefined) this.close(conn);
    if (type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE) this.openBlock({ row, conn, names: [], regular: false });
  }

  /**
   * The echo of a frame read (`server read frame …` / `Transport received …`): decoding of that frame
   * is over. Closes the one open block it can be; when several connections have a block open on that
   * stream with that length, it cannot tell which, and closes none.
   */
  echo(type: number, streamId: number, length: number): void {
    if (this.open.length === 0 || (type !== FrameType.HEADERS && type !== FrameType.PUSH_PROMISE && type !== FrameType.CONTINUATION)) return;
    const frames = this.frames;
    let match: DecodingBlock | undefined;
    for (const b of this.open) {
      if (frames.streamIdOf(b.row) !== streamId) continue;
      if (type !== FrameType.CONTINUATION && (frames.typeOf(b.row) !== type || frames.lengthOf(b.row) !== length)) continue;
      if (match !== undefined) return;
      match = b;
    }
    if (match !== undefined) this.close(match.conn);
  }

  /** A decoded field: adds it to the block it belongs to. */
  decoded(field: HeaderField, added: Added): void {
    const open = this.open;
    const name = this.names.of(field.name);
    const pseudo = this.names.pseudo[name] === 1;
    let block: DecodingBlock | undefined;
    let guessed = false;
    if (open.length === 1) block = open[0]!;
    else if (open.length === 0) {
      // Outside every block's window (a log cut mid-block, or a Go that logs otherwise).
      block = this.lastOpened;
      guessed = true;
    } else {
      let possible = 0;
      let bestScore = -Infinity;
      // Newest first: on a tie the block opened last wins (an older one may be complete already).
      for (let i = open.length - 1; i >= 0; i--) {
        const candidate = open[i]!;
        let score = fit(candidate, name, pseudo, this.readOrder);
        if (score > IMPOSSIBLE) possible++;
        if (candidate === this.lastDecoded) score += SAME_RUN;
        if (score > bestScore) { block = candidate; bestScore = score; }
      }
      // Every block that could have taken the field may now lack it: all of them are guesses.
      if (possible !== 1) {
        guessed = true;
        for (const b of open) if (!pseudo || possibleFor(b, name)) this.frames.setHeadersGuessed(b.row, true);
      }
    }
    this.lastDecoded = block;
    if (block === undefined) return;
    append(block, name, pseudo);
    this.frames.setHeaders(block.row, this.add(this.frames.headersOf(block.row), added));
    if (guessed) this.frames.setHeadersGuessed(block.row, true);
  }

  /** An encoding line's field: adds it to the block it belongs to. */
  encoded(encoder: Encoder, field: HeaderField, line: number, added: Added): void {
    const name = this.names.of(field.name);
    const pseudo = this.names.pseudo[name] === 1;
    let block: EncodingBlock | undefined;
    if (field.name !== BLOCK_START[encoder]) {
      let possible = 0;
      let bestScore = -Infinity;
      const order = this.writeOrder[encoder]!;
      for (let i = this.encoding.length - 1; i >= 0; i--) {
        const b = this.encoding[i]!;
        if (b.encoder !== encoder) continue;
        let score = fit(b, name, pseudo, order);
        if (score > IMPOSSIBLE) possible++;
        if (b === this.lastEncoded) score += SAME_RUN;
        if (score > bestScore) { block = b; bestScore = score; }
      }
      if (possible > 1) for (const b of this.encoding) if (b.encoder === encoder && (!pseudo || possibleFor(b, name))) b.guessed = true;
      // None open (trailers, or a block whose start the log does not hold), or none can take it.
      if (bestScore <= IMPOSSIBLE) block = undefined;
    }
    if (block === undefined) {
      if (this.encoding.length >= MAX_OPEN) this.encoding.shift();
      block = { encoder, firstLine: line, lastLine: line, fields: undefined, guessed: false, names: [], regular: false };
      this.encoding.push(block);
    }
    append(block, name, pseudo);
    block.fields = this.add(block.fields, added);
    block.lastLine = line;
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
    const after = this.lastWriteLine[conn] ?? -1;
    this.lastWriteLine[conn] = frames.lineOf(row);
    const type = frames.typeOf(row);
    if ((type !== FrameType.HEADERS && type !== FrameType.PUSH_PROMISE) || this.encoding.length === 0) return;
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
      if (b.names.length > 0 && order.ends(b.names[b.names.length - 1]!)) score += 1e12;
      if (score > bestScore) { best = i; bestScore = score; }
    }
    if (best < 0) return;
    const block = this.encoding.splice(best, 1)[0]!;
    if (block === this.lastEncoded) this.lastEncoded = undefined;
    if (!block.fields?.length) return;
    frames.setHeaders(row, block.fields);
    if (block.guessed || inWindow !== 1) frames.setHeadersGuessed(row, true);
    // The other blocks begun in the window could have been this frame's: each is a guess now.
    if (inWindow > 1) for (const b of this.encoding) if (b.encoder === kind && b.firstLine > after) b.guessed = true;
    order.learn(block.names);
  }

  private openBlock(block: DecodingBlock): void {
    if (this.open.length >= MAX_OPEN) this.close(this.open[0]!.conn);
    this.open.push(block);
    this.openOf[block.conn] = block;
    this.lastOpenedOf[block.conn] = block;
    this.lastOpened = block;
  }

  private close(conn: number): void {
    const block = this.openOf[conn];
    if (block === undefined) return;
    this.openOf[conn] = undefined;
    const at = this.open.indexOf(block);
    if (at >= 0) this.open.splice(at, 1);
    if (block.names.length > 0) this.readOrder.learn(block.names);
  }
}
