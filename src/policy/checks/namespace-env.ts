import type { NamespaceChange } from '../objects/change.ts';
import type { Check, CheckInput, CheckResult } from './check.ts';
import { NO_FINDINGS, violations as onlyViolations } from './check.ts';
import type { Budget } from './budget.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Finding } from './decision.ts';
import { describeDecidingSide, describePath } from './describe.ts';
import { NO_FIELDS, openedPathFields } from './finding-fields.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { EndpointSet } from '../netpol/endpoint.ts';
import { environmentOf, separatedFrom } from './environments.ts';
import type { Namespace, Peer, Policy } from '../objects/model.ts';
import { pathEvaluator } from '../paths/path-evaluator.ts';
import { viewPolicies } from '../paths/policy-set.ts';
import { isEmpty } from '../netpol/port-set.ts';
import { peerCost } from '../netpol/rule-index.ts';
import { describeLabels, selectorFromLabels, selects } from '../netpol/selector.ts';
import { representativeLabels, witnessNamespace, witnessPod } from '../netpol/witness.ts';
import { PARENT_ANNOTATION } from '../objects/nsguard-metadata.ts';
import type { CalicoPolicy } from '../calico/model.ts';
import type { CalicoSelector } from '../calico/selector.ts';
import { calicoWitnessLabels } from '../calico/witness-labels.ts';
import { calicoMatchesNamespace } from './calico-endpoints.ts';

/**
 * `env-boundary` for a Namespace CREATE/UPDATE, judged on real paths: the namespace's new labels must
 * not let existing policies of a separated environment reach it or be reached by it. A path that any
 * namespace of the same environment would get (the F side simply is not isolated) is not this
 * change's doing: it is a warning, like every pre-existing exposure.
 */
export function checkNamespaceEnv({ view, change, config, budget }: CheckInput<NamespaceChange>): CheckResult {
  const after = change.after;
  if (after === undefined) return { violations: [], warnings: [] };
  const env = environmentOf(after, config);
  const paths = pathEvaluator(viewPolicies(view), config.podCIDRs, 'may', budget);
  const violations = new Map<string, Finding>();
  const warnings = new Map<string, Finding>();
  const verb = change.operation === 'CREATE' ? 'creating' : 'relabelling';
  const calico = view.calico();

  for (const other of separatedFrom(env, config)) {
    const apart = `${env} and ${other} must stay apart`;
    // The same namespace carrying only its environment label: what any namespace of `env` would get.
    const plain: Namespace = { ...after, labels: { ...witnessNamespace(config.environmentLabel, env as string).labels } };
    const beforeCounts = change.before !== undefined && separatedFrom(environmentOf(change.before, config), config).includes(other);
    const inOther = selectorFromLabels({ [config.environmentLabel]: other });
    budget.spend(view.namespaceLookupCost(inOther));
    // Global Calico policies may pick the namespace out for every namespace of the other environment.
    const globalPicks = calico === undefined ? [] : calicoPickingOut(calico.global, after, plain, budget);
    for (const remote of view.namespacesMatching(inOther)) {
      budget.spend(1);
      if (remote.name === after.name) continue;
      const peers = pickingOut(view.policies(remote.name), after, plain, budget);
      const remoteCalico = calico?.namespaced(remote.name) ?? [];
      const picks = calico === undefined ? globalPicks : [...globalPicks, ...calicoPickingOut(remoteCalico, after, plain, budget)];
      if (peers.length === 0 && picks.length === 0) continue;
      const remoteLabels = [...view.policies(remote.name).map((p) => representativeLabels(p.podSelector)), ...remoteCalico.map((p) => calicoWitnessLabels(p.selector))];
      const remotePods = podsOf(view, remote, remoteLabels, budget);
      const localLabels = [...peers.map((p) => (p.podSelector === undefined ? {} : representativeLabels(p.podSelector))), ...picks.map((s) => (s === undefined ? {} : calicoWitnessLabels(s)))];
      for (const local of podsOf(view, after, localLabels, budget)) {
        for (const remotePod of remotePods) {
          for (const [from, to, side] of [[local, remotePod, 'ingress'], [remotePod, local, 'egress']] as const) {
            if (isEmpty(paths.openPorts(from, to))) continue;
            const key = `${remote.name}|${side}`;
            const opensAs = (labelled: Namespace): boolean => !isEmpty(paths.openPorts(rehome(from, after, labelled), rehome(to, after, labelled)));
            const already = opensAs(plain) || (beforeCounts && change.before !== undefined && opensAs(change.before));
            const findings = already ? warnings : violations;
            if (findings.has(key)) continue;
            const now = paths.report(from, to);
            const reason = describeDecidingSide(now, side);
            findings.set(key, {
              rule: 'env-boundary',
              message: already
                ? `${describePath(now)} is already open (${apart}): ${reason}`
                : `${verb} namespace ${after.name} with labels ${describeLabels(after.labels)} opens ${describePath(now)} (${apart}): ${reason}`,
              ...openedPathFields(now, side),
            });
          }
        }
      }
    }
  }
  return { violations: [...violations.values()], warnings: [...warnings.values()] };
}

type NamespacesPeer = Extract<Peer, { kind: 'namespaces' }>;

/**
 * Only peers that pick this namespace out by its own labels can make it differ from `plain`. Every
 * namespace of the other environment is looked at, so this allocates nothing for the many that have none.
 */
function pickingOut(policies: readonly Policy[], after: Namespace, plain: Namespace, budget: Budget): NamespacesPeer[] {
  let peers: NamespacesPeer[] | undefined;
  for (const policy of policies) {
    for (const rules of [policy.ingress, policy.egress]) {
      for (const rule of rules) {
        budget.spend(1);
        for (const peer of rule.peers ?? []) {
          budget.spend(peerCost(peer));
          if (peer.kind === 'namespaces' && selects(peer.namespaceSelector, after.labels) && !selects(peer.namespaceSelector, plain.labels)) (peers ??= []).push(peer);
        }
      }
    }
  }
  return peers ?? [];
}

/**
 * The Calico counterpart of pickingOut: the selectors of the pods a Calico policy names in namespaces it
 * picks out by labels this namespace now has and a plain one of its environment lacks (a rule's source or
 * destination, or a global policy's own namespaceSelector); undefined for "any pod there".
 */
function calicoPickingOut(policies: readonly CalicoPolicy[], after: Namespace, plain: Namespace, budget: Budget): (CalicoSelector | undefined)[] {
  const picks: (CalicoSelector | undefined)[] = [];
  const picksOut = (selector: CalicoSelector | undefined): boolean => selector !== undefined && calicoMatchesNamespace(selector, after) && !calicoMatchesNamespace(selector, plain);
  for (const policy of policies) {
    budget.spend(1);
    if (policy.kind === 'GlobalNetworkPolicy' && picksOut(policy.namespaceSelector)) picks.push(policy.selector);
    for (const rule of [...policy.ingress, ...policy.egress]) {
      budget.spend(1);
      for (const entity of [rule.source, rule.destination]) if (picksOut(entity.namespaceSelector)) picks.push(entity.selector);
    }
  }
  return picks;
}

function podsOf(view: ClusterView, namespace: Namespace, witnessLabels: readonly (Readonly<Record<string, string>> | undefined)[], budget: Budget): readonly Endpoint[] {
  const pods = new EndpointSet(budget);
  for (const group of view.podGroups(namespace.name)) pods.add({ kind: 'pod', group, namespace });
  pods.add({ kind: 'pod', group: witnessPod(namespace.name, {}), namespace });
  for (const labels of witnessLabels) if (labels !== undefined) pods.add({ kind: 'pod', group: witnessPod(namespace.name, labels), namespace });
  return pods.items;
}

/** The same pod seen with its namespace carrying other labels. */
function rehome(endpoint: Endpoint, from: Namespace, to: Namespace): Endpoint {
  return endpoint.kind === 'pod' && endpoint.namespace === from ? { ...endpoint, namespace: to } : endpoint;
}

/**
 * `env-boundary` for a namespace under a parent: it receives copies of the parent's policies, so it
 * must hold the parent's environment (the mutation stamps it; this catches a different one given).
 */
export function checkParentEnvironment({ view, change, config }: CheckInput<NamespaceChange>): CheckResult {
  const after = change.after;
  const parentName = after?.annotations[PARENT_ANNOTATION];
  if (after === undefined || parentName === undefined) return NO_FINDINGS;
  const parent = view.namespace(parentName);
  const parentEnv = parent === undefined ? undefined : environmentOf(parent, config);
  const env = environmentOf(after, config);
  if (parentEnv === undefined || env === parentEnv) return NO_FINDINGS;
  const own = env === undefined ? 'no environment label' : `${config.environmentLabel}=${env}`;
  return onlyViolations([
    {
      rule: 'env-boundary',
      message: `namespace ${change.name} names parent ${parentName} (${PARENT_ANNOTATION}), which is ${config.environmentLabel}=${parentEnv}, but has ${own}: a child receives its parent's policies and must hold its environment; label it ${config.environmentLabel}=${parentEnv}`,
      ...NO_FIELDS,
    },
  ]);
}

export const NAMESPACE_ENV: Check<NamespaceChange> = { rule: 'env-boundary', run: checkNamespaceEnv };
export const PARENT_ENVIRONMENT: Check<NamespaceChange> = { rule: 'env-boundary', run: checkParentEnvironment };
