import type { ContainerPort, Labels } from '../policy/objects/model.ts';
import { sameLabels } from '../policy/netpol/selector.ts';

// What makes pods one group: their labels and container ports, in any order. Groups are told apart
// and ordered by comparing these field by field rather than by a key string: a JSON key per group cost
// more than the rest of the group.

export interface GroupShape {
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A total order: an unnamed port sorts before every named one, even one named `''`. */
function comparePorts(a: ContainerPort, b: ContainerPort): number {
  return compareText(a.protocol, b.protocol) || a.port - b.port || (a.name === b.name ? 0 : a.name === undefined ? -1 : b.name === undefined ? 1 : compareText(a.name, b.name));
}

export function sortedPorts(ports: readonly ContainerPort[]): ContainerPort[] {
  return ports.toSorted(comparePorts);
}

/**
 * The labels with their keys added in order, so that equal label sets enumerate alike (integer-like
 * keys first, as JavaScript enumerates them) and share one hidden class: what compareShapes expects.
 */
export function orderedLabels(labels: Labels): Labels {
  const keys = Object.keys(labels).sort();
  // Assigning `__proto__` would set the prototype instead: such a label takes the slow way.
  if (keys.includes('__proto__')) return Object.fromEntries(keys.map((key) => [key, labels[key] as string]));
  const ordered: Record<string, string> = {};
  for (const key of keys) ordered[key] = labels[key] as string;
  return ordered;
}

/** A frozen copy through JSON.parse, which sizes an object to its keys; one built key by key gets spare slots. */
export function compactCopy(labels: Labels): Labels {
  return Object.freeze(JSON.parse(JSON.stringify(labels)) as Labels);
}

/** Whether a group (sorted ports) has these labels and ports, given in any order. */
export function sameShape(group: GroupShape, labels: Labels, ports: readonly ContainerPort[]): boolean {
  if (!sameLabels(group.labels, labels)) return false;
  if (ports.length !== group.ports.length) return false;
  return compareSequences(ports.length < 2 ? ports : sortedPorts(ports), group.ports, comparePorts) === 0;
}

/**
 * Labels as (key, value) pairs, then ports: a total order of content alone, so lists of groups never
 * depend on the order pods arrived in, and 0 exactly for equal shapes. Both sides must hold ordered
 * labels and sorted ports.
 */
export function compareShapes(a: GroupShape, b: GroupShape): number {
  return compareLabels(a.labels, b.labels) || compareSequences(a.ports, b.ports, comparePorts);
}

function compareLabels(a: Labels, b: Labels): number {
  if (a === b) return 0;
  // Same keys (the common case within a namespace): the first differing value decides, found without
  // allocating. A missing key reads as a non-string, even one named like an Object.prototype member.
  let bCount = 0;
  for (const _ in b) bCount++;
  let aCount = 0;
  let order = 0;
  for (const key in a) {
    aCount++;
    const value = b[key];
    if (typeof value !== 'string') return compareEntries(a, b);
    if (order === 0) order = compareText(a[key] as string, value);
  }
  return aCount === bCount ? order : compareEntries(a, b);
}

function compareEntries(a: Labels, b: Labels): number {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  for (let i = 0; i < aKeys.length && i < bKeys.length; i++) {
    const aKey = aKeys[i] as string;
    const bKey = bKeys[i] as string;
    const order = compareText(aKey, bKey) || compareText(a[aKey] as string, b[bKey] as string);
    if (order !== 0) return order;
  }
  return aKeys.length - bKeys.length;
}

function compareSequences<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): number {
  if (a === b) return 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const order = compare(a[i] as T, b[i] as T);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}
