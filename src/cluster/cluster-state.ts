import type { ClusterView } from '../policy/cluster-view.ts';
import type { ContainerPort, Labels, Namespace, Pod, PodGroup, Policy, Selector } from '../policy/model.ts';
import { selects } from '../policy/selector.ts';
import { Interner } from './interner.ts';
import { LabelIndex } from './label-index.ts';

// The in-memory index behind both ClusterView implementations (state file and informers). Pods are
// folded into groups of identical (namespace, labels, container ports) so 150k pods cost per-pod only a
// name, its IPs and a pointer to the group; whole Pod objects are never kept.

export interface ClusterStateOptions {
  /** Keep every pod name in its group (CLI messages, `findPod`); otherwise only the first few. */
  readonly keepPodNames?: boolean;
}

export interface ClusterStats {
  readonly namespaces: number;
  readonly policies: number;
  readonly pods: number;
  readonly podGroups: number;
}

/** Names a group keeps without `keepPodNames`: enough for a message, bounded for memory. */
const NAMES_KEPT = 5;

const NO_POLICIES: readonly Policy[] = Object.freeze([]);
const NO_GROUPS: readonly PodGroup[] = Object.freeze([]);
const NO_IPS: readonly string[] = Object.freeze([]);

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A pod group's mutable bookkeeping. Callers only ever see `snapshot()`: a frozen PodGroup built on
 * first read after a change and never touched again, so a check holding one sees a consistent value
 * while informers keep updating, and unchanged groups cost no copy per read.
 */
class GroupEntry {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  count = 0;
  readonly names: string[] = [];
  /** A multiset: hostNetwork pods share their node's IP. */
  readonly ips: string[] = [];
  #snapshot: PodGroup | undefined;

  constructor(key: string, namespace: string, labels: Labels, ports: readonly ContainerPort[]) {
    this.key = key;
    this.namespace = namespace;
    this.labels = labels;
    this.ports = ports;
  }

  changed(): void {
    this.#snapshot = undefined;
  }

  snapshot(): PodGroup {
    this.#snapshot ??= Object.freeze({
      namespace: this.namespace,
      labels: this.labels,
      ports: this.ports,
      count: this.count,
      names: Object.freeze([...this.names].sort(compare)),
      ips: Object.freeze([...new Set(this.ips)].sort(compare)),
    });
    return this.#snapshot;
  }
}

/**
 * Per pod: the group it counts in and the IPs it added, so a delete by name or a relabel is exact
 * (informer updates and deletes bring no old object). The one-IP case keeps the bare string: ~40
 * bytes a pod less than an array.
 */
class PodSlot {
  readonly group: GroupEntry;
  readonly ips: string | readonly string[];

  constructor(group: GroupEntry, ips: readonly string[]) {
    this.group = group;
    this.ips = ips.length === 1 ? (ips[0] as string) : ips.length === 0 ? NO_IPS : ips;
  }

  ipList(): readonly string[] {
    return typeof this.ips === 'string' ? [this.ips] : this.ips;
  }
}

/**
 * Groups a namespace needs before it gets a label index. Below this a scan of its groups costs about as
 * much as an index lookup, while an index costs a Map per label key and a Set per shared value: most
 * namespaces hold a handful of groups, and their indexes were a third of the pod index's memory.
 */
const INDEX_FROM_GROUPS = 32;
/** Dropped again only well below, so a namespace hovering at the threshold does not rebuild on every pod. */
const INDEX_UNTIL_GROUPS = 16;

class NamespacePods {
  readonly groups = new Map<string, GroupEntry>();
  readonly pods = new Map<string, PodSlot>();
  #index: LabelIndex<GroupEntry> | undefined;

  addGroup(key: string, group: GroupEntry): void {
    this.groups.set(key, group);
    if (this.#index !== undefined) this.#index.add(group, group.labels);
    else if (this.groups.size >= INDEX_FROM_GROUPS) {
      const index = new LabelIndex<GroupEntry>();
      for (const g of this.groups.values()) index.add(g, g.labels);
      this.#index = index;
    }
  }

  removeGroup(group: GroupEntry): void {
    this.groups.delete(group.key);
    this.#index?.remove(group, group.labels);
    if (this.groups.size < INDEX_UNTIL_GROUPS) this.#index = undefined;
  }

  /** As LabelIndex.candidates; undefined (scan) while the namespace has no index. */
  candidates(selector: Selector): readonly ReadonlySet<GroupEntry>[] | undefined {
    return this.#index?.candidates(selector);
  }
  /** Sorted snapshots, rebuilt on the first read after a change. */
  list: readonly PodGroup[] | undefined;
}

function sortedLabels(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => compare(a, b));
}

function sortedPorts(ports: readonly ContainerPort[]): ContainerPort[] {
  return [...ports].sort((a, b) => compare(a.protocol, b.protocol) || a.port - b.port || compare(a.name ?? '', b.name ?? ''));
}

/** One string per (labels, ports): the group's identity, stored once as the map key. */
function groupKey(labels: Labels, ports: readonly ContainerPort[]): string {
  return JSON.stringify([sortedLabels(labels), sortedPorts(ports).map((p) => [p.protocol, p.port, p.name ?? null])]);
}

function sameIps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((ip, i) => ip === b[i]);
}

/** Removes one occurrence; order is irrelevant because snapshots sort. */
function removeOne<T>(items: T[], item: T): void {
  const i = items.indexOf(item);
  if (i < 0) return;
  items[i] = items[items.length - 1] as T;
  items.pop();
}

export class ClusterState implements ClusterView {
  readonly #keepPodNames: boolean;
  readonly #namespaces = new Map<string, Namespace>();
  readonly #namespaceIndex = new LabelIndex<Namespace>();
  #namespaceList: readonly Namespace[] | undefined;
  readonly #policies = new Map<string, Map<string, Policy>>();
  readonly #policyLists = new Map<string, readonly Policy[]>();
  readonly #parts = new Interner();
  #policyCount = 0;
  readonly #pods = new Map<string, NamespacePods>();
  #podCount = 0;
  #groupCount = 0;
  /** ip → the group holding it, or several (one entry per pod) when pods share an IP. */
  readonly #ipIndex = new Map<string, GroupEntry | GroupEntry[]>();

  constructor(options: ClusterStateOptions = {}) {
    this.#keepPodNames = options.keepPodNames ?? false;
  }

  upsertNamespace(ns: Namespace): void {
    const old = this.#namespaces.get(ns.name);
    if (old !== undefined) this.#namespaceIndex.remove(old, old.labels);
    this.#namespaces.set(ns.name, ns);
    this.#namespaceIndex.add(ns, ns.labels);
    this.#namespaceList = undefined;
  }

  /** Only the Namespace: its pods and policies get their own delete events as the API removes them. */
  deleteNamespace(name: string): void {
    const old = this.#namespaces.get(name);
    if (old === undefined) return;
    this.#namespaceIndex.remove(old, old.labels);
    this.#namespaces.delete(name);
    this.#namespaceList = undefined;
  }

  upsertPolicy(p: Policy): void {
    let byName = this.#policies.get(p.namespace);
    if (byName === undefined) this.#policies.set(p.namespace, (byName = new Map()));
    const old = byName.get(p.name);
    if (old === undefined) this.#policyCount++;
    else this.#releaseParts(old);
    byName.set(p.name, this.#shareParts(p));
    this.#policyLists.delete(p.namespace);
  }

  deletePolicy(namespace: string, name: string): void {
    const byName = this.#policies.get(namespace);
    const old = byName?.get(name);
    if (byName === undefined || old === undefined) return;
    byName.delete(name);
    this.#releaseParts(old);
    this.#policyCount--;
    if (byName.size === 0) this.#policies.delete(namespace);
    this.#policyLists.delete(namespace);
  }

  upsertPod(pod: Pod): void {
    let space = this.#pods.get(pod.namespace);
    if (space === undefined) this.#pods.set(pod.namespace, (space = new NamespacePods()));
    const key = groupKey(pod.labels, pod.ports);
    const slot = space.pods.get(pod.name);
    if (slot !== undefined && slot.group.key === key) {
      // Status-only updates and resyncs are the common event: change nothing a check may hold.
      const group = slot.group;
      const refill = group.names.length < NAMES_KEPT && !group.names.includes(pod.name);
      if (sameIps(slot.ipList(), pod.ips) && !refill) return;
      if (refill) group.names.push(pod.name);
      this.#dropIps(group, slot.ipList());
      this.#addIps(group, pod.ips);
      space.pods.set(pod.name, new PodSlot(group, pod.ips));
      group.changed();
      space.list = undefined;
      return;
    }
    if (slot !== undefined) this.#leave(space, pod.name, slot);
    let group = space.groups.get(key);
    if (group === undefined) {
      // Copies, so the group shares nothing with the caller; sorted keys give groups one hidden class.
      const labels = Object.freeze(Object.fromEntries(sortedLabels(pod.labels)));
      const ports = Object.freeze(sortedPorts(pod.ports).map((p) => Object.freeze({ name: p.name, port: p.port, protocol: p.protocol })));
      group = new GroupEntry(key, pod.namespace, labels, ports);
      space.addGroup(key, group);
      this.#groupCount++;
    }
    group.count++;
    if (this.#keepPodNames || group.names.length < NAMES_KEPT) group.names.push(pod.name);
    this.#addIps(group, pod.ips);
    space.pods.set(pod.name, new PodSlot(group, pod.ips));
    this.#podCount++;
    group.changed();
    space.list = undefined;
  }

  deletePod(namespace: string, name: string): void {
    const space = this.#pods.get(namespace);
    const slot = space?.pods.get(name);
    if (space === undefined || slot === undefined) return;
    this.#leave(space, name, slot);
    if (space.pods.size === 0) this.#pods.delete(namespace);
  }

  /** The group a pod counts in (`nsguard explain ns/pod`). */
  findPod(namespace: string, name: string): PodGroup | undefined {
    return this.#pods.get(namespace)?.pods.get(name)?.group.snapshot();
  }

  /** Every policy as [namespace, name]: what a relist compares against to find policies that went away. */
  *policyNames(): Generator<readonly [string, string]> {
    for (const [namespace, byName] of this.#policies) for (const name of byName.keys()) yield [namespace, name];
  }

  /** Every pod as [namespace, name], for the same purpose; names only, no group is built. */
  *podNames(): Generator<readonly [string, string]> {
    for (const [namespace, space] of this.#pods) for (const name of space.pods.keys()) yield [namespace, name];
  }

  stats(): ClusterStats {
    return { namespaces: this.#namespaces.size, policies: this.#policyCount, pods: this.#podCount, podGroups: this.#groupCount };
  }

  namespace(name: string): Namespace | undefined {
    return this.#namespaces.get(name);
  }

  namespaces(): readonly Namespace[] {
    this.#namespaceList ??= Object.freeze([...this.#namespaces.values()].sort((a, b) => compare(a.name, b.name)));
    return this.#namespaceList;
  }

  namespacesMatching(selector: Selector): readonly Namespace[] {
    const sets = this.#namespaceIndex.candidates(selector);
    if (sets === undefined) return this.namespaces().filter((ns) => selects(selector, ns.labels));
    const found: Namespace[] = [];
    for (const set of sets) for (const ns of set) if (selects(selector, ns.labels)) found.push(ns);
    return found.sort((a, b) => compare(a.name, b.name));
  }

  podGroups(namespace: string): readonly PodGroup[] {
    const space = this.#pods.get(namespace);
    if (space === undefined) return NO_GROUPS;
    space.list ??= Object.freeze([...space.groups.values()].sort((a, b) => compare(a.key, b.key)).map((g) => g.snapshot()));
    return space.list;
  }

  podGroupsMatching(namespace: string, selector: Selector): readonly PodGroup[] {
    const space = this.#pods.get(namespace);
    if (space === undefined) return NO_GROUPS;
    const sets = space.candidates(selector);
    if (sets === undefined) return this.podGroups(namespace).filter((g) => selects(selector, g.labels));
    const found: GroupEntry[] = [];
    for (const set of sets) for (const g of set) if (selects(selector, g.labels)) found.push(g);
    return found.sort((a, b) => compare(a.key, b.key)).map((g) => g.snapshot());
  }

  /** Sorted by name, so evaluation and messages never depend on the order objects arrived in. */
  policies(namespace: string): readonly Policy[] {
    let list = this.#policyLists.get(namespace);
    if (list === undefined) {
      const byName = this.#policies.get(namespace);
      if (byName === undefined) return NO_POLICIES;
      list = Object.freeze([...byName.values()].sort((a, b) => compare(a.name, b.name)));
      this.#policyLists.set(namespace, list);
    }
    return list;
  }

  podGroupsWithIp(ip: string): readonly PodGroup[] {
    const holders = this.#ipIndex.get(ip);
    if (holders === undefined) return NO_GROUPS;
    const groups = Array.isArray(holders) ? [...new Set(holders)] : [holders];
    return groups.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.key, b.key)).map((g) => g.snapshot());
  }

  /** The policy with its selector, rules, labels and annotations shared with equal ones. */
  #shareParts(p: Policy): Policy {
    const parts = this.#parts;
    return Object.freeze({
      namespace: p.namespace,
      name: p.name,
      podSelector: parts.intern(p.podSelector),
      types: parts.intern(p.types),
      ingress: parts.intern(p.ingress),
      egress: parts.intern(p.egress),
      labels: parts.intern(p.labels),
      annotations: parts.intern(p.annotations),
    });
  }

  #releaseParts(p: Policy): void {
    for (const part of [p.podSelector, p.types, p.ingress, p.egress, p.labels, p.annotations]) this.#parts.release(part);
  }

  #leave(space: NamespacePods, name: string, slot: PodSlot): void {
    const group = slot.group;
    this.#dropIps(group, slot.ipList());
    removeOne(group.names, name);
    group.count--;
    group.changed();
    space.pods.delete(name);
    space.list = undefined;
    this.#podCount--;
    if (group.count > 0) return;
    space.removeGroup(group);
    this.#groupCount--;
  }

  #addIps(group: GroupEntry, ips: readonly string[]): void {
    for (const ip of ips) {
      group.ips.push(ip);
      const holders = this.#ipIndex.get(ip);
      if (holders === undefined) this.#ipIndex.set(ip, group);
      else if (Array.isArray(holders)) holders.push(group);
      else this.#ipIndex.set(ip, [holders, group]);
    }
  }

  #dropIps(group: GroupEntry, ips: readonly string[]): void {
    for (const ip of ips) {
      removeOne(group.ips, ip);
      const holders = this.#ipIndex.get(ip);
      if (holders === group) this.#ipIndex.delete(ip);
      else if (Array.isArray(holders)) {
        removeOne(holders, group);
        if (holders.length === 1) this.#ipIndex.set(ip, holders[0] as GroupEntry);
      }
    }
  }
}
