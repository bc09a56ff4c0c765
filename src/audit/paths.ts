// The audit's one way to judge paths. Every section asks it which ports pass, why, which policies
// isolate an endpoint, and what to tell endpoints apart by; none calls an evaluator itself. With Calico
// objects in the cluster the paths are Calico's (calico-paths.ts), otherwise Kubernetes NetworkPolicy's.
// When the checks get one path evaluator chosen per cluster, the audit moves to it here.
import { Budget } from '../policy/checks/budget.ts';
import { describePolicy } from '../policy/checks/describe.ts';
import { dnsFailures, explainDnsFailures } from '../policy/checks/dns-egress.ts';
import { dnsHints } from '../policy/checks/dns-hints.ts';
import type { Endpoint, Reading } from '../policy/netpol/endpoint.ts';
import { describeEndpoint } from '../policy/netpol/endpoint.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import type { EvaluationContext } from '../policy/netpol/reachability.ts';
import { KubernetesPaths } from '../policy/paths/path-evaluator.ts';
import { evaluatePath, isolatingPolicies, openPorts } from '../policy/netpol/reachability.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config, Direction, Peer, Policy, Rule, Selector } from '../policy/objects/model.ts';
import type { CalicoObjects } from '../policy/objects/cluster-view.ts';
import { calicoPaths } from './calico-paths.ts';
import { ContentKeys, addCidrMentions, addSelectorMentions, emptyMentions, type Mentions } from './mentions.ts';

/** One direction of a path: what isolates its subject and which rules let ports through. */
export interface SideExplanation {
  readonly direction: Direction;
  /** The policies that select the subject for this direction; empty: nothing isolates it. */
  readonly isolatedBy: readonly string[];
  /** The rules that let (some of) `ports` through, named as `ns/policy ingress rule 0`, with the ports each lets through. */
  readonly openedBy: readonly OpenedBy[];
  readonly ports: PortSet;
}

export interface OpenedBy {
  readonly rule: string;
  readonly ports: PortSet;
}

export interface PathExplanation {
  readonly ports: PortSet;
  readonly egress: SideExplanation;
  readonly ingress: SideExplanation;
}

export type Semantics = 'kubernetes' | 'calico';

export interface AuditPaths {
  readonly semantics: Semantics;
  /** What the policies look at: two endpoints alike in all of it are matched alike by every peer. */
  readonly mentions: Mentions;
  openPorts(from: Endpoint, to: Endpoint, reading: Reading): PortSet;
  explain(from: Endpoint, to: Endpoint, reading: Reading): PathExplanation;
  isolatedBy(endpoint: Endpoint, direction: Direction): readonly string[];
  /**
   * Equal keys: the endpoints are judged alike as the subject of `direction` (the same rules select them,
   * read relative to their own namespace). Paired with equal peer projections (endpoint-classes.ts),
   * two endpoints answer every path alike.
   */
  subjectKey(endpoint: Endpoint, direction: Direction): string;
  /** Every rule of the namespace's policies that can let traffic through, named as `openedBy` names them. */
  allowingRules(namespace: string): readonly string[];
  /** Undefined when `source` reaches every DNS target on the DNS port over each protocol (surely); else why not. */
  dnsProblem(source: Endpoint, targets: readonly Endpoint[]): string | undefined;
}

/** The Calico evaluator when the cluster holds any Calico object, the Kubernetes one otherwise. */
export function auditPaths(view: ClusterView, config: Config, namespaces: readonly string[], calico: CalicoObjects | undefined): AuditPaths {
  return calico === undefined ? kubernetesPaths(view, config, namespaces) : calicoPaths(view, config, namespaces, calico);
}

// The audit is one run over a whole cluster: DNS hints are priced against a budget that never runs out.
const UNBOUNDED = Number.POSITIVE_INFINITY;

function kubernetesPaths(view: ClusterView, config: Config, namespaces: readonly string[]): AuditPaths {
  const policies = (namespace: string): readonly Policy[] => view.policies(namespace);
  const contexts: Record<Reading, EvaluationContext> = {
    may: { policies, podCIDRs: config.podCIDRs, reading: 'may' },
    must: { policies, podCIDRs: config.podCIDRs, reading: 'must' },
  };
  const must = new KubernetesPaths(contexts.must);
  const keys = new ContentKeys();
  const describeTarget = (target: Endpoint): string => describeEndpoint(target);
  return {
    semantics: 'kubernetes',
    mentions: kubernetesMentions(namespaces.flatMap((ns) => policies(ns))),
    openPorts: (from, to, reading) => openPorts(contexts[reading], from, to),
    explain: (from, to, reading) => {
      const verdict = evaluatePath(contexts[reading], from, to);
      const side = (direction: Direction): SideExplanation => {
        const v = verdict[direction];
        return {
          direction,
          isolatedBy: v.isolatedBy.map(describePolicy),
          openedBy: v.allowedBy.map((a) => ({ rule: ruleName(a.policy.namespace, a.policy.name, a.direction, a.index), ports: a.ports })),
          ports: v.ports,
        };
      };
      return { ports: verdict.ports, egress: side('egress'), ingress: side('ingress') };
    },
    allowingRules: (namespace) =>
      policies(namespace).flatMap((p) =>
        (['ingress', 'egress'] as const).flatMap((direction) => (p.types.has(direction) ? (direction === 'ingress' ? p.ingress : p.egress).map((_, i) => ruleName(p.namespace, p.name, direction, i)) : [])),
      ),
    isolatedBy: (endpoint, direction) => isolatingPolicies(policies(endpointNamespace(endpoint)), direction, endpoint).map(describePolicy),
    subjectKey: (endpoint, direction) =>
      isolatingPolicies(policies(endpointNamespace(endpoint)), direction, endpoint)
        .map((p) => keys.of(direction === 'ingress' ? p.ingress : p.egress))
        .sort()
        .join(','),
    dnsProblem: (source, targets) => {
      const failures = dnsFailures(must, source, targets, config.dns);
      if (failures.length === 0) return undefined;
      return explainDnsFailures(failures, config.dns, describeTarget) + dnsHints(source, failures, must, view, config, new Budget(UNBOUNDED));
    },
  };
}

function ruleName(namespace: string, name: string, direction: Direction, index: number): string {
  return `${namespace}/${name} ${direction} rule ${index}`;
}

function endpointNamespace(endpoint: Endpoint): string {
  return endpoint.kind === 'pod' ? endpoint.group.namespace : '';
}

/** Label keys and values, CIDRs and port names that the peers and ports of Kubernetes policies name. */
function kubernetesMentions(policies: readonly Policy[]): Mentions {
  const mentions = emptyMentions();
  const seen = new Set<readonly Rule[]>();
  const selector = (domain: 'namespaceLabels' | 'podLabels', s: Selector): void => {
    for (const r of s.requirements) addSelectorMentions(mentions[domain], r.key, r.operator === 'In' || r.operator === 'NotIn' ? r.values : []);
  };
  const peer = (p: Peer): void => {
    switch (p.kind) {
      case 'pods':
        return selector('podLabels', p.podSelector);
      case 'namespaces':
        selector('namespaceLabels', p.namespaceSelector);
        if (p.podSelector !== undefined) selector('podLabels', p.podSelector);
        return;
      case 'ipBlock':
        return addCidrMentions(mentions, [p.ipBlock.cidr, ...p.ipBlock.except]);
      default: {
        const never: never = p;
        throw new Error(`unknown peer ${JSON.stringify(never)}`);
      }
    }
  };
  for (const policy of policies) {
    for (const rules of [policy.ingress, policy.egress]) {
      // Equal rule lists are shared between policies by the cluster index: each is read once.
      if (seen.has(rules)) continue;
      seen.add(rules);
      for (const rule of rules) {
        for (const p of rule.peers ?? []) peer(p);
        for (const port of rule.ports ?? []) if (port.kind === 'named') mentions.portNames.add(port.name);
      }
    }
  }
  return mentions;
}
