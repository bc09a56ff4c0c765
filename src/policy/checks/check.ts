// The one contract every check keeps: it is given the change, who makes it, the cluster around it, the
// settings and the review's step budget, and returns what it found, under one rule id. `judge` runs the
// checks of a change's kind in order and decides; a second policy language adds checks, not branches.
import type { Change, Requester } from '../objects/change.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Config } from '../objects/model.ts';
import type { Budget } from './budget.ts';
import type { Finding } from './decision.ts';
import type { Stage } from './review-budget.ts';

export interface CheckInput<C extends Change> {
  readonly change: C;
  readonly requester: Requester;
  readonly view: ClusterView;
  readonly config: Config;
  readonly budget: Budget;
}

/** Violations decide the verdict (per mode); warnings are what was already wrong, or advice. */
export interface CheckResult {
  readonly violations: readonly Finding[];
  readonly warnings: readonly Finding[];
}

export interface Check<C extends Change> {
  /** The rule id it reports under; named in a `review-budget` denial when the budget runs out inside it. */
  readonly rule: Stage;
  run(input: CheckInput<C>): CheckResult;
}

export const NO_FINDINGS: CheckResult = { violations: [], warnings: [] };

/** Violations only, as most checks find them. */
export function violations(found: readonly Finding[]): CheckResult {
  return found.length === 0 ? NO_FINDINGS : { violations: found, warnings: [] };
}
