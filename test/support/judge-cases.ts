// The table runner shared by the check tests: judge one change, then assert the verdict of one rule id
// and the phrases its messages must carry.
import t from 'tap';
import type { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { Change, Requester } from '../../src/policy/objects/change.ts';
import type { RuleId } from '../../src/policy/checks/decision.ts';
import { judge } from '../../src/policy/checks/judge.ts';
import type { Config } from '../../src/policy/objects/model.ts';
import { TENANT, configWith } from './cluster.ts';

export interface JudgeCase {
  readonly name: string;
  readonly state: () => ClusterState;
  readonly change: (state: ClusterState) => Change;
  readonly config?: Config;
  readonly requester?: Requester;
  readonly verdict: 'allowed' | 'denied';
  /** Each phrase must appear in one violation of the rule. */
  readonly mentions?: readonly string[];
  /** Each phrase must appear in one warning of the rule. */
  readonly warning?: readonly string[];
}

export function runJudgeCases(rule: RuleId, cases: readonly JudgeCase[]): void {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const state = c.state();
      const decision = judge(c.change(state), c.requester ?? TENANT, state, c.config ?? configWith());
      const found = decision.violations.filter((v) => v.rule === rule);
      t.equal(found.length > 0 ? 'denied' : 'allowed', c.verdict, JSON.stringify(decision, null, 1));
      const messages = found.map((v) => v.message);
      for (const text of c.mentions ?? []) t.ok(messages.some((m) => m.includes(text)), `a violation mentions ${JSON.stringify(text)}: ${JSON.stringify(messages, null, 1)}`);
      const warnings = decision.warnings.filter((w) => w.rule === rule).map((w) => w.message);
      for (const text of c.warning ?? []) t.ok(warnings.some((m) => m.includes(text)), `a warning mentions ${JSON.stringify(text)}: ${JSON.stringify(warnings, null, 1)}`);
    });
  }
}
