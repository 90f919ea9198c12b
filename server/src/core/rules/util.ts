/** Small helpers shared by rules: locations of frames, wording. */
import type { FrameRecord, Trace } from '../model/trace.ts';
import type { RelatedLocation } from './types.ts';

export function at(f: FrameRecord, message: string): RelatedLocation {
  return { line: f.line, startChar: f.startChar, endChar: f.endChar, message, frame: f.index };
}

export function frameAt(trace: Trace, index: number | undefined): FrameRecord | undefined {
  return index === undefined ? undefined : trace.frames[index];
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Seconds between two frames, when both have times. */
export function secondsBetween(a: FrameRecord | undefined, b: FrameRecord | undefined): number | undefined {
  if (!a || !b || a.time === undefined || b.time === undefined) return undefined;
  return (b.time - a.time) / 1000;
}

export function formatSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * First in, first out, read through a head index: `Array.prototype.shift` copies a long array on each
 * call (V8 moves arrays past ~16k items), which made queues of 10^5 PINGs or SETTINGS quadratic.
 */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item; call only when `length > 0`. */
  peek(): T {
    return this.items[this.head]!;
  }

  /** Takes the oldest item; call only when `length > 0`. */
  shift(): T {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T; // let it go
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  *[Symbol.iterator](): Generator<T, void, undefined> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
