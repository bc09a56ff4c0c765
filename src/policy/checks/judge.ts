import type { CalicoPolicyChange, Change, NamespaceChange, PolicyChange, Requester } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Config, Mode } from '../objects/model.ts';
import { Budget, BudgetExceeded } from './budget.ts';
import type { Check, CheckInput } from './check.ts';
import type { Decision, Finding } from './decision.ts';
import { decide, refuse, warnOnly } from './decision.ts';
import { CALICO_DNS_EGRESS, DNS_EGRESS } from './dns-egress.ts';
import { CALICO_ENV_BOUNDARY, ENV_BOUNDARY } from './env-boundary.ts';
import { CALICO_TAMPER, NAMESPACE_TAMPER, POLICY_TAMPER } from './isolation-tamper.ts';
import { NOT_MODELLED } from './not-modelled.ts';
import { isAdmin, MODE_OVERRIDE, modeFor } from './mode.ts';
import { NAMESPACE_ENV, PARENT_ENVIRONMENT } from './namespace-env.ts';
import type { Stage } from './review-budget.ts';
import { overBudget } from './review-budget.ts';

// The checks of each kind of change, in the order their findings are reported.
const POLICY_CHECKS: readonly Check<PolicyChange>[] = [POLICY_TAMPER, DNS_EGRESS, ENV_BOUNDARY];
const NAMESPACE_CHECKS: readonly Check<NamespaceChange>[] = [MODE_OVERRIDE, NAMESPACE_TAMPER, PARENT_ENVIRONMENT, NAMESPACE_ENV];
const CALICO_CHECKS: readonly Check<CalicoPolicyChange>[] = [CALICO_TAMPER, CALICO_DNS_EGRESS, CALICO_ENV_BOUNDARY, NOT_MODELLED];

/**
 * The whole verdict on one change, as the webhook and `nsguard check` both give it. A change that needs
 * more than `budget` steps to judge is refused (`review-budget`); tests and the bench pass their own
 * budget to read the steps a review used.
 */
export function judge(change: Change, requester: Requester, view: ClusterView, config: Config, budget: Budget = new Budget(config.reviewBudget)): Decision {
  switch (change.kind) {
    case 'NetworkPolicy': {
      const mode = modeFor(view.namespace(change.namespace), config);
      // A namespace being deleted must be able to finish: its policies go with its pods.
      if (change.operation === 'DELETE' && view.namespace(change.namespace)?.terminating === true) return decide(mode, [], []);
      return run(POLICY_CHECKS, { change, requester, view, config, budget }, mode);
    }
    case 'Namespace': {
      if (change.operation === 'DELETE') return decide(modeFor(change.before, config), [], []);
      // An admin setting the override in this very request has it apply at once.
      const mode = modeFor(isAdmin(requester, config) ? change.after : (change.before ?? undefined), config);
      return run(NAMESPACE_CHECKS, { change, requester, view, config, budget }, mode);
    }
    case 'CalicoPolicy': {
      const namespace = change.namespace === undefined ? undefined : view.namespace(change.namespace);
      const mode = modeFor(namespace, config);
      if (change.operation === 'DELETE' && namespace?.terminating === true) return decide(mode, [], []);
      // The Calico API server storing a projectcalico.org/v3 write it admitted: judged then, not twice.
      if (change.group === 'crd' && config.calicoApiServerUsers.includes(requester.username)) return decide(mode, [], []);
      const decision = run(CALICO_CHECKS, { change, requester, view, config, budget }, mode);
      // Staged policies enforce nothing: users stage them to see what they would do.
      return change.staged ? warnOnly(decision) : decision;
    }
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function run<C extends Change>(checks: readonly Check<C>[], input: CheckInput<C>, mode: Mode): Decision {
  const violations: Finding[] = [];
  const warnings: Finding[] = [];
  let stage: Stage = 'isolation-tamper';
  try {
    for (const check of checks) {
      stage = check.rule;
      const found = check.run(input);
      violations.push(...found.violations);
      warnings.push(...found.warnings);
    }
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    return refuse(mode, overBudget(input.change, stage, error.limit, input.config));
  }
  return decide(mode, violations, warnings);
}
