// The part every Kubernetes kind shares: kind, apiVersion and metadata (name, namespace, labels, annotations).
import type { Labels } from './model.ts';
import type { Fields, ObjectContext } from './parse-fields.ts';
import { invalidField, requireFields, requireString } from './parse-fields.ts';
import { parseLabels } from './parse-selector.ts';

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
