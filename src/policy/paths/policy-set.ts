// The policies paths are judged against: the view's, or the view's with the change under review made.
// The admitted objects, not the cache, say what the changed policy was and will be: the cache may lag.
import type { CalicoPolicy, Tier } from '../calico/model.ts';
import { promoteStaged } from '../calico/policy-order.ts';
import type { CalicoPolicyChange, PolicyChange } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Policy } from '../objects/model.ts';
import { policiesWith } from '../netpol/policy-overlay.ts';

export interface PolicySet {
  kubernetes(namespace: string): readonly Policy[];
  /** Undefined when there is no Calico object at all: paths are then judged as Kubernetes alone. */
  readonly calico: CalicoPolicies | undefined;
}

/** The enforced Calico policies (staged ones never enforce) and the tiers. */
export interface CalicoPolicies {
  readonly tiers: readonly Tier[];
  namespaced(namespace: string): readonly CalicoPolicy[];
  readonly global: readonly CalicoPolicy[];
}

const NO_CALICO: CalicoPolicies = { tiers: [], namespaced: () => [], global: [] };

export function viewPolicies(view: ClusterView): PolicySet {
  return { kubernetes: (namespace) => view.policies(namespace), calico: view.calico() };
}

/** With a Kubernetes NetworkPolicy set to `replacement`, or removed. */
export function withKubernetesPolicy(view: ClusterView, change: PolicyChange, replacement: Policy | undefined): PolicySet {
  return { kubernetes: policiesWith(view, change, replacement), calico: view.calico() };
}

/**
 * With a Calico policy set to `replacement` (or removed). A staged policy enforces nothing: its `before`
 * is the cluster as it is, and its `after` the cluster with it promoted (`promoteStaged`).
 */
export function withCalicoPolicy(view: ClusterView, change: CalicoPolicyChange, replacement: CalicoPolicy | undefined): PolicySet {
  const current = view.calico() ?? NO_CALICO;
  const kubernetes = (namespace: string): readonly Policy[] => view.policies(namespace);
  if (change.staged && (replacement === undefined || replacement === change.before)) return { kubernetes, calico: view.calico() };
  const same = change.namespace;
  const edit = (policies: readonly CalicoPolicy[]): readonly CalicoPolicy[] => {
    if (replacement?.staged !== undefined) return promoteStaged(policies, replacement);
    const others = policies.filter((p) => p.backendName !== change.backendName);
    return replacement === undefined ? others : [...others, replacement];
  };
  const calico: CalicoPolicies =
    same === undefined
      ? { tiers: current.tiers, namespaced: (namespace) => current.namespaced(namespace), global: edit(current.global) }
      : { tiers: current.tiers, namespaced: memoEdit(current, same, edit), global: current.global };
  return { kubernetes, calico };
}

function memoEdit(current: CalicoPolicies, namespace: string, edit: (policies: readonly CalicoPolicy[]) => readonly CalicoPolicy[]): (namespace: string) => readonly CalicoPolicy[] {
  let edited: readonly CalicoPolicy[] | undefined;
  return (ns) => (ns !== namespace ? current.namespaced(ns) : (edited ??= edit(current.namespaced(ns))));
}
