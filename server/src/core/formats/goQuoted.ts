/**
 * Decoder for Go's `%q` / strconv.Quote output (what the Framer prints for data=, ping=, Debug=).
 * Linear, never throws: a malformed escape is kept as literal text.
 */
import { hexDigit } from './byteText.ts';

export interface GoQuoted {
  /** Decoded bytes (a `\xHH` is one byte, a raw character its UTF-8 bytes). */
  bytes: number[];
  /** Index just after the closing quote, or -1 when the string is not closed on this line. */
  end: number;
}

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 };

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/**
 * Decode a Go-quoted string whose opening `"` is at `start`. At most `maxBytes` bytes are kept
 * (the rest is still scanned so that `end` is right).
 */
export function decodeGoQuoted(text: string, start: number, maxBytes = Infinity): GoQuoted {
  const bytes: number[] = [];
  if (text.charCodeAt(start) !== 34) return { bytes, end: -1 };
  let i = start + 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) return { bytes, end: i + 1 };
    if (c === 10 || c === 13) break;
    const keep = bytes.length < maxBytes;
    if (c !== 92) {
      if (keep) {
        let cp = c;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
          const lo = text.charCodeAt(i + 1);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            i++;
          }
        }
        pushUtf8(bytes, cp);
      }
      i++;
      continue;
    }
    // backslash escape
    const e = text[i + 1];
    if (e === undefined) break;
    if (e in SIMPLE) {
      if (keep) bytes.push(SIMPLE[e]!);
      i += 2;
      continue;
    }
    const digits = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (digits > 0) {
      let v = 0;
      let ok = true;
      for (let k = 0; k < digits; k++) {
        const h = hexDigit(text.charCodeAt(i + 2 + k));
        if (h < 0) { ok = false; break; }
        v = v * 16 + h;
      }
      if (ok) {
        if (keep) {
          if (e === 'x') bytes.push(v);
          else pushUtf8(bytes, Math.min(v, 0x10ffff));
        }
        i += 2 + digits;
        continue;
      }
    } else if (e >= '0' && e <= '7') {
      const o = text.slice(i + 1, i + 4);
      if (/^[0-7]{3}$/.test(o)) {
        if (keep) bytes.push(parseInt(o, 8) & 0xff);
        i += 4;
        continue;
      }
    }
    // Unknown escape: keep the backslash literally.
    if (keep) bytes.push(92);
    i++;
  }
  return { bytes, end: -1 };
}

export function bytesToHex(bytes: readonly number[]): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
export function bytesToText(bytes: readonly number[]): string {
  return utf8.decode(Uint8Array.from(bytes));
}

/** Render bytes back the way Go's %q would (for hovers and messages). */
export function goQuote(bytes: readonly number[]): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 34) s += '\\"';
    else if (b === 92) s += '\\\\';
    else if (b === 10) s += '\\n';
    else if (b === 9) s += '\\t';
    else if (b === 13) s += '\\r';
    else if (b >= 32 && b < 127) s += String.fromCharCode(b);
    else s += '\\x' + (b < 16 ? '0' : '') + b.toString(16);
  }
  return s + '"';
}

/**
 * Decode a Go-quoted string straight to text. Most quoted strings in logs (header names and values,
 * debug data) have no escape and are ASCII: those are returned as a slice, without a byte array.
 */
export function decodeGoQuotedText(text: string, start: number, maxBytes = Infinity): { value: string; end: number } {
  if (text.charCodeAt(start) !== 34) return { value: '', end: -1 };
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return { value: text.slice(start + 1, Math.min(i, start + 1 + (Number.isFinite(maxBytes) ? maxBytes : i))), end: i + 1 };
    if (c === 92 || c > 127 || c === 10 || c === 13) break;
  }
  const q = decodeGoQuoted(text, start, maxBytes);
  return { value: bytesToText(q.bytes), end: q.end };
}
