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
      // The view lists a namespace's policies by name: the replacement goes in at its place, no sort needed.
      if (replacement !== undefined) others.splice(insertionPoint(others, replacement.name), 0, replacement);
      changed = others;
    }
    return changed;
  };
}

/** The first index whose policy's name does not sort before `name`. */
function insertionPoint(sorted: readonly Policy[], name: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as Policy).name < name) low = middle + 1;
    else high = middle;
  }
  return low;
}
