// Labelled items (namespaces, pod groups) indexed by key → value → items and key → items, so a
// selector's `In`/`Exists` requirements start from the items they can match instead of a full scan.
import type { Labels, Selector } from '../policy/model.ts';

/** Items are added and removed with the labels they had, since the index keeps no labels of its own. */
export class LabelIndex<T> {
  readonly #byValue = new Map<string, Map<string, Set<T>>>();
  readonly #byKey = new Map<string, Set<T>>();

  add(item: T, labels: Labels): void {
    for (const [key, value] of Object.entries(labels)) {
      let values = this.#byValue.get(key);
      if (values === undefined) this.#byValue.set(key, (values = new Map()));
      let items = values.get(value);
      if (items === undefined) values.set(value, (items = new Set()));
      items.add(item);
      let withKey = this.#byKey.get(key);
      if (withKey === undefined) this.#byKey.set(key, (withKey = new Set()));
      withKey.add(item);
    }
  }

  remove(item: T, labels: Labels): void {
    for (const [key, value] of Object.entries(labels)) {
      const values = this.#byValue.get(key);
      const items = values?.get(value);
      items?.delete(item);
      if (items?.size === 0) values?.delete(value);
      if (values?.size === 0) this.#byValue.delete(key);
      const withKey = this.#byKey.get(key);
      withKey?.delete(item);
      if (withKey?.size === 0) this.#byKey.delete(key);
    }
  }

  /**
   * The smallest superset of the matches that one `In` or `Exists` requirement gives (as disjoint
   * sets: an item has one value per key), or undefined when no requirement is indexable and the
   * caller must scan (`{}`, only `NotIn`/`DoesNotExist`, which also match items lacking the key).
   */
  candidates(selector: Selector): readonly ReadonlySet<T>[] | undefined {
    let best: ReadonlySet<T>[] | undefined;
    let bestSize = Infinity;
    for (const r of selector.requirements) {
      let sets: ReadonlySet<T>[];
      if (r.operator === 'In') {
        const values = this.#byValue.get(r.key);
        sets = [];
        for (const v of new Set(r.values)) {
          const items = values?.get(v);
          if (items !== undefined) sets.push(items);
        }
      } else if (r.operator === 'Exists') {
        const items = this.#byKey.get(r.key);
        sets = items === undefined ? [] : [items];
      } else {
        continue;
      }
      const size = sets.reduce((n, s) => n + s.size, 0);
      if (size < bestSize) [best, bestSize] = [sets, size];
      if (size === 0) break;
    }
    return best;
  }
}
