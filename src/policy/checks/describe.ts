import type { CalicoPolicyChange, PolicyChange } from '../objects/change.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { describeEndpoint } from '../netpol/endpoint.ts';
import type { Direction, PolicyRef, Protocol } from '../objects/model.ts';
import { describePorts, portRange } from '../netpol/port-set.ts';
import type { DirectionVerdict } from '../netpol/reachability.ts';
import type { PathReport } from '../paths/path-evaluator.ts';
import { reportPorts, sidePorts } from '../paths/path-evaluator.ts';
import { describeCalicoPolicy, describeCalicoSide } from './describe-calico.ts';
import { joinAnd } from './join.ts';

export { joinAnd };

const MAX_LISTED = 3;

/** Several endpoints in one phrase: the first few in full, then "and N more pods". */
export function describeEndpoints(endpoints: readonly Endpoint[], describe: (endpoint: Endpoint) => string = describeEndpoint): string {
  const shown = endpoints.slice(0, MAX_LISTED).map((e) => describe(e));
  const rest = endpoints.slice(MAX_LISTED);
  if (rest.length === 0) return joinAnd(shown);
  const pods = rest.reduce((n, e) => n + (e.kind === 'pod' ? e.group.count : 1), 0);
  return `${shown.join('; ')} and ${pods} more pod${pods === 1 ? '' : 's'}`;
}

export function describePolicy(ref: PolicyRef): string {
  return `${ref.namespace}/${ref.name}`;
}

export function describePolicies(refs: readonly PolicyRef[]): string {
  return joinAnd(refs.map(describePolicy));
}

export function describeChange(change: PolicyChange | CalicoPolicyChange): string {
  const verb = change.operation === 'CREATE' ? 'creating' : change.operation === 'UPDATE' ? 'updating' : 'deleting';
  if (change.kind === 'NetworkPolicy') return `${verb} NetworkPolicy ${change.namespace}/${change.name}`;
  const policy = change.after ?? change.before;
  const where = change.namespace === undefined ? change.name : `${change.namespace}/${change.name}`;
  const kind = change.policyKind === 'NetworkPolicy' ? 'Calico NetworkPolicy' : change.policyKind;
  return `${verb} ${kind} ${where}${policy === undefined ? '' : ` (tier ${policy.tier})`}`;
}

/**
 * `creating NetworkPolicy a/b cuts DNS for`, or for a staged policy, which enforces nothing until it is
 * promoted, `creating StagedNetworkPolicy a/b (tier default): this staged policy would cut DNS for`.
 */
export function describeEffect(change: PolicyChange | CalicoPolicyChange, does: string, would: string): string {
  return change.kind === 'CalicoPolicy' && change.staged ? `${describeChange(change)}: this staged policy ${would}` : `${describeChange(change)} ${does}`;
}

/** A Calico policy by kind, name and tier, as the decision chains name it. */
export function describeCalicoChangePolicy(change: CalicoPolicyChange): string {
  const policy = change.after ?? change.before;
  return policy === undefined ? change.name : describeCalicoPolicy({ kind: policy.kind, namespace: change.namespace, name: policy.name, tier: policy.tier });
}


/** `prod/web-1 → any pod in test-a on TCP 3306`. */
export function describePath(report: PathReport): string {
  return `${describeEndpoints([report.verdict.from])} → ${describeEndpoints([report.verdict.to])} on ${describePorts(reportPorts(report))}`;
}

/** What opens one direction: the rules that allow it, or that nothing isolates it. */
export function describeDecidingSide(report: PathReport, direction: Direction): string {
  if (report.kind === 'calico') {
    const side = report.verdict[direction];
    return describeCalicoSide(side, sidePorts(report, direction), true, describeEndpoints([side.subject]));
  }
  return describeKubernetesSide(report.verdict[direction]);
}

function describeKubernetesSide(verdict: DirectionVerdict): string {
  const subject = describeEndpoints([verdict.subject]);
  if (verdict.isolatedBy.length === 0) return `no policy isolates ${verdict.direction} of ${subject}`;
  const rules = verdict.allowedBy.map((a) => `${describePolicy(a.policy)} ${a.direction} rule ${a.index}`);
  return `${joinAnd(rules)} allow${rules.length === 1 ? 's' : ''} it`;
}

/** What keeps one direction shut on a port: the policies that isolate it, or Calico's deciding chain about `subject`. */
export function describeClosedSide(report: PathReport, direction: Direction, protocol: Protocol, port: number, subject: string): string {
  if (report.kind === 'calico') return describeCalicoSide(report.verdict[direction], portRange(protocol, port, port), false, subject);
  return `${direction}-isolated by ${describePolicies(report.verdict[direction].isolatedBy)}, and no ${direction} rule allows it`;
}
