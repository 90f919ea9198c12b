/**
 * tshark `-T pdml` (XML): `<packet>` → `<proto name="…">` → nested `<field name="…" show="…">`.
 * A small linear scanner, no XML library: it finds tags (quote-aware, since attribute values may
 * hold `>` and line breaks), reads the `name` / `show` / `value` attributes, decodes the five
 * entities and numeric references, and builds one small tree per packet in the shape the JSON
 * exports have (duplicate keys kept), which the shared capture collector then reads.
 */
import type { ParsedLog } from '../model/frame.ts';
import { CaptureCollector, KEPT_LAYERS, NOTED_LAYERS, dotted } from './capture.ts';
import type { ChunkParser } from './incremental.ts';
import { parseAll } from './incremental.ts';
import { JObj } from './jsonTokenizer.ts';
import { formatNumber } from '../numberText.ts';

export const TSHARK_PDML_FORMAT = 'tshark-pdml';

/** Longest tag kept (attribute values beyond it are cut); the scan itself goes on. */
const MAX_TAG = 1 << 20;

const enum S { Text, Tag, Quote, Comment }

export interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attrs: Map<string, string>;
  line: number;
  col: number;
  /** Line and column just after the `>`. */
  endLine: number;
  endCol: number;
}

export function decodeEntities(s: string): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    out += s.slice(from, amp);
    // An entity is at most 10 characters to its `;`: only those are looked at (a bare `&` must not
    // send a search to the end of a long attribute).
    let semi = -1;
    for (let k = amp + 1; k <= amp + 10 && k < s.length; k++) if (s.charCodeAt(k) === 59) { semi = k; break; }
    if (semi < 0) { out += '&'; from = amp + 1; amp = s.indexOf('&', from); continue; }
    const ent = s.slice(amp + 1, semi);
    let rep: string | undefined;
    if (ent === 'lt') rep = '<';
    else if (ent === 'gt') rep = '>';
    else if (ent === 'amp') rep = '&';
    else if (ent === 'quot') rep = '"';
    else if (ent === 'apos') rep = '\'';
    else if (ent.startsWith('#')) {
      const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      if (Number.isInteger(code) && code >= 0 && code <= 0x10ffff) rep = String.fromCodePoint(code);
    }
    if (rep === undefined) { out += '&'; from = amp + 1; }
    else { out += rep; from = semi + 1; }
    amp = s.indexOf('&', from);
  }
  return out + s.slice(from);
}

/** The inside of `<…>` (without the brackets) → a tag. */
export function parseTag(raw: string, line: number, col: number, endLine: number, endCol: number): Tag | undefined {
  let i = 0;
  const n = raw.length;
  let closing = false;
  if (raw.charCodeAt(0) === 47) { closing = true; i = 1; }
  const nameStart = i;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 47) break;
    i++;
  }
  const name = raw.slice(nameStart, i);
  if (!name) return undefined;
  let end = n;
  let selfClosing = false;
  if (n > 0 && raw.charCodeAt(n - 1) === 47) { selfClosing = true; end = n - 1; }
  const attrs = new Map<string, string>();
  while (i < end) {
    const c = raw.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) { i++; continue; }
    const aStart = i;
    while (i < end && raw.charCodeAt(i) !== 61 && raw.charCodeAt(i) !== 32) i++;
    const aName = raw.slice(aStart, i);
    while (i < end && raw.charCodeAt(i) === 32) i++;
    if (raw.charCodeAt(i) !== 61) { i++; continue; }
    i++;
    while (i < end && raw.charCodeAt(i) === 32) i++;
    const q = raw.charCodeAt(i);
    if (q !== 34 && q !== 39) continue;
    const close = raw.indexOf(q === 34 ? '"' : '\'', i + 1);
    const vEnd = close < 0 ? end : close;
    attrs.set(aName, decodeEntities(raw.slice(i + 1, vEnd)));
    i = vEnd + 1;
  }
  return { name, closing, selfClosing, attrs, line, col, endLine, endCol };
}

/** Incremental tag scanner: calls `onTag` for every element tag, skips text, comments, `<?…?>`. */
export class TagScanner {
  line = 0;
  private lineStart = 0;
  private offset = 0;
  private st: S = S.Text;
  private quote = 0;
  private parts: string[] = [];
  private partsLen = 0;
  private tagLine = 0;
  private tagCol = 0;
  /** For comments: how many `-` were just seen. */
  private dashes = 0;
  private started = false;

  constructor(private readonly onTag: (tag: Tag) => void) {}

  get inTag(): boolean {
    return this.st !== S.Text;
  }

  private keep(s: string): void {
    if (this.partsLen >= MAX_TAG) return;
    const piece = s.length > MAX_TAG - this.partsLen ? s.slice(0, MAX_TAG - this.partsLen) : s;
    this.parts.push(piece);
    this.partsLen += piece.length;
  }

  write(chunk: string): void {
    const n = chunk.length;
    let i = 0;
    if (!this.started && n > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    let from = i; // start of the part of the current tag inside this chunk
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (c === 10) {
        this.line++;
        this.dashes = 0;
        this.lineStart = this.offset + i + 1;
        i++;
        continue;
      }
      switch (this.st) {
        case S.Text:
          if (c === 60) {
            if (chunk.startsWith('!--', i + 1)) {
              this.st = S.Comment;
              this.dashes = 0;
              i += 4;
              continue;
            }
            this.st = S.Tag;
            this.tagLine = this.line;
            this.tagCol = this.offset + i - this.lineStart;
            this.parts = [];
            this.partsLen = 0;
            from = i + 1;
          }
          i++;
          continue;
        case S.Tag:
          if (c === 34 || c === 39) { this.st = S.Quote; this.quote = c; i++; continue; }
          if (c === 62) {
            this.keep(chunk.slice(from, i));
            const raw = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
            this.parts = [];
            this.partsLen = 0;
            this.st = S.Text;
            i++;
            if (raw.startsWith('!--') && !(raw.length >= 5 && raw.endsWith('--'))) {
              // A comment that contains `>`: go on to `-->`.
              this.st = S.Comment;
              this.dashes = 0;
              continue;
            }
            if (raw.charCodeAt(0) === 33 || raw.charCodeAt(0) === 63) continue; // <!…>, <?…?>
            const tag = parseTag(raw, this.tagLine, this.tagCol, this.line, this.offset + i - this.lineStart);
            if (tag) this.onTag(tag);
            continue;
          }
          i++;
          continue;
        case S.Quote:
          if (c === this.quote) this.st = S.Tag;
          i++;
          continue;
        case S.Comment:
          if (c === 62 && this.dashes >= 2) this.st = S.Text;
          this.dashes = c === 45 ? this.dashes + 1 : 0;
          i++;
          continue;
      }
    }
    if (this.st === S.Tag || this.st === S.Quote) this.keep(chunk.slice(from, n));
    this.offset += n;
  }

  /** Line count at the end. */
  end(): number {
    if (this.offset > this.lineStart) {
      this.line++;
      this.lineStart = this.offset;
    }
    return this.line;
  }
}

export function createTsharkPdmlParser(): ChunkParser {
  const collector = new CaptureCollector(dotted);
  let sawPdml = false;
  let packet: JObj | undefined;
  let packetLine = 0;
  /** Open elements inside the packet (their JObj, or undefined for skipped / nameless ones). */
  const stack: Array<JObj | undefined> = [];
  let skipDepth = 0;
  let nodes = 0;
  let oversized = 0;
  let elements = 0;

  const onTag = (t: Tag): void => {
    elements++;
    if (t.name === 'pdml') { sawPdml = true; return; }
    if (t.name === 'packet') {
      if (t.closing) {
        if (packet) collector.addPacket(packet, packetLine);
        packet = undefined;
        stack.length = 0;
        skipDepth = 0;
        return;
      }
      packet = new JObj();
      packet.line = t.line;
      packet.col = t.col;
      packetLine = t.line;
      stack.length = 0;
      skipDepth = 0;
      nodes = 0;
      return;
    }
    if (!packet || (t.name !== 'proto' && t.name !== 'field')) return;
    if (t.closing) {
      if (skipDepth > 0) skipDepth--;
      else stack.pop();
      return;
    }
    if (skipDepth > 0) {
      if (!t.selfClosing) skipDepth++;
      return;
    }
    const parent = stack.length ? stack[stack.length - 1] : packet;
    const name = t.attrs.get('name');
    const skip = !parent || !name || (t.name === 'proto' && !KEPT_LAYERS.has(name)) || ++nodes > 1_000_000;
    if (nodes === 1_000_001) oversized++;
    if (skip) {
      if (parent && name && t.name === 'proto' && NOTED_LAYERS.has(name)) { parent.keys.push(name); parent.vals.push(null); }
      if (!t.selfClosing) skipDepth = 1;
      return;
    }
    const show = t.attrs.get('show') ?? t.attrs.get('value') ?? '';
    if (t.selfClosing) {
      parent.keys.push(name);
      parent.vals.push(show);
      return;
    }
    const node = new JObj();
    node.show = show;
    node.line = t.line;
    node.col = t.col;
    node.endCol = t.endLine === t.line ? t.endCol : t.col + 1 + t.name.length;
    parent.keys.push(name);
    parent.vals.push(node);
    stack.push(node);
  };
  const scanner = new TagScanner(onTag);
  return {
    write: (chunk) => scanner.write(chunk),
    finish(): ParsedLog {
      const inTag = scanner.inTag;
      const lineCount = scanner.end();
      const notes: string[] = [];
      if (packet || inTag) {
        notes.push(`The PDML ends${packet ? ` inside the packet that starts on line ${packetLine + 1}` : ' inside a tag'}: the file is truncated; the ${formatNumber(collector.frames.length)} HTTP/2 frames of the ${formatNumber(collector.packets)} complete packets before it were read.`);
      }
      if (oversized) notes.push(`${oversized} packet(s) were too large to keep whole; only their beginning was read.`);
      if (collector.packets === 0) {
        notes.push(sawPdml || elements > 0 ? 'This XML has no <packet> elements: it is not a tshark -T pdml export.' : 'No XML elements found: this is not a tshark -T pdml export.');
      }
      return collector.finish(TSHARK_PDML_FORMAT, lineCount, notes);
    },
  };
}

export function parseTsharkPdml(text: string): ParsedLog {
  return parseAll(createTsharkPdmlParser(), text);
}
