import type { PolicyChange } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Policy } from '../objects/model.ts';

/**
 * The view's policies with the changed object set to `replacement` (or removed). The admitted objects,
 * not the cache, say what the policy was and will be: the cache may lag the apiserver.
 */
export function policiesWith(view: ClusterView, change: PolicyChange, replacement: Policy | undefined): (namespace: string) => readonly Policy[] {
  let changed: readonly Policy[] | undefined;
  return (namespace) => {
    if (namespace !== change.namespace) return view.policies(namespace);
    if (changed === undefined) {
      const others = view.policies(namespace).filter((p) => p.name !== change.name);
      changed = replacement === undefined ? others : [...others, replacement].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return changed;
  };
}
