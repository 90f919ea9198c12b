/**
 * A list appended to one item at a time, kept in small chunks and made one array at the end, once, at
 * its exact size. A plain array of 10^6 items grown by push copies itself at every growth, and each
 * old copy stays in V8's large-object space until a full collection: on a big log that garbage is
 * tens of MB of peak RSS.
 */
const CHUNK = 8192; // 64 KB of pointers: under V8's large-object threshold

export class ChunkedList<T> {
  private readonly full: T[][] = [];
  private last: T[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.last.length === CHUNK) {
      this.full.push(this.last);
      this.last = [];
    }
    this.last.push(item);
    this.count++;
  }

  /** All items in order, as one array; the list is empty afterwards. */
  take(): T[] {
    if (this.full.length === 0) {
      const only = this.last;
      this.last = [];
      this.count = 0;
      return only;
    }
    const out = new Array<T>(this.count);
    let k = 0;
    for (const chunk of [...this.full, this.last]) for (let i = 0; i < chunk.length; i++) out[k++] = chunk[i]!;
    this.full.length = 0;
    this.last = [];
    this.count = 0;
    return out;
  }
}
