// The one place an AdmissionReview from the wire is checked. Everything past here holds a typed
// AdmissionRequest; a review that is not one gets an error naming the first field that is wrong.
// Optional fields follow admission/v1 types.go: `name`, `namespace`, `subResource`, `userInfo.groups`
// and friends are `omitempty`, so absent is normal; `object`/`oldObject` are `null` when not sent.
import { ADMISSION_OPERATIONS, type AdmissionOperation, type AdmissionRequest, type GroupVersionKind, type GroupVersionResource, type UserInfo } from '../admission/types.ts';
import { quoteValue } from '../json-value.ts';
import { checkJsonShape, countMembers } from './json-limits.ts';

export const REVIEW_API_VERSION = 'admission.k8s.io/v1';
export const REVIEW_KIND = 'AdmissionReview';

export type ReviewProblem = 'invalid-json' | 'json-limit' | 'invalid-review';

export type ParsedReview =
  | { readonly ok: true; readonly request: AdmissionRequest }
  | { readonly ok: false; readonly problem: ReviewProblem; readonly message: string };

class ShapeError extends Error {}

export function parseReview(body: Buffer): ParsedReview {
  const shape = checkJsonShape(body);
  if (!shape.ok) return shape;
  let review: unknown;
  try {
    review = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { ok: false, problem: 'invalid-json', message: `the body is not JSON: ${(error as Error).message}` };
  }
  // The apiserver never repeats a key; a body that does means different things to different parsers.
  if (countMembers(review) !== shape.members) return { ok: false, problem: 'invalid-json', message: 'the body repeats a key within an object' };
  try {
    return { ok: true, request: readReview(review) };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    return { ok: false, problem: 'invalid-review', message: error.message };
  }
}

function readReview(review: unknown): AdmissionRequest {
  const root = record(review, 'the body');
  if (root.apiVersion !== REVIEW_API_VERSION) {
    fail(`apiVersion is ${quoteValue(root.apiVersion)}, expected "${REVIEW_API_VERSION}" (nsguard serves AdmissionReview v1 only; set admissionReviewVersions: ["v1"])`);
  }
  if (root.kind !== REVIEW_KIND) fail(`kind is ${quoteValue(root.kind)}, expected "${REVIEW_KIND}"`);
  if (root.request === undefined || root.request === null) fail('request is missing');
  const r = record(root.request, 'request');

  const uid = string(r.uid, 'request.uid');
  if (uid === '') fail('request.uid is empty');
  const operation = r.operation;
  if (!ADMISSION_OPERATIONS.includes(operation as AdmissionOperation)) {
    fail(`request.operation is ${quoteValue(operation)}, expected one of ${ADMISSION_OPERATIONS.join(', ')}`);
  }

  const request: Mutable<AdmissionRequest> = {
    uid,
    kind: gvk(r.kind, 'request.kind'),
    resource: gvr(r.resource, 'request.resource'),
    name: optionalString(r.name, 'request.name') ?? '',
    operation: operation as AdmissionOperation,
    userInfo: userInfo(r.userInfo),
    object: r.object ?? null,
    oldObject: r.oldObject ?? null,
  };
  const namespace = optionalString(r.namespace, 'request.namespace');
  if (namespace !== undefined && namespace !== '') request.namespace = namespace;
  const subResource = optionalString(r.subResource, 'request.subResource');
  if (subResource !== undefined && subResource !== '') request.subResource = subResource;
  const requestSubResource = optionalString(r.requestSubResource, 'request.requestSubResource');
  if (requestSubResource !== undefined && requestSubResource !== '') request.requestSubResource = requestSubResource;
  if (r.requestKind !== undefined && r.requestKind !== null) request.requestKind = gvk(r.requestKind, 'request.requestKind');
  if (r.requestResource !== undefined && r.requestResource !== null) request.requestResource = gvr(r.requestResource, 'request.requestResource');
  if (r.dryRun !== undefined && r.dryRun !== null) {
    if (typeof r.dryRun !== 'boolean') fail(`request.dryRun is ${quoteValue(r.dryRun)}, expected a boolean`);
    request.dryRun = r.dryRun;
  }
  if (r.options !== undefined && r.options !== null) request.options = r.options;
  return request;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function gvk(value: unknown, field: string): GroupVersionKind {
  const v = record(value, field);
  const kind = string(v.kind, `${field}.kind`);
  if (kind === '') fail(`${field}.kind is empty`);
  return { group: optionalString(v.group, `${field}.group`) ?? '', version: string(v.version, `${field}.version`), kind };
}

function gvr(value: unknown, field: string): GroupVersionResource {
  const v = record(value, field);
  return {
    group: optionalString(v.group, `${field}.group`) ?? '',
    version: string(v.version, `${field}.version`),
    resource: string(v.resource, `${field}.resource`),
  };
}

function userInfo(value: unknown): UserInfo {
  const v = record(value, 'request.userInfo');
  const info: Mutable<UserInfo> = { username: optionalString(v.username, 'request.userInfo.username') ?? '' };
  const uid = optionalString(v.uid, 'request.userInfo.uid');
  if (uid !== undefined) info.uid = uid;
  if (v.groups !== undefined && v.groups !== null) info.groups = strings(v.groups, 'request.userInfo.groups');
  if (v.extra !== undefined && v.extra !== null) {
    const extra = record(v.extra, 'request.userInfo.extra');
    info.extra = Object.fromEntries(Object.entries(extra).map(([key, values]) => [key, strings(values, `request.userInfo.extra[${quoteValue(key)}]`)]));
  }
  return info;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(value === undefined ? `${field} is missing` : `${field} is ${quoteValue(value)}, expected an object`);
  }
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(value === undefined ? `${field} is missing` : `${field} is ${quoteValue(value)}, expected a string`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, field);
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) fail(`${field} is ${quoteValue(value)}, expected a list of strings`);
  return value as string[];
}


function fail(message: string): never {
  throw new ShapeError(message);
}
