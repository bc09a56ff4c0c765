// Structural sharing for the parts of parsed policies: 10k namespaces hold the same few generated
// policies (default deny, DNS, same namespace...), so their selectors and rules are kept once, not 50k
// times. Parts are immutable, so sharing is invisible to readers. Counted, so a part no policy holds
// any more is dropped and edits do not accumulate.
export class Interner {
  readonly #entries = new Map<string, { readonly value: object; refs: number }>();
  /** The key of each shared value, so a release need not serialize again. */
  readonly #keys = new WeakMap<object, string>();

  /** The shared value equal to `value` (or `value` itself, now shared); `key` if given must identify it. */
  intern<T extends object>(value: T, key = canonicalKey(value)): T {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.refs++;
      return entry.value as T;
    }
    this.#entries.set(key, { value, refs: 1 });
    this.#keys.set(value, key);
    return value;
  }

  /** One holder of a value `intern` returned let go of it. */
  release(value: object): void {
    const key = this.#keys.get(value);
    const entry = key === undefined ? undefined : this.#entries.get(key);
    if (key === undefined || entry === undefined || entry.value !== value) return;
    if (--entry.refs === 0) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** JSON, with Sets as sorted arrays and big integers as text; objects keep their key order. */
function canonicalKey(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'bigint') return `${inner}n`;
    if (inner instanceof Set) return { set: [...(inner as Set<unknown>)].map(String).sort() };
    return inner;
  });
}
