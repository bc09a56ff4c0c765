// Whether two policies do the same thing, compared as values: the API's key order, a reordered
// matchLabels or matchExpressions values do not count as a difference. Used to decide whether a
// generated policy drifted (the controller) and whether a write changed one (tamper protection).
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

/** JSON with requirement lists and their values sorted (they are sets), big integers as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'bigint') return inner.toString();
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
