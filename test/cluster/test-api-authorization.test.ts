// Authorization in the test API server, as RBAC answers: a user with rules may do only what they allow,
// namespaced bindings only in their namespaces, and a refusal is the apiserver's Status, word for word.
import t from 'tap';
import type { KubeObject } from '../support/test-api-object.ts';
import { sendAs } from '../support/test-api-requests.ts';
import { DEFAULT_TOKEN, TestApiServer } from '../support/test-api-server.ts';

async function start(t: { teardown(fn: () => unknown): void }): Promise<TestApiServer> {
  const server = await TestApiServer.start();
  t.teardown(() => server.close());
  for (const name of ['shop-dev', 'shop-prod']) {
    server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
    server.store.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: name } } as KubeObject);
  }
  server.users.set('jane-token', { username: 'jane', groups: ['system:authenticated'] });
  // A RoleBinding of a `view`-like role in shop-dev, and nothing else.
  server.access.set('jane', [{ verbs: ['get', 'list', 'watch'], apiGroups: ['', 'networking.k8s.io'], resources: ['pods', 'namespaces', 'networkpolicies'], namespaces: ['shop-dev'] }]);
  return server;
}

t.test('a list across namespaces is refused at the cluster scope, with the Status the apiserver sends', async (t) => {
  const server = await start(t);
  const r = await sendAs(server, 'jane-token', 'GET', '/api/v1/pods');
  t.equal(r.code, 403);
  t.same(r.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope',
    reason: 'Forbidden',
    details: { kind: 'pods' },
    code: 403,
  });
  t.equal(server.requests().at(-1)?.status, 403, 'logged as refused');
});

t.test('in the bound namespace it is allowed, in another refused naming it; a Namespace is its own namespace', async (t) => {
  const server = await start(t);
  t.equal((await sendAs(server, 'jane-token', 'GET', '/api/v1/namespaces/shop-dev/pods')).code, 200);
  t.equal((await sendAs(server, 'jane-token', 'GET', '/api/v1/namespaces/shop-dev')).code, 200, 'get of shop-dev itself');
  const other = await sendAs(server, 'jane-token', 'GET', '/api/v1/namespaces/shop-prod/pods/web-1');
  t.same([other.code, other.body['message'], other.body['details']], [
    403,
    'pods "web-1" is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "shop-prod"',
    { name: 'web-1', kind: 'pods' },
  ]);
  const write = await sendAs(server, 'jane-token', 'DELETE', '/apis/networking.k8s.io/v1/namespaces/shop-dev/networkpolicies/x');
  t.equal(write.body['message'], 'networkpolicies.networking.k8s.io "x" is forbidden: User "jane" cannot delete resource "networkpolicies" in API group "networking.k8s.io" in the namespace "shop-dev"');
  t.equal((await sendAs(server, 'jane-token', 'GET', '/api/v1/namespaces')).code, 403, 'listing namespaces is cluster-scoped');
});

t.test('authorization comes before routing: a group that is not served is refused, not 404; discovery is open', async (t) => {
  const server = await start(t);
  const calico = await sendAs(server, 'jane-token', 'GET', '/apis/projectcalico.org/v3/tiers');
  t.same([calico.code, calico.body['message']], [403, 'tiers.projectcalico.org is forbidden: User "jane" cannot list resource "tiers" in API group "projectcalico.org" at the cluster scope']);
  t.equal((await sendAs(server, DEFAULT_TOKEN, 'GET', '/apis/projectcalico.org/v3/tiers')).code, 404, 'to a user without rules it is not there');
  t.equal((await sendAs(server, 'jane-token', 'GET', '/apis/projectcalico.org/v3')).code, 404, 'discovery: not served');
  t.equal((await sendAs(server, 'jane-token', 'GET', '/apis/networking.k8s.io/v1')).code, 200, 'discovery: served');
});

t.test('a user without rules, and every existing client, may do anything', async (t) => {
  const server = await start(t);
  t.equal((await sendAs(server, DEFAULT_TOKEN, 'GET', '/api/v1/pods')).code, 200);
  t.equal((await sendAs(server, 'someone-else', 'GET', '/api/v1/pods')).code, 200);
});

t.test('an apply that creates the object is authorized as a create too; one that updates, as a patch', async (t) => {
  const server = await start(t);
  server.access.set('jane', [{ verbs: ['get', 'patch'], apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], namespaces: ['shop-dev'] }]);
  const path = '/apis/networking.k8s.io/v1/namespaces/shop-dev/networkpolicies/deny?fieldManager=nsguard';
  const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'shop-dev' }, spec: { podSelector: {} } };
  const refused = await sendAs(server, 'jane-token', 'PATCH', path, policy, 'application/apply-patch+yaml');
  t.same([refused.code, refused.body['message']], [
    403,
    'networkpolicies.networking.k8s.io "deny" is forbidden: User "jane" cannot create resource "networkpolicies" in API group "networking.k8s.io" in the namespace "shop-dev"',
  ]);
  server.access.set('jane', [{ verbs: ['get', 'create', 'patch'], apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], namespaces: ['shop-dev'] }]);
  t.equal((await sendAs(server, 'jane-token', 'PATCH', path, policy, 'application/apply-patch+yaml')).code, 201, 'created with create and patch');
  server.access.set('jane', [{ verbs: ['get', 'patch'], apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], namespaces: ['shop-dev'] }]);
  t.equal((await sendAs(server, 'jane-token', 'PATCH', path, policy, 'application/apply-patch+yaml')).code, 200, 'an apply to an existing object needs patch only');
});
