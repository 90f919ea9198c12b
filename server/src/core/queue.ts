/**
 * First in, first out, read through a head index: `Array.prototype.shift` copies a long array on each
 * call (V8 moves arrays past ~16k items), which made queues of 10^5 PINGs or SETTINGS (rules) or of announced
 * connections (the Go parser) quadratic.
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
