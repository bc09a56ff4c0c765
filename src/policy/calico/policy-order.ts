// The order Calico runs policies in: tiers by order (lowest first, none = last, ties by name), and within
// a tier its policies by order (none = last), ties by Felix's policy name (model.PolicyNameLessThan).
import type { CalicoPolicy, Tier } from './model.ts';
import { DEFAULT_TIER } from './model.ts';
import { felixPolicyName } from './policy-names.ts';

export interface TierPolicies {
  readonly tier: Tier;
  /** The enforced policies of the tier, in the order they run. */
  readonly policies: readonly CalicoPolicy[];
}

/**
 * The enforced policies (staged ones never enforce) grouped by tier, in evaluation order. The `default`
 * tier exists unless `tiers` says otherwise; a tier no Tier object describes (Calico refuses policies in
 * such a tier, but a state file may lack the Tier) runs last with the default action Deny.
 */
export function orderPolicies(tiers: readonly Tier[], policies: readonly CalicoPolicy[]): readonly TierPolicies[] {
  const known = new Map<string, Tier>([[DEFAULT_TIER.name, DEFAULT_TIER]]);
  for (const tier of tiers) known.set(tier.name, tier);
  const byTier = new Map<string, CalicoPolicy[]>();
  for (const policy of policies) {
    if (policy.staged !== undefined) continue;
    const list = byTier.get(policy.tier);
    if (list === undefined) byTier.set(policy.tier, [policy]);
    else list.push(policy);
  }
  return [...byTier]
    .map(([name, list]) => ({
      tier: known.get(name) ?? { name, order: undefined, defaultAction: 'Deny' as const },
      policies: list.toSorted((a, b) => byOrder(a.order, b.order) || byName(felixPolicyName(a), felixPolicyName(b))),
    }))
    .sort((a, b) => byOrder(a.tier.order, b.tier.order) || byName(a.tier.name, b.tier.name));
}

function byOrder(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The policies as they would be if `staged` were promoted (ConvertStagedPolicyToEnforced): `Set` puts it
 * in place of the enforced policy of the same kind, namespace and name, `Delete` removes that policy, and
 * `Learn` and `Ignore` change nothing.
 */
export function promoteStaged(policies: readonly CalicoPolicy[], staged: CalicoPolicy): readonly CalicoPolicy[] {
  if (staged.staged === 'Learn' || staged.staged === 'Ignore') return policies;
  const sameObject = (p: CalicoPolicy): boolean => p.staged === undefined && felixPolicyName(p) === felixPolicyName(staged) && p.kind === staged.kind;
  const rest = policies.filter((p) => !sameObject(p));
  return staged.staged === 'Delete' ? rest : [...rest, { ...staged, staged: undefined }];
}
