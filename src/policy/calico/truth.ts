// Three-valued matching: what nsguard does not know about an endpoint (its service account, its address,
// a witness pod's named ports) makes a match `maybe`. Kleene's logic keeps every answer sound: `yes` holds
// whatever the unknowns are, `no` holds for none of them.
import type { Labels } from '../objects/model.ts';
import type { CalicoSelector } from './selector.ts';

export type Truth = 'yes' | 'no' | 'maybe';

export function and(a: Truth, b: Truth): Truth {
  if (a === 'no' || b === 'no') return 'no';
  return a === 'yes' && b === 'yes' ? 'yes' : 'maybe';
}

export function or(a: Truth, b: Truth): Truth {
  if (a === 'yes' || b === 'yes') return 'yes';
  return a === 'no' && b === 'no' ? 'no' : 'maybe';
}

export function not(a: Truth): Truth {
  return a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe';
}

export function truthOf(value: boolean): Truth {
  return value ? 'yes' : 'no';
}

/** Labels whose value may be unknown: `unknown(key)` says the key may be absent or hold any value. */
export interface PartialLabels {
  readonly labels: Labels;
  readonly unknown?: (key: string) => boolean;
}

/**
 * Calico's selector evaluation (ast.go Evaluate: a label the object lacks makes `==`, `in`, `contains`,
 * `starts with`, `ends with` and `has` false, `!=` and `not in` true) over labels some of which may be
 * unknown. `global` is what `global()` evaluates to: true in Calico's parser, false in a rule's
 * namespaceSelector seen from a pod (Calico turns it into `!has(projectcalico.org/namespace)` there).
 */
export function selectorTruth(selector: CalicoSelector, on: PartialLabels, global = true): Truth {
  const { labels, unknown } = on;
  const known = (key: string, test: (value: string | undefined) => boolean): Truth =>
    unknown?.(key) === true ? 'maybe' : truthOf(test(Object.hasOwn(labels, key) ? labels[key] : undefined));
  switch (selector.op) {
    case 'all':
      return 'yes';
    case 'global':
      return truthOf(global);
    case 'has':
      return known(selector.key, (v) => v !== undefined);
    case 'eq':
      return known(selector.key, (v) => v === selector.value);
    case 'ne':
      return known(selector.key, (v) => v !== selector.value);
    case 'contains':
      return known(selector.key, (v) => v !== undefined && v.includes(selector.value));
    case 'startsWith':
      return known(selector.key, (v) => v !== undefined && v.startsWith(selector.value));
    case 'endsWith':
      return known(selector.key, (v) => v !== undefined && v.endsWith(selector.value));
    case 'in':
      return known(selector.key, (v) => v !== undefined && selector.values.has(v));
    case 'notIn':
      return known(selector.key, (v) => v === undefined || !selector.values.has(v));
    case 'not':
      return not(selectorTruth(selector.operand, on, global));
    case 'and':
      return selector.operands.reduce<Truth>((acc, s) => (acc === 'no' ? acc : and(acc, selectorTruth(s, on, global))), 'yes');
    case 'or':
      return selector.operands.reduce<Truth>((acc, s) => (acc === 'yes' ? acc : or(acc, selectorTruth(s, on, global))), 'no');
    default: {
      const never: never = selector;
      throw new Error(`unknown selector ${JSON.stringify(never)}`);
    }
  }
}

/** Does the selector use `global()` anywhere? */
export function usesGlobal(selector: CalicoSelector): boolean {
  switch (selector.op) {
    case 'global':
      return true;
    case 'not':
      return usesGlobal(selector.operand);
    case 'and':
    case 'or':
      return selector.operands.some(usesGlobal);
    default:
      return false;
  }
}
