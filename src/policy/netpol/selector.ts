import type { Labels, Requirement, Selector } from '../objects/model.ts';

export const EVERYTHING: Selector = { requirements: [] };

/** Label selector semantics of the API: every requirement must hold; `NotIn` and `DoesNotExist` hold for
 * objects that lack the key (apimachinery labels.Requirement.Matches). */
export function selects(selector: Selector, labels: Labels): boolean {
  // A loop, not every() with a closure (here and in peer-match.ts): this runs for every policy, rule
  // and endpoint a check touches, and a closure per call was most of what a request allocated.
  for (const requirement of selector.requirements) if (!satisfies(requirement, labels)) return false;
  return true;
}

export function satisfies(requirement: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  switch (requirement.operator) {
    case 'In':
      return has && hasValue(requirement, labels[requirement.key] as string);
    case 'NotIn':
      return !has || !hasValue(requirement, labels[requirement.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default: {
      const never: never = requirement.operator;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

// A long value list is looked up in a Set made once per requirement (requirements are immutable): one
// selector may list thousands of values and be checked against every endpoint a review looks at.
const LONG_LIST = 16;
const valueSets = new WeakMap<Requirement, ReadonlySet<string>>();

function hasValue(requirement: Requirement, value: string): boolean {
  if (requirement.values.length <= LONG_LIST) return requirement.values.includes(value);
  let set = valueSets.get(requirement);
  if (set === undefined) valueSets.set(requirement, (set = new Set(requirement.values)));
  return set.has(value);
}

export function isEverything(selector: Selector): boolean {
  return selector.requirements.length === 0;
}

/** `app=web,tier!=db` style, for messages; `{}` reads as "all". */
export function describeSelector(selector: Selector): string {
  if (selector.requirements.length === 0) return '{}';
  return selector.requirements.map(describeRequirement).join(',');
}

function describeRequirement(r: Requirement): string {
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    default: {
      const never: never = r.operator;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

/** `app=web,tier=db`: how a set of labels reads in a message. */
export function describeLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '(no labels)' : keys.map((k) => `${k}=${labels[k]}`).join(',');
}

/** The same keys with the same values, in any key order. */
export function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** The selector `matchLabels: labels`. */
export function selectorFromLabels(labels: Labels): Selector {
  return { requirements: Object.entries(labels).map(([key, value]) => ({ key, operator: 'In', values: [value] })) };
}
