// PATCH bodies of the test API server. JSON merge patch (RFC 7386) also stands in for strategic merge
// patch (they differ only on lists with patch strategies, which the kinds used here do not rely on);
// JSON patch (RFC 6902) goes through fast-json-patch. Server-side apply merges by field ownership
// (test-api-field-ownership.ts).
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from './test-api-object.ts';
import { isObject } from './test-api-object.ts';
import { ApiError, badRequest, statusBody } from './test-api-status.ts';

export type PatchType = 'apply' | 'merge' | 'json';

const PATCH_TYPES: Readonly<Record<string, PatchType>> = {
  'application/apply-patch+yaml': 'apply',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
};

/** The patch type named by a Content-Type header, parameters (`; charset=utf-8`) ignored. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return PATCH_TYPES[media];
}

/**
 * ValidatePatchOptions (apimachinery/pkg/apis/meta/v1/validation): `force` only with apply, a
 * fieldManager for apply, at most 128 printable characters. Field errors, empty when valid.
 */
export function patchOptionProblems(type: PatchType, query: URLSearchParams): { type: string; field: string; message: string }[] {
  const problems: { type: string; field: string; message: string }[] = [];
  const manager = query.get('fieldManager') ?? '';
  if (type !== 'apply' && query.has('force')) problems.push({ type: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  if (type === 'apply' && manager === '') problems.push({ type: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
  if (manager.length > 128) problems.push({ type: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' });
  if (/[\u0000-\u001f\u007f]/.test(manager)) problems.push({ type: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${JSON.stringify(manager)}: must only contain printable characters` });
  return problems;
}

/** RFC 7386: objects merge key by key, `null` deletes, anything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Failed `test` operations and unresolvable paths are the request's fault but well-formed: 422, as the API answers. */
const UNPROCESSABLE = new Set(['TEST_OPERATION_FAILED', 'OPERATION_PATH_UNRESOLVABLE', 'OPERATION_FROM_UNRESOLVABLE']);

export function applyJsonPatch(target: KubeObject, operations: unknown): KubeObject {
  if (!Array.isArray(operations)) throw badRequest('a JSON patch must be a list of operations');
  try {
    const { newDocument } = jsonpatch.applyPatch(target, operations as jsonpatch.Operation[], true, false);
    if (!isObject(newDocument)) throw badRequest('the JSON patch replaced the whole object with a non-object');
    return newDocument;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const name = error instanceof jsonpatch.JsonPatchError ? error.name : '';
    const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    if (UNPROCESSABLE.has(name)) throw new ApiError(statusBody(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`));
    throw badRequest(`invalid JSON patch: ${message}`);
  }
}
