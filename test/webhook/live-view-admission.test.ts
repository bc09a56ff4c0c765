// The webhook over a live view of the in-repo test API server, wired as `nsguard serve` wires it: no
// review is judged before the first sync or while a watched kind has been out of sync past
// maxOutOfSyncSeconds (a retryable error with its audit line, /readyz 503, the metrics say so), and a
// namespace a review names that the view does not hold yet is looked up live, or the answer is an error.
import t from 'tap';
import { createAdmission } from '../../src/admission/admission.ts';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { LiveView } from '../../src/cluster/live-view.ts';
import { kubeNamespaceLookup } from '../../src/cluster/namespace-lookup.ts';
import { startLiveView } from '../../src/cluster/live-view.ts';
import { registerViewMetrics } from '../../src/cluster/view-metrics.ts';
import { DEFAULT_CONFIG } from '../../src/config/load-config.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import type { RequestRecord } from '../support/test-api-server.ts';
import { statusBody } from '../support/test-api-status.ts';
import { waitFor } from '../support/wait-for.ts';
import type { Served, Tap } from './harness.ts';
import { auditLines, serveAdmission } from './harness.ts';
import { namespaceCreate } from './reviews.ts';

type Written = { readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string } } & Readonly<Record<string, unknown>>;

/** A tenant's review of a NetworkPolicy or Namespace write, as the apiserver sends it. */
function review(uid: string, operation: 'CREATE' | 'UPDATE', object: Written, oldObject: Written | null = null): Record<string, unknown> {
  const kind = object.kind === 'Namespace' ? { group: '', version: 'v1', kind: 'Namespace' } : { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
  const resource = { group: kind.group, version: 'v1', resource: object.kind === 'Namespace' ? 'namespaces' : 'networkpolicies' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name: object.metadata.name,
      // For a Namespace the apiserver puts its own name here.
      namespace: object.metadata.namespace ?? object.metadata.name,
      operation,
      userInfo: { username: 'alice@example.com', groups: ['tenants', 'system:authenticated'] },
      object,
      oldObject,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions', fieldManager: 'kubectl' },
    },
  };
}

/** A NetworkPolicy CREATE in shop-prod letting in the namespace named `from`. */
function allowFrom(uid: string, from: string): Record<string, unknown> {
  return review(uid, 'CREATE', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `allow-${from}`, namespace: 'shop-prod' },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': from } } }] }] },
  });
}

const namespace = (name: string, env: string, annotations: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { env }, annotations } });

/** The admission's read of namespaces the view lacks, as opposed to the view's own lists. */
const isLookup = (r: RequestRecord): boolean => r.verb === 'list' && r.resource === 'namespaces' && (r.query['labelSelector'] ?? '').startsWith('kubernetes.io/metadata.name in');

/** The lookup's timeout here: a held request fails the lookup this quickly. */
const LOOKUP_TIMEOUT_MS = 100;

interface Setup {
  readonly api: TestApiServer;
  readonly state: ClusterState;
  readonly live: LiveView;
  readonly served: Served;
  /** Moves the live view's clock on. */
  advance(seconds: number): void;
  validate(body: unknown): Promise<{ allowed: boolean; status?: { code: number; message: string } }>;
  mutate(body: unknown): Promise<{ allowed: boolean; patch?: string; warnings?: string[] }>;
  /** Until the namespaces watch is refused and the other two are watching again. */
  namespacesWatchDown(): Promise<void>;
  metric(line: RegExp): Promise<string | undefined>;
}

/** shop-prod and ci-test in the API; the view (on a fake clock) and the webhook over it, not awaited to sync. */
async function setup(tap: Tap, before?: (api: TestApiServer) => void): Promise<Setup> {
  const api = await TestApiServer.start();
  api.store.upsert(namespace('shop-prod', 'prod'));
  api.store.upsert(namespace('ci-test', 'test'));
  before?.(api);
  let clock = Date.parse('2026-03-01T10:00:00Z');
  const state = new ClusterState();
  const live = startLiveView({ kubeConfig: api.kubeConfig(), state, logger: captureLogs().logger, backoff: { initialMs: 1, maxMs: 20 }, now: () => clock, maxOutOfSyncSeconds: 60 });
  tap.teardown(async () => {
    await live.stop();
    api.beforeRequest = undefined;
    await api.close();
  });
  const lookup = kubeNamespaceLookup(api.kubeConfig(), { timeoutMs: LOOKUP_TIMEOUT_MS });
  const served = await serveAdmission(tap, createAdmission({ view: () => state, config: () => DEFAULT_CONFIG, unready: () => live.unready(), lookup }));
  registerViewMetrics(served.server.metrics.registry, () => live.stats());
  return {
    api,
    state,
    live,
    served,
    advance: (seconds) => {
      clock += seconds * 1000;
    },
    validate: async (body) => ((await served.request({ path: '/validate', body })).json as { response: { allowed: boolean; status?: { code: number; message: string } } }).response,
    mutate: async (body) => ((await served.request({ path: '/mutate', body })).json as { response: { allowed: boolean; patch?: string; warnings?: string[] } }).response,
    metric: async (line) => (await served.request({ path: '/metrics' })).text.split('\n').find((l) => line.test(l)),
    namespacesWatchDown: async () => {
      await live.whenSynced();
      await waitFor(() => api.openWatches() === 3, 'a watch per kind');
      const previous = api.beforeRequest;
      api.beforeRequest = (record) => (record.resource === 'namespaces' && record.verb === 'watch' ? statusBody(500, 'InternalError', 'the watch cache is broken') : previous?.(record));
      api.dropWatches();
      await waitFor(() => api.requests().some((r) => r.resource === 'namespaces' && r.verb === 'watch' && r.status === 500) && api.openWatches() === 2, 'the namespaces watch refused');
    },
  };
}

t.test('before the first sync every review is a retryable error with its audit line; once synced the same review is denied', async (t) => {
  let refusing = true;
  const { api, live, served, validate, metric } = await setup(t, (api) => {
    api.beforeRequest = (record) => (refusing && record.verb === 'list' ? statusBody(503, 'ServiceUnavailable', 'etcd is starting') : undefined);
  });
  await waitFor(() => api.requests().filter((r) => r.verb === 'list' && r.status === 503).length >= 6, 'lists of every kind to be refused');

  // Judged against the empty view, this was allowed: shop-prod and ci-test were not known yet.
  const early = await validate(allowFrom('u1', 'ci-test'));
  t.match(early, { allowed: false, status: { code: 500, message: /^nsguard internal error while validating; retry \(nsguard's view of the cluster is not ready \(namespaces never listed, networkpolicies never listed, pods never listed\)/ } });
  const lines = auditLines(served.logs);
  t.equal(lines.length, 1, 'one audit line');
  t.match(lines[0], { uid: 'u1', verdict: 'error', allowed: false, err: { code: 'NSG_NOT_SYNCED' } });
  t.equal((await served.request({ path: '/readyz' })).status, 503);
  t.equal(await metric(/^nsguard_cluster_cache_synced /), 'nsguard_cluster_cache_synced 0');

  refusing = false;
  await live.whenSynced();
  const synced = await validate(allowFrom('u2', 'ci-test'));
  t.match(synced, { allowed: false, status: { code: 403, message: /^\[env-boundary\]/ } }, 'judged, and denied: ci-test is env=test');
  t.equal((await served.request({ path: '/readyz' })).status, 200);
  t.equal(await metric(/^nsguard_cluster_cache_synced /), 'nsguard_cluster_cache_synced 1');
});

t.test('a watch down past maxOutOfSyncSeconds makes the replica unready and every review an error, until the watch is back', async (t) => {
  const { api, live, served, validate, metric, advance } = await setup(t);
  await live.whenSynced();
  await waitFor(() => api.openWatches() === 3, 'a watch per kind');
  let refusing = true;
  api.beforeRequest = (record) => (refusing && record.resource === 'namespaces' && record.verb === 'watch' ? statusBody(500, 'InternalError', 'the watch cache is broken') : undefined);
  api.dropWatches();
  await waitFor(
    () => api.requests().some((r) => r.verb === 'watch' && r.status === 500) && api.openWatches() === 2,
    'the namespaces watch refused and the other two back',
  );
  t.not(live.stats().resources.namespaces.outOfSyncSince, undefined, 'namespaces are out of sync');
  t.same([live.stats().resources.pods.outOfSyncSince, live.stats().resources.networkpolicies.outOfSyncSince], [undefined, undefined], 'the others are watched again');

  advance(60);
  t.equal(live.unready(), undefined, 'within the bound the replica stays ready');
  t.equal((await validate(allowFrom('u1', 'ci-test'))).status?.code, 403, 'and judges');
  advance(1);
  t.equal(live.unready(), 'namespaces out of sync for 61 s, more than maxOutOfSyncSeconds 60');
  t.equal((await served.request({ path: '/readyz' })).status, 503);
  t.equal(await metric(/^nsguard_cluster_cache_synced /), 'nsguard_cluster_cache_synced 0');
  t.equal(await metric(/^nsguard_cluster_cache_out_of_sync_seconds\{resource="namespaces"\}/), 'nsguard_cluster_cache_out_of_sync_seconds{resource="namespaces"} 61');
  t.equal(await metric(/^nsguard_cluster_cache_out_of_sync_seconds\{resource="pods"\}/), 'nsguard_cluster_cache_out_of_sync_seconds{resource="pods"} 0');
  t.match(await validate(allowFrom('u2', 'ci-test')), { allowed: false, status: { code: 500, message: /namespaces out of sync for 61 s/ } });

  refusing = false;
  await waitFor(() => live.unready() === undefined, 'the namespaces watch to be back');
  t.equal((await served.request({ path: '/readyz' })).status, 200);
  t.equal((await validate(allowFrom('u3', 'ci-test'))).status?.code, 403);
});

t.test('a namespace created while the namespaces watch is down is looked up live: the prod policy naming it is denied', async (t) => {
  const { api, state, validate, namespacesWatchDown } = await setup(t);
  await namespacesWatchDown();
  api.store.upsert(namespace('qa-test', 'test'));
  t.equal(state.namespace('qa-test'), undefined, 'the view has not seen it');

  // Judged against the view alone, qa-test did not exist and the policy opened nothing: allowed.
  t.match(await validate(allowFrom('u1', 'qa-test')), { allowed: false, status: { code: 403, message: /^\[env-boundary\] .*qa-test/ } });
  t.same(api.requests().filter(isLookup).map((r) => r.query['labelSelector']), ['kubernetes.io/metadata.name in (qa-test)'], 'one lookup, by name');

  t.match(await validate(allowFrom('u2', 'nowhere-test')), { allowed: true }, 'a namespace the API does not have either is absent');
  t.match(await validate(allowFrom('u3', 'ci-test')), { allowed: false, status: { code: 403 } });
  t.equal(api.requests().filter(isLookup).length, 2, 'a namespace the view holds is not looked up');
});

t.test('a lookup that fails or gets no answer in time is a retryable error, never an allow', async (t) => {
  const { api, served, validate, namespacesWatchDown } = await setup(t);
  await namespacesWatchDown();
  api.store.upsert(namespace('qa-test', 'test'));
  const down = api.beforeRequest;

  api.beforeRequest = (record) => (isLookup(record) ? statusBody(500, 'InternalError', 'etcdserver: request timed out') : down?.(record));
  t.match(await validate(allowFrom('u1', 'qa-test')), {
    allowed: false,
    status: { code: 500, message: /looking up namespace qa-test, which the cluster view does not hold, failed: GET \/api\/v1\/namespaces: HTTP 500: etcdserver: request timed out/ },
  });

  const held: (() => void)[] = [];
  api.beforeRequest = (record) => (isLookup(record) ? new Promise((resolve) => held.push(() => resolve(undefined))) : down?.(record));
  t.teardown(() => held.forEach((release) => release()));
  t.match(await validate(allowFrom('u2', 'qa-test')), { allowed: false, status: { code: 500, message: new RegExp(`failed: no answer within ${LOOKUP_TIMEOUT_MS} ms`) } });
  t.match(auditLines(served.logs).map((l) => [l['uid'], l['verdict'], (l['err'] as { code?: string } | undefined)?.code]), [['u1', 'error', 'NSG_LOOKUP'], ['u2', 'error', 'NSG_LOOKUP']]);
});

t.test('the mutation takes the environment of a parent the view does not hold yet from a live lookup', async (t) => {
  const { api, mutate, namespacesWatchDown } = await setup(t);
  await namespacesWatchDown();
  api.store.upsert(namespace('platform', 'prod', { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' }));
  const answer = await mutate(namespaceCreate('tools', { annotations: { 'nsguard.io/parent': 'platform' } }));
  const patch = JSON.parse(Buffer.from(answer.patch ?? '', 'base64').toString('utf8')) as unknown;
  t.match(patch, [
    { op: 'add', path: '/metadata/annotations/nsguard.io~1isolation', value: 'strict' },
    { op: 'add', path: '/metadata/annotations/nsguard.io~1template', value: 'default' },
    { op: 'add', path: '/metadata/labels/env', value: 'prod' },
  ]);
});

/** A Namespace UPDATE from `before` to `after` labels (metadata as the apiserver stores it). */
function relabel(uid: string, name: string, before: Record<string, string>, after: Record<string, string>): Record<string, unknown> {
  const object = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } }, spec: {}, status: { phase: 'Active' } });
  return review(uid, 'UPDATE', object(after), object(before));
}

t.test('a tenant labelling its namespace role=monitoring is denied', async (t) => {
  const { live, validate } = await setup(t);
  await live.whenSynced();
  t.match(await validate(relabel('u1', 'shop-prod', { env: 'prod' }, { env: 'prod', role: 'monitoring' })), {
    allowed: false,
    status: { code: 403, message: /^\[isolation-tamper\] setting label role=monitoring on namespace shop-prod, read by template default \(nsguard-allow-monitoring\): user alice@example.com may not/ },
  });
  t.match(await validate(relabel('u2', 'shop-prod', { env: 'prod' }, { env: 'prod', team: 'shop' })), { allowed: true }, 'a label nothing generated reads is the tenant\'s');
});
