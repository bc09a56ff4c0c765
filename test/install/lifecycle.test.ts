// The webhook configurations of manifests/base/webhooks installed in the in-repo test API server, which
// calls them as the apiserver would (rules, namespaceSelector, matchConditions, failurePolicy) and runs
// the namespace controller: with nsguard scaled to 0 the namespace lifecycle goes on while tenants'
// NetworkPolicy writes stay refused; with nsguard running, the real webhook judges what it is sent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createAdmission } from '../../src/admission/admission.ts';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { startLiveView } from '../../src/cluster/live-view.ts';
import { DEFAULT_CONFIG } from '../../src/config/load-config.ts';
import { createServer } from '../../src/webhook/server.ts';
import { openTlsSource } from '../../src/webhook/tls-source.ts';
import { captureLogs } from '../support/capture-logs.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { metadataOf } from '../support/test-api-object.ts';
import { networkPolicy, sendAs } from '../support/test-api-requests.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { createTestCa, writePlainFiles, type TestCa } from '../support/test-ca.ts';
import { waitFor } from '../support/wait-for.ts';
import { isRecord } from './kustomize.ts';
import { renderBaseWebhooks } from './overlays.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const TENANT_TOKEN = 'alice-token';
const NSGUARD_SERVICE = 'nsguard/nsguard:443';
const GENERATED = { 'app.kubernetes.io/managed-by': 'nsguard' };

let sharedCa: Promise<TestCa> | undefined;

/** The configurations as `kubectl apply -k manifests/webhooks` leaves them: every webhook trusting the test CA. */
function installedWebhooks(ca: TestCa): KubeObject[] {
  const caBundle = Buffer.from(ca.cert).toString('base64');
  return renderBaseWebhooks().map((configuration) => ({
    ...configuration,
    webhooks: (configuration['webhooks'] as Record<string, unknown>[]).map((w) => ({ ...w, clientConfig: { ...(isRecord(w['clientConfig']) ? w['clientConfig'] : {}), caBundle } })),
  }));
}

/**
 * A cluster with nsguard's webhook configurations, a prod namespace holding a generated default deny,
 * and no nsguard pod ready (scaled to 0) until `startNsguard`.
 */
async function cluster(tap: Tap) {
  sharedCa ??= createTestCa();
  const ca = await sharedCa;
  const server = await TestApiServer.start({ namespaceController: true });
  tap.teardown(() => server.close());
  server.users.set(TENANT_TOKEN, { username: 'alice@example.com', groups: ['tenants', 'system:authenticated'] });
  for (const name of ['default', 'kube-system', 'nsguard']) server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { env: 'prod' }, annotations: { 'nsguard.io/isolation': 'strict' } } });
  server.store.upsert(networkPolicy('nsguard-default-deny', { policyTypes: ['Ingress', 'Egress'] }, { namespace: 'prod', labels: GENERATED }));
  for (const configuration of installedWebhooks(ca)) server.store.upsert(configuration);
  const tenant = (method: string, path: string, body?: unknown) => sendAs(server, TENANT_TOKEN, method, path, body);
  const namespace = (name: string) => server.store.get(server.store.resourceFor('v1', 'Namespace') as never, undefined, name);
  return { server, ca, tenant, namespace };
}

/** `nsguard serve` as far as admission goes: its cluster view of the test API server and the webhook over TLS. */
async function startNsguard(tap: Tap, server: TestApiServer, ca: TestCa) {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-lifecycle-'));
  tap.teardown(() => rm(dir, { recursive: true, force: true }));
  const { logger, lines } = captureLogs('info');
  const state = new ClusterState();
  const live = startLiveView({ kubeConfig: server.kubeConfig(), state, logger, backoff: { initialMs: 1, maxMs: 20 } });
  tap.teardown(() => live.stop());
  await live.whenSynced();
  const files = await writePlainFiles(join(dir, 'tls'), await ca.issue());
  const tls = await openTlsSource({ certFile: files.certFile, keyFile: files.keyFile, logger, debounceMs: 10 });
  const webhook = createServer({ admission: createAdmission({ view: () => state, config: () => DEFAULT_CONFIG, unready: () => live.unready() }), logger, tls, defaultMetrics: false });
  const { port } = await webhook.listen({ port: 0, host: '127.0.0.1' });
  tap.teardown(() => webhook.close({ drainMs: 0 }));
  server.services.set(NSGUARD_SERVICE, `https://127.0.0.1:${port}`);
  return { lines, state };
}

const POLICIES = '/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies';

t.test('nsguard scaled to 0: `kubectl create namespace` and namespace deletion succeed, while labelled namespaces and tenant NetworkPolicy writes are refused', async (t) => {
  const { server, tenant, namespace } = await cluster(t);
  t.equal(server.services.has(NSGUARD_SERVICE), false, 'no endpoint behind the nsguard Service');

  t.match(await tenant('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }), { code: 201 }, 'kubectl create namespace shop');
  t.match(await tenant('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'psa', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }), { code: 201 }, 'with Pod Security labels too');
  const refused = { code: 500, body: { reason: 'InternalError', message: /failed calling webhook "namespaces\.validate\.nsguard\.io": .*no endpoints available for service "nsguard"/ } };
  t.match(await tenant('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky', labels: { env: 'prod' } } }), refused, 'a namespace born with an environment waits for nsguard');

  const policyRefused = { code: 500, body: { message: /failed calling webhook "networkpolicies\.validate\.nsguard\.io"/ } };
  t.match(await tenant('POST', POLICIES, networkPolicy('allow-all', { ingress: [{}] })), policyRefused, "a tenant's NetworkPolicy CREATE fails closed");
  t.match(await tenant('DELETE', `${POLICIES}/nsguard-default-deny`), policyRefused, "a tenant's NetworkPolicy DELETE fails closed");

  t.match(await tenant('DELETE', '/api/v1/namespaces/prod'), { code: 202 }, 'kubectl delete namespace prod');
  await waitFor(() => namespace('prod') === undefined, 'prod to be gone');
  const deletions = server.writes().filter((w) => w.verb === 'deletecollection' && w.resource === 'networkpolicies');
  t.match(deletions, [{ user: 'system:serviceaccount:kube-system:namespace-controller', namespace: 'prod', status: 200 }], "the namespace controller's DELETECOLLECTION was not sent to the absent nsguard");
});

t.test('nsguard scaled to 0: a namespace relabelled while it is down is refused; one changed otherwise is not', async (t) => {
  const { server } = await cluster(t);
  const patch = (body: unknown) => sendAs(server, TENANT_TOKEN, 'PATCH', '/api/v1/namespaces/prod', body, 'application/merge-patch+json');
  t.match(await patch({ metadata: { labels: { env: 'test' } } }), { code: 500, body: { message: /namespaces\.validate\.nsguard\.io/ } });
  t.match(await patch({ metadata: { finalizers: ['example.com/hold'] } }), { code: 200 }, 'finalizers only: not sent');
});

t.test('nsguard running: a tenant write is judged and denied, a plain namespace is stamped then judged, and a namespace deletion is never sent to it', async (t) => {
  const { server, ca, tenant, namespace } = await cluster(t);
  const { lines } = await startNsguard(t, server, ca);

  const opened = await tenant('POST', POLICIES, networkPolicy('allow-any-namespace', { ingress: [{ from: [{ namespaceSelector: {} }] }] }));
  t.match(opened, { code: 403, body: { reason: 'Forbidden', message: /^admission webhook "networkpolicies\.validate\.nsguard\.io" denied the request: .*\[env-boundary\]/ } });

  const created = await tenant('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  t.equal(created.code, 201);
  t.match(metadataOf(created.body)['annotations'], { 'nsguard.io/isolation': String }, 'stamped by the mutating webhook');
  t.match(lines.filter((l) => l['operation'] === 'CREATE' && l['kind'] === 'Namespace'), [{ webhook: 'mutate' }, { webhook: 'validate', allowed: true }], 'stamped, so sent to validation and judged');

  t.match(await tenant('DELETE', '/api/v1/namespaces/prod'), { code: 202 });
  await waitFor(() => namespace('prod') === undefined, 'prod to be gone');
  t.same(lines.filter((l) => l['operation'] === 'DELETE'), [], "the namespace controller's deletions never reached nsguard");
  t.ok(server.writes().filter((w) => w.verb === 'deletecollection').every((w) => w.status === 200), 'and none was refused');
});
