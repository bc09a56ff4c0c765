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

export function isOpen(verdict: PathVerdict): boolean {
  return !isEmpty(verdict.ports);
}

/** Policies of the subject's namespace that select it for `direction`: it is isolated iff any does. */
export function isolatingPolicies(policies: readonly Policy[], direction: Direction, subject: Endpoint): Policy[] {
  if (subject.kind !== 'pod') return [];
  return policies.filter((p) => p.types.has(direction) && selects(p.podSelector, subject.group.labels));
}

function judgeDirection(ctx: EvaluationContext, direction: Direction, subject: Endpoint, peer: Endpoint, destination: Endpoint): DirectionVerdict {
  if (subject.kind !== 'pod') return { direction, subject, applies: false, isolatedBy: [], allowedBy: [], ports: ALL_PORTS };
  const isolating = isolatingPolicies(ctx.policies(subject.group.namespace), direction, subject);
  if (isolating.length === 0) return { direction, subject, applies: true, isolatedBy: [], allowedBy: [], ports: ALL_PORTS };
  const allowedBy: Allowance[] = [];
  let ports = NO_PORTS;
  for (const policy of isolating) {
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    rules.forEach((rule, index) => {
      if (!ruleMatchesPeer(rule, policy.namespace, peer, ctx.podCIDRs, ctx.reading)) return;
      const rulePorts = resolveRulePorts(rule, destination, ctx.reading);
      if (isEmpty(rulePorts)) return;
      allowedBy.push({ policy: { namespace: policy.namespace, name: policy.name }, direction, index, ports: rulePorts });
      ports = union(ports, rulePorts);
    });
  }
  return { direction, subject, applies: true, isolatedBy: isolating.map(({ namespace, name }) => ({ namespace, name })), allowedBy, ports };
}

/** A rule with no ports matches every port; named ports resolve against the destination's container ports. */
export function resolveRulePorts(rule: Rule, destination: Endpoint, reading: Reading): PortSet {
  if (rule.ports === undefined) return ALL_PORTS;
  return rule.ports.reduce<PortSet>((set, spec) => union(set, resolvePortSpec(spec, destination, reading)), NO_PORTS);
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
