// A Map for the handful of pods most namespaces hold: keys and values side by side in one flat array,
// found by a linear scan. An empty Map costs ~190 bytes and one of 15 entries ~440, this ~290, and a
// cluster has one per namespace. Keys compare with ===.

/** Beyond this a scan costs more than a Map lookup, so the entries move to a Map (for good: it shrinks itself). */
const SCAN_UP_TO = 32;

export class SmallMap<K, V> {
  #entries: (K | V)[] | Map<K, V> = [];

  get size(): number {
    return this.#entries instanceof Map ? this.#entries.size : this.#entries.length / 2;
  }

  get(key: K): V | undefined {
    const entries = this.#entries;
    if (entries instanceof Map) return entries.get(key);
    const i = indexOfKey(entries, key);
    return i < 0 ? undefined : (entries[i + 1] as V);
  }

  set(key: K, value: V): void {
    const entries = this.#entries;
    if (entries instanceof Map) {
      entries.set(key, value);
      return;
    }
    const i = indexOfKey(entries, key);
    if (i >= 0) entries[i + 1] = value;
    else if (entries.length < 2 * SCAN_UP_TO) this.#entries = entries.concat([key, value]);
    else this.#entries = new Map([...this.entries(), [key, value]]);
  }

  delete(key: K): void {
    const entries = this.#entries;
    if (entries instanceof Map) {
      entries.delete(key);
      return;
    }
    const i = indexOfKey(entries, key);
    if (i >= 0) this.#entries = entries.toSpliced(i, 2);
  }

  *entries(): Generator<[K, V]> {
    const entries = this.#entries;
    if (entries instanceof Map) yield* entries;
    else for (let i = 0; i < entries.length; i += 2) yield [entries[i] as K, entries[i + 1] as V];
  }

  *keys(): Generator<K> {
    for (const [key] of this.entries()) yield key;
  }
}

function indexOfKey(entries: readonly unknown[], key: unknown): number {
  for (let i = 0; i < entries.length; i += 2) if (entries[i] === key) return i;
  return -1;
}
