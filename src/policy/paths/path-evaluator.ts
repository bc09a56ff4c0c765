// The one way the checks judge a path: made once per review (and per side of the change) from a
// PolicySet, it answers "which ports may pass from → to" and, for the few paths a message names, the
// whole verdict. Without any Calico object it is the Kubernetes evaluator as it always was (its messages
// and costs unchanged); with one, every path runs through Calico's tiers, the Kubernetes NetworkPolicies
// taking part as Calico runs them.
import type { Budget } from '../checks/budget.ts';
import type { CalicoPathVerdict } from '../calico/evaluate.ts';
import type { TierPolicies } from '../calico/policy-order.ts';
import type { Endpoint, Reading } from '../netpol/endpoint.ts';
import type { PortSet } from '../netpol/port-set.ts';
import type { EvaluationContext, PathVerdict } from '../netpol/reachability.ts';
import { evaluatePath, openPorts, reviewContext } from '../netpol/reachability.ts';
import type { Cidr, Direction } from '../objects/model.ts';
import { calicoPaths } from './calico-paths.ts';
import type { CalicoPolicyChange, PolicyChange } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { PolicySet } from './policy-set.ts';
import { withCalicoPolicy, withKubernetesPolicy } from './policy-set.ts';

/** The verdict on one path, in the semantics it was judged by. */
export type PathReport =
  | { readonly kind: 'kubernetes'; readonly verdict: PathVerdict }
  | { readonly kind: 'calico'; readonly verdict: CalicoPathVerdict; readonly reading: Reading };

interface Paths {
  readonly reading: Reading;
  /** The ports open end to end: cheap, no verdict is built. */
  openPorts(from: Endpoint, to: Endpoint): PortSet;
  /** The whole verdict, for a path a message names. */
  report(from: Endpoint, to: Endpoint): PathReport;
}

/** The Kubernetes evaluator as it always ran: a class, so a review allocates one object and no closures. */
export class KubernetesPaths implements Paths {
  readonly kind = 'kubernetes';
  readonly reading: Reading;
  readonly context: EvaluationContext;

  constructor(context: EvaluationContext) {
    this.context = context;
    this.reading = context.reading;
  }

  openPorts(from: Endpoint, to: Endpoint): PortSet {
    return openPorts(this.context, from, to);
  }

  report(from: Endpoint, to: Endpoint): PathReport {
    return { kind: 'kubernetes', verdict: evaluatePath(this.context, from, to) };
  }
}

export interface CalicoPaths extends Paths {
  readonly kind: 'calico';
  /** The tiers and policies that select `subject` for `direction`, in evaluation order (remembered per review). */
  selecting(direction: Direction, subject: Endpoint): readonly TierPolicies[];
}

export type PathEvaluator = KubernetesPaths | CalicoPaths;

export function pathEvaluator(policies: PolicySet, podCIDRs: readonly Cidr[], reading: Reading, budget: Budget): PathEvaluator {
  if (policies.calico !== undefined) return calicoPaths(policies.kubernetes, policies.calico, podCIDRs, reading, budget);
  return new KubernetesPaths(reviewContext(policies.kubernetes, podCIDRs, reading, budget));
}

/** The paths a policy change judges: the cluster with its object as it was, and as it will be. */
export function changePaths(
  view: ClusterView,
  change: PolicyChange | CalicoPolicyChange,
  podCIDRs: readonly Cidr[],
  reading: Reading,
  budget: Budget,
): { readonly before: PathEvaluator; readonly after: PathEvaluator } {
  const set = (side: 'before' | 'after'): PolicySet =>
    change.kind === 'NetworkPolicy' ? withKubernetesPolicy(view, change, change[side]) : withCalicoPolicy(view, change, change[side]);
  return { before: pathEvaluator(set('before'), podCIDRs, reading, budget), after: pathEvaluator(set('after'), podCIDRs, reading, budget) };
}

/** The ports a report says are open, in the reading it was made for. */
export function reportPorts(report: PathReport): PortSet {
  return report.kind === 'kubernetes' ? report.verdict.ports : report.reading === 'may' ? report.verdict.may : report.verdict.must;
}

/** The ports one direction lets through. */
export function sidePorts(report: PathReport, direction: Direction): PortSet {
  if (report.kind === 'kubernetes') return report.verdict[direction].ports;
  const side = report.verdict[direction];
  return report.reading === 'may' ? side.may : side.must;
}
