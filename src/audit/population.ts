// The endpoints the audit judges in each namespace: its running pod groups and a pod that could be
// created there (no labels, ports unknown), so a namespace without pods still has a row and a column.
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { witnessPod } from '../policy/netpol/witness.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Namespace } from '../policy/objects/model.ts';

export interface NamespacePods {
  readonly namespace: Namespace;
  readonly running: readonly (Endpoint & { readonly kind: 'pod' })[];
  /** Any new pod: no labels, so only policies selecting every pod select it. */
  readonly newPod: Endpoint & { readonly kind: 'pod' };
}

export function populate(view: ClusterView, namespaces: readonly Namespace[]): NamespacePods[] {
  return namespaces.map((namespace) => ({
    namespace,
    running: [...view.podGroups(namespace.name)].map((group) => ({ kind: 'pod' as const, group, namespace })),
    newPod: { kind: 'pod', group: witnessPod(namespace.name, {}), namespace },
  }));
}
