import type { PolicyChange } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Policy } from '../objects/model.ts';
import { byName } from '../objects/by-name.ts';

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
      // The view lists a namespace's policies by name: the replacement goes in at its place, no sort needed.
      if (replacement !== undefined) others.splice(insertionPoint(others, replacement), 0, replacement);
      changed = others;
    }
    return changed;
  };
}

/** The first index whose policy does not sort before `policy` (byName). */
function insertionPoint(sorted: readonly Policy[], policy: Policy): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byName(sorted[middle] as Policy, policy) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
