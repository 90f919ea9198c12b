/** The incremental form of a format parser: text in pieces of any size, then the result. */
import type { ParsedLog } from '../model/frame.ts';

export interface ChunkParser {
  /** Feed the next piece of the text (pieces may split lines, tokens and characters' surrogate pairs). */
  write(chunk: string): void;
  /** No more text: the result. */
  finish(): ParsedLog;
}

/** Whole text → result, through the incremental parser. */
export function parseAll(parser: ChunkParser, text: string): ParsedLog {
  parser.write(text);
  return parser.finish();
}

/** A line-based format as a chunk parser: `onLine` for every line, `finish(lineCount)` at the end. */
export function lineChunkParser(onLine: (line: string, lineNo: number) => void, finish: (lineCount: number) => ParsedLog): ChunkParser {
  const lines = new LineSplitter(onLine);
  return {
    write: (chunk) => lines.write(chunk),
    finish: () => {
      const parsed = finish(lines.end());
      const note = lines.tooLongNote();
      if (note) parsed.notes.push(note);
      return parsed;
    },
  };
}

/**
 * Longer than any line a line-based HTTP/2 log writes (a header field is at most a few MB): such a
 * line is passed over, not kept, so a file of one giant line costs no memory of its size.
 */
export const MAX_LINE_CHARS = 64 << 20;

/**
 * Line-based formats: splits the pieces into lines (`\n` / `\r\n`), keeping at most one partial
 * line between pieces (up to MAX_LINE_CHARS), and feeds them with their 0-based numbers.
 */
export class LineSplitter {
  private carry = '';
  /** The line being passed over for its length, until its end. */
  private skipping = false;
  private tooLong = 0;
  private firstTooLong = -1;
  lineNo = 0;

  constructor(private readonly onLine: (line: string, lineNo: number) => void) {}

  write(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      if (this.skipping) return;
      this.carry += chunk;
      if (this.carry.length > MAX_LINE_CHARS) {
        if (this.tooLong++ === 0) this.firstTooLong = this.lineNo;
        this.carry = '';
        this.skipping = true;
      }
      return;
    }
    if (this.skipping) {
      this.skipping = false;
      this.lineNo++;
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    } else if (this.carry) {
      const first = this.carry + chunk.slice(0, nl);
      this.carry = '';
      this.emit(first);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl >= 0) {
      this.emit(chunk.slice(start, nl));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    this.carry = chunk.slice(start);
  }

  private emit(line: string): void {
    this.onLine(line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, this.lineNo++);
  }

  /** Flushes the last line; returns the line count. */
  end(): number {
    if (this.skipping) {
      this.skipping = false;
      this.lineNo++;
    } else if (this.carry) {
      const c = this.carry;
      this.carry = '';
      this.emit(c);
    }
    return this.lineNo;
  }

  /** What to tell of the lines passed over for their length, if any. */
  tooLongNote(): string | undefined {
    return passedOverNote(this.tooLong, this.firstTooLong, `${MAX_LINE_CHARS >> 20} M characters, which no line of this format is`);
  }
}

/** The note on `count` lines passed over for being longer than `limit` (the first at 0-based `first`), if any. */
export function passedOverNote(count: number, first: number, limit: string): string | undefined {
  if (count === 0) return undefined;
  const one = count === 1;
  return `${one ? 'Line' : `${count} lines, the first`} ${first + 1} ${one ? 'is' : 'are'} longer than ${limit}: ${one ? 'it was' : 'they were'} passed over, not read.`;
}

/** Removes ANSI colour escapes (`ESC [ ... letter`) in one pass; returns the line unchanged when it has none. */
export function stripAnsi(line: string): string {
  let esc = line.indexOf('\u001b');
  if (esc < 0) return line;
  let out = '';
  let from = 0;
  while (esc >= 0) {
    out += line.slice(from, esc);
    let j = esc + 1;
    if (line.charCodeAt(j) === 91) {
      j++;
      while (j < line.length) {
        const d = line.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 59) j++;
        else break;
      }
      if (j < line.length) j++; // the final letter
    }
    from = j;
    esc = line.indexOf('\u001b', from);
  }
  return out + line.slice(from);
}

/**
 * The payload length to record for a HEADERS / PUSH_PROMISE frame whose format does not log it:
 * a lower bound (HPACK needs at least one byte per field, and a field block the endpoint acted on
 * is not empty). Never 0: the rules read a 0-length HEADERS as an empty frame (CVE-2019-9518).
 */
export function headersLengthLowerBound(fields: number | undefined): number {
  return Math.max(1, fields ?? 0);
}
