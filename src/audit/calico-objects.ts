// The Calico objects a cluster holds, as the audit reads them: tiers, enforced policies by namespace and
// global ones, and staged policies (which enforce nothing). The shape the cluster view will hand out
// once it holds Calico objects itself; until then the CLI reads them beside the view.
import type { CalicoPolicy, Tier } from '../policy/calico/model.ts';

export interface CalicoObjects {
  readonly tiers: readonly Tier[];
  /** Enforced Calico NetworkPolicies of the namespace, by name. */
  namespaced(namespace: string): readonly CalicoPolicy[];
  /** Enforced GlobalNetworkPolicies, by name. */
  readonly global: readonly CalicoPolicy[];
  /** StagedNetworkPolicies of the namespace, or with `undefined` the StagedGlobalNetworkPolicies. */
  staged(namespace: string | undefined): readonly CalicoPolicy[];
}

/** Files the objects as CalicoObjects; undefined when there are none, so paths stay Kubernetes'. */
export function calicoObjects(tiers: readonly Tier[], policies: readonly CalicoPolicy[]): CalicoObjects | undefined {
  if (tiers.length === 0 && policies.length === 0) return undefined;
  const byName = (a: CalicoPolicy, b: CalicoPolicy): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const enforced = new Map<string, CalicoPolicy[]>();
  const staged = new Map<string, CalicoPolicy[]>();
  const global: CalicoPolicy[] = [];
  const stagedGlobal: CalicoPolicy[] = [];
  for (const policy of policies) {
    const namespace = policy.kind === 'NetworkPolicy' ? policy.namespace : undefined;
    const list = namespace === undefined ? (policy.staged === undefined ? global : stagedGlobal) : fileUnder(policy.staged === undefined ? enforced : staged, namespace);
    list.push(policy);
  }
  for (const list of [global, stagedGlobal, ...enforced.values(), ...staged.values()]) list.sort(byName);
  return {
    tiers,
    namespaced: (namespace) => enforced.get(namespace) ?? [],
    global,
    staged: (namespace) => (namespace === undefined ? stagedGlobal : (staged.get(namespace) ?? [])),
  };
}

function fileUnder(map: Map<string, CalicoPolicy[]>, key: string): CalicoPolicy[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}
