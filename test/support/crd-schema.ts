// Validates objects against the openAPIV3Schema of a CustomResourceDefinition, as the apiserver's
// structural schema does, and stricter about unknown fields: the apiserver would prune them silently,
// so a field the schema lacks is reported here rather than lost there.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';

type Schema = { [key: string]: unknown };

/** OpenAPI v3 as JSON Schema: Kubernetes markers dropped, int32/int64 as plain integers, objects closed. */
function jsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(jsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'format') continue;
    out[key] = key === 'enum' || key === 'required' ? value : key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, jsonSchema(v)])) : jsonSchema(value);
  }
  if (out['properties'] !== undefined && out['additionalProperties'] === undefined) out['additionalProperties'] = false;
  return out;
}

export interface CrdValidator {
  /** The errors, as `path message`; empty when the object fits. */
  errors(object: unknown): string[];
}

/** Validators by `apiVersion kind` for every CRD in the file. */
export function crdValidators(file: URL): Map<string, CrdValidator> {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const out = new Map<string, CrdValidator>();
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS() as { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] } };
    for (const version of crd.spec.versions) {
      const validate = ajv.compile(jsonSchema(version.schema.openAPIV3Schema) as Schema);
      out.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, {
        errors: (object) => (validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)),
      });
    }
  }
  return out;
}
