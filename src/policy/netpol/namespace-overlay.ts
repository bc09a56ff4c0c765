import type { ClusterView } from '../objects/cluster-view.ts';
import type { Namespace, Selector } from '../objects/model.ts';
import { selects } from './selector.ts';

/**
 * The view with namespaces it did not hold (looked up live) added: a namespace created between two watch
 * events has no pods or policies the view could know of either, so only the namespace itself is added.
 * Where the view holds a namespace of the same name by now, the view's wins.
 */
export function withNamespaces(view: ClusterView, extra: readonly Namespace[]): ClusterView {
  if (extra.length === 0) return view;
  const added = (): Namespace[] => extra.filter((ns) => view.namespace(ns.name) === undefined);
  return {
    namespace: (name) => view.namespace(name) ?? extra.find((ns) => ns.name === name),
    namespaces: () => [...view.namespaces(), ...added()],
    namespacesMatching: (selector: Selector) => [...view.namespacesMatching(selector), ...added().filter((ns) => selects(selector, ns.labels))],
    namespaceLookupCost: (selector: Selector) => view.namespaceLookupCost(selector) + extra.length,
    podGroups: (namespace) => view.podGroups(namespace),
    podGroupsMatching: (namespace, selector) => view.podGroupsMatching(namespace, selector),
    policies: (namespace) => view.policies(namespace),
    podGroupsWithIp: (ip) => view.podGroupsWithIp(ip),
    calico: () => view.calico(),
  };
}
