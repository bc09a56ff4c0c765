// Reading label maps and label selectors out of Kubernetes objects.
import type { Labels, Operator, Requirement, Selector } from './model.ts';
import type { ObjectContext } from './parse-fields.ts';
import { invalidField, optionalFields, optionalList, requireFields, requireString } from './parse-fields.ts';

/** A `map[string]string` such as labels, annotations or matchLabels; absent is empty. */
export function parseLabels(raw: unknown, path: string, ctx: ObjectContext): Labels {
  const fields = optionalFields(raw, path, ctx) ?? {};
  // fromEntries defines own properties, so a key such as `__proto__` stays a plain label.
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => {
      if (key === '') throw invalidField(ctx, path, fields, 'no empty keys');
      if (typeof value !== 'string') throw invalidField(ctx, `${path}.${key}`, value, 'a string');
      return [key, value];
    }),
  );
}

const OPERATORS: readonly Operator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * A `metav1.LabelSelector`: matchLabels become `In [value]` requirements, ANDed with matchExpressions.
 * `raw` must be present: what an absent selector means differs by field (a missing peer podSelector is
 * "any pod", a missing spec.podSelector is invalid), so callers decide before calling.
 */
export function parseSelector(raw: unknown, path: string, ctx: ObjectContext): Selector {
  const fields = requireFields(raw, path, ctx);
  const fromLabels = Object.entries(parseLabels(fields['matchLabels'], `${path}.matchLabels`, ctx)).map(
    ([key, value]): Requirement => ({ key, operator: 'In', values: [value] }),
  );
  const expressions = optionalList(fields['matchExpressions'], `${path}.matchExpressions`, ctx) ?? [];
  const fromExpressions = expressions.map((e, i) => parseRequirement(e, `${path}.matchExpressions[${i}]`, ctx));
  return { requirements: [...fromLabels, ...fromExpressions] };
}

function parseRequirement(raw: unknown, path: string, ctx: ObjectContext): Requirement {
  const fields = requireFields(raw, path, ctx);
  const key = requireString(fields['key'], `${path}.key`, ctx);
  const operator = fields['operator'];
  if (!OPERATORS.includes(operator as Operator)) {
    throw invalidField(ctx, `${path}.operator`, operator, `one of ${OPERATORS.join(', ')}`);
  }
  const op = operator as Operator;
  const rawValues = optionalList(fields['values'], `${path}.values`, ctx) ?? [];
  const values = rawValues.map((v, i) => {
    if (typeof v !== 'string') throw invalidField(ctx, `${path}.values[${i}]`, v, 'a string');
    return v;
  });
  // apimachinery ValidateLabelSelectorRequirement: set operators need values, existence operators none.
  if ((op === 'In' || op === 'NotIn') && values.length === 0) {
    throw invalidField(ctx, `${path}.values`, fields['values'], `a non-empty list for operator ${op}`);
  }
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
    throw invalidField(ctx, `${path}.values`, fields['values'], `no values for operator ${op}`);
  }
  return { key, operator: op, values };
}
