import type { CalicoPolicy, Tier } from '../calico/model.ts';
import type { EndpointSlice, Namespace, PodGroup, Policy, Selector, Service } from './model.ts';

/**
 * The one narrow window the core has on a cluster. Implemented by an in-memory index kept by the
 * informers (live cluster) or loaded from a state file; the core never knows which.
 * Lookups by selector are answered from label indexes, so a check costs what it touches.
 * A group is handed out as the same object for as long as it is unchanged: checks tell groups apart by
 * identity (EndpointSet), which is how a check that adds every group of the cluster stays cheap.
 */
export interface ClusterView {
  namespace(name: string): Namespace | undefined;
  namespaces(): Iterable<Namespace>;
  namespacesMatching(selector: Selector): Iterable<Namespace>;
  /** How many namespaces namespacesMatching(selector) looks at: a review is charged that much for it. */
  namespaceLookupCost(selector: Selector): number;
  podGroups(namespace: string): Iterable<PodGroup>;
  podGroupsMatching(namespace: string, selector: Selector): Iterable<PodGroup>;
  /** In byName order (by-name.ts): a review puts the changed policy in at its place rather than sorting. */
  policies(namespace: string): readonly Policy[];
  /** Pod groups that carry the given IP (for `nsguard explain` with an IP). */
  podGroupsWithIp(ip: string): Iterable<PodGroup>;
  /**
   * Calico's objects, or undefined when the cluster holds no Calico policy (enforced or staged) and no
   * Tier: then paths are judged by Kubernetes NetworkPolicy semantics alone, as they were before Calico.
   */
  calico(): CalicoObjects | undefined;
}

/**
 * The Calico objects of a cluster. Never the `knp.default.*` policies Calico shows for Kubernetes
 * NetworkPolicies: those are made from `policies()` where they are needed (from-kubernetes.ts).
 */
export interface CalicoObjects {
  readonly tiers: readonly Tier[];
  /** Enforced Calico NetworkPolicies of the namespace, by name. */
  namespaced(namespace: string): readonly CalicoPolicy[];
  /** Enforced GlobalNetworkPolicies, by name. */
  readonly global: readonly CalicoPolicy[];
  /** StagedNetworkPolicies of the namespace, or with `undefined` the StagedGlobalNetworkPolicies. */
  staged(namespace: string | undefined): readonly CalicoPolicy[];
}

/** A cluster's Services and what they send to, for `nsguard explain`: the checks never look at them. */
export interface ServiceView {
  service(namespace: string, name: string): Service | undefined;
  /** Any spelling of the address. */
  serviceWithClusterIp(ip: string): Service | undefined;
  /** Sorted. */
  serviceNames(namespace: string): readonly string[];
  /** The slices of a Service without a selector, by name. */
  endpointSlices(namespace: string, service: string): readonly EndpointSlice[];
}
