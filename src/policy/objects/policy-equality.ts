// Whether two policies do the same thing, compared as values: the API's key order, a reordered
// matchLabels or matchExpressions values do not count as a difference. Used to decide whether a
// generated policy drifted (the controller) and whether a write changed one (tamper protection).
import type { CalicoPolicy } from '../calico/model.ts';
import type { Policy } from './model.ts';

/** Same pod selector, policy types and rules. */
export function sameRules(a: Policy, b: Policy): boolean {
  return (
    canonical(a.podSelector) === canonical(b.podSelector) &&
    canonical([...a.types].sort()) === canonical([...b.types].sort()) &&
    canonical(a.ingress) === canonical(b.ingress) &&
    canonical(a.egress) === canonical(b.egress)
  );
}

/** Same selection, order, tier and rules: what Calico enforces (labels and annotations aside). */
export function sameCalicoRules(a: CalicoPolicy, b: CalicoPolicy): boolean {
  const enforced = (p: CalicoPolicy): unknown => ({
    ...p,
    name: undefined,
    backendName: undefined,
    labels: undefined,
    annotations: undefined,
    types: [...p.types].sort(),
  });
  return canonical(enforced(a)) === canonical(enforced(b));
}

/** JSON with requirement lists and their values sorted (they are sets), big integers as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'bigint') return inner.toString();
    // A Calico selector's value set: its members in order.
    if (inner instanceof Set) return [...(inner as Set<unknown>)].map(String).sort();
    if (isRequirementList(inner)) {
      return inner
        .map((r) => ({ key: r.key, operator: r.operator, values: [...r.values].sort() }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return inner;
  });
}

function isRequirementList(value: unknown): value is { key: string; operator: string; values: string[] }[] {
  return Array.isArray(value) && value.length > 0 && value.every((r) => typeof r === 'object' && r !== null && 'operator' in r && 'key' in r && 'values' in r);
}
