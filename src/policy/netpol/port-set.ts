import type { Protocol } from '../objects/model.ts';
import { PROTOCOLS } from '../objects/model.ts';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Sorted, disjoint, non-adjacent closed intervals of port numbers. */
export type Intervals = readonly (readonly [number, number])[];

/** A set of (protocol, port) pairs as values, so "which ports are open" is computed, not sampled. */
export type PortSet = Readonly<Record<Protocol, Intervals>>;

export const NO_PORTS: PortSet = { TCP: [], UDP: [], SCTP: [] };
export const ALL_PORTS: PortSet = { TCP: [[MIN_PORT, MAX_PORT]], UDP: [[MIN_PORT, MAX_PORT]], SCTP: [[MIN_PORT, MAX_PORT]] };

export function portRange(protocol: Protocol, from: number, to: number): PortSet {
  return { ...NO_PORTS, [protocol]: from <= to ? [[from, to]] : [] };
}

export function allOf(protocol: Protocol): PortSet {
  return portRange(protocol, MIN_PORT, MAX_PORT);
}

// The shortcuts return an operand as it is: every set is canonical, so the result is the same value,
// and the checks, which combine sets for every path they touch, allocate nothing in the common cases.
export function union(a: PortSet, b: PortSet): PortSet {
  if (a === b || isEmpty(b)) return a;
  if (isEmpty(a)) return b;
  return mapProtocols((p) => unionIntervals(a[p], b[p]));
}

/** The union of many sets, every interval sorted once: what a path that thousands of rules allow needs. */
export function unionAll(sets: readonly PortSet[]): PortSet {
  if (sets.includes(ALL_PORTS)) return ALL_PORTS;
  if (sets.length <= 2) return sets.reduce(union, NO_PORTS);
  return mapProtocols((p) => mergeIntervals(sets.flatMap((s) => s[p])));
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  if (a === b || b === ALL_PORTS) return a;
  if (a === ALL_PORTS) return b;
  if (isEmpty(a) || isEmpty(b)) return NO_PORTS;
  return mapProtocols((p) => intersectIntervals(a[p], b[p]));
}

/** The ports of `a` that are not in `b`. */
export function difference(a: PortSet, b: PortSet): PortSet {
  if (isEmpty(b) || isEmpty(a)) return a;
  if (a === b || b === ALL_PORTS) return NO_PORTS;
  return mapProtocols((p) => differenceIntervals(a[p], b[p]));
}

export function isEmpty(set: PortSet): boolean {
  return set.TCP.length === 0 && set.UDP.length === 0 && set.SCTP.length === 0;
}

export function hasPort(set: PortSet, protocol: Protocol, port: number): boolean {
  return set[protocol].some(([from, to]) => from <= port && port <= to);
}

export function isAll(set: PortSet): boolean {
  return PROTOCOLS.every((p) => isFullRange(set[p]));
}

/** `TCP 80, 443, 8000-8080; UDP 53`, or `all ports`, for messages. */
export function describePorts(set: PortSet): string {
  if (isAll(set)) return 'all ports';
  if (isEmpty(set)) return 'no port';
  return PROTOCOLS.filter((p) => set[p].length > 0)
    .map((p) => (isFullRange(set[p]) ? `all ${p} ports` : `${p} ${set[p].map(([f, t]) => (f === t ? `${f}` : `${f}-${t}`)).join(', ')}`))
    .join('; ');
}

function isFullRange(intervals: Intervals): boolean {
  const only = intervals[0];
  return intervals.length === 1 && only !== undefined && only[0] === MIN_PORT && only[1] === MAX_PORT;
}

function mapProtocols(f: (p: Protocol) => Intervals): PortSet {
  return { TCP: f('TCP'), UDP: f('UDP'), SCTP: f('SCTP') };
}

function unionIntervals(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return mergeIntervals([...a, ...b]);
}

function mergeIntervals(intervals: readonly (readonly [number, number])[]): Intervals {
  const all = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [from, to] of all) {
    const last = out[out.length - 1];
    // Adjacent intervals merge too, so equal sets always have equal representations.
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

function intersectIntervals(a: Intervals, b: Intervals): Intervals {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as readonly [number, number];
    const y = b[j] as readonly [number, number];
    const from = Math.max(x[0], y[0]);
    const to = Math.min(x[1], y[1]);
    if (from <= to) out.push([from, to]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

function differenceIntervals(a: Intervals, b: Intervals): Intervals {
  if (b.length === 0) return a;
  const out: [number, number][] = [];
  let j = 0;
  for (const [from, to] of a) {
    let next = from;
    // Skip the cuts that end before this interval, then carve out the ones that overlap it.
    while (j < b.length && (b[j] as readonly [number, number])[1] < next) j++;
    let k = j;
    while (k < b.length && next <= to) {
      const [cutFrom, cutTo] = b[k] as readonly [number, number];
      if (cutFrom > to) break;
      if (cutFrom > next) out.push([next, cutFrom - 1]);
      next = Math.max(next, cutTo + 1);
      k++;
    }
    if (next <= to) out.push([next, to]);
  }
  return out;
}
