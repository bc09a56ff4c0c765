import t from 'tap';
import { CALICO_API_GROUPS, calicoPath } from '../../src/cluster/calico-discovery.ts';
import { PATHS, WATCHED_RESOURCES } from '../../src/cluster/live-view.ts';
import { CALICO_KINDS } from '../../src/policy/calico/calico-kinds.ts';
import { CLUSTER_EVENTS_NAMESPACE, WRITES } from '../../src/controller/cluster-writer.ts';
import { LEASE_API_GROUP, LEASE_RESOURCE, LEASE_VERBS } from '../../src/controller/leader-election.ts';
import { find, isRecord } from './kustomize.ts';
import { renderBase } from './overlays.ts';

// What the code calls, derived from the code: live-view.ts runs one startListWatch per watched
// resource on its PATHS entry, and one per Calico kind in the group discovery finds (either group may be
// the one), and a list+watch loop issues exactly the verbs list and watch; the
// controller's writes are listed in cluster-writer.ts; the Lease calls in leader-election.ts.
const LIST_WATCH_VERBS = ['list', 'watch'];

/** `/api/v1/pods` → core pods; `/apis/networking.k8s.io/v1/networkpolicies` → that group's resource. */
function groupResource(path: string): { group: string; resource: string } {
  const core = /^\/api\/v1\/([a-z]+)$/.exec(path);
  if (core?.[1] !== undefined) return { group: '', resource: core[1] };
  const named = /^\/apis\/([^/]+)\/[^/]+\/([a-z]+)$/.exec(path);
  if (named?.[1] !== undefined && named[2] !== undefined) return { group: named[1], resource: named[2] };
  throw new Error(`not a cluster-wide collection path: ${path}`);
}

const needed = [
  ...[...WATCHED_RESOURCES.map((name) => PATHS[name]), ...CALICO_API_GROUPS.flatMap((g) => CALICO_KINDS.map((kind) => calicoPath(g, kind)))].flatMap((path) => {
    const { group, resource } = groupResource(path);
    return LIST_WATCH_VERBS.map((verb) => `${group}/${resource} ${verb}`);
  }),
  ...WRITES.filter((w) => w.namespace === undefined).flatMap((w) => w.verbs.map((verb) => `${w.group}/${w.resource} ${verb}`)),
].sort();
/** The writes confined to one namespace, which a Role there grants. */
const neededIn = (namespace: string): string[] =>
  WRITES.filter((w) => w.namespace === namespace).flatMap((w) => w.verbs.map((verb) => `${w.group}/${w.resource} ${verb}`)).sort();

const objects = renderBase();

function grants(role: Record<string, unknown>): string[] {
  return (role['rules'] as Record<string, string[]>[])
  .flatMap((rule) => {
    for (const field of ['apiGroups', 'resources', 'verbs']) {
      if (!Array.isArray(rule[field]) || rule[field].includes('*')) throw new Error(`a ClusterRole rule without an explicit ${field}`);
    }
    if (rule['resourceNames'] !== undefined || rule['nonResourceURLs'] !== undefined) throw new Error('unexpected resourceNames/nonResourceURLs');
    return (rule['apiGroups'] ?? []).flatMap((group) => (rule['resources'] ?? []).flatMap((resource) => (rule['verbs'] ?? []).map((verb) => `${group}/${resource} ${verb}`)));
  })
  .sort();
}
const granted = grants(find(objects, 'ClusterRole', 'nsguard'));

t.test('the ClusterRole grants every API call the code makes, and nothing else', async (t) => {
  t.ok(needed.length > 0, 'the code makes API calls');
  t.same([...new Set(granted)], needed);
});

t.test('the Event writes are granted in the one namespace they go to, by a Role there', async (t) => {
  const namespaces = [...new Set(WRITES.flatMap((w) => (w.namespace === undefined ? [] : [w.namespace])))];
  t.same(namespaces, [CLUSTER_EVENTS_NAMESPACE]);
  const role = find(objects, 'Role', 'nsguard-events');
  t.equal((role['metadata'] as Record<string, unknown>)['namespace'], CLUSTER_EVENTS_NAMESPACE);
  t.same(grants(role), neededIn(CLUSTER_EVENTS_NAMESPACE));
  const binding = find(objects, 'RoleBinding', 'nsguard-events');
  t.equal((binding['metadata'] as Record<string, unknown>)['namespace'], CLUSTER_EVENTS_NAMESPACE);
  t.same(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'nsguard-events' });
  t.same(binding['subjects'], [{ kind: 'ServiceAccount', name: 'nsguard', namespace: 'nsguard' }]);
});

t.test('the Lease calls are granted in nsguard\'s own namespace only', async (t) => {
  const role = find(objects, 'Role', 'nsguard-leader-election');
  t.equal((role['metadata'] as Record<string, unknown>)['namespace'], 'nsguard');
  t.same(grants(role), LEASE_VERBS.map((verb) => `${LEASE_API_GROUP}/${LEASE_RESOURCE} ${verb}`).sort());
});

t.test('only the nsguard ServiceAccount is bound to them, and nothing else is bound', async (t) => {
  const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding');
  t.equal(bindings.length, 3);
  const binding = find(objects, 'ClusterRoleBinding', 'nsguard');
  t.same(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nsguard' });
  t.same(binding['subjects'], [{ kind: 'ServiceAccount', name: 'nsguard', namespace: 'nsguard' }]);
  const leaseBinding = find(objects, 'RoleBinding', 'nsguard-leader-election');
  t.same(leaseBinding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'nsguard-leader-election' });
  t.same(leaseBinding['subjects'], [{ kind: 'ServiceAccount', name: 'nsguard', namespace: 'nsguard' }]);
  t.equal(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').length, 3, 'three roles');
  const spec = find(objects, 'Deployment', 'nsguard')['spec'];
  const podSpec = isRecord(spec) && isRecord(spec['template']) ? spec['template']['spec'] : undefined;
  t.equal(isRecord(podSpec) ? podSpec['serviceAccountName'] : undefined, 'nsguard', 'the pods run as that ServiceAccount');
});
