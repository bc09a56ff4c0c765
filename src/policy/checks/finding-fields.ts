// A finding's message as data: the pods, ports and policies it names and the direction at fault, so CI
// systems can annotate them without parsing English. Built from the values the message is made of, and
// only when a finding is made: a review that finds nothing builds none of this.
import type { Decider } from '../calico/evaluate.ts';
import type { CalicoPolicyRef } from '../calico/model.ts';
import { kubernetesOrigin } from '../calico/policy-names.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';
import type { Direction, Labels, PolicyRef, PortSpec, Protocol } from '../objects/model.ts';
import { PROTOCOLS } from '../objects/model.ts';
import type { PathReport } from '../paths/path-evaluator.ts';
import { reportPorts } from '../paths/path-evaluator.ts';
import { sideOutcomes } from './describe-calico.ts';

/** Which end of a path: the pods traffic leaves (`from`) or the pods it reaches (`to`). */
export type Side = 'from' | 'to';

/**
 * Pods as a message names them: running ones by name (the first few kept, and how many there are), ones
 * that could exist ("any pod labelled app=web in shop", "... in any namespace labelled env=test"), an
 * address outside the cluster, or how many more pods the message leaves unnamed.
 */
export type PodMention =
  | { readonly kind: 'pods'; readonly side: Side; readonly namespace: string; readonly names: readonly string[]; readonly count: number }
  | { readonly kind: 'any-pod'; readonly side: Side; readonly namespace: string; readonly labels: Labels }
  | { readonly kind: 'any-namespace'; readonly side: Side; readonly namespaceLabels: Labels; readonly labels: Labels }
  | { readonly kind: 'address'; readonly side: Side; readonly ip: string }
  | { readonly kind: 'more'; readonly side: Side; readonly count: number };

/** A port range (one port: `endPort` equals `port`) or a container port name. */
export type PortMention = { readonly protocol: Protocol; readonly port: number; readonly endPort: number } | { readonly protocol: Protocol; readonly name: string };

/**
 * What a policy does in the finding: one of its rules allows, denies or passes the traffic (`rule` is the
 * index in its ingress or egress list; for a policy Calico made of a Kubernetes one, that policy's index);
 * it isolates the pods and no rule allows (`isolates`); or a Calico tier's default action applies because
 * it selects them and decides nothing (`tier-default`).
 */
export type PolicyRole = 'allows' | 'denies' | 'passes' | 'isolates' | 'tier-default';

export interface PolicyMention {
  readonly apiVersion: 'networking.k8s.io/v1' | 'projectcalico.org/v3';
  readonly kind: 'NetworkPolicy' | 'GlobalNetworkPolicy';
  /** null for a GlobalNetworkPolicy. */
  readonly namespace: string | null;
  readonly name: string;
  /** The Calico tier; null for a Kubernetes NetworkPolicy. */
  readonly tier: string | null;
  readonly direction: Direction;
  readonly rule: number | null;
  readonly role: PolicyRole;
}

/** Everything beside the rule id and the message; empty lists where a finding names no path. */
export interface FindingFields {
  /** The side of the path at fault: egress of the source, ingress of the destination. */
  readonly directions: readonly Direction[];
  readonly pods: readonly PodMention[];
  readonly ports: readonly PortMention[];
  readonly policies: readonly PolicyMention[];
}

export const NO_FIELDS: FindingFields = { directions: [], pods: [], ports: [], policies: [] };

/** The first few endpoints in full, as the messages list them, and the pods of the rest. */
export const MAX_LISTED = 3;

export function listed(endpoints: readonly Endpoint[]): { readonly shown: readonly Endpoint[]; readonly morePods: number } {
  const rest = endpoints.slice(MAX_LISTED);
  return { shown: endpoints.slice(0, MAX_LISTED), morePods: rest.reduce((n, e) => n + (e.kind === 'pod' ? e.group.count : 1), 0) };
}

/** The endpoints as `describeEndpoints` names them. */
export function podMentions(endpoints: readonly Endpoint[], side: Side): PodMention[] {
  const { shown, morePods } = listed(endpoints);
  const pods = shown.map((e) => podMention(e, side));
  return morePods > 0 ? [...pods, { kind: 'more', side, count: morePods }] : pods;
}

function podMention(endpoint: Endpoint, side: Side): PodMention {
  if (endpoint.kind === 'external') return { kind: 'address', side, ip: endpoint.ip };
  const { group, namespace } = endpoint;
  if (group.witness !== true) return { kind: 'pods', side, namespace: group.namespace, names: group.names, count: group.count };
  if (namespace.witness !== true) return { kind: 'any-pod', side, namespace: namespace.name, labels: group.labels };
  // A witness namespace carries a filler name label no real namespace has: only its environment label says what it stands for.
  const { [METADATA_NAME_LABEL]: _filler, ...namespaceLabels } = namespace.labels;
  return { kind: 'any-namespace', side, namespaceLabels, labels: group.labels };
}

/** A port set as ranges, protocol by protocol. */
export function portMentions(set: PortSet): PortMention[] {
  return PROTOCOLS.flatMap((protocol) => set[protocol].map(([port, endPort]) => ({ protocol, port, endPort })));
}

/** A rule's `ports` as written; a rule without ports matches every port of every protocol. */
export function rulePortMentions(ports: readonly PortSpec[] | undefined): PortMention[] {
  if (ports === undefined) return PROTOCOLS.map((protocol) => ({ protocol, port: 1, endPort: 65535 }));
  return ports.map((spec) => {
    switch (spec.kind) {
      case 'all':
        return { protocol: spec.protocol, port: 1, endPort: 65535 };
      case 'range':
        return { protocol: spec.protocol, port: spec.from, endPort: spec.to };
      case 'named':
        return { protocol: spec.protocol, name: spec.name };
      default: {
        const never: never = spec;
        throw new Error(`unknown port ${JSON.stringify(never)}`);
      }
    }
  });
}

export function kubernetesPolicyMention(ref: PolicyRef, role: PolicyRole, direction: Direction, rule: number | null = null): PolicyMention {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: ref.namespace, name: ref.name, tier: null, direction, rule, role };
}

/** A policy Calico made of a Kubernetes NetworkPolicy is named as that policy, as the messages name it. */
export function calicoPolicyMention(ref: CalicoPolicyRef, role: PolicyRole, direction: Direction, rule: number | null = null): PolicyMention {
  const origin = kubernetesOrigin(ref);
  if (origin !== undefined) return kubernetesPolicyMention(origin, role, direction, rule);
  return { apiVersion: 'projectcalico.org/v3', kind: ref.kind, namespace: ref.namespace ?? null, name: ref.name, tier: ref.tier, direction, rule, role };
}

const CALICO_ROLES = { Allow: 'allows', Deny: 'denies', Pass: 'passes' } as const;

/**
 * The policies that open (`open`) or keep shut one direction of a reported path on `ports`, as
 * `describeDecidingSide` and `describeClosedSide` name them: the allowing rules, or the isolating policies;
 * for Calico every policy on the chains that lead there.
 */
export function sidePolicies(report: PathReport, direction: Direction, open: boolean, ports: PortSet): PolicyMention[] {
  if (report.kind === 'kubernetes') {
    const verdict = report.verdict[direction];
    if (!open) return verdict.isolatedBy.map((p) => kubernetesPolicyMention(p, 'isolates', direction));
    return verdict.allowedBy.map((a) => kubernetesPolicyMention(a.policy, 'allows', a.direction, a.index));
  }
  const verdict = report.verdict[direction];
  const mentions = (decider: Decider): PolicyMention[] => {
    switch (decider.kind) {
      case 'rule':
        return [calicoPolicyMention(decider.policy, CALICO_ROLES[decider.action], decider.direction, decider.origin ?? decider.index)];
      case 'tier-default':
        return verdict.selectedBy.filter((s) => s.policy.tier === decider.tier).map((s) => calicoPolicyMention(s.policy, 'tier-default', direction));
      case 'no-policy':
      case 'profile':
        return [];
      default: {
        const never: never = decider;
        throw new Error(`unknown decider ${JSON.stringify(never)}`);
      }
    }
  };
  return uniquePolicies(sideOutcomes(verdict, ports, open).flatMap((o) => o.chain.flatMap(mentions)));
}

/** The fields of an opened path, judged on `side` (the direction that lets it through). */
export function openedPathFields(report: PathReport, side: Direction): FindingFields {
  const ports = reportPorts(report);
  return {
    directions: [side],
    pods: [...podMentions([report.verdict.from], 'from'), ...podMentions([report.verdict.to], 'to')],
    ports: portMentions(ports),
    policies: sidePolicies(report, side, true, ports),
  };
}

/** Each policy mention once, in the order first named. */
export function uniquePolicies(mentions: readonly PolicyMention[]): PolicyMention[] {
  const seen = new Map<string, PolicyMention>();
  for (const m of mentions) {
    const key = `${m.apiVersion}|${m.kind}|${m.namespace ?? ''}|${m.name}|${m.direction}|${m.rule ?? ''}|${m.role}`;
    if (!seen.has(key)) seen.set(key, m);
  }
  return [...seen.values()];
}
