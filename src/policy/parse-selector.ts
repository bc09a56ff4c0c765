// Reading label maps and label selectors out of Kubernetes objects, plus the small field readers the
// other parse-*.ts files share, so that every bad field is reported the same way.
import { NsguardError } from '../errors.ts';
import type { Labels, Operator, Requirement, Selector } from './model.ts';

/** Where an object came from and what it is, for messages: `state.yaml document 3`, `NetworkPolicy prod/allow-db`. */
export interface ObjectContext {
  readonly where: string;
  readonly object: string;
}

export type Fields = Readonly<Record<string, unknown>>;

/** `"10.0.0.0/33"`, `80`, `{"ipBlock":...}`: the bad value as written, cut short so a message stays one line. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A YAML alias can make a cycle (`a: &x [*x]`), which JSON cannot write.
    text = '(a self-referencing value)';
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `state.yaml document 3: NetworkPolicy prod/x: spec.ingress[0].ports[0].port is 0, expected ...`. */
export function invalidField(ctx: ObjectContext, path: string, value: unknown, expected: string): NsguardError {
  const shown = value === undefined ? 'missing' : `is ${showValue(value)}`;
  return new NsguardError('NSG_OBJECT_INVALID', `${ctx.where}: ${ctx.object}: ${path} ${shown}, expected ${expected}`);
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// JSON null and an absent field decode alike in the API's Go types (nil pointer, empty map or slice), so
// the optional readers below treat both as absent.

export function requireFields(value: unknown, path: string, ctx: ObjectContext): Fields {
  if (!isFields(value)) throw invalidField(ctx, path, value, 'an object');
  return value;
}

export function optionalFields(value: unknown, path: string, ctx: ObjectContext): Fields | undefined {
  return value === undefined || value === null ? undefined : requireFields(value, path, ctx);
}

export function optionalList(value: unknown, path: string, ctx: ObjectContext): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidField(ctx, path, value, 'a list');
  return value;
}

export function requireString(value: unknown, path: string, ctx: ObjectContext): string {
  if (typeof value !== 'string' || value === '') throw invalidField(ctx, path, value, 'a non-empty string');
  return value;
}

export function optionalString(value: unknown, path: string, ctx: ObjectContext): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, path, ctx);
}

/** apimachinery IsValidPortName (IANA_SVC_NAME, RFC 6335): how container ports and named policy ports are spelled. */
export function isPortName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

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

export interface ObjectHead {
  readonly ctx: ObjectContext;
  readonly fields: Fields;
  readonly metadata: Fields;
  readonly name: string;
  /** Set for namespaced kinds (required there), undefined for cluster-scoped ones. */
  readonly namespace: string | undefined;
  readonly labels: Labels;
  readonly annotations: Labels;
}

/**
 * Checks kind and apiVersion when present (a hand-written state file may leave them out, the caller has
 * already dispatched on them) and reads the metadata every kind shares.
 */
export function parseObjectHead(
  raw: unknown,
  expected: { readonly kind: string; readonly apiVersion: string; readonly namespaced: boolean },
  where: string,
): ObjectHead {
  const outer: ObjectContext = { where, object: expected.kind };
  const fields = requireFields(raw, 'the object', outer);
  const metadata = requireFields(fields['metadata'], 'metadata', outer);
  // Name the object as well as its fields allow before validating them, so even those errors say which.
  const nameText = typeof metadata['name'] === 'string' ? metadata['name'] : '(unnamed)';
  const nsText = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '(no namespace)';
  const ctx: ObjectContext = { where, object: `${expected.kind} ${expected.namespaced ? `${nsText}/` : ''}${nameText}` };
  if (fields['kind'] !== undefined && fields['kind'] !== expected.kind) {
    throw invalidField(ctx, 'kind', fields['kind'], expected.kind);
  }
  if (fields['apiVersion'] !== undefined && fields['apiVersion'] !== expected.apiVersion) {
    throw invalidField(ctx, 'apiVersion', fields['apiVersion'], expected.apiVersion);
  }
  return {
    ctx,
    fields,
    metadata,
    name: requireString(metadata['name'], 'metadata.name', ctx),
    namespace: expected.namespaced ? requireString(metadata['namespace'], 'metadata.namespace', ctx) : undefined,
    labels: parseLabels(metadata['labels'], 'metadata.labels', ctx),
    annotations: parseLabels(metadata['annotations'], 'metadata.annotations', ctx),
  };
}
