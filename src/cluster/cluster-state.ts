import type { CalicoPolicy, Tier } from '../policy/calico/model.ts';
import type { CalicoObjects, ClusterView, ServiceView } from '../policy/objects/cluster-view.ts';
import type { CalicoPolicyKey } from './calico-store.ts';
import { CalicoStore } from './calico-store.ts';
import type { ContainerPort, EndpointSlice, Labels, Namespace, Pod, PodGroup, Policy, Selector, Service } from '../policy/objects/model.ts';
import { selects } from '../policy/netpol/selector.ts';
import { countOf, firstOf, insertedAt, itemsOf, removedAt, withItem, withoutItem, type Few } from './few.ts';
import { compactCopy, compareShapes, compareText, orderedLabels, sameShape, sortedPorts, type GroupShape } from './group-identity.ts';
import { Interner } from './interner.ts';
import { IpIndex } from './ip-index.ts';
import { ipKey, ipText, type IpKey } from './ip-key.ts';
import { LabelIndex } from './label-index.ts';
import { ServiceStore } from './service-store.ts';
import { SmallMap } from './small-map.ts';
import { byName } from '../policy/objects/by-name.ts';

// The in-memory index behind both ClusterView implementations (state file and informers). Pods are
// folded into groups of identical (namespace, labels, container ports) so 150k pods cost per-pod only a
// name, its IPs and a way to its group; whole Pod objects are never kept.

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

/**
 * A pod group's mutable bookkeeping. Callers only ever see `snapshot()`: a frozen PodGroup built on
 * first read after a change and never touched again, so a check holding one sees a consistent value
 * while informers keep updating, and unchanged groups cost no copy per read.
 */
class GroupEntry {
  readonly space: NamespacePods;
  readonly labels: Labels;
  /** Sorted, and shared by every group with the same ports. */
  readonly ports: readonly ContainerPort[];
  /** Its place in its namespace's groups, which are kept in shape order. */
  rank = 0;
  count = 0;
  /** The first few members by name (all of them with keepPodNames); their IPs are found by name. */
  names: Few<string> | undefined;
  /** The IPs of the members beyond those: a multiset, as hostNetwork pods share their node's IP. */
  ips: Few<IpKey> | undefined;
  #snapshot: PodGroup | undefined;

  constructor(space: NamespacePods, labels: Labels, ports: readonly ContainerPort[]) {
    this.space = space;
    this.labels = labels;
    this.ports = ports;
  }

  /** Named while there is room (or `nameAll`), otherwise kept by its IPs alone. */
  join(name: string, ips: readonly IpKey[], nameAll: boolean): void {
    this.count++;
    if (nameAll || countOf(this.names) < NAMES_KEPT) this.names = withItem(this.names, name);
    else for (const ip of ips) this.ips = withItem(this.ips, ip);
    this.#snapshot = undefined;
  }

  leave(name: string, ips: readonly IpKey[]): void {
    this.count--;
    if (itemsOf(this.names).includes(name)) this.names = withoutItem(this.names, name);
    else for (const ip of ips) this.ips = withoutItem(this.ips, ip);
    this.#snapshot = undefined;
  }

  snapshot(): PodGroup {
    if (this.#snapshot === undefined) {
      const ips = new Set(itemsOf(this.ips));
      for (const name of itemsOf(this.names)) for (const ip of itemsOf(ipsOf(this.space.pods.get(name) as PodRef))) ips.add(ip);
      this.#snapshot = Object.freeze({
        namespace: this.space.name,
        labels: this.labels,
        ports: this.ports,
        count: this.count,
        names: Object.freeze(itemsOf(this.names).toSorted(compareText)),
        ips: Object.freeze([...ips].map(ipText).sort(compareText)),
      });
    }
    return this.#snapshot;
  }
}

/** A pod whose group its IPs do not lead to (see PodRef). */
class PodSlot {
  readonly group: GroupEntry;
  readonly ips: Few<IpKey>;

  constructor(group: GroupEntry, ips: Few<IpKey>) {
    this.group = group;
    this.ips = ips;
  }
}

/**
 * What a namespace keeps per pod name, so a delete by name or a relabel is exact (informer updates and
 * deletes bring no old object). Most pods have one IP that no other pod held when they came, and keep
 * just that IP: the ip index lists an IP's holders in arrival order and keeps the first one first, so
 * it names their group. A pod without IPs keeps its group, any other a slot with both.
 */
type PodRef = IpKey | GroupEntry | PodSlot;

function ipsOf(ref: PodRef): Few<IpKey> | undefined {
  return ref instanceof GroupEntry ? undefined : ref instanceof PodSlot ? ref.ips : ref;
}

function sameIps(a: readonly IpKey[], b: readonly IpKey[]): boolean {
  return a.length === b.length && a.every((ip, i) => ip === b[i]);
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
  /** One string for all the namespace's groups: each pod brings its own copy. */
  readonly name: string;
  readonly pods = new SmallMap<string, PodRef>();
  /** Sorted by compareShapes, each group at its rank: found by binary search, listed without a sort. */
  #groups: GroupEntry[] = [];
  #index: LabelIndex<GroupEntry> | undefined;
  /** Sorted snapshots, rebuilt on the first read after a change. */
  list: readonly PodGroup[] | undefined;

  constructor(name: string) {
    this.name = name;
  }

  get groups(): readonly GroupEntry[] {
    return this.#groups;
  }

  /** The group of this shape (ordered labels, sorted ports), if there is one. */
  find(shape: GroupShape): GroupEntry | undefined {
    const group = this.#groups[this.#rankOf(shape)];
    return group !== undefined && compareShapes(shape, group) === 0 ? group : undefined;
  }

  addGroup(group: GroupEntry): void {
    const rank = this.#rankOf(group);
    this.#groups = insertedAt(this.#groups, rank, group);
    this.#renumber(rank);
    if (this.#index !== undefined) this.#index.add(group, group.labels);
    else if (this.#groups.length >= INDEX_FROM_GROUPS) {
      const index = new LabelIndex<GroupEntry>();
      for (const g of this.#groups) index.add(g, g.labels);
      this.#index = index;
    }
  }

  removeGroup(group: GroupEntry): void {
    this.#groups = removedAt(this.#groups, group.rank);
    this.#renumber(group.rank);
    this.#index?.remove(group, group.labels);
    if (this.#groups.length < INDEX_UNTIL_GROUPS) this.#index = undefined;
  }

  /** As LabelIndex.candidates; undefined (scan) while the namespace has no index. */
  candidates(selector: Selector): readonly ReadonlySet<GroupEntry>[] | undefined {
    return this.#index?.candidates(selector);
  }

  /** The first rank whose group does not sort before `shape`. */
  #rankOf(shape: GroupShape): number {
    let low = 0;
    let high = this.#groups.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareShapes(this.#groups[middle] as GroupEntry, shape) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #renumber(from: number): void {
    for (let rank = from; rank < this.#groups.length; rank++) (this.#groups[rank] as GroupEntry).rank = rank;
  }
}

export class ClusterState implements ClusterView, ServiceView {
  readonly #keepPodNames: boolean;
  readonly #namespaces = new Map<string, Namespace>();
  readonly #namespaceIndex = new LabelIndex<Namespace>();
  #namespaceList: readonly Namespace[] | undefined;
  readonly #policies = new Map<string, Map<string, Policy>>();
  readonly #policyLists = new Map<string, readonly Policy[]>();
  readonly #parts = new Interner();
  /** Port lists of pod groups: a cluster has a few dozen distinct ones. */
  readonly #ports = new Interner();
  #policyCount = 0;
  readonly #pods = new Map<string, NamespacePods>();
  #podCount = 0;
  #groupCount = 0;
  /** ip → the group of each pod holding it (hostNetwork pods share one), in the order they came. */
  readonly #ipIndex = new IpIndex<Few<GroupEntry>>();
  readonly #calico = new CalicoStore();
  readonly #services = new ServiceStore();

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

  upsertCalicoPolicy(policy: CalicoPolicy): void {
    this.#calico.upsertPolicy(policy);
  }

  /** `name` as either Calico API group spells it (`allow-dns` or `default.allow-dns`). */
  deleteCalicoPolicy(key: CalicoPolicyKey, namespace: string | undefined, name: string): void {
    this.#calico.deletePolicy(key, namespace, name);
  }

  upsertTier(tier: Tier): void {
    this.#calico.upsertTier(tier);
  }

  deleteTier(name: string): void {
    this.#calico.deleteTier(name);
  }

  /** Every Calico policy of one collection: what a relist compares against. */
  calicoPolicies(key: CalicoPolicyKey): Iterable<CalicoPolicy> {
    return this.#calico.policies(key);
  }

  tierNames(): Iterable<string> {
    return this.#calico.tierNames();
  }

  calico(): CalicoObjects | undefined {
    return this.#calico.objects();
  }

  upsertService(service: Service): void {
    this.#services.upsert(service);
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    this.#services.upsertSlice(slice);
  }

  service(namespace: string, name: string): Service | undefined {
    return this.#services.get(namespace, name);
  }

  serviceWithClusterIp(ip: string): Service | undefined {
    return this.#services.withClusterIp(ip);
  }

  serviceNames(namespace: string): readonly string[] {
    return this.#services.names(namespace);
  }

  endpointSlices(namespace: string, service: string): readonly EndpointSlice[] {
    return this.#services.slices(namespace, service);
  }

  upsertPod(pod: Pod): void {
    let space = this.#pods.get(pod.namespace);
    if (space === undefined) this.#pods.set(pod.namespace, (space = new NamespacePods(pod.namespace)));
    const ips = pod.ips.map(ipKey);
    const ref = space.pods.get(pod.name);
    if (ref !== undefined) {
      const group = this.#groupOf(ref);
      if (sameShape(group, pod.labels, pod.ports)) {
        // Status-only updates and resyncs are the common event: change nothing a check may hold.
        const old = itemsOf(ipsOf(ref));
        const moved = !sameIps(old, ips);
        const refill = countOf(group.names) < NAMES_KEPT && !itemsOf(group.names).includes(pod.name);
        if (!moved && !refill) return;
        if (moved) {
          this.#unindex(group, old);
          space.pods.set(pod.name, this.#index(group, ips));
        }
        // Leaving and joining again names the pod if a name went free, and moves its IPs.
        group.leave(pod.name, old);
        group.join(pod.name, ips, this.#keepPodNames);
        space.list = undefined;
        return;
      }
      this.#leave(space, pod.name, ref, group);
    }
    const shape = { labels: orderedLabels(pod.labels), ports: sortedPorts(pod.ports) };
    let group = space.find(shape);
    if (group === undefined) {
      // Copies, so the group shares nothing with the caller. Ports are plain data: JSON identifies them.
      const ports = Object.freeze(shape.ports.map((p) => Object.freeze({ name: p.name, port: p.port, protocol: p.protocol })));
      group = new GroupEntry(space, compactCopy(shape.labels), this.#ports.intern(ports, JSON.stringify(ports)));
      space.addGroup(group);
      this.#groupCount++;
    }
    space.pods.set(pod.name, this.#index(group, ips));
    group.join(pod.name, ips, this.#keepPodNames);
    this.#podCount++;
    space.list = undefined;
  }

  deletePod(namespace: string, name: string): void {
    const space = this.#pods.get(namespace);
    const ref = space?.pods.get(name);
    if (space === undefined || ref === undefined) return;
    this.#leave(space, name, ref, this.#groupOf(ref));
    if (space.pods.size === 0) this.#pods.delete(namespace);
  }

  /** The group a pod counts in (`nsguard explain ns/pod`). */
  findPod(namespace: string, name: string): PodGroup | undefined {
    const ref = this.#pods.get(namespace)?.pods.get(name);
    return ref === undefined ? undefined : this.#groupOf(ref).snapshot();
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
    this.#namespaceList ??= Object.freeze([...this.#namespaces.values()].sort((a, b) => compareText(a.name, b.name)));
    return this.#namespaceList;
  }

  namespacesMatching(selector: Selector): readonly Namespace[] {
    const sets = this.#namespaceIndex.candidates(selector);
    if (sets === undefined) return this.namespaces().filter((ns) => selects(selector, ns.labels));
    const found: Namespace[] = [];
    for (const set of sets) for (const ns of set) if (selects(selector, ns.labels)) found.push(ns);
    return found.sort((a, b) => compareText(a.name, b.name));
  }

  namespaceLookupCost(selector: Selector): number {
    const sets = this.#namespaceIndex.candidates(selector);
    if (sets === undefined) return this.#namespaces.size;
    let count = 0;
    for (const set of sets) count += set.size;
    return count;
  }

  podGroups(namespace: string): readonly PodGroup[] {
    const space = this.#pods.get(namespace);
    if (space === undefined) return NO_GROUPS;
    space.list ??= Object.freeze(space.groups.map((g) => g.snapshot()));
    return space.list;
  }

  podGroupsMatching(namespace: string, selector: Selector): readonly PodGroup[] {
    const space = this.#pods.get(namespace);
    if (space === undefined) return NO_GROUPS;
    const sets = space.candidates(selector);
    if (sets === undefined) return this.podGroups(namespace).filter((g) => selects(selector, g.labels));
    const found: GroupEntry[] = [];
    for (const set of sets) for (const g of set) if (selects(selector, g.labels)) found.push(g);
    return found.sort((a, b) => a.rank - b.rank).map((g) => g.snapshot());
  }

  /** Sorted by name, so evaluation and messages never depend on the order objects arrived in. */
  policies(namespace: string): readonly Policy[] {
    let list = this.#policyLists.get(namespace);
    if (list === undefined) {
      const named = this.#policies.get(namespace);
      if (named === undefined) return NO_POLICIES;
      list = Object.freeze([...named.values()].sort(byName));
      this.#policyLists.set(namespace, list);
    }
    return list;
  }

  /** Any spelling of the address finds the same pods. */
  podGroupsWithIp(ip: string): readonly PodGroup[] {
    const holders = this.#ipIndex.get(ipKey(ip));
    if (holders === undefined) return NO_GROUPS;
    return [...new Set(itemsOf(holders))].sort((a, b) => compareText(a.space.name, b.space.name) || a.rank - b.rank).map((g) => g.snapshot());
  }

  /**
   * The pods holding `ip`, each with its name where its group keeps it (every name with keepPodNames;
   * otherwise the first few), so an address means one pod rather than the whole group it counts in.
   */
  podsWithIp(ip: string): readonly { readonly group: PodGroup; readonly name: string | undefined }[] {
    const key = ipKey(ip);
    const found: { group: PodGroup; name: string | undefined }[] = [];
    for (const group of new Set(itemsOf(this.#ipIndex.get(key)))) {
      const names = itemsOf(group.names).filter((name) => itemsOf(ipsOf(group.space.pods.get(name) as PodRef)).includes(key));
      if (names.length === 0) found.push({ group: group.snapshot(), name: undefined });
      for (const name of names.toSorted(compareText)) found.push({ group: group.snapshot(), name });
    }
    return found.sort((a, b) => compareText(a.group.namespace, b.group.namespace) || compareText(a.name ?? '', b.name ?? ''));
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

  #groupOf(ref: PodRef): GroupEntry {
    if (ref instanceof GroupEntry) return ref;
    if (ref instanceof PodSlot) return ref.group;
    return firstOf(this.#ipIndex.get(ref) as Few<GroupEntry>);
  }

  #leave(space: NamespacePods, name: string, ref: PodRef, group: GroupEntry): void {
    const ips = itemsOf(ipsOf(ref));
    this.#unindex(group, ips);
    group.leave(name, ips);
    space.pods.delete(name);
    space.list = undefined;
    this.#podCount--;
    if (group.count > 0) return;
    space.removeGroup(group);
    this.#ports.release(group.ports);
    this.#groupCount--;
  }

  /** Indexes the IPs of a pod of `group`, and returns what its namespace keeps for it. */
  #index(group: GroupEntry, ips: IpKey[]): PodRef {
    const [first] = ips;
    if (first === undefined) return group;
    const leads = ips.length === 1 && this.#ipIndex.get(first) === undefined;
    for (const ip of ips) this.#ipIndex.set(ip, withItem(this.#ipIndex.get(ip), group));
    return leads ? first : new PodSlot(group, ips.length === 1 ? first : ips);
  }

  #unindex(group: GroupEntry, ips: readonly IpKey[]): void {
    for (const ip of ips) {
      const left = withoutItem(this.#ipIndex.get(ip), group);
      if (left === undefined) this.#ipIndex.delete(ip);
      else this.#ipIndex.set(ip, left);
    }
  }
}
