// Dynamic admission in the test API server, as the kube-apiserver runs it: webhooks chosen by rules,
// namespaceSelector and matchConditions, called over HTTPS as the requesting user, failurePolicy when
// they cannot answer; DELETECOLLECTION admitting each item; the namespace controller emptying a
// deleted namespace through admission.
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createTestCa } from '../support/test-ca.ts';
import { isObject, metadataOf } from '../support/test-api-object.ts';
import { networkPolicy as policy, send, sendAs } from '../support/test-api-requests.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { waitFor } from '../support/wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

async function start(tap: Tap): Promise<{ server: TestApiServer }> {
  const server = await TestApiServer.start();
  tap.teardown(() => server.close());
  return { server };
}

/** A webhook over HTTPS with a test-CA certificate: records each AdmissionRequest and answers with `answer`. */
async function webhookServer(tap: Tap) {
  const ca = await createTestCa();
  const pair = await ca.issue();
  const seen: Record<string, unknown>[] = [];
  const state: { answer: (request: Record<string, unknown>) => Record<string, unknown> } = { answer: () => ({ allowed: true }) };
  const server = createHttpsServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: Record<string, unknown> }).request;
      seen.push({ ...request, path: req.url });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request['uid'], ...state.answer(request) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caBundle: Buffer.from(ca.cert).toString('base64'), seen, state };
}

const validating = (caBundle: string, webhook: Record<string, unknown>) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name: 'test' },
  webhooks: [
    {
      name: 'policies.test.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      timeoutSeconds: 3,
      clientConfig: { service: { namespace: 'nsguard', name: 'nsguard', path: '/validate', port: 443 }, caBundle },
      rules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['networkpolicies'], scope: 'Namespaced' }],
      ...webhook,
    },
  ],
});

t.test('admission: a webhook gets an AdmissionReview per write as the requesting user; a denial is a 403 naming it', async (t) => {
  const { server } = await start(t);
  const hook = await webhookServer(t);
  server.services.set('nsguard/nsguard:443', hook.url);
  server.users.set('alice-token', { username: 'alice', groups: ['tenants', 'system:authenticated'] });
  for (const name of ['shop', 'nsguard']) server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  server.store.upsert(validating(hook.caBundle, { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['nsguard'] }] } }));
  const alice = (method: string, path: string, body?: unknown, type?: string) => sendAs(server, 'alice-token', method, path, body, type);

  t.equal((await alice('POST', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies', policy('p', {}))).code, 201);
  t.match(hook.seen, [{ path: '/validate?timeout=3s', operation: 'CREATE', name: 'p', namespace: 'shop', userInfo: { username: 'alice', groups: ['tenants', 'system:authenticated'] }, object: { spec: { policyTypes: ['Ingress'] } }, oldObject: null, dryRun: false }]);
  t.match(hook.seen[0], { kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' }, resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' } });

  hook.state.answer = () => ({ allowed: false, status: { code: 403, message: '[env-boundary] no' } });
  t.match(await alice('PATCH', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/p', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json'), {
    code: 403,
    body: { reason: 'Forbidden', message: 'admission webhook "policies.test.io" denied the request: [env-boundary] no' },
  });
  t.match(hook.seen.at(-1), { operation: 'UPDATE', object: { metadata: { labels: { a: 'b' } } }, oldObject: { metadata: { name: 'p' } } }, 'the patched object and the stored one');
  t.match(await alice('DELETE', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/p'), { code: 403 });
  t.match(hook.seen.at(-1), { operation: 'DELETE', name: 'p', object: null, oldObject: { metadata: { name: 'p' } } });
  t.ok(server.store.get(server.store.resourceFor('networking.k8s.io/v1', 'NetworkPolicy') as never, 'shop', 'p'), 'a refused delete deletes nothing');

  const before = hook.seen.length;
  t.equal((await alice('POST', '/apis/networking.k8s.io/v1/namespaces/nsguard/networkpolicies', policy('own', {}))).code, 201, 'a namespace the namespaceSelector leaves out');
  t.equal(hook.seen.length, before, 'is not sent');
});

t.test('admission: failurePolicy decides when the webhook cannot answer; matchConditions (CEL) skip it, or fail under Fail when they err', async (t) => {
  const { server } = await start(t);
  const hook = await webhookServer(t);
  server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  const create = (name: string) => send(server, 'POST', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies', policy(name, {}));

  server.store.upsert(validating(hook.caBundle, {}));
  t.match(await create('a'), {
    code: 500,
    body: { reason: 'InternalError', message: 'Internal error occurred: failed calling webhook "policies.test.io": failed to call webhook: Post "https://nsguard.nsguard.svc:443/validate?timeout=3s": no endpoints available for service "nsguard"' },
  }, 'no ready endpoint under Fail: refused');
  server.store.upsert(validating(hook.caBundle, { failurePolicy: 'Ignore' }));
  t.equal((await create('b')).code, 201, 'under Ignore: admitted unchecked');

  server.services.set('nsguard/nsguard:443', hook.url);
  server.store.upsert(validating(Buffer.from((await createTestCa()).cert).toString('base64'), {}));
  t.match(await create('c'), { code: 500, body: { message: /failed calling webhook "policies\.test\.io": failed to call webhook: .*certificate/ } }, 'a certificate the caBundle does not sign is a failed call');

  server.services.delete('nsguard/nsguard:443');
  const conditions = (expression: string) => validating(hook.caBundle, { matchConditions: [{ name: 'not-alice', expression }] });
  server.store.upsert(conditions("request.userInfo.username != 'system:anonymous'"));
  t.equal((await create('d')).code, 201, 'a false condition skips the webhook, so its absence does not matter');
  server.store.upsert(conditions('object.metadata.labels.team == "a"'));
  t.match(await create('e'), { code: 500, body: { message: /failed calling webhook "policies\.test\.io": failed to evaluate match condition \(not-alice: No such key: labels/ } }, 'an error under Fail refuses');
  server.store.upsert({ ...conditions('object.metadata.labels.team == "a"'), webhooks: [{ ...conditions('object.metadata.labels.team == "a"').webhooks[0], failurePolicy: 'Ignore' }] });
  t.equal((await create('f')).code, 201, 'an error under Ignore skips');
  t.same(hook.seen, [], 'the webhook never answered any of these');
});

t.test('DELETECOLLECTION: each selected object is admitted with an empty name and deleted; the first refusal ends it; namespaces have none', async (t) => {
  const { server } = await start(t);
  const hook = await webhookServer(t);
  server.services.set('nsguard/nsguard:443', hook.url);
  server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  for (const [name, app] of [['a', 'web'], ['b', 'db'], ['c', 'web']] as const) server.store.upsert({ ...policy(name, {}, { namespace: 'shop', labels: { app } }) });
  server.store.upsert(validating(hook.caBundle, {}));
  const collection = '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies';

  const web = await send(server, 'DELETE', `${collection}?labelSelector=app%3Dweb`);
  t.equal(web.code, 200);
  t.match(web.body, { kind: 'NetworkPolicyList', apiVersion: 'networking.k8s.io/v1', items: [{ metadata: { name: 'a' } }, { metadata: { name: 'c' } }] });
  t.match(hook.seen, [
    { operation: 'DELETE', name: '', namespace: 'shop', oldObject: { metadata: { name: 'a' } }, object: null },
    { operation: 'DELETE', name: '', namespace: 'shop', oldObject: { metadata: { name: 'c' } }, object: null },
  ], 'one review per object, the name left empty as the apiserver does');
  t.match(server.writes().at(-1), { method: 'DELETE', verb: 'deletecollection', resource: 'networkpolicies', namespace: 'shop', status: 200 });

  server.store.upsert({ ...policy('d', {}, { namespace: 'shop' }) });
  hook.state.answer = (request) => (isObject(request['oldObject']) && metadataOf(request['oldObject'])['name'] === 'b' ? { allowed: true } : { allowed: false, status: { code: 403, message: 'kept' } });
  t.match(await send(server, 'DELETE', collection), { code: 403, body: { message: 'admission webhook "policies.test.io" denied the request: kept' } });
  t.same(server.store.list(server.store.resourceFor('networking.k8s.io/v1', 'NetworkPolicy') as never).items.map((p) => metadataOf(p)['name']), ['d'], 'b went before d was refused');
  t.match(await send(server, 'DELETE', '/api/v1/namespaces'), { code: 405 }, 'no DELETECOLLECTION of namespaces');
  const discovery = await send(server, 'GET', '/apis/networking.k8s.io/v1');
  t.ok((discovery.body['resources'] as { verbs: string[] }[])[0]?.verbs.includes('deletecollection'), 'discovery lists the verb');
});

t.test('the namespace controller empties a deleted namespace as its service account, through admission, then it goes; a refusal holds it Terminating until admitted', async (t) => {
  const server = await TestApiServer.start({ namespaceController: true });
  t.teardown(() => server.close());
  const hook = await webhookServer(t);
  server.services.set('nsguard/nsguard:443', hook.url);
  server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  server.store.upsert({ ...policy('deny', {}, { namespace: 'doomed' }) });
  server.store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'doomed' } });
  server.store.upsert(validating(hook.caBundle, {}));
  const namespace = () => server.store.get(server.store.resourceFor('v1', 'Namespace') as never, undefined, 'doomed');
  const conditions = () => ((namespace()?.['status'] as Record<string, unknown> | undefined)?.['conditions'] ?? []) as Record<string, unknown>[];

  hook.state.answer = () => ({ allowed: false, status: { code: 403, message: 'not while I watch' } });
  t.equal((await send(server, 'DELETE', '/api/v1/namespaces/doomed')).code, 202);
  await waitFor(() => conditions().some((c) => c['type'] === 'NamespaceDeletionContentFailure'), 'the deletion to be reported stuck');
  t.match(namespace(), { status: { phase: 'Terminating' }, spec: { finalizers: ['kubernetes'] } });
  t.match(conditions(), [{ type: 'NamespaceDeletionContentFailure', status: 'True', message: /networkpolicies\.networking\.k8s\.io: admission webhook "policies\.test\.io" denied the request: not while I watch/ }]);
  t.match(hook.seen[0], { operation: 'DELETE', name: '', userInfo: { username: 'system:serviceaccount:kube-system:namespace-controller' } });

  hook.state.answer = () => ({ allowed: true });
  await waitFor(() => namespace() === undefined, 'the namespace to go');
  t.same(server.store.list(server.store.resourceFor('v1', 'ConfigMap') as never).items, [], 'its content went first');
  const deletions = server.writes().filter((w) => w.verb === 'deletecollection');
  t.ok(deletions.every((w) => w.user === 'system:serviceaccount:kube-system:namespace-controller' && w.namespace === 'doomed'), 'every deletion by the namespace controller');
  t.ok(deletions.some((w) => w.resource === 'networkpolicies' && w.status === 403) && deletions.some((w) => w.resource === 'networkpolicies' && w.status === 200), 'refused, then admitted');
});
