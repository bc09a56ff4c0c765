// Paths as Calico judges them, through the checks' own Calico evaluator (policy/paths/calico-paths.ts):
// what this module adds is the audit's view of it — explanations, the keys that tell subjects apart, the
// labels the policies read. `may` and `must` are the evaluator's sound readings of what nsguard does not
// know (service accounts, addresses).
import { Budget } from '../policy/checks/budget.ts';
import type { CalicoDirectionVerdict, CalicoPathVerdict, Decider, DecisionPiece } from '../policy/calico/evaluate.ts';
import { portsFor } from '../policy/calico/evaluate.ts';
import { endpointFacts } from '../policy/calico/endpoint-facts.ts';
import { calicoFromKubernetes } from '../policy/calico/from-kubernetes.ts';
import type { CalicoPolicy, CalicoPolicyRef, CalicoRule, EntityRule } from '../policy/calico/model.ts';
import { policyRef } from '../policy/calico/model.ts';
import type { TierPolicies } from '../policy/calico/policy-order.ts';
import { selectionTruth } from '../policy/calico/rule-match.ts';
import type { CalicoSelector } from '../policy/calico/selector.ts';
import { describeEndpoints, joinAnd } from '../policy/checks/describe.ts';
import type { Endpoint, Reading } from '../policy/netpol/endpoint.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import { hasPort, intersect } from '../policy/netpol/port-set.ts';
import { calicoPaths as evaluate } from '../policy/paths/calico-paths.ts';
import type { CalicoPaths } from '../policy/paths/path-evaluator.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config, Direction, Policy, Protocol } from '../policy/objects/model.ts';
import type { CalicoObjects } from '../policy/objects/cluster-view.ts';
import type { AuditPaths, SideExplanation } from './paths.ts';
import { ContentKeys, NAMESPACE_NAME_KEY, addCidrMentions, addSelectorMentions, emptyMentions, type LabelMentions, type Mentions } from './mentions.ts';

// The audit is one run over a whole cluster: nothing is priced against a review's budget.
const UNBOUNDED = Number.POSITIVE_INFINITY;

export function calicoPaths(view: ClusterView, config: Config, namespaces: readonly string[], calico: CalicoObjects): AuditPaths {
  const converted = new WeakMap<Policy, CalicoPolicy>();
  const asCalico = (policy: Policy): CalicoPolicy => {
    let c = converted.get(policy);
    if (c === undefined) converted.set(policy, (c = calicoFromKubernetes(policy)));
    return c;
  };
  // The checks' evaluator: one per reading, each remembering which policies select each subject.
  const evaluators: Record<Reading, CalicoPaths> = {
    may: evaluate((ns) => view.policies(ns), calico, config.podCIDRs, 'may', new Budget(UNBOUNDED)),
    must: evaluate((ns) => view.policies(ns), calico, config.podCIDRs, 'must', new Budget(UNBOUNDED)),
  };
  const selecting = (direction: Direction, subject: Endpoint): readonly TierPolicies[] => evaluators.may.selecting(direction, subject);
  const verdicts = (from: Endpoint, to: Endpoint): CalicoPathVerdict => {
    const report = evaluators.may.report(from, to);
    if (report.kind !== 'calico') throw new Error('a Calico evaluator answered in another semantics');
    return report.verdict;
  };
  const openPorts = (from: Endpoint, to: Endpoint, reading: Reading): PortSet => evaluators[reading].openPorts(from, to);
  const side = (v: CalicoDirectionVerdict, reading: Reading): SideExplanation => ({
    direction: v.direction,
    isolatedBy: v.selectedBy.map((s) => describeRef(s.policy) + (s.truth === 'maybe' ? ' (if it selects it)' : '')),
    openedBy: v.pieces.flatMap((p) =>
      p.outcomes.flatMap((o) => {
        const last = o.chain.at(-1);
        return o.allowed && last !== undefined && last.kind !== 'no-policy' ? [{ rule: describeDecider(last), ports: p.ports }] : [];
      }),
    ),
    ports: portsFor(v, reading),
  });
  const keys = new ContentKeys();
  const contents = new WeakMap<CalicoPolicy, string>();
  // Names and labels do not change what a policy does; its kind, tier, order, selectors and rules do.
  const contentKey = (p: CalicoPolicy): string => {
    let key = contents.get(p);
    if (key === undefined) {
      const { kind, tier, order, selector, serviceAccountSelector, types, ingress, egress } = p;
      const scope = p.kind === 'GlobalNetworkPolicy' ? p.namespaceSelector : undefined;
      contents.set(p, (key = keys.of({ kind, tier, order, selector, serviceAccountSelector, scope, types, ingress, egress })));
    }
    return key;
  };
  return {
    semantics: 'calico',
    mentions: calicoMentions([...calico.global, ...namespaces.flatMap((ns) => [...calico.namespaced(ns), ...view.policies(ns).map(asCalico)])]),
    openPorts,
    explain: (from, to, reading) => {
      const { egress, ingress } = verdicts(from, to);
      return { ports: intersect(portsFor(egress, reading), portsFor(ingress, reading)), egress: side(egress, reading), ingress: side(ingress, reading) };
    },
    allowingRules: (namespace) =>
      [...calico.namespaced(namespace), ...view.policies(namespace).map(asCalico)].flatMap((p) =>
        (['ingress', 'egress'] as const).flatMap((direction) =>
          p.types.has(direction)
            ? (direction === 'ingress' ? p.ingress : p.egress).flatMap((rule, index) =>
                rule.action === 'Allow' ? [describeDecider({ kind: 'rule', policy: policyRef(p), direction, index, action: 'Allow' })] : [],
              )
            : [],
        ),
      ),
    isolatedBy: (endpoint, direction) => selecting(direction, endpoint).flatMap((t) => t.policies.map((p) => describeRef(policyRef(p)))),
    subjectKey: (endpoint, direction) => {
      if (endpoint.kind !== 'pod') return '';
      const facts = endpointFacts(endpoint, undefined);
      return selecting(direction, endpoint)
        .map((t) => `${t.tier.name}:${t.policies.map((p) => `${contentKey(p)}${selectionTruth(p, facts) === 'maybe' ? '?' : ''}`).join('+')}`)
        .join(',');
    },
    dnsProblem: (source, targets) => {
      const { dns } = config;
      const problems: string[] = [];
      for (const target of targets) {
        const both = verdicts(source, target);
        const sides = [both.egress, both.ingress];
        for (const v of sides) {
          const failing = dns.protocols.filter((p) => !hasPort(portsFor(v, 'must'), p, dns.port));
          if (failing.length === 0) continue;
          const where = v.direction === 'egress' ? `egress to ${describeEndpoints([target])}` : `ingress of ${describeEndpoints([target])} from it`;
          const why = joinAnd([...new Set(failing.flatMap((p) => decidersAt(v.pieces, p, dns.port)))]);
          problems.push(`${where} on ${joinAnd(failing.map((p) => `${p} ${dns.port}`))} is not surely allowed (${why})`);
        }
      }
      return problems.length === 0 ? undefined : problems.join('; ');
    },
  };
}

/** `GlobalNetworkPolicy security.deny-all (tier security)`, `prod/allow-web (tier default)`. */
function describeRef(ref: CalicoPolicyRef): string {
  const name = ref.namespace === undefined ? `GlobalNetworkPolicy ${ref.name}` : `${ref.namespace}/${ref.name}`;
  return `${name} (tier ${ref.tier})`;
}

function describeDecider(d: Decider): string {
  switch (d.kind) {
    case 'rule':
      return `${describeRef(d.policy)} ${d.direction} rule ${d.index} (${d.action})`;
    case 'tier-default':
      return `the default action of tier ${d.tier} (${d.action})`;
    case 'no-policy':
      return '';
    case 'profile':
      return "the namespace's profile, after a Pass";
    default: {
      const never: never = d;
      throw new Error(`unknown decider ${JSON.stringify(never)}`);
    }
  }
}

/** What decided, with the Passes before it: `tier a Pass, then b/allow rule 0 (Allow)`. */
function describeChain(chain: readonly Decider[]): string {
  return chain.map(describeDecider).filter((text) => text !== '').join(', then ');
}

/** What decides (protocol, port) on each course the evaluation may take. */
function decidersAt(pieces: readonly DecisionPiece[], protocol: Protocol, port: number): string[] {
  const piece = pieces.find((p) => hasPort(p.ports, protocol, port));
  return (piece?.outcomes ?? []).filter((o) => !o.allowed).map((o) => describeChain(o.chain) || 'nothing allows it');
}

/**
 * What Calico's rule selectors read, filed under the endpoint's own labels or its namespace's: Calico
 * shows a pod its namespace's labels as `pcns.<key>` and the namespace's name as
 * `projectcalico.org/namespace` (endpoint-facts.ts).
 */
function calicoMentions(policies: readonly CalicoPolicy[]): Mentions {
  const mentions = emptyMentions();
  const seen = new Set<readonly CalicoRule[]>();
  const entity = (e: EntityRule): void => {
    if (e.selector !== undefined) walk(e.selector, podKey, mentions);
    if (e.notSelector !== undefined) walk(e.notSelector, podKey, mentions);
    if (e.namespaceSelector !== undefined) walk(e.namespaceSelector, namespaceKey, mentions);
    addCidrMentions(mentions, [...e.nets, ...e.notNets]);
    for (const port of [...e.ports, ...e.notPorts]) if (port.kind === 'named') mentions.portNames.add(port.name);
  };
  for (const policy of policies) {
    for (const rules of [policy.ingress, policy.egress]) {
      if (seen.has(rules)) continue;
      seen.add(rules);
      for (const rule of rules) {
        entity(rule.source);
        entity(rule.destination);
      }
    }
  }
  return mentions;
}

type Filed = { readonly domain: 'namespaceLabels' | 'podLabels'; readonly key: string } | undefined;

/** A rule selector's key: the pod's own label, its namespace's (`pcns.`), the namespace's name, or nothing to tell pods apart by. */
function podKey(key: string): Filed {
  if (key === 'projectcalico.org/namespace' || key === 'pcns.projectcalico.org/name') return { domain: 'namespaceLabels', key: NAMESPACE_NAME_KEY };
  if (key.startsWith('pcns.')) return { domain: 'namespaceLabels', key: key.slice('pcns.'.length) };
  // The same for every pod (orchestrator), or unknown for every pod (service accounts).
  if (key === 'projectcalico.org/orchestrator' || key === 'projectcalico.org/serviceaccount' || key.startsWith('pcsa.')) return undefined;
  return { domain: 'podLabels', key };
}

function namespaceKey(key: string): Filed {
  return { domain: 'namespaceLabels', key: key === 'projectcalico.org/name' ? NAMESPACE_NAME_KEY : key };
}

function walk(selector: CalicoSelector, file: (key: string) => Filed, mentions: Mentions): void {
  const add = (key: string, values: Iterable<string> | 'any'): void => {
    const filed = file(key);
    if (filed !== undefined) addSelectorMentions(mentions[filed.domain] as LabelMentions, filed.key, values);
  };
  switch (selector.op) {
    case 'all':
    case 'global':
      return;
    case 'has':
      return add(selector.key, []);
    case 'eq':
    case 'ne':
      return add(selector.key, [selector.value]);
    case 'in':
    case 'notIn':
      return add(selector.key, selector.values);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return add(selector.key, 'any');
    case 'not':
      return walk(selector.operand, file, mentions);
    case 'and':
    case 'or':
      for (const operand of selector.operands) walk(operand, file, mentions);
      return;
    default: {
      const never: never = selector;
      throw new Error(`unknown selector ${JSON.stringify(never)}`);
    }
  }
}

