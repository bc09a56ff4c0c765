// Labels a witness pod (or namespace) carries so that a Calico selector selects it: the checks judge what
// a policy does to endpoints that could exist, as they do with Kubernetes selectors (netpol/witness.ts).
// The selector is put in negation normal form and its conjunctions tried in turn (at most
// MAX_CONJUNCTIONS, so a hostile selector costs bounded work); in each, every key gets the first value
// that meets all of that key's terms, absence first, as Calico treats a missing label (`!=`, `not in` and
// `!has()` hold, every other operator fails). The result is checked against the selector itself.
import type { Labels } from '../objects/model.ts';
import type { CalicoSelector } from './selector.ts';
import { calicoSelects } from './selector.ts';

const MAX_CONJUNCTIONS = 64;
const FILLER = 'nsguard-witness';

/** One term on one key: what a value (undefined: the label is absent) must satisfy, and values it names. */
interface Term {
  readonly key: string;
  readonly holds: (value: string | undefined) => boolean;
  readonly values: Iterable<string>;
  /** Parts a value built by concatenation may need: `starts with`, `contains`, `ends with` together. */
  readonly part?: { readonly at: 'start' | 'inside' | 'end'; readonly text: string };
}

type Form = { readonly op: 'true' } | { readonly op: 'false' } | { readonly op: 'term'; readonly term: Term } | { readonly op: 'and' | 'or'; readonly forms: readonly Form[] };

const TRUE: Form = { op: 'true' };
const FALSE: Form = { op: 'false' };

/** The smallest label set found that the selector selects, or undefined when none is found. */
export function calicoWitnessLabels(selector: CalicoSelector, base: Labels = {}): Labels | undefined {
  let tried = 0;
  for (const terms of conjunctions(normal(selector, false))) {
    const labels = solve(terms, base);
    if (labels !== undefined && calicoSelects(selector, labels)) return labels;
    if (++tried >= MAX_CONJUNCTIONS) return undefined;
  }
  return undefined;
}

/** Negation pushed down to the terms (De Morgan), so every term says what one key must be. */
function normal(selector: CalicoSelector, negated: boolean): Form {
  const term = (key: string, holds: (v: string | undefined) => boolean, values: Iterable<string>, part?: Term['part']): Form => ({
    op: 'term',
    term: { key, holds: negated ? (v) => !holds(v) : holds, values, ...(part === undefined || negated ? {} : { part }) },
  });
  switch (selector.op) {
    case 'all':
      return negated ? FALSE : TRUE;
    case 'global':
      // Outside a rule's namespaceSelector nothing a pod carries is global.
      return negated ? TRUE : FALSE;
    case 'has':
      return term(selector.key, (v) => v !== undefined, []);
    case 'eq': {
      const { value } = selector;
      return term(selector.key, (v) => v === value, [value]);
    }
    case 'ne': {
      const { value } = selector;
      return term(selector.key, (v) => v !== value, [value]);
    }
    case 'contains': {
      const { value } = selector;
      return term(selector.key, (v) => v !== undefined && v.includes(value), [value], { at: 'inside', text: value });
    }
    case 'startsWith': {
      const { value } = selector;
      return term(selector.key, (v) => v !== undefined && v.startsWith(value), [value], { at: 'start', text: value });
    }
    case 'endsWith': {
      const { value } = selector;
      return term(selector.key, (v) => v !== undefined && v.endsWith(value), [value], { at: 'end', text: value });
    }
    case 'in': {
      const { values } = selector;
      return term(selector.key, (v) => v !== undefined && values.has(v), values);
    }
    case 'notIn': {
      const { values } = selector;
      return term(selector.key, (v) => v === undefined || !values.has(v), values);
    }
    case 'not':
      return normal(selector.operand, !negated);
    case 'and':
    case 'or': {
      const op = (selector.op === 'and') !== negated ? 'and' : 'or';
      return combined(op, selector.operands.map((s) => normal(s, negated)));
    }
    default: {
      const never: never = selector;
      throw new Error(`unknown selector ${JSON.stringify(never)}`);
    }
  }
}

/**
 * `and`/`or` of `forms` with the constants folded away. What bounds the work is that every form but
 * FALSE yields a conjunction within a walk of its size: a FALSE left inside a product would have the
 * walk try every combination of the factors before it and yield none (`(k0 == "a" || k0 == "b") && ...
 * && !all()` took 2^n steps, none of them counted against MAX_CONJUNCTIONS).
 */
function combined(op: 'and' | 'or', forms: readonly Form[]): Form {
  const [absorbing, neutral] = op === 'and' ? [FALSE, TRUE] : [TRUE, FALSE];
  if (forms.includes(absorbing)) return absorbing;
  const kept = forms.filter((f) => f !== neutral);
  if (kept.length === 0) return neutral;
  return kept.length === 1 ? (kept[0] as Form) : { op, forms: kept };
}

/** The conjunctions of the disjunctive normal form, made lazily: the caller stops after a few. */
function* conjunctions(form: Form): Generator<readonly Term[]> {
  switch (form.op) {
    case 'true':
      yield [];
      return;
    case 'false':
      return;
    case 'term':
      yield [form.term];
      return;
    case 'or':
      for (const inner of form.forms) yield* conjunctions(inner);
      return;
    case 'and':
      yield* product(form.forms, 0);
      return;
    default: {
      const never: never = form;
      throw new Error(`unknown form ${JSON.stringify(never)}`);
    }
  }
}

function* product(forms: readonly Form[], from: number): Generator<readonly Term[]> {
  const first = forms[from];
  if (first === undefined) {
    yield [];
    return;
  }
  for (const head of conjunctions(first)) for (const tail of product(forms, from + 1)) yield [...head, ...tail];
}

/** Each key's first candidate value that meets its terms; undefined when some key has none. */
function solve(terms: readonly Term[], base: Labels): Labels | undefined {
  const byKey = new Map<string, Term[]>();
  for (const t of terms) {
    const same = byKey.get(t.key);
    if (same === undefined) byKey.set(t.key, [t]);
    else same.push(t);
  }
  const labels: Record<string, string> = { ...base };
  for (const [key, mine] of byKey) {
    const value = firstValue(mine, base[key]);
    if (value === false) return undefined;
    if (value === undefined) delete labels[key];
    else labels[key] = value;
  }
  return labels;
}

/** The value (undefined: absent) that meets every term, or false when no candidate does. */
function firstValue(terms: readonly Term[], current: string | undefined): string | undefined | false {
  const meets = (v: string | undefined): boolean => terms.every((t) => t.holds(v));
  if (current !== undefined && meets(current)) return current;
  if (meets(undefined)) return undefined;
  for (const t of terms) for (const v of t.values) if (meets(v)) return v;
  const start = terms.find((t) => t.part?.at === 'start')?.part?.text ?? '';
  const inside = terms.filter((t) => t.part?.at === 'inside').map((t) => t.part?.text ?? '').join('');
  const end = terms.find((t) => t.part?.at === 'end')?.part?.text ?? '';
  for (const v of [`${start}${inside}${end}`, `${start}${FILLER}${inside}${end}`, FILLER]) if (meets(v)) return v;
  for (let i = 0; i < terms.length + 1; i++) if (meets(`${FILLER}-${i}`)) return `${FILLER}-${i}`;
  return false;
}
