// The in-repo test API server, driven through @kubernetes/client-node as the code under test drives it:
// list and paging, watch with bookmarks, 410 on compacted history, Status errors, Terminating
// namespaces, server-side apply and the other patch types, the write log. Validation and admission have
// their own files (test-api-validation.test.ts, test-api-admission.test.ts).
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  KubeConfig,
  Watch,
  type V1NetworkPolicy,
  type V1Pod,
} from '@kubernetes/client-node';
import t from 'tap';
import { createTestCa } from '../support/test-ca.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { waitFor } from '../support/wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

async function start(tap: Tap): Promise<{ server: TestApiServer; kc: KubeConfig; core: CoreV1Api; net: NetworkingV1Api }> {
  const server = await TestApiServer.start();
  tap.teardown(() => server.close());
  const kc = server.kubeConfig();
  return { server, kc, core: kc.makeApiClient(CoreV1Api), net: kc.makeApiClient(NetworkingV1Api) };
}

const pod = (namespace: string, name: string, labels: Record<string, string> = {}): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, labels },
  spec: { containers: [{ name: 'app', image: 'app' }] },
});

/** The Status a failed call carried: client-node keeps the body text of unexpected codes. */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    return { code: error.code, status: body as Record<string, unknown> };
  }
  throw new Error('the call succeeded');
}

interface Seen {
  readonly type: string;
  readonly object: KubeObject;
}

/** A client-node watch collecting events, with what `done` was called with. */
async function watch(kc: KubeConfig, path: string, query: Record<string, string | boolean>) {
  const events: Seen[] = [];
  const state: { done: boolean; error: unknown } = { done: false, error: undefined };
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type: string, object: KubeObject) => events.push({ type, object }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return { events, state, controller };
}

const rvOf = (o: { metadata?: { resourceVersion?: string } }): string => o.metadata?.resourceVersion ?? '';

t.test('list: typed lists with a resourceVersion, namespaced and cluster-wide, paged and selected', async (t) => {
  const { core } = await start(t);
  for (const name of ['a', 'b']) await core.createNamespace({ body: { metadata: { name } } });
  for (const [ns, name, app] of [['a', 'p1', 'web'], ['a', 'p2', 'db'], ['b', 'p3', 'web'], ['a', 'p4', 'web']] as const) {
    await core.createNamespacedPod({ namespace: ns, body: pod(ns, name, { app }) });
  }
  const all = await core.listPodForAllNamespaces();
  t.equal(all.kind, 'PodList');
  t.equal(all.apiVersion, 'v1');
  t.ok(Number(rvOf(all)) > 0, 'the list carries the current resourceVersion');
  t.same(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`), ['a/p1', 'a/p2', 'a/p4', 'b/p3'], 'in etcd key order');
  t.same((await core.listNamespacedPod({ namespace: 'b' })).items.map((p) => p.metadata?.name), ['p3']);
  t.same((await core.listPodForAllNamespaces({ labelSelector: 'app=web' })).items.map((p) => p.metadata?.name), ['p1', 'p4', 'p3']);
  t.same((await core.listPodForAllNamespaces({ labelSelector: 'app notin (web)' })).items.map((p) => p.metadata?.name), ['p2']);

  const names: string[] = [];
  let token: string | undefined;
  const rvs = new Set<string>();
  do {
    const page = await core.listPodForAllNamespaces({ limit: 3, ...(token !== undefined && { _continue: token }) });
    names.push(...page.items.map((p) => p.metadata?.name ?? ''));
    rvs.add(rvOf(page));
    token = page.metadata?._continue;
    // A write between pages must not show in the remaining pages: they are served at the first page's revision.
    if (token !== undefined) await core.createNamespacedPod({ namespace: 'b', body: pod('b', 'p5') });
  } while (token !== undefined);
  t.same(names, ['p1', 'p2', 'p4', 'p3'], 'pages join into the whole list');
  t.equal(rvs.size, 1, 'every page has the resourceVersion of the first');
});

t.test('watch: events after the resourceVersion, bookmarks on demand, selector transitions', async (t) => {
  const { server, kc, core } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'w' } } });
  const listed = await core.listNamespacedPod({ namespace: 'w' });
  const all = await watch(kc, '/api/v1/namespaces/w/pods', { resourceVersion: rvOf(listed), allowWatchBookmarks: true });
  const web = await watch(kc, '/api/v1/pods', { resourceVersion: rvOf(listed), labelSelector: 'app=web' });
  t.teardown(() => {
    all.controller.abort();
    web.controller.abort();
  });

  const created = await core.createNamespacedPod({ namespace: 'w', body: pod('w', 'p', { app: 'web' }) });
  await core.patchNamespacedPod(
    { namespace: 'w', name: 'p', body: { metadata: { labels: { app: 'db' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  server.sendBookmark();
  await core.deleteNamespacedPod({ namespace: 'w', name: 'p' });
  await waitFor(() => all.events.length === 4, 'four events on the namespace watch');
  t.same(all.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'BOOKMARK', 'DELETED']);
  t.equal(rvOf(all.events[0]?.object as V1Pod), rvOf(created));
  const bookmark = all.events[2]?.object;
  t.same(bookmark, { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: rvOf(all.events[1]?.object as V1Pod) } }, 'a bookmark is only kind, apiVersion and resourceVersion');
  t.ok(Number(rvOf(all.events[3]?.object as V1Pod)) > Number(rvOf(all.events[1]?.object as V1Pod)), 'DELETED carries the delete revision');

  await waitFor(() => web.events.length === 2, 'two events on the selector watch');
  t.same(web.events.map((e) => e.type), ['ADDED', 'DELETED'], 'leaving the selection is a DELETED; no bookmark without allowWatchBookmarks');

  const replay = await watch(kc, '/api/v1/namespaces/w/pods', { resourceVersion: rvOf(listed) });
  t.teardown(() => replay.controller.abort());
  await waitFor(() => replay.events.length === 3, 'history replayed');
  t.same(replay.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED'], 'a later watch from the same version replays the history');

  const initial = await watch(kc, '/api/v1/namespaces', { resourceVersion: '0' });
  t.teardown(() => initial.controller.abort());
  await waitFor(() => initial.events.length === 1, 'synthetic ADDED for the existing namespace');
  t.equal(initial.events[0]?.type, 'ADDED');
});

t.test('watch: a compacted resourceVersion gets an ERROR event with a 410 Expired Status; dropped watches end', async (t) => {
  const { server, kc, core } = await start(t);
  const before = await core.listNamespace();
  await core.createNamespace({ body: { metadata: { name: 'x' } } });
  server.compact();
  const stale = await watch(kc, '/api/v1/namespaces', { resourceVersion: rvOf(before), allowWatchBookmarks: true });
  await waitFor(() => stale.state.done, 'the stale watch to end');
  t.equal(stale.events.length, 1);
  t.equal(stale.events[0]?.type, 'ERROR');
  t.match(stale.events[0]?.object, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
  t.match(stale.events[0]?.object['message'], /^too old resource version: \d+ \(\d+\)$/);

  const current = await core.listNamespace();
  const reset = await watch(kc, '/api/v1/namespaces', { resourceVersion: rvOf(current) });
  await waitFor(() => server.openWatches() === 1, 'one open watch');
  server.dropWatches('reset');
  await waitFor(() => reset.state.done, 'the reset watch to end');
  t.ok(reset.state.error, 'a reset stream ends with an error');

  const clean = await watch(kc, '/api/v1/namespaces', { resourceVersion: rvOf(current) });
  await waitFor(() => server.openWatches() === 1, 'one open watch');
  server.dropWatches('end');
  await waitFor(() => clean.state.done, 'the cleanly ended watch');
  t.equal(clean.state.error, null, 'a cleanly ended stream calls done without an error');

  // A continue token older than the compaction is refused with 410 too (HTTP this time).
  for (const name of ['y', 'z']) await core.createNamespace({ body: { metadata: { name } } });
  const first = await core.listNamespace({ limit: 1 });
  await core.createNamespace({ body: { metadata: { name: 'later' } } });
  server.compact();
  const expired = await failure(core.listNamespace({ limit: 1, _continue: first.metadata?._continue ?? '' }));
  t.equal(expired.code, 410);
  t.match(expired.status, { kind: 'Status', reason: 'Expired', code: 410 });
});

t.test('errors: 404 NotFound, 409 AlreadyExists and Conflict, with Status bodies like the API', async (t) => {
  const { core, net } = await start(t);
  t.match(await failure(core.readNamespace({ name: 'nope' })), {
    code: 404,
    status: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', message: 'namespaces "nope" not found', details: { name: 'nope', kind: 'namespaces' }, code: 404 },
  });
  await core.createNamespace({ body: { metadata: { name: 'e' } } });
  t.match(await failure(core.createNamespace({ body: { metadata: { name: 'e' } } })), {
    code: 409,
    status: { reason: 'AlreadyExists', message: 'namespaces "e" already exists' },
  });
  t.match(await failure(net.deleteNamespacedNetworkPolicy({ namespace: 'e', name: 'gone' })), {
    code: 404,
    status: { reason: 'NotFound', message: 'networkpolicies.networking.k8s.io "gone" not found', details: { group: 'networking.k8s.io', kind: 'networkpolicies' } },
  });
  t.match(await failure(core.createNamespacedPod({ namespace: 'missing', body: pod('missing', 'p') })), {
    code: 404,
    status: { message: 'namespaces "missing" not found' },
  });
  const p = await core.createNamespacedPod({ namespace: 'e', body: pod('e', 'p') });
  t.equal(p.metadata?.generation, 1);
  t.ok(p.metadata?.uid);
  t.ok(p.metadata?.creationTimestamp);
  const updated = await core.replaceNamespacedPod({ namespace: 'e', name: 'p', body: { ...p, metadata: { ...p.metadata, labels: { v: '2' } } } });
  t.ok(Number(rvOf(updated)) > Number(rvOf(p)));
  t.match(await failure(core.replaceNamespacedPod({ namespace: 'e', name: 'p', body: { ...p, metadata: { ...p.metadata, labels: { v: '3' } } } })), {
    code: 409,
    status: { reason: 'Conflict', message: 'Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again' },
  });
  const same = await core.replaceNamespacedPod({ namespace: 'e', name: 'p', body: updated });
  t.equal(rvOf(same), rvOf(updated), 'a no-op update writes nothing and keeps the resourceVersion');
  t.match(await failure(core.replaceNamespacedPod({ namespace: 'e', name: 'q', body: pod('e', 'q') })), { code: 404 });
});

t.test('namespaces: DELETE makes them Terminating, creates there are Forbidden, finalizeNamespace removes everything', async (t) => {
  const { server, kc, core, net } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
  const ns = await core.readNamespace({ name: 'doomed' });
  t.same(ns.metadata?.labels, { 'kubernetes.io/metadata.name': 'doomed' }, 'the API stamps the name label');
  t.equal(ns.status?.phase, 'Active');
  await core.createNamespacedPod({ namespace: 'doomed', body: pod('doomed', 'p') });
  const seen = await watch(kc, '/api/v1/namespaces', { resourceVersion: rvOf(ns) });
  const pods = await watch(kc, '/api/v1/pods', { resourceVersion: rvOf(ns) });
  t.teardown(() => {
    seen.controller.abort();
    pods.controller.abort();
  });

  server.clearRequests();
  await core.deleteNamespace({ name: 'doomed' });
  t.equal(server.writes()[0]?.status, 202, 'a delete that does not complete at once is 202 Accepted');
  const terminating = await core.readNamespace({ name: 'doomed' });
  t.equal(terminating.status?.phase, 'Terminating');
  t.ok(terminating.metadata?.deletionTimestamp);
  t.match(await failure(net.createNamespacedNetworkPolicy({ namespace: 'doomed', body: { metadata: { name: 'np' }, spec: { podSelector: {} } } })), {
    code: 403,
    status: {
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: 'networkpolicies.networking.k8s.io "np" is forbidden: unable to create new content in namespace doomed because it is being terminated',
      details: { causes: [{ reason: 'NamespaceTerminating' }] },
    },
  });
  const relabelled = await core.patchNamespacedPod(
    { namespace: 'doomed', name: 'p', body: { metadata: { labels: { still: 'updatable' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.equal(relabelled.metadata?.labels?.['still'], 'updatable', 'updates in a Terminating namespace pass');
  const stillTerminating = await core.replaceNamespace({ name: 'doomed', body: { ...terminating, status: { phase: 'Active' } } });
  t.equal(stillTerminating.status?.phase, 'Terminating', 'the main resource cannot change status');

  server.finalizeNamespace('doomed');
  t.match(await failure(core.readNamespace({ name: 'doomed' })), { code: 404 });
  await waitFor(() => seen.events.length === 2 && pods.events.length === 3, 'namespace and pod events');
  t.same(seen.events.map((e) => e.type), ['MODIFIED', 'DELETED']);
  t.same(pods.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
});

t.test('patch: server-side apply creates and merges, records the manager, and repeats as a no-op; merge and JSON patches', async (t) => {
  const { server, core, net } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'ssa' } } });
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const desired: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'deny', namespace: 'ssa', labels: { 'app.kubernetes.io/managed-by': 'nsguard' } },
    spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] },
  };
  server.clearRequests();
  const created = await net.patchNamespacedNetworkPolicy({ namespace: 'ssa', name: 'deny', body: desired, fieldManager: 'nsguard', force: true }, apply);
  t.equal(server.writes()[0]?.status, 201, 'apply of a missing object creates it');
  t.same(created.spec?.policyTypes, ['Ingress'], 'the API defaults policyTypes');
  t.equal(created.spec?.ingress?.[0]?.ports?.[0]?.protocol, 'TCP', 'and the port protocol');
  t.match(created.metadata?.managedFields, [{ manager: 'nsguard', operation: 'Apply', apiVersion: 'networking.k8s.io/v1' }]);

  const again = await net.patchNamespacedNetworkPolicy({ namespace: 'ssa', name: 'deny', body: desired, fieldManager: 'nsguard', force: true }, apply);
  t.equal(rvOf(again), rvOf(created), 'applying the same configuration writes nothing');

  await net.patchNamespacedNetworkPolicy(
    { namespace: 'ssa', name: 'deny', body: { metadata: { labels: { extra: 'kept' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const changed = await net.patchNamespacedNetworkPolicy(
    { namespace: 'ssa', name: 'deny', body: { ...desired, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }, fieldManager: 'nsguard' },
    apply,
  );
  t.same(changed.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'the applied spec replaces the stored one');
  t.same(changed.metadata?.labels, { 'app.kubernetes.io/managed-by': 'nsguard', extra: 'kept' }, 'labels merge');
  t.equal(changed.metadata?.generation, 2, 'a spec change bumps generation');

  const patched = await net.patchNamespacedNetworkPolicy(
    { namespace: 'ssa', name: 'deny', body: [{ op: 'replace', path: '/spec/policyTypes', value: ['Egress'] }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  t.same(patched.spec?.policyTypes, ['Egress']);
  t.match(
    await failure(
      net.patchNamespacedNetworkPolicy({ namespace: 'ssa', name: 'deny', body: [{ op: 'test', path: '/spec/policyTypes/0', value: 'Ingress' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)),
    ),
    { code: 422 },
  );
  t.match(await failure(net.patchNamespacedNetworkPolicy({ namespace: 'ssa', name: 'other', body: desired }, apply)), { code: 422, status: { reason: 'Invalid' } }, 'apply needs a fieldManager');
  t.match(
    await failure(net.patchNamespacedNetworkPolicy({ namespace: 'ssa', name: 'absent', body: { metadata: { labels: {} } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))),
    { code: 404 },
  );
});

t.test('the request log: reads are not writes, dry runs store nothing, every mutating call is listed', async (t) => {
  const { server, core } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'log' } } });
  server.clearRequests();
  await core.listNamespace();
  await core.readNamespace({ name: 'log' });
  t.same(server.writes(), [], 'no write');
  await core.createNamespacedPod({ namespace: 'log', body: pod('log', 'dry'), dryRun: 'All' });
  t.match(await failure(core.readNamespacedPod({ namespace: 'log', name: 'dry' })), { code: 404 }, 'a dry run stores nothing');
  await core.createNamespacedPod({ namespace: 'log', body: pod('log', 'p') });
  t.match(server.writes(), [
    { method: 'POST', verb: 'create', resource: 'pods', namespace: 'log', dryRun: true, status: 201 },
    { method: 'POST', verb: 'create', resource: 'pods', namespace: 'log', dryRun: false, status: 201 },
  ]);
});

t.test('leases: optimistic concurrency as leader election uses it', async (t) => {
  const { kc, core } = await start(t);
  const leases = kc.makeApiClient(CoordinationV1Api);
  await core.createNamespace({ body: { metadata: { name: 'nsguard' } } });
  const lease = await leases.createNamespacedLease({ namespace: 'nsguard', body: { metadata: { name: 'nsguard-leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
  const taken = await leases.replaceNamespacedLease({ namespace: 'nsguard', name: 'nsguard-leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } });
  t.equal(taken.spec?.holderIdentity, 'b');
  t.match(await failure(leases.replaceNamespacedLease({ namespace: 'nsguard', name: 'nsguard-leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } } })), {
    code: 409,
    status: { reason: 'Conflict', details: { group: 'coordination.k8s.io', kind: 'leases' } },
  });
  t.same((await leases.listNamespacedLease({ namespace: 'nsguard' })).items.map((l) => l.spec?.holderIdentity), ['b']);
});

t.test('TLS: the KubeConfig trusts the given CA, and a client that does not trust it is refused', async (t) => {
  const ca = await createTestCa();
  const pair = await ca.issue();
  const server = await TestApiServer.start({ tls: { cert: pair.cert, key: pair.key, ca: ca.cert } });
  t.teardown(() => server.close());
  t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const core = server.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'secure' } } });
  t.same((await core.listNamespace()).items.map((n) => n.metadata?.name), ['secure']);

  const other = new KubeConfig();
  other.loadFromOptions({
    clusters: [{ name: 'c', server: server.url, caData: Buffer.from((await createTestCa()).cert).toString('base64') }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  await t.rejects(other.makeApiClient(CoreV1Api).listNamespace(), 'a certificate from another CA is not trusted');
});
