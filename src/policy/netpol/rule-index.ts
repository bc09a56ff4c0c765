import type { Budget } from '../checks/budget.ts';
import type { Endpoint, Reading } from './endpoint.ts';
import type { Cidr, Labels, Peer, Requirement, Rule, Selector } from '../objects/model.ts';
import { peerMatches } from './peer-match.ts';

// Which rules of one direction of a policy match a peer endpoint, in rule order. A big policy is
// indexed: each peer is filed under one requirement an endpoint must meet for the peer to match it (its
// anchor), so an endpoint is compared only with the peers filed under its own labels, and a policy of n
// rules costs a review n steps, not n for every endpoint the review looks at.

/** Up to this many peers, a direction is scanned rule by rule: the index would cost more than it saves. */
const INDEX_FROM_PEERS = 24;

const NO_RULES: readonly number[] = [];

/**
 * The index of a direction's rules, or undefined when there are few enough to compare one by one
 * (ruleMatches): most policies have a rule or two.
 */
export function ruleIndex(rules: readonly Rule[]): RuleIndex | undefined {
  if (rules.length <= FEW_RULES && entries(rules) < INDEX_FROM_PEERS) return undefined;
  let index = indexes.get(rules);
  if (index === undefined) {
    index = entries(rules) < INDEX_FROM_PEERS ? null : new RuleIndex(rules);
    indexes.set(rules, index);
  }
  return index ?? undefined;
}

/** ruleMatchesPeer, counted against the budget. */
export function ruleMatches(rule: Rule, policyNamespace: string, endpoint: Endpoint, podCIDRs: readonly Cidr[], reading: Reading, budget: Budget | undefined): boolean {
  if (rule.peers === undefined) {
    budget?.spend(1);
    return true;
  }
  let steps = 1;
  let hit = false;
  for (const peer of rule.peers) {
    steps += peerCost(peer) + addressCost(peer, endpoint);
    if (peerMatches(peer, policyNamespace, endpoint, podCIDRs, reading)) {
      hit = true;
      break;
    }
  }
  budget?.spend(steps);
  return hit;
}

/** What comparing `peer` with one endpoint costs: selects() looks at each requirement once. */
export function peerCost(peer: Peer): number {
  switch (peer.kind) {
    case 'pods':
      return 1 + peer.podSelector.requirements.length;
    case 'namespaces':
      return 1 + peer.namespaceSelector.requirements.length + (peer.podSelector?.requirements.length ?? 0);
    case 'ipBlock':
      return 1 + peer.ipBlock.except.length;
    default: {
      const never: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(never)}`);
    }
  }
}

/** An ipBlock is compared with each address of a pod group, and a Deployment may have thousands. */
function addressCost(peer: Peer | undefined, endpoint: Endpoint): number {
  return peer?.kind === 'ipBlock' && endpoint.kind === 'pod' ? endpoint.group.ips.length : 0;
}

// Rules are immutable values, so a policy's index is built once and kept while the policy is (a policy
// of the cluster is judged against in many reviews). `null`: too small to index.
const indexes = new WeakMap<readonly Rule[], RuleIndex | null>();

/** Counting the peers of this many rules costs less than looking their index up. */
const FEW_RULES = 8;

/** A rule without peers counts as one: it is an entry of the index too. */
function entries(rules: readonly Rule[]): number {
  let count = 0;
  for (const rule of rules) count += rule.peers?.length ?? 1;
  return count;
}

/**
 * Where an anchor is looked up: the endpoint's pod labels (a namespaceSelector peer's podSelector), its
 * namespace's labels, or its pod labels when it is in the policy's namespace (a podSelector-only peer).
 */
type Side = 'pod' | 'namespace' | 'local';

/** key → value → entries (an `In` anchor), and key → entries (an `Exists` anchor). */
interface Anchors {
  readonly values: Map<string, Map<string, number[]>>;
  readonly keys: Map<string, number[]>;
}

export class RuleIndex {
  /** Entry e is peer `peerOf[e]` of rule `ruleOf[e]`; a rule without peers has one entry, peer undefined. */
  readonly #ruleOf: number[] = [];
  readonly #peerOf: (Peer | undefined)[] = [];
  readonly #costOf: number[] = [];
  /** Entries that may match any endpoint, addresses outside included: rules without peers, ipBlocks. */
  readonly #anywhere: number[] = [];
  /** namespaceSelector peers with no anchor: any pod. */
  readonly #anyPod: number[] = [];
  /** podSelector-only peers with no anchor: any pod of the policy's namespace. */
  readonly #anyLocal: number[] = [];
  readonly #anchors: Record<Side, Anchors> = { pod: emptyAnchors(), namespace: emptyAnchors(), local: emptyAnchors() };
  /** What building the index cost: each review that uses it is charged as if it had built it. */
  readonly cost: number;

  constructor(rules: readonly Rule[]) {
    rules.forEach((rule, r) => {
      if (rule.peers === undefined) this.#add(r, undefined, 1);
      else for (const peer of rule.peers) this.#add(r, peer, peerCost(peer));
    });
    // The rarest anchor of each peer, counted over the whole policy: the 6000 rules share
    // namespaceSelector env=dev and differ in podSelector app=aN, so they are filed by app.
    const counts: Record<Side, Map<string, KeyCount>> = { pod: new Map(), namespace: new Map(), local: new Map() };
    let cost = this.#peerOf.length;
    for (const peer of this.#peerOf) {
      for (const [side, requirement] of anchorsOf(peer)) {
        cost += 1 + requirement.values.length;
        count(counts[side], requirement);
      }
    }
    this.#peerOf.forEach((peer, e) => {
      let best: Anchor | undefined;
      let bestCount = Infinity;
      for (const anchor of anchorsOf(peer)) {
        const n = countOf(counts[anchor[0]], anchor[1]);
        if (n < bestCount) [best, bestCount] = [anchor, n];
      }
      if (best !== undefined) fileUnder(this.#anchors[best[0]], best[1], e);
      else if (peer === undefined || peer.kind === 'ipBlock') this.#anywhere.push(e);
      else if (peer.kind === 'namespaces') this.#anyPod.push(e);
      else this.#anyLocal.push(e);
    });
    this.cost = cost;
  }

  #add(rule: number, peer: Peer | undefined, cost: number): void {
    this.#ruleOf.push(rule);
    this.#peerOf.push(peer);
    this.#costOf.push(cost);
  }

  /** The rule indexes that match `endpoint`, ascending; the rules belong to a policy of `policyNamespace`. */
  matching(policyNamespace: string, endpoint: Endpoint, podCIDRs: readonly Cidr[], reading: Reading, budget: Budget | undefined): readonly number[] {
    budget?.spendOnce(this, this.cost);
    const lists: number[][] = [];
    if (this.#anywhere.length > 0) lists.push(this.#anywhere);
    if (endpoint.kind === 'pod') {
      if (this.#anyPod.length > 0) lists.push(this.#anyPod);
      collect(lists, this.#anchors.pod, endpoint.group.labels);
      collect(lists, this.#anchors.namespace, endpoint.namespace.labels);
      if (endpoint.group.namespace === policyNamespace) {
        if (this.#anyLocal.length > 0) lists.push(this.#anyLocal);
        collect(lists, this.#anchors.local, endpoint.group.labels);
      }
    }
    // Each entry is filed once and an endpoint has one value per key, so the lists are disjoint; each
    // is ascending, and so is their sorted concatenation: rule order, as a plain scan would find them.
    const candidates = lists.length <= 1 ? (lists[0] ?? NO_RULES) : lists.flat().sort((a, b) => a - b);
    budget?.spend(1 + lists.length + candidates.length);
    let out: number[] | undefined;
    let last = -1;
    for (const e of candidates) {
      const rule = this.#ruleOf[e] as number;
      if (rule === last) continue;
      const peer = this.#peerOf[e];
      budget?.spend((this.#costOf[e] as number) + addressCost(peer, endpoint));
      if (peer === undefined || peerMatches(peer, policyNamespace, endpoint, podCIDRs, reading)) {
        (out ??= []).push(rule);
        last = rule;
      }
    }
    return out ?? NO_RULES;
  }
}

function emptyAnchors(): Anchors {
  return { values: new Map(), keys: new Map() };
}

/** An anchor: a requirement and where the endpoint's labels are read to meet it. */
type Anchor = readonly [Side, Requirement];
const NO_ANCHORS: readonly Anchor[] = [];

/** `In` and `Exists` requirements: what an endpoint must carry for the peer to match it. */
function anchorsOf(peer: Peer | undefined): readonly Anchor[] {
  if (peer === undefined) return NO_ANCHORS;
  switch (peer.kind) {
    case 'pods':
      return anchorsOfSelector('local', peer.podSelector, []);
    case 'namespaces':
      return anchorsOfSelector('namespace', peer.namespaceSelector, peer.podSelector === undefined ? [] : anchorsOfSelector('pod', peer.podSelector, []));
    case 'ipBlock':
      return NO_ANCHORS;
    default: {
      const never: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(never)}`);
    }
  }
}

function anchorsOfSelector(side: Side, selector: Selector, out: Anchor[]): Anchor[] {
  for (const r of selector.requirements) if (r.operator === 'In' || r.operator === 'Exists') out.push([side, r]);
  return out;
}

/** How many peers of the policy name a key as `Exists`, and each of its values in an `In`. */
interface KeyCount {
  exists: number;
  readonly values: Map<string, number>;
}

function count(counts: Map<string, KeyCount>, requirement: Requirement): void {
  let key = counts.get(requirement.key);
  if (key === undefined) counts.set(requirement.key, (key = { exists: 0, values: new Map() }));
  if (requirement.operator === 'Exists') key.exists++;
  else for (const value of distinct(requirement.values)) key.values.set(value, (key.values.get(value) ?? 0) + 1);
}

/** The peers an endpoint meeting `requirement` would be compared with, were they filed under it. */
function countOf(counts: Map<string, KeyCount>, requirement: Requirement): number {
  const key = counts.get(requirement.key) as KeyCount;
  if (requirement.operator === 'Exists') return key.exists;
  let n = 0;
  for (const value of distinct(requirement.values)) n += key.values.get(value) ?? 0;
  return n;
}

/** Files entry `e` in one list per distinct value of an `In`, or in its key's list for `Exists`. */
function fileUnder(anchors: Anchors, requirement: Requirement, e: number): void {
  if (requirement.operator === 'Exists') {
    listIn(anchors.keys, requirement.key).push(e);
    return;
  }
  let byValue = anchors.values.get(requirement.key);
  if (byValue === undefined) anchors.values.set(requirement.key, (byValue = new Map()));
  for (const value of distinct(requirement.values)) listIn(byValue, value).push(e);
}

/** An endpoint has one value per key: a value listed twice must not file a peer twice. */
function distinct(values: readonly string[]): readonly string[] {
  return values.length === 1 ? values : [...new Set(values)];
}

function listIn<K>(map: Map<K, number[]>, key: K): number[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

/** The lists `labels` hit: for each label, its value's list and its key's. */
function collect(lists: number[][], anchors: Anchors, labels: Labels): void {
  for (const key in labels) {
    const byValue = anchors.values.get(key)?.get(labels[key] as string);
    if (byValue !== undefined) lists.push(byValue);
    const byKey = anchors.keys.get(key);
    if (byKey !== undefined) lists.push(byKey);
  }
}
