// Authorization in the test API server, as the kube-apiserver's RBAC authorizer decides it: a request's
// attributes (verb, API group, resource, subresource, namespace, name) come from its path alone, before
// any handler looks for the resource (so a group that is not served is refused, not 404, to a user who
// may not read it), and a user with rules may do only what one of them allows. A user without rules may
// do anything, so tests that set none are unaffected. Discovery is open to everyone (system:discovery).
// The refusal is the apiserver's: k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go
// (forbiddenMessage) inside apimachinery's NewForbidden.
import type { Status } from './test-api-status.ts';
import { statusBody } from './test-api-status.ts';

/** One rule as a Role or ClusterRole holds it, bound to the user (a RoleBinding: `namespaces`). */
export interface AccessRule {
  /** `*` for every verb. */
  readonly verbs: readonly string[];
  /** API groups ('' the core group); `*` for every group. */
  readonly apiGroups: readonly string[];
  /** Plural resources, `pods/status` for a subresource; `*` for every resource. */
  readonly resources: readonly string[];
  /** Bound in these namespaces only (RoleBindings); absent: cluster-wide (a ClusterRoleBinding). */
  readonly namespaces?: readonly string[];
}

/** What RBAC decides on. */
export interface RequestAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  /** For a Namespace itself (`/api/v1/namespaces/x`), its own name, as the apiserver's RequestInfo has it. */
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** A resource request's attributes from its method and path; undefined for a non-resource path (discovery). */
export function requestAttributes(method: string, path: string, query: URLSearchParams): RequestAttributes | undefined {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [group, rest] = parts[0] === 'api' && parts.length > 2 ? ['', parts.slice(2)] : parts[0] === 'apis' && parts.length > 3 ? [parts[1] ?? '', parts.slice(3)] : [undefined, []];
  if (group === undefined) return undefined;
  let namespace: string | undefined;
  let tail = rest;
  // `namespaces/x/pods/...` is in namespace x; `namespaces/x` and `namespaces/x/status` are Namespace x itself.
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && rest[2] !== 'status' && rest[2] !== 'finalize') tail = rest.slice(2);
  }
  const [resource = '', name, subresource] = tail;
  const collection = name === undefined;
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  const verb =
    method === 'GET' || method === 'HEAD'
      ? collection
        ? watch
          ? 'watch'
          : 'list'
        : 'get'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? collection
                ? 'deletecollection'
                : 'delete'
              : method.toLowerCase();
  return { verb, group, resource, subresource, namespace, name };
}

function matches(list: readonly string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

/** Whether some rule allows the request: a namespaced binding only in its namespaces, never at the cluster scope. */
export function allows(rules: readonly AccessRule[], a: RequestAttributes): boolean {
  const resource = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
  return rules.some(
    (r) =>
      matches(r.verbs, a.verb) &&
      matches(r.apiGroups, a.group) &&
      matches(r.resources, resource) &&
      (r.namespaces === undefined || (a.namespace !== undefined && r.namespaces.includes(a.namespace))),
  );
}

/** `pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope` */
export function forbidden(username: string, a: RequestAttributes): Status {
  const resource = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
  const where = a.namespace === undefined ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  const reason = `User "${username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${where}`;
  const qualified = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
  const message = a.name === undefined ? `${qualified} is forbidden: ${reason}` : `${qualified} "${a.name}" is forbidden: ${reason}`;
  return statusBody(403, 'Forbidden', message, { ...(a.name !== undefined && { name: a.name }), ...(a.group !== '' && { group: a.group }), kind: a.resource });
}
