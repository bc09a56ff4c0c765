import { Budget, BudgetExceeded } from './budget.ts';
import type { Change, Requester } from '../objects/change.ts';
import { checkDnsEgress } from './dns-egress.ts';
import { checkEnvBoundary } from './env-boundary.ts';
import { checkNamespaceEnv, checkParentEnvironment } from './namespace-env.ts';
import { checkNamespaceTamper, checkPolicyTamper } from './isolation-tamper.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Decision, Finding } from './decision.ts';
import { decide, refuse } from './decision.ts';
import type { Config, Mode } from '../objects/model.ts';
import { checkModeOverride, isAdmin, modeFor } from './mode.ts';
import type { Stage } from './review-budget.ts';
import { overBudget } from './review-budget.ts';

/**
 * The whole verdict on one change, as the webhook and `nsguard check` both give it. A change that needs
 * more than `budget` steps to judge is refused (`review-budget`); tests and the bench pass their own
 * budget to read the steps a review used.
 */
export function judge(change: Change, requester: Requester, view: ClusterView, config: Config, budget: Budget = new Budget(config.reviewBudget)): Decision {
  let stage: Stage = 'isolation-tamper';
  let mode: Mode = config.mode;
  try {
    switch (change.kind) {
      case 'NetworkPolicy': {
        const namespace = view.namespace(change.namespace);
        mode = modeFor(namespace, config);
        // A namespace being deleted must be able to finish: its policies go with its pods.
        if (change.operation === 'DELETE' && namespace?.terminating === true) return decide(mode, [], []);
        const tamper = checkPolicyTamper(change, requester, config);
        stage = 'dns-egress';
        const dns = checkDnsEgress(view, change, config, budget);
        stage = 'env-boundary';
        const env = checkEnvBoundary(view, change, config, budget);
        return decide(mode, [...tamper, ...dns.violations, ...env.violations], [...dns.warnings, ...env.warnings]);
      }
      case 'Namespace': {
        if (change.operation === 'DELETE') return decide(modeFor(change.before, config), [], []);
        // An admin setting the override in this very request has it apply at once.
        mode = modeFor(isAdmin(requester, config) ? change.after : (change.before ?? undefined), config);
        const tamper = checkModeOverride(change, requester, config);
        stage = 'env-boundary';
        const env = checkNamespaceEnv(view, change, config, budget);
        const violations: Finding[] = [...tamper.violations, ...checkNamespaceTamper(change, requester, config, view), ...checkParentEnvironment(view, change, config), ...env.violations];
        return decide(mode, violations, [...tamper.warnings, ...env.warnings]);
      }
      default: {
        const never: never = change;
        throw new Error(`unknown change ${JSON.stringify(never)}`);
      }
    }
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    return refuse(mode, overBudget(change, stage, error.limit, config));
  }
}
