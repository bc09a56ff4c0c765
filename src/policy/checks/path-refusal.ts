// Whether a path between two endpoints crosses a boundary the checks guard, for `nsguard explain`: a
// closed path whose opening env-boundary would refuse is not worth a ticket, and an open one is a finding.
import type { Endpoint } from '../netpol/endpoint.ts';
import type { Config } from '../objects/model.ts';
import { environmentOf, separatedFrom } from './environments.ts';
import { modeFor } from './mode.ts';

/** Both ends' environments and the pair they break, or undefined when they may reach each other. */
export interface Boundary {
  readonly rule: 'env-boundary';
  /** `shop-test is env=test and shop-prod is env=prod (test and prod must stay apart)` */
  readonly reason: string;
  /** Whether a change opening it is denied: both namespaces' mode is enforce (a change on either side may open it). */
  readonly enforced: boolean;
}

export function boundaryBetween(from: Endpoint, to: Endpoint, config: Config): Boundary | undefined {
  if (from.kind !== 'pod' || to.kind !== 'pod') return undefined;
  const [a, b] = [from.namespace, to.namespace];
  const [envA, envB] = [environmentOf(a, config), environmentOf(b, config)];
  if (envA === undefined || envB === undefined || !separatedFrom(envA, config).includes(envB)) return undefined;
  const label = config.environmentLabel;
  const modes = [a, b].filter((ns) => modeFor(ns, config) !== 'enforce').map((ns) => `mode ${modeFor(ns, config)} in ${ns.name}`);
  return {
    rule: 'env-boundary',
    reason: `${a.name} is ${label}=${envA} and ${b.name} is ${label}=${envB} (${envA} and ${envB} must stay apart)${modes.length === 0 ? '' : `; ${modes.join(', ')}`}`,
    enforced: modes.length === 0,
  };
}

/** The note explain adds to a path across a boundary: what opening it would meet, or that it is open. */
export function describeBoundary(boundary: Boundary, open: boolean): string {
  if (open) return `this path is open across ${boundary.rule}: ${boundary.reason}`;
  return boundary.enforced ? `opening this path would be denied by ${boundary.rule}: ${boundary.reason}` : `opening this path would break ${boundary.rule}, reported but not denied: ${boundary.reason}`;
}
