import type { Budget } from '../checks/budget.ts';
import type { Endpoint, Reading } from './endpoint.ts';
import type { Cidr, Direction, PodGroup, Policy, PolicyRef, PortSpec, Rule } from '../objects/model.ts';
import type { PortSet } from './port-set.ts';
import { ALL_PORTS, NO_PORTS, allOf, intersect, isEmpty, portRange, union, unionAll } from './port-set.ts';
import { ruleIndex, ruleMatches } from './rule-index.ts';
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

const NO_POLICIES: readonly Policy[] = [];

/** What paths are judged against. `policies` answers alike for the context's life (a review's). */
export interface EvaluationContext {
  policies(namespace: string): readonly Policy[];
  readonly podCIDRs: readonly Cidr[];
  readonly reading: Reading;
  /** Absent: unbounded, for tools that evaluate a single path (nsguard explain). */
  readonly budget?: Budget;
  /** Absent: nothing remembered between paths, which a single path does not need. */
  readonly selections?: Selections;
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

/**
 * The last two pods each direction was asked about, and the policies that select them. The checks ask
 * about one pod many times in a row, alternating with another (a home pod against each witness of a big
 * policy, the DNS pods against each source), and two slots cost next to nothing when no pod repeats.
 */
export class Selections {
  readonly #groups: (PodGroup | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly #policies: (readonly Policy[])[] = [NO_POLICIES, NO_POLICIES, NO_POLICIES, NO_POLICIES];
  /** Per direction, the slot to fill next: the one not used last. */
  readonly #next = [0, 2];

  get(direction: Direction, group: PodGroup): readonly Policy[] | undefined {
    const d = direction === 'ingress' ? 0 : 1;
    const first = 2 * d;
    if (this.#groups[first] === group) {
      this.#next[d] = first + 1;
      return this.#policies[first];
    }
    if (this.#groups[first + 1] === group) {
      this.#next[d] = first;
      return this.#policies[first + 1];
    }
    return undefined;
  }

  set(direction: Direction, group: PodGroup, policies: readonly Policy[]): void {
    const d = direction === 'ingress' ? 0 : 1;
    const slot = this.#next[d] as number;
    this.#groups[slot] = group;
    this.#policies[slot] = policies;
    this.#next[d] = slot % 2 === 0 ? slot + 1 : slot - 1;
  }
}

/** The context a check judges paths in during one review: bounded by `budget`, remembering selections. */
export function reviewContext(policies: (namespace: string) => readonly Policy[], podCIDRs: readonly Cidr[], reading: Reading, budget: Budget): EvaluationContext {
  return { policies, podCIDRs, reading, budget, selections: new Selections() };
}

/** isolatingPolicies for a pod group, remembered in the context's selections when it has them. */
function selectingPolicies(ctx: EvaluationContext, direction: Direction, group: PodGroup): readonly Policy[] {
  ctx.budget?.spend(1);
  const known = ctx.selections?.get(direction, group);
  if (known !== undefined) return known;
  let found: Policy[] | undefined;
  const candidates = ctx.policies(group.namespace);
  // Indexed: for-of allocated an iterator result per policy on this path, which every check walks.
  for (let i = 0; i < candidates.length; i++) {
    const policy = candidates[i] as Policy;
    ctx.budget?.spend(1 + policy.podSelector.requirements.length);
    if (policy.types.has(direction) && selects(policy.podSelector, group.labels)) (found ??= []).push(policy);
  }
  const policies = found ?? NO_POLICIES;
  ctx.selections?.set(direction, group, policies);
  return policies;
}

function judgeDirection(ctx: EvaluationContext, direction: Direction, subject: Endpoint, peer: Endpoint, destination: Endpoint): DirectionVerdict {
  if (subject.kind !== 'pod') return { direction, subject, applies: false, isolatedBy: [], allowedBy: [], ports: ALL_PORTS };
  const isolatedBy = selectingPolicies(ctx, direction, subject.group).map(({ namespace, name }) => ({ namespace, name }));
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
  const { budget } = ctx;
  const selecting = selectingPolicies(ctx, direction, subject.group);
  if (selecting.length === 0) return ALL_PORTS;
  // The matching rules' ports, united once at the end: united one by one, a path that thousands of
  // rules allow would cost the square of their number.
  let first: PortSet | undefined;
  let rest: PortSet[] | undefined;
  for (const policy of selecting) {
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    // A big policy's index names the matching rules; a small one's rules are compared one by one.
    const matching = ruleIndex(rules)?.matching(policy.namespace, peer, ctx.podCIDRs, ctx.reading, budget);
    const count = matching?.length ?? rules.length;
    for (let k = 0; k < count; k++) {
      const index = matching === undefined ? k : (matching[k] as number);
      const rule = rules[index] as Rule;
      if (matching === undefined && !ruleMatches(rule, policy.namespace, peer, ctx.podCIDRs, ctx.reading, budget)) continue;
      budget?.spend(1 + (rule.ports?.length ?? 0));
      const rulePorts = resolveRulePorts(rule, destination, ctx.reading);
      if (isEmpty(rulePorts)) continue;
      // Without a verdict to fill, nothing can add to every port.
      if (allow === undefined && rulePorts === ALL_PORTS) return ALL_PORTS;
      allow?.(policy, index, rulePorts);
      if (first === undefined) first = rulePorts;
      else (rest ??= []).push(rulePorts);
    }
  }
  if (first === undefined) return NO_PORTS;
  return rest === undefined ? first : unionAll([first, ...rest]);
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
