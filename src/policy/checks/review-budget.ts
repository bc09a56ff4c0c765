import type { Change } from '../objects/change.ts';
import type { Finding, RuleId } from './decision.ts';
import { describeChange } from './describe.ts';
import { NO_FIELDS } from './finding-fields.ts';
import type { Config, Policy } from '../objects/model.ts';

/** The check that was running when a review ran out of steps. */
export type Stage = Exclude<RuleId, 'review-budget'>;

/** `review-budget`: what could not be judged, how big it is, and what to do about it. */
export function overBudget(change: Change, stage: Stage, limit: number, config: Config): Finding {
  const within = `within its review budget of ${limit} steps (reviewBudget in nsguard's configuration; the ${stage} check was running)`;
  const denied = 'A change nsguard cannot judge is denied in every mode';
  const raise = "an operator can raise reviewBudget in nsguard's configuration";
  if (change.kind === 'Namespace') {
    const verb = change.operation === 'CREATE' ? 'creating' : 'relabelling';
    return {
      rule: 'review-budget',
      message: `nsguard could not judge ${verb} namespace ${change.name} ${within}: the policies of the separated environments that select namespaces by label need more comparisons than that. ${denied}; ${raise}`,
      ...NO_FIELDS,
    };
  }
  if (change.kind === 'CalicoPolicy') {
    const calico = change.after ?? change.before;
    const rules = calico === undefined ? '' : `: the policy has ${calico.ingress.length} ingress and ${calico.egress.length} egress rules`;
    const wide = change.namespace === undefined ? ', and a global policy is judged in every namespace it may select' : '';
    return { rule: 'review-budget', message: `nsguard could not judge ${describeChange(change)} ${within}${rules}${wide}. ${denied}; ${raise}`, ...NO_FIELDS };
  }
  const policy = (change.after ?? change.before) as Policy;
  const size = `the policy has ${policy.ingress.length} ingress and ${policy.egress.length} egress rules with ${peerCount(policy)} peers`;
  const why =
    stage === 'dns-egress' && change.namespace === config.dns.namespace
      ? ', and a policy in the DNS namespace is judged against every pod of the cluster, each of its peers in every namespace it selects'
      : '';
  const advice =
    change.after === undefined
      ? `deleting it takes as many steps as creating it did: ${raise}`
      : 'split it into smaller NetworkPolicies: policies add up, so together they allow the same traffic, and each is judged on its own';
  return { rule: 'review-budget', message: `nsguard could not judge ${describeChange(change)} ${within}: ${size}${why}. ${denied}; ${advice}`, ...NO_FIELDS };
}

function peerCount(policy: Policy): number {
  let peers = 0;
  for (const rule of [...policy.ingress, ...policy.egress]) peers += rule.peers?.length ?? 0;
  return peers;
}
