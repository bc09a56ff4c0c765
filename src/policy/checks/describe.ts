import type { CalicoPolicyChange, PolicyChange } from '../objects/change.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { describeEndpoint } from '../netpol/endpoint.ts';
import type { Direction, PolicyRef, Protocol } from '../objects/model.ts';
import { describePorts, portRange } from '../netpol/port-set.ts';
import type { PathReport } from '../paths/path-evaluator.ts';
import { reportPorts, sidePorts } from '../paths/path-evaluator.ts';
import { describeCalicoPolicy, describeCalicoSide } from './describe-calico.ts';
import { MAX_LISTED, listed } from './finding-fields.ts';
import { joinAnd } from './join.ts';

export { joinAnd };

/** Several endpoints in one phrase: the first few in full, then "and N more pods". */
export function describeEndpoints(endpoints: readonly Endpoint[], describe: (endpoint: Endpoint) => string = describeEndpoint): string {
  const { shown, morePods } = listed(endpoints);
  const names = shown.map((e) => describe(e));
  if (shown.length === endpoints.length) return joinAnd(names);
  return `${names.join('; ')} and ${morePods} more pod${morePods === 1 ? '' : 's'}`;
}

/**
 * Pods a path opens for, named once each with how many run: `shop-prod/mysql-0`, `shop-prod/web-a and
 * shop-prod/web-b`, `6 pods (shop-prod/web-a, shop-prod/web-b, shop-prod/api-c and 3 more)`. Pods that
 * could exist are named only where none runs: the running ones are what a reader acts on.
 */
export function describeCountedPods(endpoints: readonly Endpoint[]): string {
  const running = endpoints.filter((e): e is Endpoint & { kind: 'pod' } => e.kind === 'pod' && e.group.witness !== true);
  const others = endpoints.filter((e) => !running.includes(e as Endpoint & { kind: 'pod' }));
  const count = running.reduce((n, e) => n + e.group.count, 0);
  const names = running.flatMap((e) => e.group.names.slice(0, MAX_LISTED).map((name) => `${e.group.namespace}/${name}`)).slice(0, MAX_LISTED);
  if (count === 0) return describeEndpoints(others);
  const more = count - names.length;
  return more <= 0 ? joinAnd(names) : names.length === 0 ? `${count} pods` : `${count} pods (${names.join(', ')} and ${more} more)`;
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

/** The written policy as the deciding rules name it, so they can say `its ... rule N` instead. */
export function describeOwnPolicy(change: PolicyChange | CalicoPolicyChange): string {
  return change.kind === 'NetworkPolicy' ? describePolicy({ namespace: change.namespace, name: change.name }) : describeCalicoChangePolicy(change);
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

/**
 * What opens one direction: the rules that allow it, or that nothing isolates it. A rule of `own` (the
 * policy being written, as describePolicy or describeCalicoPolicy names it) reads `its ... rule N`: the
 * message has named that policy already. `subject` names the pods whose side it is, when not the report's.
 */
export function describeDecidingSide(report: PathReport, direction: Direction, { own, subject }: { readonly own?: string; readonly subject?: string } = {}): string {
  const pods = subject ?? describeEndpoints([report.verdict[direction].subject]);
  if (report.kind === 'calico') return describeCalicoSide(report.verdict[direction], sidePorts(report, direction), true, pods, own);
  const verdict = report.verdict[direction];
  if (verdict.isolatedBy.length === 0) return `no policy isolates ${direction} of ${pods}`;
  const rules = verdict.allowedBy.map((a) => {
    const name = describePolicy(a.policy);
    return `${name === own ? 'its' : name} ${a.direction} rule ${a.index}`;
  });
  return `${joinAnd(rules)} allow${rules.length === 1 ? 's' : ''} it`;
}

/** What keeps one direction shut on a port: the policies that isolate it, or Calico's deciding chain about `subject`. */
export function describeClosedSide(report: PathReport, direction: Direction, protocol: Protocol, port: number, subject: string): string {
  if (report.kind === 'calico') return describeCalicoSide(report.verdict[direction], portRange(protocol, port, port), false, subject);
  return `${direction}-isolated by ${describePolicies(report.verdict[direction].isolatedBy)}, and no ${direction} rule allows it`;
}
