// Calico's verdict on one direction of a path (DESIGN.md "Calico semantics"): the egress of the source or
// the ingress of the destination, over the tiers in order. Within a tier the policies that select the
// subject run in order and their rules in order; the first Allow or Deny decides the ports it matches,
// Pass sends them to the next tier, Log goes on; ports no policy of a selecting tier decides meet the
// tier's default action; ports that leave the last tier (no policy anywhere, or a Pass out of the last
// selecting tier to the namespace's profile) are allowed.
//
// Uncertainty. What nsguard does not know (a pod's address, a witness pod's named ports, a service
// account) makes a policy's selection or a rule's match `maybe`. The port space is kept in pieces, each
// with every course evaluation may be on for those ports (flowing, passed, allowed or denied, with its
// chain of deciders). A policy that maybe selects the subject splits each flowing course into one where it
// does and one where it does not; where it does, a rule's `yes` match moves the course to the rule's
// action, a `maybe` match keeps it and adds the moved one, `no` leaves it. By induction over policies and
// rules, every concrete resolution of the unknowns follows one of the courses of each piece, so:
// - `may` (some resolution opens the port) = the ports of pieces with an allowed course: it never says
//   closed when some resolution opens the port;
// - `must` (every resolution opens it) = the ports of pieces whose courses are all allowed: it never says
//   open when some resolution closes the port.
// An uncertain Deny thus narrows `must` and leaves `may`, the reverse of an uncertain Allow. Courses do
// not remember that two matches hang on the one unknown (one address against two rules): that can only
// widen `may` and narrow `must`, never make either unsound.
import type { Budget } from '../checks/budget.ts';
import type { Endpoint, Reading } from '../netpol/endpoint.ts';
import type { Cidr, Direction, PodGroup } from '../objects/model.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { NO_PORTS, difference, intersect, isEmpty, union } from '../netpol/port-set.ts';
import type { DecisionPiece } from './decision-pieces.ts';
import { START, applyRule, endTier, enterPolicy, finish, hasFlow, toPieces } from './decision-pieces.ts';
import type { EndpointFacts } from './endpoint-facts.ts';
import { endpointFacts } from './endpoint-facts.ts';
import type { CalicoPolicyRef, ServiceAccount, UnmodelledFeature } from './model.ts';
import { policyRef } from './model.ts';
import type { TierPolicies } from './policy-order.ts';
import { matchRule, selectionTruth } from './rule-match.ts';
import type { Truth } from './truth.ts';

export type { DecisionPiece, Decider, Outcome } from './decision-pieces.ts';

export interface CalicoContext {
  /** From orderPolicies: the enforced Calico policies and the Calico form of the Kubernetes ones. */
  readonly tiers: readonly TierPolicies[];
  readonly podCIDRs: readonly Cidr[];
  /** The service account a pod group runs as; `undefined` (or no function) when unknown: it may be any. */
  readonly serviceAccount?: (group: PodGroup) => ServiceAccount | undefined;
  /** Charged a step per policy and rule compared, and per piece a rule reshapes; absent: unbounded. */
  readonly budget?: Budget;
}

export interface Selection {
  readonly policy: CalicoPolicyRef;
  /** `maybe` when it depends on what nsguard does not know (the service account). */
  readonly truth: Exclude<Truth, 'no'>;
}

export interface NotModelled {
  readonly policy: CalicoPolicyRef;
  readonly feature: UnmodelledFeature;
  readonly path: string;
}

export interface CalicoDirectionVerdict {
  readonly direction: Direction;
  /** The endpoint whose policies decide: the source for egress, the destination for ingress. */
  readonly subject: Endpoint;
  /** False when the subject is outside the cluster: no policy nsguard models applies to it. */
  readonly applies: boolean;
  /** Policies that may select the subject for this direction, in evaluation order. */
  readonly selectedBy: readonly Selection[];
  /** The ports some resolution of the unknowns leaves open. */
  readonly may: PortSet;
  /** The ports every resolution leaves open. */
  readonly must: PortSet;
  /** The port space cut by what decides it; together the pieces cover every port once. */
  readonly pieces: readonly DecisionPiece[];
  /** What the selecting policies use that nsguard does not model: say so next to any verdict. */
  readonly notModelled: readonly NotModelled[];
}

export interface CalicoPathVerdict {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly egress: CalicoDirectionVerdict;
  readonly ingress: CalicoDirectionVerdict;
  /** Both directions must let a port through. */
  readonly may: PortSet;
  readonly must: PortSet;
}

export function evaluateCalicoPath(ctx: CalicoContext, from: Endpoint, to: Endpoint): CalicoPathVerdict {
  const source = facts(ctx, from);
  const destination = facts(ctx, to);
  const egress = judge(ctx, 'egress', from, source, destination);
  const ingress = judge(ctx, 'ingress', to, source, destination);
  return { from, to, egress, ingress, may: intersect(egress.may, ingress.may), must: intersect(egress.must, ingress.must) };
}

/** One direction only: the egress of `from` or the ingress of `to`. */
export function evaluateCalicoDirection(ctx: CalicoContext, direction: Direction, from: Endpoint, to: Endpoint): CalicoDirectionVerdict {
  return judge(ctx, direction, direction === 'egress' ? from : to, facts(ctx, from), facts(ctx, to));
}

/** The open ports a check asks for: `may` to look for a path that could open, `must` for one that surely works. */
export function portsFor(verdict: { readonly may: PortSet; readonly must: PortSet }, reading: Reading): PortSet {
  return reading === 'may' ? verdict.may : verdict.must;
}

function facts(ctx: CalicoContext, endpoint: Endpoint): EndpointFacts {
  return endpointFacts(endpoint, endpoint.kind === 'pod' ? ctx.serviceAccount?.(endpoint.group) : undefined);
}

function judge(ctx: CalicoContext, direction: Direction, subject: Endpoint, source: EndpointFacts, destination: EndpointFacts): CalicoDirectionVerdict {
  const subjectFacts = direction === 'egress' ? source : destination;
  const selectedBy: Selection[] = [];
  const notModelled: NotModelled[] = [];
  let progress = START;
  for (const { tier, policies } of ctx.tiers) {
    let selecting = false;
    for (const policy of policies) {
      ctx.budget?.spend(1);
      if (!policy.types.has(direction)) continue;
      const selection = selectionTruth(policy, subjectFacts);
      if (selection === 'no') continue;
      selecting = true;
      const ref = policyRef(policy);
      selectedBy.push({ policy: ref, truth: selection });
      for (const { feature, path } of policy.unmodelled) notModelled.push({ policy: ref, feature, path });
      progress = enterPolicy(progress, selection);
      const rules = direction === 'ingress' ? policy.ingress : policy.egress;
      rules.forEach((rule, index) => {
        const { action } = rule;
        // Log only writes a line; once every port is decided no later rule changes anything (the policies
        // are still listed, with what they use that nsguard does not model).
        if (action === 'Log' || !hasFlow(progress)) return;
        ctx.budget?.spend(1);
        const match = matchRule(rule, policy, source, destination, ctx.podCIDRs);
        if (match.truth === 'no' || isEmpty(match.possible)) return;
        const sure = match.truth === 'yes' ? match.sure : NO_PORTS;
        ctx.budget?.spend(progress.length);
        const decider = { kind: 'rule' as const, policy: ref, direction, index, action, ...(rule.origin === undefined ? {} : { origin: rule.origin }) };
        progress = applyRule(progress, sure, difference(match.possible, sure), decider);
      });
    }
    if (selecting) progress = endTier(progress, tier);
  }
  const pieces = toPieces(finish(progress));
  const may = pieces.filter((p) => p.outcomes.some((o) => o.allowed)).reduce<PortSet>((set, p) => union(set, p.ports), NO_PORTS);
  const must = pieces.filter((p) => p.outcomes.every((o) => o.allowed)).reduce<PortSet>((set, p) => union(set, p.ports), NO_PORTS);
  return { direction, subject, applies: subject.kind === 'pod', selectedBy, may, must, pieces, notModelled };
}
