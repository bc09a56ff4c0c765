import type { Endpoint, Reading } from './endpoint.ts';
import type { Cidr, Direction, Policy, PolicyRef, PortSpec, Rule } from './model.ts';
import { ruleMatchesPeer } from './peer-match.ts';
import type { PortSet } from './port-set.ts';
import { ALL_PORTS, NO_PORTS, allOf, intersect, isEmpty, portRange, union } from './port-set.ts';
import { selects } from './selector.ts';

export interface RuleRef {
  readonly policy: PolicyRef;
  readonly direction: Direction;
  /** Index into the policy's `spec.ingress` / `spec.egress`. */
  readonly index: number;
}

export interface Allowance extends RuleRef {
  readonly ports: PortSet;
}

/** One direction's answer: egress judged by the source's policies, ingress by the destination's. */
export interface DirectionVerdict {
  readonly direction: Direction;
  /** The pod whose policies decide: the source for egress, the destination for ingress. */
  readonly subject: Endpoint;
  /** False when the subject is outside the cluster: no NetworkPolicy applies to it. */
  readonly applies: boolean;
  /** Policies that select the subject for this direction; empty means not isolated. */
  readonly isolatedBy: readonly PolicyRef[];
  readonly allowedBy: readonly Allowance[];
  readonly ports: PortSet;
}

export interface PathVerdict {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  /** Ports open end to end: both directions must allow. */
  readonly ports: PortSet;
}

export interface EvaluationContext {
  policies(namespace: string): readonly Policy[];
  readonly podCIDRs: readonly Cidr[];
  readonly reading: Reading;
}

/** May `from` reach `to`, on which ports, and which policies and rules decide each direction. */
export function evaluatePath(ctx: EvaluationContext, from: Endpoint, to: Endpoint): PathVerdict {
  const egress = judgeDirection(ctx, 'egress', from, to, to);
  const ingress = judgeDirection(ctx, 'ingress', to, from, to);
  return { from, to, egress, ingress, ports: intersect(egress.ports, ingress.ports) };
}

/**
 * `evaluatePath(ctx, from, to).ports` without the verdict: the checks ask this of every path they
 * touch and describe only the few that matter, so most of a request allocates no verdict at all.
 */
export function openPorts(ctx: EvaluationContext, from: Endpoint, to: Endpoint): PortSet {
  const egress = allowedPorts(ctx, 'egress', from, to, to);
  return isEmpty(egress) ? NO_PORTS : intersect(egress, allowedPorts(ctx, 'ingress', to, from, to));
}

/** Policies of the subject's namespace that select it for `direction`: it is isolated iff any does. */
export function isolatingPolicies(policies: readonly Policy[], direction: Direction, subject: Endpoint): Policy[] {
  if (subject.kind !== 'pod') return [];
  return policies.filter((p) => p.types.has(direction) && selects(p.podSelector, subject.group.labels));
}

function judgeDirection(ctx: EvaluationContext, direction: Direction, subject: Endpoint, peer: Endpoint, destination: Endpoint): DirectionVerdict {
  if (subject.kind !== 'pod') return { direction, subject, applies: false, isolatedBy: [], allowedBy: [], ports: ALL_PORTS };
  const isolatedBy = isolatingPolicies(ctx.policies(subject.group.namespace), direction, subject).map(({ namespace, name }) => ({ namespace, name }));
  const allowedBy: Allowance[] = [];
  const ports = allowedPorts(ctx, direction, subject, peer, destination, (policy, index, rulePorts) => {
    allowedBy.push({ policy: { namespace: policy.namespace, name: policy.name }, direction, index, ports: rulePorts });
  });
  return { direction, subject, applies: true, isolatedBy, allowedBy, ports };
}

/**
 * The ports `direction` lets through between subject and peer: every port when no policy isolates the
 * subject (or it is outside the cluster), else the union of the matching rules, each told to `allow`.
 */
function allowedPorts(
  ctx: EvaluationContext,
  direction: Direction,
  subject: Endpoint,
  peer: Endpoint,
  destination: Endpoint,
  allow?: (policy: Policy, index: number, ports: PortSet) => void,
): PortSet {
  if (subject.kind !== 'pod') return ALL_PORTS;
  let isolated = false;
  let ports = NO_PORTS;
  for (const policy of ctx.policies(subject.group.namespace)) {
    if (!policy.types.has(direction) || !selects(policy.podSelector, subject.group.labels)) continue;
    isolated = true;
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    for (let index = 0; index < rules.length; index++) {
      const rule = rules[index] as Rule;
      if (!ruleMatchesPeer(rule, policy.namespace, peer, ctx.podCIDRs, ctx.reading)) continue;
      const rulePorts = resolveRulePorts(rule, destination, ctx.reading);
      if (isEmpty(rulePorts)) continue;
      allow?.(policy, index, rulePorts);
      ports = union(ports, rulePorts);
    }
  }
  return isolated ? ports : ALL_PORTS;
}

// Ports of rules that name no port: the same for every destination, so resolved once per rule (rules
// are immutable values; a rule dropped from the cluster takes its entry with it).
const fixedPorts = new WeakMap<Rule, PortSet>();

/** A rule with no ports matches every port; named ports resolve against the destination's container ports. */
export function resolveRulePorts(rule: Rule, destination: Endpoint, reading: Reading): PortSet {
  if (rule.ports === undefined) return ALL_PORTS;
  const fixed = fixedPorts.get(rule);
  if (fixed !== undefined) return fixed;
  const ports = rule.ports.reduce<PortSet>((set, spec) => union(set, resolvePortSpec(spec, destination, reading)), NO_PORTS);
  if (rule.ports.every((spec) => spec.kind !== 'named')) fixedPorts.set(rule, ports);
  return ports;
}

function resolvePortSpec(spec: PortSpec, destination: Endpoint, reading: Reading): PortSet {
  switch (spec.kind) {
    case 'all':
      return allOf(spec.protocol);
    case 'range':
      return portRange(spec.protocol, spec.from, spec.to);
    case 'named': {
      // An address outside the cluster has no named ports; a witness may name any port.
      if (destination.kind !== 'pod') return NO_PORTS;
      const { ports } = destination.group;
      if (ports === 'unknown') return reading === 'may' ? allOf(spec.protocol) : NO_PORTS;
      return ports
        .filter((p) => p.name === spec.name && p.protocol === spec.protocol)
        .reduce<PortSet>((set, p) => union(set, portRange(p.protocol, p.port, p.port)), NO_PORTS);
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown port spec ${JSON.stringify(never)}`);
    }
  }
}
