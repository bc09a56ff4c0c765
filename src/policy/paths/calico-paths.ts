// Paths judged by Calico (DESIGN.md "Calico semantics"): per subject, the tiers with the policies that may
// select it for the direction (global ones, Calico NetworkPolicies of its namespace, and its namespace's
// Kubernetes NetworkPolicies as Calico runs them), found once per subject in a review, then the tiered
// evaluator on each path. Every step is charged to the review's budget.
import type { Budget } from '../checks/budget.ts';
import type { CalicoDirectionVerdict } from '../calico/evaluate.ts';
import { evaluateCalicoDirection, portsFor } from '../calico/evaluate.ts';
import { endpointFacts } from '../calico/endpoint-facts.ts';
import { calicoFromKubernetes } from '../calico/from-kubernetes.ts';
import type { CalicoPolicy } from '../calico/model.ts';
import type { TierPolicies } from '../calico/policy-order.ts';
import { orderPolicies } from '../calico/policy-order.ts';
import { selectionTruth } from '../calico/rule-match.ts';
import type { Endpoint, Reading } from '../netpol/endpoint.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { NO_PORTS, intersect, isEmpty } from '../netpol/port-set.ts';
import type { Cidr, Direction, Namespace, PodGroup, Policy } from '../objects/model.ts';
import type { CalicoPaths } from './path-evaluator.ts';
import type { CalicoPolicies } from './policy-set.ts';

// A Kubernetes NetworkPolicy's Calico form depends on the policy alone, and policies are immutable values
// a view hands out for as long as they are unchanged: converted once, whichever review asks first.
const converted = new WeakMap<Policy, CalicoPolicy>();

function asCalico(policy: Policy, budget: Budget): CalicoPolicy {
  let calico = converted.get(policy);
  if (calico === undefined) converted.set(policy, (calico = calicoFromKubernetes(policy)));
  budget.spend(1 + calico.ingress.length + calico.egress.length);
  return calico;
}

const NOTHING_SELECTS: readonly TierPolicies[] = [];

export function calicoPaths(kubernetes: (namespace: string) => readonly Policy[], calico: CalicoPolicies, podCIDRs: readonly Cidr[], reading: Reading, budget: Budget): CalicoPaths {
  const ordered = new Map<string, readonly TierPolicies[]>();
  /** Every policy that can apply to a pod of `namespace`, in Calico's order. */
  const tiersOf = (namespace: string): readonly TierPolicies[] => {
    let tiers = ordered.get(namespace);
    if (tiers === undefined) {
      const policies = [...calico.global, ...calico.namespaced(namespace), ...kubernetes(namespace).map((p) => asCalico(p, budget))];
      budget.spend(policies.length + calico.tiers.length);
      ordered.set(namespace, (tiers = orderPolicies(calico.tiers, policies)));
    }
    return tiers;
  };
  // Per direction, pod group and namespace (a namespace-env review sees one pod under several labellings).
  const selections: Record<Direction, WeakMap<PodGroup, Map<Namespace, readonly TierPolicies[]>>> = { ingress: new WeakMap(), egress: new WeakMap() };
  const selecting = (direction: Direction, subject: Endpoint): readonly TierPolicies[] => {
    if (subject.kind !== 'pod') return NOTHING_SELECTS;
    budget.spend(1);
    let byNamespace = selections[direction].get(subject.group);
    if (byNamespace === undefined) selections[direction].set(subject.group, (byNamespace = new Map()));
    let tiers = byNamespace.get(subject.namespace);
    if (tiers === undefined) {
      const facts = endpointFacts(subject, undefined);
      tiers = tiersOf(subject.group.namespace)
        .map(({ tier, policies }) => ({
          tier,
          policies: policies.filter((p) => {
            budget.spend(1);
            return p.types.has(direction) && selectionTruth(p, facts) !== 'no';
          }),
        }))
        .filter((t) => t.policies.length > 0);
      byNamespace.set(subject.namespace, tiers);
    }
    return tiers;
  };
  const direction = (d: Direction, from: Endpoint, to: Endpoint): CalicoDirectionVerdict =>
    evaluateCalicoDirection({ tiers: selecting(d, d === 'egress' ? from : to), podCIDRs, budget }, d, from, to);
  return {
    kind: 'calico',
    reading,
    selecting,
    openPorts: (from, to): PortSet => {
      const egress = portsFor(direction('egress', from, to), reading);
      return isEmpty(egress) ? NO_PORTS : intersect(egress, portsFor(direction('ingress', from, to), reading));
    },
    report: (from, to) => {
      const egress = direction('egress', from, to);
      const ingress = direction('ingress', from, to);
      return { kind: 'calico', reading, verdict: { from, to, egress, ingress, may: intersect(egress.may, ingress.may), must: intersect(egress.must, ingress.must) } };
    },
  };
}
