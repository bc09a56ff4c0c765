import type { IpKey } from './ip-key.ts';

// IP → value for every pod IP of the cluster. As a Map, 150k entries took 7 MiB (three words and a
// bucket per slot, in a power-of-two table that may be half empty); IPv4 keys, being int32s, go instead
// to an open-addressing table of two flat arrays at 12 bytes a slot, 3 MiB. IPv6 keys stay in a Map.

const MIN_CAPACITY = 16;

export class IpIndex<V extends object> {
  /** Linear probing; a slot is free while its value is undefined. Capacity is a power of two. */
  #keys = new Int32Array(MIN_CAPACITY);
  #values: (V | undefined)[] = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
  /** 32 - log2(capacity): what `#home` keeps of a 32-bit product. */
  #shift = 32 - Math.log2(MIN_CAPACITY);
  #count = 0;
  readonly #v6 = new Map<string, V>();

  get(ip: IpKey): V | undefined {
    return typeof ip === 'string' ? this.#v6.get(ip) : this.#values[this.#slot(ip)];
  }

  set(ip: IpKey, value: V): void {
    if (typeof ip === 'string') {
      this.#v6.set(ip, value);
      return;
    }
    const i = this.#slot(ip);
    if (this.#values[i] === undefined) {
      this.#keys[i] = ip;
      this.#count++;
    }
    this.#values[i] = value;
    // At most three quarters full, so probes stay short.
    if (this.#count * 4 > this.#values.length * 3) this.#resize(this.#values.length * 2);
  }

  delete(ip: IpKey): void {
    if (typeof ip === 'string') {
      this.#v6.delete(ip);
      return;
    }
    const keys = this.#keys;
    const values = this.#values;
    const mask = values.length - 1;
    let hole = this.#slot(ip);
    if (values[hole] === undefined) return;
    // Backward shift: each later entry of the run moves into the hole unless the hole lies before its
    // home slot, so every entry stays reachable from its home and lookups need no tombstones.
    for (let i = (hole + 1) & mask; values[i] !== undefined; i = (i + 1) & mask) {
      const home = this.#home(keys[i] as number);
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        keys[hole] = keys[i] as number;
        values[hole] = values[i];
        hole = i;
      }
    }
    values[hole] = undefined;
    this.#count--;
    // Shrinks at an eighth full, so the memory of a burst of pods goes back once they do.
    if (values.length > MIN_CAPACITY && this.#count * 8 < values.length) this.#resize(values.length / 2);
  }

  /** Where `ip` is, or the free slot where it would go. */
  #slot(ip: number): number {
    const keys = this.#keys;
    const values = this.#values;
    const mask = values.length - 1;
    let i = this.#home(ip);
    while (values[i] !== undefined && keys[i] !== ip) i = (i + 1) & mask;
    return i;
  }

  /** Fibonacci hashing: the top bits of the product, so addresses that differ in any bits spread. */
  #home(ip: number): number {
    return Math.imul(ip, 0x9e3779b1) >>> this.#shift;
  }

  #resize(capacity: number): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Int32Array(capacity);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
    this.#shift = 32 - Math.log2(capacity);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value !== undefined) {
        const slot = this.#slot(keys[i] as number);
        this.#keys[slot] = keys[i] as number;
        this.#values[slot] = value;
      }
    }
  }
}
