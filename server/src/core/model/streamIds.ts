/**
 * Maps keyed by stream id, under a key V8 cannot be steered on. V8 hashes small-integer keys
 * without a seed, and the ids are the peer's to choose: a client that opens streams on ids picked to
 * share one hash bucket (there are about 16k such odd ids below 2^31) makes every lookup walk all of
 * them, and a trace of 16k streams took 1.75 s instead of 0.32 s. Here an id is multiplied by an odd
 * number drawn per process (a bijection modulo 2^31, so ids stay distinct and come back exactly); ids
 * outside 0…2^31−1 (a malformed log) become strings, which V8 hashes with a seed.
 */

const ID_LIMIT = 0x7fffffff;

/** Odd, so that multiplying by it modulo 2^31 is a bijection. */
const SEED = (Math.floor(Math.random() * 0x40000000) * 2 + 1) | 0;
/** SEED's inverse modulo 2^32 (Newton's iteration doubles the correct low bits each step), hence modulo 2^31 too. */
const INVERSE = ((): number => {
  let x = SEED;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(SEED, x));
  return x;
})();

/** The key a stream id is stored under. */
export function streamKey(id: number): number | string {
  return id >= 0 && id <= ID_LIMIT && Math.floor(id) === id ? Math.imul(id, SEED) & ID_LIMIT : `#${id}`;
}

/** The stream id a key stands for. */
export function streamIdOf(key: number | string): number {
  return typeof key === 'number' ? Math.imul(key, INVERSE) & ID_LIMIT : Number(key.slice(1));
}

/** A Map from stream id: the Map API, ids in and out, stored under streamKey. */
export class StreamIdMap<V> extends Map<number, V> {
  override get(id: number): V | undefined {
    return super.get(streamKey(id) as number);
  }
  override set(id: number, value: V): this {
    return super.set(streamKey(id) as number, value);
  }
  override has(id: number): boolean {
    return super.has(streamKey(id) as number);
  }
  override delete(id: number): boolean {
    return super.delete(streamKey(id) as number);
  }
  override keys(): MapIterator<number> {
    return mapped(super.keys(), streamIdOf);
  }
  override entries(): MapIterator<[number, V]> {
    return mapped(super.entries(), ([k, v]): [number, V] => [streamIdOf(k), v]);
  }
  override forEach(callback: (value: V, id: number, map: Map<number, V>) => void, thisArg?: unknown): void {
    super.forEach((value, key) => callback.call(thisArg, value, streamIdOf(key), this));
  }
  override [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }
}

function* mappedGenerator<T, U>(it: Iterator<T>, f: (t: T) => U): Generator<U, undefined, unknown> {
  for (let r = it.next(); !r.done; r = it.next()) yield f(r.value);
  return undefined;
}

/** An iterator over `it` through `f`, typed as the built-in Map/Set iterators are. */
function mapped<T, U>(it: Iterator<T>, f: (t: T) => U): MapIterator<U> {
  return mappedGenerator(it, f) as unknown as MapIterator<U>;
}
