// Labelled items (namespaces, pod groups) indexed by key → value → items and key → items, so a
// selector's `In`/`Exists` requirements start from the items they can match instead of a full scan.
import type { Labels, Selector } from '../policy/objects/model.ts';

/**
 * A lone item, or a Set once there are several: most label values (pod-template-hash, a StatefulSet's
 * pod name) belong to one item, and an empty Set per value would cost more than the item itself.
 */
type Bucket<T> = T | Set<T>;

/** Items are added and removed with the labels they had, since the index keeps no labels of its own. */
export class LabelIndex<T extends object> {
  readonly #byValue = new Map<string, Map<string, Bucket<T>>>();
  readonly #byKey = new Map<string, Bucket<T>>();

  add(item: T, labels: Labels): void {
    for (const [key, value] of Object.entries(labels)) {
      let values = this.#byValue.get(key);
      if (values === undefined) this.#byValue.set(key, (values = new Map()));
      values.set(value, withItem(values.get(value), item));
      this.#byKey.set(key, withItem(this.#byKey.get(key), item));
    }
  }

  remove(item: T, labels: Labels): void {
    for (const [key, value] of Object.entries(labels)) {
      const values = this.#byValue.get(key);
      if (values !== undefined) {
        const left = withoutItem(values.get(value), item);
        if (left === undefined) values.delete(value);
        else values.set(value, left);
        if (values.size === 0) this.#byValue.delete(key);
      }
      const left = withoutItem(this.#byKey.get(key), item);
      if (left === undefined) this.#byKey.delete(key);
      else this.#byKey.set(key, left);
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
      let buckets: Bucket<T>[];
      if (r.operator === 'In') {
        const values = this.#byValue.get(r.key);
        buckets = [];
        for (const v of new Set(r.values)) {
          const bucket = values?.get(v);
          if (bucket !== undefined) buckets.push(bucket);
        }
      } else if (r.operator === 'Exists') {
        const bucket = this.#byKey.get(r.key);
        buckets = bucket === undefined ? [] : [bucket];
      } else {
        continue;
      }
      const size = buckets.reduce((n, b) => n + (b instanceof Set ? b.size : 1), 0);
      if (size < bestSize) [best, bestSize] = [buckets.map(asSet), size];
      if (size === 0) break;
    }
    return best;
  }
}

function withItem<T extends object>(bucket: Bucket<T> | undefined, item: T): Bucket<T> {
  if (bucket === undefined || bucket === item) return item;
  if (bucket instanceof Set) return bucket.add(item);
  return new Set([bucket, item]);
}

function withoutItem<T extends object>(bucket: Bucket<T> | undefined, item: T): Bucket<T> | undefined {
  if (bucket === undefined || bucket === item) return undefined;
  if (!(bucket instanceof Set)) return bucket;
  bucket.delete(item);
  if (bucket.size > 1) return bucket;
  const [only] = bucket;
  return only;
}

function asSet<T extends object>(bucket: Bucket<T>): ReadonlySet<T> {
  return bucket instanceof Set ? bucket : new Set([bucket]);
}
