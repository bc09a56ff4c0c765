import type { Mode } from '../objects/model.ts';
import type { FindingFields } from './finding-fields.ts';

/** Rule ids are a contract: they open every denial line as `[rule-id]` and are grepped for in logs. */
export type RuleId = 'dns-egress' | 'env-boundary' | 'isolation-tamper' | 'review-budget' | 'not-modelled';

/** The message says it in words; the fields say the pods, ports and policies it names as data. */
export interface Finding extends FindingFields {
  readonly rule: RuleId;
  readonly message: string;
}

/**
 * - `allowed`: nothing made worse.
 * - `denied`: enforce mode and the change makes something worse.
 * - `warned`: warn mode; the violations travel as warnings and the request is allowed.
 * - `would-deny`: audit mode; the violations are only logged.
 */
export type Verdict = 'allowed' | 'denied' | 'warned' | 'would-deny';

export interface Decision {
  readonly verdict: Verdict;
  readonly allowed: boolean;
  readonly mode: Mode;
  /** What the change makes worse: the reasons for a denial. */
  readonly violations: readonly Finding[];
  /** What was already wrong before the change: reported, never a reason to block. */
  readonly warnings: readonly Finding[];
}

export function decide(mode: Mode, violations: readonly Finding[], warnings: readonly Finding[]): Decision {
  if (violations.length === 0) return { verdict: 'allowed', allowed: true, mode, violations, warnings };
  switch (mode) {
    case 'enforce':
      return { verdict: 'denied', allowed: false, mode, violations, warnings };
    case 'warn':
      return { verdict: 'warned', allowed: true, mode, violations, warnings };
    case 'audit':
      return { verdict: 'would-deny', allowed: true, mode, violations, warnings };
    default: {
      const never: never = mode;
      throw new Error(`unknown mode ${String(never)}`);
    }
  }
}

/** A change that enforces nothing yet (a staged Calico policy): what it would do is said, never denied. */
export function warnOnly(decision: Decision): Decision {
  return decide(decision.mode, [], [...decision.violations, ...decision.warnings]);
}

/**
 * A change nsguard could not judge: denied whatever the mode, since warn and audit relax what the checks
 * found, and here they found nothing either way.
 */
export function refuse(mode: Mode, finding: Finding): Decision {
  return { verdict: 'denied', allowed: false, mode, violations: [finding], warnings: [] };
}

/** The `status.message` of a denial: one `[rule-id] explanation` per violation. */
export function formatFinding(finding: Finding): string {
  return `[${finding.rule}] ${finding.message}`;
}
