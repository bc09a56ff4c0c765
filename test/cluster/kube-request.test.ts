// The raw JSON calls against the in-repo test API server: server-side apply (create, update, no-op),
// create, replace with a resourceVersion precondition, merge patch, delete, and the errors they raise.
import t from 'tap';
import { ApiRequestError, applyJson, createJson, deleteJson, getJson, jsonPatchJson, mergePatchJson, replaceJson } from '../../src/cluster/kube-request.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { statusBody } from '../support/test-api-status.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

async function start(tap: Tap): Promise<TestApiServer> {
  const server = await TestApiServer.start();
  tap.teardown(() => server.close());
  server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  server.clearRequests();
  return server;
}

const POLICIES = '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies';

/** A policy with a `from` peer: the field client-node's typed serializer would rename and lose. */
const allowFrontend = (app = 'frontend'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-frontend', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'nsguard' } },
  spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app } } }] }] },
});

function metadata(object: unknown): Record<string, unknown> {
  const value = (object as KubeObject)['metadata'];
  return value as Record<string, unknown>;
}

/** The error a call rejected with. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

t.test('server-side apply creates the object, updates it, and applying the same content again writes nothing', async (t) => {
  const server = await start(t);
  const kc = server.kubeConfig();
  const path = `${POLICIES}/allow-frontend`;

  const created = await applyJson(kc, path, allowFrontend(), { fieldManager: 'nsguard', force: true });
  t.match(created, { kind: 'NetworkPolicy', metadata: { name: 'allow-frontend', namespace: 'shop', generation: 1 } });
  t.same((created as KubeObject)['spec'], allowFrontend()['spec'], 'the `from` peers arrive as written');
  t.match(server.writes(), [{ method: 'PATCH', verb: 'patch', contentType: 'application/apply-patch+yaml', fieldManager: 'nsguard', query: { force: 'true' }, status: 201 }]);

  const again = await applyJson(kc, path, allowFrontend(), { fieldManager: 'nsguard', force: true });
  t.equal(metadata(again)['resourceVersion'], metadata(created)['resourceVersion'], 'an identical apply is a no-op');

  const updated = await applyJson(kc, path, allowFrontend('web'), { fieldManager: 'nsguard', force: false });
  t.not(metadata(updated)['resourceVersion'], metadata(created)['resourceVersion']);
  t.match(updated, { metadata: { generation: 2 }, spec: { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] } });
  t.same(server.writes().map((w) => [w.status, w.query['force']]), [[201, 'true'], [200, 'true'], [200, 'false']]);
  t.same(await getJson(kc, path, {}, AbortSignal.timeout(5000)), updated, 'GET reads what apply returned');
});

t.test('create, replace with a resourceVersion precondition, merge patch and a conditional JSON patch', async (t) => {
  const server = await start(t);
  const kc = server.kubeConfig();
  const path = `${POLICIES}/allow-frontend`;

  const created = await createJson(kc, POLICIES, allowFrontend());
  t.match(created, { metadata: { name: 'allow-frontend', uid: String } });
  t.match(server.writes(), [{ method: 'POST', verb: 'create', contentType: 'application/json', status: 201 }]);

  const replaced = await replaceJson(kc, path, { ...(created as KubeObject), spec: { podSelector: {}, policyTypes: ['Ingress'] } });
  t.same((replaced as KubeObject)['spec'], { podSelector: {}, policyTypes: ['Ingress'] });
  const stale = await failure(replaceJson(kc, path, created));
  t.ok(stale instanceof ApiRequestError);
  t.match(stale, {
    statusCode: 409,
    reason: 'Conflict',
    message: `PUT ${path}: HTTP 409: Operation cannot be fulfilled on networkpolicies.networking.k8s.io "allow-frontend": the object has been modified; please apply your changes to the latest version and try again`,
  });

  const patched = await mergePatchJson(kc, path, { metadata: { labels: { 'app.kubernetes.io/managed-by': null, team: 'shop' } } });
  t.same(metadata(patched)['labels'], { team: 'shop' }, 'null removes a key, others merge');
  t.equal(server.writes().at(-1)?.contentType, 'application/merge-patch+json');

  const rv = metadata(patched)['resourceVersion'];
  const replace = (version: unknown) => [{ op: 'test', path: '/metadata/resourceVersion', value: version }, { op: 'replace', path: '/spec', value: { podSelector: {}, policyTypes: ['Egress'] } }];
  const spec = await jsonPatchJson(kc, path, replace(rv), { fieldManager: 'nsguard' });
  t.same((spec as KubeObject)['spec'], { podSelector: {}, policyTypes: ['Egress'] }, 'a JSON patch replaces the spec whole');
  t.match(server.writes().at(-1), { contentType: 'application/json-patch+json', fieldManager: 'nsguard', status: 200 });
  t.match(await failure(jsonPatchJson(kc, path, replace(rv))), { statusCode: 422 }, 'a failed test operation writes nothing');
});

t.test('delete: true when deleted, false when there was nothing to delete', async (t) => {
  const server = await start(t);
  const kc = server.kubeConfig();
  const path = `${POLICIES}/allow-frontend`;
  await createJson(kc, POLICIES, allowFrontend());
  t.equal(await deleteJson(kc, path), true);
  t.match(await failure(getJson(kc, path, {}, AbortSignal.timeout(5000))), { statusCode: 404 }, 'gone');
  t.equal(await deleteJson(kc, path), false, 'a 404 is what the caller wanted');
  t.same(server.writes().map((w) => [w.method, w.status]), [['POST', 201], ['DELETE', 200], ['DELETE', 404]]);

  server.beforeRequest = () => statusBody(403, 'Forbidden', 'networkpolicies.networking.k8s.io "allow-frontend" is forbidden: no RBAC');
  t.match(await failure(deleteJson(kc, path)), { statusCode: 403, reason: 'Forbidden', message: `DELETE ${path}: HTTP 403: networkpolicies.networking.k8s.io "allow-frontend" is forbidden: no RBAC` }, 'other errors still throw');
});

t.test('errors name the method and path, and carry the status code and the Status reason', async (t) => {
  const server = await start(t);
  const kc = server.kubeConfig();
  const path = `${POLICIES}/allow-frontend`;

  t.match(await failure(applyJson(kc, path, allowFrontend(), { fieldManager: '', force: true })), {
    name: 'ApiRequestError',
    statusCode: 422,
    reason: 'Invalid',
    message: `PATCH ${path}: HTTP 422: PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
  });
  await createJson(kc, POLICIES, allowFrontend());
  t.match(await failure(createJson(kc, POLICIES, allowFrontend())), { statusCode: 409, reason: 'AlreadyExists', message: `POST ${POLICIES}: HTTP 409: networkpolicies.networking.k8s.io "allow-frontend" already exists` });
  t.match(await failure(mergePatchJson(kc, `${POLICIES}/absent`, {})), { statusCode: 404, reason: 'NotFound' });

  server.beforeRequest = () => statusBody(500, 'InternalError', 'etcd is having a bad day');
  t.match(await failure(getJson(kc, path, {}, AbortSignal.timeout(5000))), { statusCode: 500, reason: 'InternalError', message: `GET ${path}: HTTP 500: etcd is having a bad day` });
  server.beforeRequest = undefined;

  const aborted = new AbortController();
  aborted.abort();
  t.match(await failure(replaceJson(kc, path, allowFrontend(), { signal: aborted.signal })), { name: 'AbortError' }, 'the signal cuts a call short');
});
