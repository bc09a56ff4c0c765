// The live ClusterView against the in-repo test API server: initial paged lists, following changes,
// dropped watches, 410 and relist, bookmarks, unreadable objects, the change callbacks, and a stop that
// leaves nothing behind.
import { spawn } from 'node:child_process';
import { CoreV1Api, NetworkingV1Api, PatchStrategy, setHeaderOptions, KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { LiveView, LiveViewOptions, WatchedResource } from '../../src/cluster/live-view.ts';
import { startLiveView, WATCHED_RESOURCES } from '../../src/cluster/live-view.ts';
import { captureLogs } from '../support/capture-logs.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { createTestCa } from '../support/test-ca.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { statusBody } from '../support/test-api-status.ts';
import { waitFor } from '../support/wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

const pod = (ns: string, name: string, labels: Record<string, string>, status: { ip?: string; phase?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { containers: [{ name: 'app', image: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: status.phase ?? 'Running', ...(status.ip !== undefined && { podIP: status.ip, podIPs: [{ ip: status.ip }] }) },
});

const policy = (ns: string, name: string, spec: Record<string, unknown> = { podSelector: {}, policyTypes: ['Ingress'] }): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: ns, name },
  spec,
});

interface Setup {
  readonly server: TestApiServer;
  readonly state: ClusterState;
  readonly view: LiveView;
  readonly lines: Record<string, unknown>[];
}

/** A server seeded by `seed`, and a live view over it, synced (bookmarks and dropped streams need open watches). */
async function setup(tap: Tap, seed: (server: TestApiServer) => void, options: Pick<LiveViewOptions, 'pageSize' | 'onChange' | 'onListed'> = {}): Promise<Setup> {
  const server = await TestApiServer.start();
  seed(server);
  const state = new ClusterState({ keepPodNames: true });
  const { logger, lines } = captureLogs();
  const view = startLiveView({ kubeConfig: server.kubeConfig(), state, logger, backoff: { initialMs: 1, maxMs: 20 }, ...options });
  tap.teardown(async () => {
    await view.stop();
    await server.close();
  });
  await waitFor(() => view.synced() && server.openWatches() === 3, 'the view to sync and watch all three kinds');
  return { server, state, view, lines };
}

function seedCluster(server: TestApiServer): void {
  const { store } = server;
  store.upsert(namespace('prod', { env: 'prod' }));
  store.upsert(namespace('test', { env: 'test' }));
  store.upsert(policy('prod', 'default-deny'));
  store.upsert(pod('prod', 'web-1', { app: 'web' }, { ip: '10.0.0.1' }));
  store.upsert(pod('prod', 'web-2', { app: 'web' }, { ip: '10.0.0.2' }));
  store.upsert(pod('prod', 'db-1', { app: 'db' }, { ip: '10.0.0.3' }));
  store.upsert(pod('test', 'web-1', { app: 'web' }, { ip: '10.0.1.1' }));
  store.upsert(pod('test', 'job-1', { app: 'job' }, { phase: 'Succeeded' }));
}

/** Pod groups of a namespace as `labels: names`, the shape assertions compare. */
function groups(state: ClusterState, ns: string): Record<string, readonly string[]> {
  return Object.fromEntries(state.podGroups(ns).map((g) => [JSON.stringify(g.labels), g.names]));
}

const policyNames = (state: ClusterState, ns: string): string[] => state.policies(ns).map((p) => p.name);

t.test('the initial lists land as namespaces, policies and pod groups, paged, and the view reports synced', async (t) => {
  const server = await TestApiServer.start();
  seedCluster(server);
  const state = new ClusterState({ keepPodNames: true });
  const { logger } = captureLogs();
  const view = startLiveView({ kubeConfig: server.kubeConfig(), state, logger, pageSize: 2, backoff: { initialMs: 1, maxMs: 20 } });
  t.teardown(async () => {
    await view.stop();
    await server.close();
  });
  t.equal(view.synced(), false, 'not synced before the lists land');
  await waitFor(() => view.synced(), 'the view to sync');
  await view.whenSynced();

  t.same(state.namespaces().map((n) => n.name), ['prod', 'test']);
  t.equal(state.namespace('prod')?.labels['env'], 'prod');
  t.same(policyNames(state, 'prod'), ['default-deny']);
  t.same(groups(state, 'prod'), { '{"app":"db"}': ['db-1'], '{"app":"web"}': ['web-1', 'web-2'] }, 'pods folded into groups');
  t.same(groups(state, 'test'), { '{"app":"web"}': ['web-1'] }, 'a Succeeded pod takes no traffic and is left out');
  t.same(state.podGroupsWithIp('10.0.0.2').map((g) => g.names), [['web-1', 'web-2']]);

  const podLists = server.requests().filter((r) => r.verb === 'list' && r.resource === 'pods');
  t.same(
    podLists.map((r) => [r.query['limit'], r.query['continue'] !== undefined]),
    [['2', false], ['2', true], ['2', true]],
    'pods listed 2 to a page (6 pods), following continue tokens',
  );
  await waitFor(() => server.openWatches() === 3, 'a watch per kind');
  const watches = server.requests().filter((r) => r.verb === 'watch');
  t.equal(watches.length, 3);
  for (const w of watches) t.match(w.query, { allowWatchBookmarks: 'true', resourceVersion: /^\d+$/, timeoutSeconds: /^2\d$/ });
  t.match(view.stats(), { synced: true, resources: { pods: { lists: 1, synced: true, skipped: 0 }, namespaces: { lists: 1 }, networkpolicies: { lists: 1 } } });
});

t.test('over TLS, trusting the CA in the KubeConfig, lists and watches work the same', async (t) => {
  const ca = await createTestCa();
  const server = await TestApiServer.start({ tls: { ...(await ca.issue()), ca: ca.cert } });
  seedCluster(server);
  const state = new ClusterState({ keepPodNames: true });
  const view = startLiveView({ kubeConfig: server.kubeConfig(), state, logger: captureLogs().logger, backoff: { initialMs: 1, maxMs: 20 } });
  t.teardown(async () => {
    await view.stop();
    await server.close();
  });
  await view.whenSynced();
  t.same(Object.keys(groups(state, 'prod')), ['{"app":"db"}', '{"app":"web"}']);
  server.store.upsert(pod('prod', 'web-3', { app: 'web' }));
  await waitFor(() => state.findPod('prod', 'web-3'), 'a pod event over TLS');
});

t.test('pods, policies and namespaces changed through the API are followed', async (t) => {
  const { server, state } = await setup(t, seedCluster);
  const kc = server.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  await core.createNamespacedPod({ namespace: 'prod', body: pod('prod', 'web-3', { app: 'web' }, { ip: '10.0.0.4' }) });
  await waitFor(() => state.findPod('prod', 'web-3'), 'the new pod');
  t.same(groups(state, 'prod')['{"app":"web"}'], ['web-1', 'web-2', 'web-3']);

  await core.patchNamespacedPod({ namespace: 'prod', name: 'web-3', body: { metadata: { labels: { app: 'api' } } } }, merge);
  await waitFor(() => state.findPod('prod', 'web-3')?.labels['app'] === 'api', 'the relabelled pod');
  t.same(groups(state, 'prod'), { '{"app":"api"}': ['web-3'], '{"app":"db"}': ['db-1'], '{"app":"web"}': ['web-1', 'web-2'] }, 'the pod moved group');

  await core.patchNamespacedPodStatus({ namespace: 'prod', name: 'web-3', body: { status: { phase: 'Failed' } } }, merge);
  await waitFor(() => state.findPod('prod', 'web-3') === undefined, 'the failed pod to leave');

  await core.deleteNamespacedPod({ namespace: 'prod', name: 'db-1' });
  await waitFor(() => state.findPod('prod', 'db-1') === undefined, 'the deleted pod to leave');
  t.same(Object.keys(groups(state, 'prod')), ['{"app":"web"}'], 'an emptied group goes');

  await net.createNamespacedNetworkPolicy({ namespace: 'test', body: policy('test', 'allow-dns', { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }) });
  await waitFor(() => policyNames(state, 'test').length === 1, 'the new policy');
  t.same([...(state.policies('test')[0]?.types ?? [])], ['ingress', 'egress'], 'policyTypes as the API defaulted them');
  await net.deleteNamespacedNetworkPolicy({ namespace: 'prod', name: 'default-deny' });
  await waitFor(() => policyNames(state, 'prod').length === 0, 'the deleted policy to leave');

  await core.patchNamespace({ name: 'test', body: { metadata: { labels: { env: 'staging' } } } }, merge);
  await waitFor(() => state.namespace('test')?.labels['env'] === 'staging', 'the relabelled namespace');
  await core.deleteNamespace({ name: 'test' });
  await waitFor(() => state.namespace('test')?.terminating === true, 'the namespace to be Terminating');
  server.finalizeNamespace('test');
  await waitFor(() => state.namespace('test') === undefined && state.podGroups('test').length === 0 && policyNames(state, 'test').length === 0, 'the namespace and its objects to go');
});

t.test('a watch dropped mid-stream resumes from its resourceVersion and loses no event', async (t) => {
  for (const mode of ['reset', 'end'] as const) {
    await t.test(`stream ${mode === 'reset' ? 'reset' : 'ended cleanly'}`, async (t) => {
      const { server, state, view } = await setup(t, seedCluster);
      const watchesBefore = view.stats().resources.pods.watches;
      const { store } = server;
      // All in one tick: the view cannot have re-watched yet, so these happen while it is disconnected.
      server.dropWatches(mode);
      store.upsert(pod('prod', 'web-3', { app: 'web' }, { ip: '10.0.0.4' }));
      store.upsert(pod('prod', 'web-3', { app: 'api' }, { ip: '10.0.0.4' }));
      store.remove('v1', 'Pod', 'prod', 'db-1');
      store.upsert(policy('prod', 'allow-web'));
      await waitFor(() => state.findPod('prod', 'web-3')?.labels['app'] === 'api' && state.findPod('prod', 'db-1') === undefined, 'the missed pod events');
      await waitFor(() => policyNames(state, 'prod').length === 2, 'the missed policy');
      const stats = view.stats().resources.pods;
      t.equal(stats.lists, 1, 'no relist: the watch resumed');
      t.ok(stats.watches > watchesBefore, 'watched again');
      t.equal(stats.expired, 0);
      t.same(groups(state, 'prod'), { '{"app":"api"}': ['web-3'], '{"app":"web"}': ['web-1', 'web-2'] });
    });
  }
});

t.test('a resourceVersion compacted away gets 410 and a relist, which drops what was deleted meanwhile', async (t) => {
  const { server, state, view, lines } = await setup(t, seedCluster);
  const { store } = server;
  server.dropWatches();
  store.remove('v1', 'Pod', 'prod', 'db-1');
  store.upsert(pod('prod', 'web-1', { app: 'web', tier: 'front' }, { ip: '10.0.0.1' }));
  store.upsert(pod('test', 'new-1', { app: 'new' }));
  store.remove('networking.k8s.io/v1', 'NetworkPolicy', 'prod', 'default-deny');
  store.upsert(namespace('dev', { env: 'dev' }));
  server.compact();

  await waitFor(() => view.stats().resources.pods.lists === 2 && view.stats().resources.networkpolicies.lists === 2 && view.stats().resources.namespaces.lists === 2, 'all three relists');
  t.equal(state.findPod('prod', 'db-1'), undefined, 'a pod deleted while disconnected is gone');
  t.same(groups(state, 'prod'), { '{"app":"web"}': ['web-2'], '{"app":"web","tier":"front"}': ['web-1'] });
  t.ok(state.findPod('test', 'new-1'));
  t.same(policyNames(state, 'prod'), []);
  t.same(state.namespaces().map((n) => n.name), ['dev', 'prod', 'test']);
  t.match(view.stats().resources, { pods: { expired: 1 }, namespaces: { expired: 1 }, networkpolicies: { expired: 1 } });
  t.ok(lines.some((l) => l['msg'] === 'resourceVersion expired; listing again' && l['resource'] === 'pods'), 'the relist is logged');

  // And it keeps following afterwards.
  await waitFor(() => server.openWatches() === 3, 'watching again');
  store.upsert(pod('prod', 'db-2', { app: 'db' }));
  await waitFor(() => state.findPod('prod', 'db-2'), 'a pod created after the relist');
});

t.test('an expired continue token restarts the paged list from the start', async (t) => {
  const server = await TestApiServer.start();
  seedCluster(server);
  // Between the first and second page of the pods list, a write and a compaction expire the token.
  server.beforeRequest = (record) => {
    if (record.verb !== 'list' || record.resource !== 'pods' || record.query['continue'] === undefined) return undefined;
    server.beforeRequest = undefined;
    server.store.remove('v1', 'Pod', 'prod', 'web-2');
    server.compact();
    return undefined;
  };
  const state = new ClusterState({ keepPodNames: true });
  const view = startLiveView({ kubeConfig: server.kubeConfig(), state, logger: captureLogs().logger, pageSize: 2, backoff: { initialMs: 1, maxMs: 20 } });
  t.teardown(async () => {
    await view.stop();
    await server.close();
  });
  await waitFor(() => view.synced(), 'the view to sync');
  const expired = server.requests().filter((r) => r.verb === 'list' && r.resource === 'pods' && r.status === 410);
  t.equal(expired.length, 1, 'the stale page was refused');
  t.same(groups(state, 'prod'), { '{"app":"db"}': ['db-1'], '{"app":"web"}': ['web-1'] }, 'the state is the fresh list');
  t.equal(view.stats().resources.pods.failures, 1);
});

t.test('an HTTP 410 on starting a watch relists too; other API errors are retried', async (t) => {
  const { server, state, view, lines } = await setup(t, seedCluster);
  let refused = 0;
  server.beforeRequest = (record) => {
    if (record.resource !== 'pods') return undefined;
    // The first re-watch gets 410 Gone over HTTP, the relist after it a 500, then all is well.
    if (record.verb === 'watch' && refused === 0) return (refused++, statusBody(410, 'Gone', 'too old resource version'));
    if (record.verb === 'list' && refused === 1) return (refused++, statusBody(500, 'InternalError', 'etcd is having a bad day'));
    return undefined;
  };
  server.dropWatches();
  server.store.remove('v1', 'Pod', 'prod', 'db-1');
  await waitFor(() => view.stats().resources.pods.lists === 2 && state.findPod('prod', 'db-1') === undefined, 'the relist after the 410');
  t.equal(refused, 2);
  t.match(view.stats().resources.pods, { expired: 1, lists: 2 });
  t.ok(view.stats().resources.pods.failures >= 2, 'the 410 and the 500 count as failed attempts');
  t.match(
    lines.find((l) => l['msg'] === 'listing failed; retrying'),
    { level: 40, resource: 'pods', err: { message: 'GET /api/v1/pods: HTTP 500: etcd is having a bad day', statusCode: 500, reason: 'InternalError' } },
  );
});

t.test('out of sync from the start until the first list, and from a 410 until a relist lands; a failing relist keeps it so', async (t) => {
  const server = await TestApiServer.start();
  seedCluster(server);
  let clock = 1_000_000;
  let refusePodLists = true;
  server.beforeRequest = (record) => (refusePodLists && record.resource === 'pods' && record.verb === 'list' ? statusBody(500, 'InternalError', 'etcd is having a bad day') : undefined);
  const view = startLiveView({ kubeConfig: server.kubeConfig(), state: new ClusterState(), logger: captureLogs().logger, backoff: { initialMs: 1, maxMs: 20 }, now: () => clock, maxOutOfSyncSeconds: 30 });
  t.teardown(async () => {
    await view.stop();
    server.beforeRequest = undefined;
    await server.close();
  });
  await waitFor(
    () => view.stats().resources.namespaces.synced && view.stats().resources.networkpolicies.synced && view.stats().resources.pods.failures > 0 && !String(view.unready()).includes('Calico'),
    'two kinds listed, pods refused, no Calico API found',
  );
  clock += 5_000;
  t.match(view.stats().resources, { pods: { outOfSyncSeconds: 5 }, namespaces: { outOfSyncSeconds: 0 } }, 'pods out of sync since the start');
  t.equal(view.unready(), 'pods never listed');

  refusePodLists = false;
  await view.whenSynced();
  t.equal(view.unready(), undefined);
  await waitFor(() => server.openWatches() === 3, 'a watch per kind');

  // The pods watch comes back to a compacted history: 410, then relists that fail.
  refusePodLists = true;
  server.beforeRequest = (record) => {
    if (record.resource !== 'pods') return undefined;
    if (record.verb === 'list' && refusePodLists) return statusBody(500, 'InternalError', 'etcd is having a bad day');
    return undefined;
  };
  server.dropWatches();
  server.store.remove('v1', 'Pod', 'prod', 'db-1');
  server.compact();
  await waitFor(() => view.stats().resources.pods.expired === 1 && view.stats().resources.pods.failures >= 2 && server.openWatches() === 2, 'the 410 and a failed relist');
  clock += 30_000;
  t.equal(view.unready(), undefined, '30 s is within the bound');
  clock += 1_000;
  t.equal(view.unready(), 'pods out of sync for 31 s, more than maxOutOfSyncSeconds 30');
  t.equal(view.synced(), true, 'synced once stays true');

  refusePodLists = false;
  await waitFor(() => view.stats().resources.pods.lists === 2, 'the relist');
  t.equal(view.unready(), undefined);
  t.equal(view.stats().resources.pods.outOfSyncSeconds, 0);
});

t.test('bookmarks advance the resourceVersion, so a re-watch after compaction needs no relist', async (t) => {
  const { server, view } = await setup(t, seedCluster);
  const { store } = server;
  store.upsert(namespace('dev'));
  await waitFor(() => view.stats().resources.namespaces.resourceVersion === String(store.revision), 'the namespace event');
  t.not(view.stats().resources.pods.resourceVersion, String(store.revision), 'the pods watch saw nothing of it');
  server.sendBookmark();
  await waitFor(
    () => view.stats().resources.pods.resourceVersion === String(store.revision) && view.stats().resources.networkpolicies.resourceVersion === String(store.revision),
    'bookmarks to reach the pods and policies watches',
  );
  t.match(view.stats().resources, { pods: { bookmarks: 1 }, networkpolicies: { bookmarks: 1 } });

  server.dropWatches();
  server.compact();
  await waitFor(() => server.openWatches() === 3 && view.stats().resources.pods.watches === 2, 'watching again');
  store.upsert(pod('prod', 'web-3', { app: 'web' }));
  await waitFor(() => view.stats().resources.pods.events > 0, 'the next pod event');
  t.match(view.stats().resources, { pods: { lists: 1, expired: 0 }, networkpolicies: { lists: 1, expired: 0 }, namespaces: { lists: 1, expired: 0 } });
});

t.test('an object the core cannot read is logged and skipped, in a list and in a watch, and the loop goes on', async (t) => {
  const { server, state, view, lines } = await setup(t, (server) => {
    seedCluster(server);
    server.store.upsert(policy('prod', 'bad-port', { podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] }));
  });
  t.same(policyNames(state, 'prod'), ['default-deny'], 'the unreadable policy is left out');
  const listed = lines.find((l) => l['msg'] === 'skipped an object nsguard cannot read');
  t.match(listed, { level: 40, resource: 'networkpolicies', where: 'list /apis/networking.k8s.io/v1/networkpolicies', object: 'prod/bad-port' });
  t.match((listed?.['err'] as Record<string, unknown> | undefined)?.['message'], /spec\.ingress\[0\]\.ports\[0\]\.port is 0, expected a port number/);

  server.store.upsert(pod('prod', 'odd', { app: 'odd' }, { ip: 'not-an-ip' }));
  server.store.upsert(pod('prod', 'web-3', { app: 'web' }));
  await waitFor(() => state.findPod('prod', 'web-3'), 'the pod after the unreadable one');
  t.equal(state.findPod('prod', 'odd'), undefined);
  t.match(
    lines.filter((l) => l['msg'] === 'skipped an object nsguard cannot read').map((l) => [l['where'], l['object']]),
    [
      ['list /apis/networking.k8s.io/v1/networkpolicies', 'prod/bad-port'],
      ['watch /api/v1/pods', 'prod/odd'],
    ],
  );
  t.match(view.stats().resources, { networkpolicies: { skipped: 1 }, pods: { skipped: 1, lists: 1 } });
});

/** What onChange and onListed reported, as `resource namespace/name` and `listed resource` lines. */
function recordCallbacks(): { calls: string[]; options: Pick<LiveViewOptions, 'onChange' | 'onListed'> } {
  const calls: string[] = [];
  return {
    calls,
    options: {
      onChange: (resource: WatchedResource, namespace: string, name: string) => calls.push(`${resource} ${namespace}/${name}`),
      onListed: (resource: WatchedResource) => calls.push(`listed ${resource}`),
    },
  };
}

t.test('onChange reports every list item and watch event after the state has it; onListed each complete list', async (t) => {
  const { calls, options } = recordCallbacks();
  let seenInState: boolean | undefined;
  const { server, state } = await setup(t, seedCluster, {
    ...options,
    onChange: (resource, namespace, name) => {
      if (resource === 'pods' && name === 'web-3') seenInState = state.findPod(namespace, name) !== undefined;
      options.onChange?.(resource, namespace, name);
    },
  });
  const initial = (resource: WatchedResource) => calls.filter((c) => c.startsWith(`${resource} `) || c === `listed ${resource}`);
  t.same(initial('namespaces'), ['namespaces /prod', 'namespaces /test', 'listed namespaces'], 'cluster-scoped: namespace ""');
  t.same(initial('networkpolicies'), ['networkpolicies prod/default-deny', 'listed networkpolicies']);
  t.same(
    initial('pods').sort(),
    ['listed pods', 'pods prod/db-1', 'pods prod/web-1', 'pods prod/web-2', 'pods test/job-1', 'pods test/web-1'],
    'every item, including a pod the state leaves out (Succeeded)',
  );

  calls.length = 0;
  const { store } = server;
  store.upsert(pod('prod', 'web-3', { app: 'web' }, { ip: '10.0.0.4' }));
  store.upsert(pod('prod', 'web-3', { app: 'api' }, { ip: '10.0.0.4' }));
  store.remove('v1', 'Pod', 'prod', 'db-1');
  store.upsert(policy('test', 'allow-dns'));
  store.upsert(namespace('test', { env: 'staging' }));
  await waitFor(() => calls.length === 5, 'five changes');
  t.same(calls.filter((c) => c.startsWith('pods ')), ['pods prod/web-3', 'pods prod/web-3', 'pods prod/db-1'], 'ADDED, MODIFIED, DELETED');
  t.same(calls.filter((c) => !c.startsWith('pods ')).sort(), ['namespaces /test', 'networkpolicies test/allow-dns']);
  t.equal(seenInState, true, 'the state had the pod when onChange ran');
});

t.test('a relist after 410 reports the objects it removed, and onListed again', async (t) => {
  const { calls, options } = recordCallbacks();
  const { server, state, view } = await setup(t, seedCluster, options);
  calls.length = 0;
  const { store } = server;
  server.dropWatches();
  store.remove('v1', 'Pod', 'prod', 'db-1');
  store.remove('networking.k8s.io/v1', 'NetworkPolicy', 'prod', 'default-deny');
  store.upsert(namespace('dev'));
  server.compact();
  await waitFor(() => WATCHED_RESOURCES.every((r) => view.stats().resources[r].lists === 2), 'all three relists');

  t.same(calls.filter((c) => c.startsWith('listed ')).sort(), ['listed namespaces', 'listed networkpolicies', 'listed pods']);
  t.ok(calls.includes('pods prod/db-1'), 'the pod deleted while disconnected');
  t.ok(calls.includes('networkpolicies prod/default-deny'), 'the policy deleted while disconnected');
  t.ok(calls.includes('namespaces /dev'), 'the namespace created while disconnected');
  t.ok(calls.indexOf('pods prod/db-1') < calls.indexOf('listed pods'), 'removals are reported before the list is');
  t.equal(state.findPod('prod', 'db-1'), undefined);
});

t.test('a callback that throws is logged, and the view keeps following', async (t) => {
  const { server, state, lines } = await setup(t, seedCluster, {
    onChange: () => {
      throw new Error('the controller is broken');
    },
    onListed: () => {
      throw new Error('so is its resync');
    },
  });
  server.store.upsert(pod('prod', 'web-3', { app: 'web' }));
  await waitFor(() => state.findPod('prod', 'web-3'), 'the next pod event');
  t.match(lines.find((l) => l['msg'] === 'the onChange callback of the cluster view failed'), { level: 50, resource: String, err: { message: 'the controller is broken' } });
  t.match(lines.find((l) => l['msg'] === 'the onListed callback of the cluster view failed'), { level: 50, err: { message: 'so is its resync' } });
  t.equal(lines.filter((l) => l['msg'] === 'list/watch loop ended by an error' || l['msg'] === 'applying a watch event failed').length, 0, 'no loop noticed');
});

t.test('stop before sync rejects whenSynced and ends the retry loop of an unreachable server', async (t) => {
  const server = await TestApiServer.start();
  const url = server.url;
  await server.close();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'c', cluster: 'gone', user: 'u' }],
    currentContext: 'c',
  });
  const { logger, lines } = captureLogs();
  const view = startLiveView({ kubeConfig: kc, state: new ClusterState(), logger, backoff: { initialMs: 1, maxMs: 5 } });
  const synced = view.whenSynced();
  await waitFor(() => view.stats().resources.pods.failures >= 3, 'a few failed lists');
  t.ok(lines.some((l) => l['msg'] === 'listing failed; retrying' && typeof l['retryInMs'] === 'number'));
  await view.stop();
  await t.rejects(synced, /stopped before it synced/);
  await t.rejects(view.whenSynced(), /stopped before it synced/);
  t.equal(view.synced(), false);
});

t.test('stop leaves no handle behind: the process exits by itself', async (t) => {
  const child = spawn(process.execPath, [new URL('../support/live-view-child.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A bound, not a wait: the child takes a few seconds (loading client-node), more on a loaded machine.
  const bound = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(bound);
  t.equal(code, 0, `the child exits on its own (stderr: ${stderr})`);
  t.equal(stdout, 'stopped 1\n');
});
