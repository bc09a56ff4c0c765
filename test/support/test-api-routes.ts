// URL routing of the test API server, as the kube-apiserver lays out its paths: discovery documents,
// `/api/v1/...` and `/apis/{group}/{version}/...`, namespaced (`namespaces/{ns}/{resource}/{name}`)
// or cluster-wide, and the verb a method and query make of them.
import type { ApiResource } from './test-api-resources.ts';
import { noSuchPath } from './test-api-status.ts';
import type { ObjectTable } from './test-api-table.ts';

export type Verb = 'discovery' | 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface Route {
  readonly resource: ApiResource;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

/** `/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`: enough discovery for client-node's KubernetesObjectApi. */
export function discoveryOf(table: ObjectTable, path: string): unknown {
  const parts = path.split('/').filter((p) => p !== '');
  const all = table.resources();
  if (parts.length === 1 && parts[0] === 'api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (parts.length === 1 && parts[0] === 'apis') {
    const groups = [...new Set(all.filter((r) => r.group !== '').map((r) => r.group))].map((name) => {
      const versions = [...new Set(all.filter((r) => r.group === name).map((r) => r.version))].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions, preferredVersion: versions[0] };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const gv = parts[0] === 'api' && parts.length === 2 ? ['', parts[1]] : parts[0] === 'apis' && parts.length === 3 ? [parts[1], parts[2]] : undefined;
  if (gv === undefined) return undefined;
  const [group, version] = gv;
  const served = all.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) throw noSuchPath();
  // Namespaces alone have no DELETECOLLECTION (the namespace controller reads discovery for it).
  const verbsOf = (r: ApiResource): string[] => ['create', 'delete', ...(r.resource === 'namespaces' ? [] : ['deletecollection']), 'get', 'list', 'patch', 'update', 'watch'];
  const resources = served.flatMap((r) => [
    { name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r) },
    ...(r.statusSubresource ? [{ name: `${r.resource}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

export function routeOf(table: ObjectTable, path: string): Route {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [group, version, rest] =
    parts[0] === 'api' ? ['', parts[1] ?? '', parts.slice(2)] : parts[0] === 'apis' ? [parts[1] ?? '', parts[2] ?? '', parts.slice(3)] : ['', '', []];
  if (version === '' || rest.length === 0) throw noSuchPath();
  // `namespaces/x/pods` is the pods of x; `namespaces/x/status` is a subresource of namespace x.
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3 ? table.resource(group, version, rest[2] ?? '') : undefined;
  if (namespaced?.namespaced) {
    if (rest.length > 5) throw noSuchPath();
    return { resource: namespaced, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const resource = table.resource(group, version, rest[0] ?? '');
  if (resource === undefined || rest.length > 3) throw noSuchPath();
  return { resource, namespace: undefined, name: rest[1], subresource: rest[2] };
}

/** undefined for what the API would refuse with 405 (or that is not served here). */
export function verbOf(method: string, route: Route, query: URLSearchParams): Verb | undefined {
  const collection = route.name === undefined;
  // The one subresource served is `status` (GET/PUT/PATCH), for kinds that have one.
  if (route.subresource !== undefined && (route.subresource !== 'status' || !route.resource.statusSubresource)) return undefined;
  // Writes to a namespaced collection name the namespace (no cross-namespace POST or DELETECOLLECTION).
  if (collection && route.resource.namespaced && route.namespace === undefined && method !== 'GET') return undefined;
  switch (method) {
    case 'GET':
      if (!collection) return 'get';
      return query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
    case 'POST':
      return collection ? 'create' : undefined;
    case 'PUT':
      return collection ? undefined : 'update';
    case 'PATCH':
      return collection ? undefined : 'patch';
    case 'DELETE':
      if (route.subresource !== undefined) return undefined;
      if (!collection) return 'delete';
      return route.resource.resource === 'namespaces' ? undefined : 'deletecollection';
    default:
      return undefined;
  }
}
