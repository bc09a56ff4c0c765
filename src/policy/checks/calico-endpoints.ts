// The endpoints a Calico policy can touch, as the checks enumerate them: running pod groups it may select
// and witness pods that its selector would select (calico/witness-labels.ts), in the namespaces it may
// apply to (its own, or for a global policy each namespace its namespaceSelector may match).
import type { Budget } from './budget.ts';
import { endpointFacts } from '../calico/endpoint-facts.ts';
import type { CalicoPolicy } from '../calico/model.ts';
import { selectionTruth } from '../calico/rule-match.ts';
import { selectorTruth } from '../calico/truth.ts';
import type { CalicoSelector } from '../calico/selector.ts';
import { calicoWitnessLabels } from '../calico/witness-labels.ts';
import type { CalicoPolicyChange } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Namespace } from '../objects/model.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { EndpointSet, namespaceOf } from '../netpol/endpoint.ts';
import { witnessPod } from '../netpol/witness.ts';

/**
 * The policies whose endpoints a change touches: its objects, and for a staged policy the enforced one of
 * the same name that promoting it would replace or delete.
 */
export function changedPolicies(view: ClusterView, change: CalicoPolicyChange): CalicoPolicy[] {
  const objects = [change.before, change.after].filter((p) => p !== undefined);
  const calico = view.calico();
  if (!change.staged || calico === undefined) return objects;
  const enforced = (change.namespace === undefined ? calico.global : calico.namespaced(change.namespace)).find((p) => p.backendName === change.backendName);
  return enforced === undefined ? objects : [...objects, enforced];
}

/** How a rule's or policy's namespaceSelector sees a namespace (endpoint-facts.ts). */
const NAME_LABEL = 'projectcalico.org/name';

export function calicoMaySelect(policy: CalicoPolicy, endpoint: Endpoint): boolean {
  return endpoint.kind === 'pod' && selectionTruth(policy, endpointFacts(endpoint, undefined)) !== 'no';
}

/** Whether a Calico namespaceSelector may match the namespace (absent: every namespace). */
export function calicoMatchesNamespace(selector: CalicoSelector | undefined, namespace: Namespace): boolean {
  return selector === undefined || selectorTruth(selector, { labels: { ...namespace.labels, [NAME_LABEL]: namespace.name } }, false) !== 'no';
}

/** The namespaces whose pods the policy may select. */
export function calicoNamespaces(view: ClusterView, policy: CalicoPolicy, budget: Budget): Namespace[] {
  if (policy.kind === 'NetworkPolicy') return [namespaceOf(view, policy.namespace)];
  const found: Namespace[] = [];
  for (const ns of view.namespaces()) {
    budget.spend(1);
    if (calicoMatchesNamespace(policy.namespaceSelector, ns)) found.push(ns);
  }
  return found;
}

/** Running pods the policy may select, and in each of its namespaces a witness its selector selects. */
export function calicoSelected(view: ClusterView, policy: CalicoPolicy, budget: Budget): readonly Endpoint[] {
  const pods = new EndpointSet(budget);
  for (const namespace of calicoNamespaces(view, policy, budget)) addSelectedIn(view, policy, namespace, pods, budget);
  return pods.items;
}

/** The same in one namespace (a witness namespace has no running pods). */
export function addSelectedIn(view: ClusterView, policy: CalicoPolicy, namespace: Namespace, pods: EndpointSet, budget: Budget): void {
  if (namespace.witness !== true) {
    for (const group of view.podGroups(namespace.name)) {
      const endpoint: Endpoint = { kind: 'pod', group, namespace };
      budget.spend(1);
      if (calicoMaySelect(policy, endpoint)) pods.add(endpoint);
    }
  }
  const labels = calicoWitnessLabels(policy.selector);
  if (labels === undefined) return;
  const witness: Endpoint = { kind: 'pod', group: witnessPod(namespace.name, labels), namespace };
  if (calicoMaySelect(policy, witness)) pods.add(witness);
}

/** The selectors of a policy's rules (source and destination), whose witnesses stand for the pods they name. */
export function ruleSelectors(policy: CalicoPolicy): CalicoSelector[] {
  return [...policy.ingress, ...policy.egress].flatMap((r) => [r.source.selector, r.destination.selector]).filter((s) => s !== undefined);
}

/** The namespaceSelectors of a policy and its rules: what may pick out namespaces by their own labels. */
export function namespaceSelectors(policy: CalicoPolicy): CalicoSelector[] {
  const own = policy.kind === 'GlobalNetworkPolicy' && policy.namespaceSelector !== undefined ? [policy.namespaceSelector] : [];
  return [...own, ...[...policy.ingress, ...policy.egress].flatMap((r) => [r.source.namespaceSelector, r.destination.namespaceSelector]).filter((s) => s !== undefined)];
}
