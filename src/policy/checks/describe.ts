import type { PolicyChange } from '../objects/change.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { describeEndpoint } from '../netpol/endpoint.ts';
import type { PolicyRef } from '../objects/model.ts';
import { describePorts } from '../netpol/port-set.ts';
import type { DirectionVerdict, PathVerdict } from '../netpol/reachability.ts';

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

export function describeChange(change: PolicyChange): string {
  const verb = change.operation === 'CREATE' ? 'creating' : change.operation === 'UPDATE' ? 'updating' : 'deleting';
  return `${verb} NetworkPolicy ${change.namespace}/${change.name}`;
}

export function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** `prod/web-1 → any pod in test-a on TCP 3306`. */
export function describePath(verdict: PathVerdict): string {
  return `${describeEndpoints([verdict.from])} → ${describeEndpoints([verdict.to])} on ${describePorts(verdict.ports)}`;
}

/** What opens one direction: the rules that allow it, or that nothing isolates it. */
export function describeDecidingSide(verdict: DirectionVerdict): string {
  const subject = describeEndpoints([verdict.subject]);
  if (verdict.isolatedBy.length === 0) return `no policy isolates ${verdict.direction} of ${subject}`;
  const rules = verdict.allowedBy.map((a) => `${describePolicy(a.policy)} ${a.direction} rule ${a.index}`);
  return `${joinAnd(rules)} allow${rules.length === 1 ? 's' : ''} it`;
}
