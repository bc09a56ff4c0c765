// The test API server's errors, shaped as the kube-apiserver's metav1.Status bodies (reason, code,
// details.kind = the plural resource) so clients branch on them exactly as they would on a real cluster.
// Messages follow k8s.io/apimachinery/pkg/api/errors/errors.go.

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** What errors name: the plural resource and its group, e.g. `networkpolicies.networking.k8s.io`. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

export function statusBody(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details && { details }), code };
}

export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

export class ApiError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message);
    this.name = 'ApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }
}

function qualified(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

function detailsOf(gr: GroupResource, name: string, causes?: readonly StatusCause[]): StatusDetails {
  return { name, ...(gr.group !== '' && { group: gr.group }), kind: gr.resource, ...(causes && { causes }) };
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(statusBody(404, 'NotFound', `${qualified(gr)} "${name}" not found`, detailsOf(gr, name)));
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(statusBody(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, detailsOf(gr, name)));
}

export function conflict(gr: GroupResource, name: string): ApiError {
  const message = `Operation cannot be fulfilled on ${qualified(gr)} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
  return new ApiError(statusBody(409, 'Conflict', message, detailsOf(gr, name)));
}

/** NamespaceLifecycle admission: no new objects in a Terminating namespace (cause `NamespaceTerminating`). */
export function namespaceTerminating(gr: GroupResource, name: string, namespace: string): ApiError {
  const cause = { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' };
  const message = `${qualified(gr)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`;
  return new ApiError(statusBody(403, 'Forbidden', message, detailsOf(gr, name, [cause])));
}

export function badRequest(message: string): ApiError {
  return new ApiError(statusBody(400, 'BadRequest', message));
}

/**
 * NewInvalid from field errors: `Kind.group "name" is invalid: <errors>` (one error bare, several in
 * brackets), details naming the Kind (not the resource) with one cause per error.
 */
export function invalidFields(qualifiedKind: string, group: string, name: string, errors: readonly { type: string; field: string; message: string }[]): ApiError {
  const lines = errors.map((e) => `${e.field}: ${e.message}`);
  const message = `${qualifiedKind} "${name}" is invalid: ${lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`}`;
  const kind = qualifiedKind.split('.')[0] ?? qualifiedKind;
  const causes = errors.map((e, i) => ({ reason: e.type, message: lines[i] ?? '', field: e.field }));
  return new ApiError(statusBody(422, 'Invalid', message, { name, ...(group !== '' && { group }), kind, causes }));
}

export function invalid(kind: string, gr: GroupResource, name: string, message: string): ApiError {
  return new ApiError(statusBody(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`, detailsOf(gr, name)));
}

/** A watch from a resourceVersion older than the retained history (etcd compaction, watch-cache window). */
export function tooOldResourceVersion(requested: number, oldest: number): ApiError {
  return new ApiError(statusBody(410, 'Expired', `too old resource version: ${requested} (${oldest})`));
}

export function continueExpired(): ApiError {
  const message =
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
  return new ApiError(statusBody(410, 'Expired', message));
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(statusBody(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`));
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(statusBody(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`));
}

export function noSuchPath(): ApiError {
  return new ApiError(statusBody(404, 'NotFound', 'the server could not find the requested resource'));
}
