// `not-modelled`: what a Calico policy uses that nsguard does not evaluate, said next to the verdict so
// that nothing is misjudged in silence. Only ever a warning: the verdict stands on what is modelled.
import type { CalicoPolicyChange } from '../objects/change.ts';
import type { UnmodelledFeature } from '../calico/model.ts';
import type { Check, CheckResult } from './check.ts';
import { NO_FINDINGS } from './check.ts';
import { describeCalicoChangePolicy } from './describe.ts';
import { NO_FIELDS } from './finding-fields.ts';

const WHAT: Readonly<Record<UnmodelledFeature, string>> = {
  doNotTrack: 'doNotTrack, whose rules apply to host endpoints before connection tracking',
  preDNAT: 'preDNAT, whose rules apply to host endpoints before the destination is translated',
  applyOnForward: 'applyOnForward, whose rules also apply to traffic forwarded through host endpoints',
  hostEndpoints: 'global(), which reaches host endpoints and global network sets',
  services: 'a Service match, whose endpoints nsguard does not resolve (the rule is taken as possibly matching anyone)',
  http: 'an HTTP match, which looks inside requests (the rule is taken as possibly matching any connection)',
  icmp: 'ICMP types and codes',
  protocol: 'a protocol other than TCP, UDP and SCTP',
};

export function checkNotModelled({ change }: { readonly change: CalicoPolicyChange }): CheckResult {
  const policy = change.after;
  if (policy === undefined || policy.unmodelled.length === 0) return NO_FINDINGS;
  const name = describeCalicoChangePolicy(change);
  return {
    violations: [],
    warnings: policy.unmodelled.map(({ feature, path }) => ({
      rule: 'not-modelled' as const,
      message: `${name} uses ${WHAT[feature]} at ${path}: nsguard does not model it, so what it does there is not judged`,
      ...NO_FIELDS,
    })),
  };
}

export const NOT_MODELLED: Check<CalicoPolicyChange> = { rule: 'not-modelled', run: checkNotModelled };
