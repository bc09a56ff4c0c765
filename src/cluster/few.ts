// Small collections sized for memory: most pod groups hold one or two pods, most IPs one pod, most
// namespaces a handful of groups, and across 150k pods the spare room of ordinary arrays adds up.

/**
 * Arrays this short are copied to their exact size on every change: `push` and `splice` reserve 16
 * spare slots, more than most of these lists ever hold. Longer ones change in place, in amortised O(1).
 */
const COPY_BELOW = 16;

/** `list` with `item` inserted at `i`; a new array or `list` itself. */
export function insertedAt<T>(list: T[], i: number, item: T): T[] {
  if (list.length < COPY_BELOW) return list.toSpliced(i, 0, item);
  list.splice(i, 0, item);
  return list;
}

/** `list` without its item at `i`; a new array or `list` itself. */
export function removedAt<T>(list: T[], i: number): T[] {
  if (list.length < COPY_BELOW) return list.toSpliced(i, 1);
  list.splice(i, 1);
  return list;
}

/** A multiset kept as the bare item while it holds one, as an array from two on. Items must not be arrays. */
export type Few<T> = T | T[];

export function withItem<T>(few: Few<T> | undefined, item: T): Few<T> {
  if (few === undefined) return item;
  return Array.isArray(few) ? insertedAt(few, few.length, item) : [few, item];
}

/** Drops the last occurrence of `item` and keeps the order of the rest, so the first holder stays first. */
export function withoutItem<T>(few: Few<T> | undefined, item: T): Few<T> | undefined {
  if (!Array.isArray(few)) return few === item ? undefined : few;
  const i = few.lastIndexOf(item);
  if (i < 0) return few;
  return few.length === 2 ? (few[1 - i] as T) : removedAt(few, i);
}

export function itemsOf<T>(few: Few<T> | undefined): readonly T[] {
  return few === undefined ? [] : Array.isArray(few) ? few : [few];
}

export function countOf<T>(few: Few<T> | undefined): number {
  return few === undefined ? 0 : Array.isArray(few) ? few.length : 1;
}

export function firstOf<T>(few: Few<T>): T {
  return Array.isArray(few) ? (few[0] as T) : few;
}
