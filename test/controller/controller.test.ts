// The policy controller end to end, as `nsguard serve` runs it, against the in-repo test API server:
// what users see in the API (policies, Events, namespace annotations) and the requests the controller
// made, for generation, restores, template and isolation changes, deletion, relists, two replicas,
// inheritance, problems, refused writes, dry runs and Terminating namespaces.
import t from 'tap';
import { parseConfig } from '../../src/config/load-config.ts';
import type { Replica } from '../support/controller-harness.ts';
import { ControllerHarness } from '../support/controller-harness.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { isObject, metadataOf } from '../support/test-api-object.ts';
import type { RequestRecord } from '../support/test-api-server.ts';
import { describeSelector } from '../support/test-api-selectors.ts';
import { statusBody } from '../support/test-api-status.ts';
import { waitFor } from '../support/wait-for.ts';

/** The default template's policies in creation order (the order the webhook needs). */
const CREATION_ORDER = ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-default-deny'];
const GENERATED = [...CREATION_ORDER].sort();
/** As the mutating webhook leaves a new namespace. */
const STRICT = { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' };
const READY = 'nsguard.io/isolation-ready';
const PROBLEM = 'nsguard.io/problem';
const API_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function tenant(h: ControllerHarness, name: string, annotations: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return h.createNamespace(name, { labels: { env: 'prod' }, annotations: { ...STRICT, ...annotations } });
}

/** A namespace created and brought to its generated policies; its uid. */
async function converged(h: ControllerHarness, name: string, annotations: Record<string, string> = {}): Promise<string> {
  const created = await tenant(h, name, annotations);
  await h.settle();
  return String(metadataOf(created)['uid']);
}

const uidOf = (object: KubeObject | undefined): unknown => metadataOf(object ?? {})['uid'];
const field = (object: KubeObject | undefined, key: string): unknown => (object === undefined ? undefined : object[key]);
const specOf = (object: KubeObject | undefined): Record<string, unknown> => {
  const spec = field(object, 'spec');
  return isObject(spec) ? spec : {};
};
const labelsOf = (object: KubeObject | undefined): unknown => metadataOf(object ?? {})['labels'];

/** Writes to networkpolicies as [method, field manager, name]. */
const policyWrites = (h: ControllerHarness, namespace?: string): [string, string | undefined, string | undefined][] =>
  h
    .writes()
    .filter((w) => w.resource === 'networkpolicies' && (namespace === undefined || w.namespace === namespace))
    .map((w) => [w.method, w.fieldManager, w.name]);

const isApply = (w: RequestRecord): boolean => w.method === 'PATCH' && w.contentType === 'application/apply-patch+yaml' && w.fieldManager === 'nsguard' && w.query['force'] === 'true';

const reasons = (h: ControllerHarness, namespace: string): string[] => h.events(namespace).map((e) => `${e.type} ${e.reason}`);

const callsFor = (replica: Replica, namespace: string) => replica.calls.filter((c) => c.namespace === namespace);

t.test('a new namespace gets the five default policies, applied by nsguard, a ready annotation and a PoliciesGenerated Event', async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  await h.settle();
  h.server.clearRequests();
  const uid = await converged(h, 'shop');

  t.same(h.policyNames('shop'), GENERATED);
  for (const name of GENERATED) {
    const policy = h.policy('shop', name);
    t.match(labelsOf(policy), { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/template': 'default' }, `${name} is labelled as generated`);
    t.match(metadataOf(policy ?? {})['managedFields'], [{ manager: 'nsguard', operation: 'Apply' }], `${name} is managed by the nsguard field manager`);
  }
  t.same(specOf(h.policy('shop', 'nsguard-default-deny')), { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

  const writes = h.writes().filter((w) => w.resource === 'networkpolicies');
  t.same(writes.map((w) => w.name), CREATION_ORDER, 'created in the template order, each once');
  t.ok(writes.every(isApply), 'every policy write is a forced server-side apply by nsguard');
  t.same(writes.map((w) => w.status), [201, 201, 201, 201, 201]);

  const annotations = h.annotations('shop');
  t.match(annotations, { [READY]: API_TIME, ...STRICT });
  t.notOk(PROBLEM in annotations, 'no problem reported');
  const namespacePatches = h.writes().filter((w) => w.resource === 'namespaces' && w.method === 'PATCH');
  // The policies' watch events run the namespace again before its own event is back: the ready time
  // must not be written a second time (later) from the stale view.
  t.same(namespacePatches.map((w) => [w.name, w.contentType]), [['shop', 'application/merge-patch+json']], 'the ready annotation is written once');

  const events = h.events('shop');
  t.equal(events.length, 1);
  t.match(events[0], {
    namespace: 'default',
    type: 'Normal',
    reason: 'PoliciesGenerated',
    message: `created ${CREATION_ORDER.join(', ')} from template default`,
    involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid },
    reportingInstance: 'nsguard-0',
  });
  t.notOk('namespace' in (events[0]?.involvedObject ?? {}), 'a Namespace has no namespace');

  // What `kubectl describe namespace shop` asks for: every namespace's Events about it, by field selector.
  const selector = describeSelector('Namespace', 'shop', '', uid);
  const described = await h.request('GET', `/api/v1/events?fieldSelector=${encodeURIComponent(selector)}&limit=500`);
  t.same((described['items'] as KubeObject[]).map((e) => [metadataOf(e)['namespace'], e['reason']]), [['default', 'PoliciesGenerated']]);
  t.same(h.server.writes().filter((w) => w.resource === 'events').map((w) => [w.namespace, w.status]), [['default', 201]], 'the API accepted it');
});

t.test('an Event the API refuses fails nothing: the policies and the ready annotation are written, the refusal logged and counted', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await h.settle();
  h.server.beforeRequest = (r) => (r.resource === 'events' ? statusBody(422, 'Invalid', 'Event "x" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace') : undefined);
  await tenant(h, 'shop');
  await waitFor(() => READY in h.annotations('shop'), 'the ready annotation');
  await h.settle();

  t.same(h.policyNames('shop'), GENERATED);
  t.match(h.annotations('shop'), { [READY]: API_TIME });
  t.same(h.events('shop'), [], 'the Event itself is lost');
  t.match(replica.controller.stats(), { failedEvents: 1, failedReconciles: 0 }, 'counted, and not as a failed pass');
  t.match(
    replica.lines.filter((l) => l['msg'] === 'an Event about a namespace was not recorded'),
    [{ level: 40, namespace: 'shop', reason: 'PoliciesGenerated', err: { message: /HTTP 422/ } }],
  );
});

t.test('a generated policy deleted by a user is restored by an apply, every time', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await converged(h, 'shop');
  const ready = h.annotations('shop')[READY];
  h.server.clearRequests();

  for (const round of [1, 2]) {
    const before = uidOf(h.policy('shop', 'nsguard-default-deny'));
    await h.deletePolicy('shop', 'nsguard-default-deny');
    await waitFor(() => uidOf(h.policy('shop', 'nsguard-default-deny')) !== undefined && uidOf(h.policy('shop', 'nsguard-default-deny')) !== before, `restore ${round}`);
    await h.settle();
  }
  t.same(specOf(h.policy('shop', 'nsguard-default-deny')), { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  t.match(labelsOf(h.policy('shop', 'nsguard-default-deny')), { 'app.kubernetes.io/managed-by': 'nsguard' });
  t.same(
    policyWrites(h),
    [
      ['DELETE', undefined, 'nsguard-default-deny'],
      ['PATCH', 'nsguard', 'nsguard-default-deny'],
      ['DELETE', undefined, 'nsguard-default-deny'],
      ['PATCH', 'nsguard', 'nsguard-default-deny'],
    ],
    'the user deleted it twice; nsguard only applied it back (no delete, no create)',
  );
  t.ok(h.writes().filter((w) => w.fieldManager === 'nsguard').every(isApply));
  t.same(reasons(h, 'shop'), ['Normal PoliciesGenerated', 'Normal PoliciesRestored', 'Normal PoliciesRestored']);
  t.equal(h.events('shop')[1]?.message, 'rewrote nsguard-default-deny: missing or different from what template default generates');
  t.equal(h.annotations('shop')[READY], ready, 'the ready time stays the first one');
  t.match(replica.controller.stats(), { restored: 2, removed: 0, failedReconciles: 0 }, 'what /metrics counts as restored');
});

t.test('a generated policy whose rules were changed is restored in place', async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  await converged(h, 'shop');
  const original = h.policy('shop', 'nsguard-allow-same-namespace');
  h.server.clearRequests();

  await h.patchPolicy('shop', 'nsguard-allow-same-namespace', { spec: { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } });
  await waitFor(() => metadataOf(h.policy('shop', 'nsguard-allow-same-namespace') ?? {})['generation'] === 3, 'the change and the restore');
  await h.settle();

  const restored = h.policy('shop', 'nsguard-allow-same-namespace');
  t.equal(uidOf(restored), uidOf(original), 'the same object');
  t.same(specOf(restored), specOf(original), 'the rules are back');
  t.same(policyWrites(h), [
    ['PATCH', undefined, 'nsguard-allow-same-namespace'],
    ['PATCH', 'nsguard', 'nsguard-allow-same-namespace'],
  ]);
  t.ok(isApply(h.writes().find((w) => w.fieldManager === 'nsguard') as RequestRecord));
  t.same(reasons(h, 'shop'), ['Normal PoliciesGenerated', 'Normal PoliciesRestored']);
});

t.test('a field someone added to a generated policy goes: apply keeps fields it does not set, so the restore replaces the spec', async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  await converged(h, 'shop');
  h.server.clearRequests();

  // Narrows the default deny to the web pods: every other pod of shop would be open again.
  await h.patchPolicy('shop', 'nsguard-default-deny', { spec: { podSelector: { matchLabels: { app: 'web' } } } });
  await waitFor(() => JSON.stringify(specOf(h.policy('shop', 'nsguard-default-deny'))['podSelector']) === '{}', 'the default deny to select every pod again');
  await h.settle();
  t.same(specOf(h.policy('shop', 'nsguard-default-deny')), { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const nsguard = h.writes().filter((w) => w.fieldManager === 'nsguard');
  t.same(nsguard.map((w) => w.contentType), ['application/apply-patch+yaml', 'application/json-patch+json'], 'an apply, then a replace of the spec since the apply left the addition');
  t.same(reasons(h, 'shop'), ['Normal PoliciesGenerated', 'Normal PoliciesRestored']);
});

t.test('a namespace update that changes nothing nsguard generates causes no write', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await converged(h, 'shop');
  const calls = replica.calls.length;
  h.server.clearRequests();

  await h.patchNamespace('shop', { metadata: { labels: { team: 'payments' } } });
  await waitFor(() => replica.state.namespace('shop')?.labels['team'] === 'payments', 'the view to see the label');
  await h.settle();

  t.same(
    h.writes().map((w) => [w.method, w.resource, w.name]),
    [['PATCH', 'namespaces', 'shop']],
    'only the test wrote',
  );
  t.equal(replica.calls.length, calls);
});

t.test('a new template configuration updates every namespace policy in place', async (t) => {
  const h = await ControllerHarness.start(t);
  const a = h.startReplica({ identity: 'nsguard-a' });
  const names = ['team-a', 'team-b', 'team-c'];
  for (const name of names) await tenant(h, name);
  await h.settle();
  const before = new Map(names.map((ns) => [ns, new Map(GENERATED.map((p) => [p, h.policy(ns, p)]))]));
  t.match(specOf(h.policy('team-a', 'nsguard-allow-monitoring')), { ingress: [{ ports: [{ protocol: 'TCP', port: 'metrics' }, { protocol: 'TCP', port: 9090 }] }] });
  await a.stop();

  h.server.clearRequests();
  const b = h.startReplica({ identity: 'nsguard-b', config: parseConfig('monitoring:\n  ports: [9100]\n', 'nsguard-b.yaml') });
  t.equal(await h.settle(), b);

  for (const ns of names) {
    const monitoring = h.policy(ns, 'nsguard-allow-monitoring');
    const old = before.get(ns)?.get('nsguard-allow-monitoring');
    t.same(specOf(monitoring)['ingress'], [{ from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9100 }] }], `${ns}: the new ports`);
    t.equal(uidOf(monitoring), uidOf(old), `${ns}: the same object`);
    for (const name of GENERATED.filter((p) => p !== 'nsguard-allow-monitoring')) {
      t.equal(metadataOf(h.policy(ns, name) ?? {})['resourceVersion'], metadataOf(before.get(ns)?.get(name) ?? {})['resourceVersion'], `${ns}/${name} untouched`);
    }
    t.same(reasons(h, ns), ['Normal PoliciesGenerated', 'Normal PoliciesRestored']);
    t.match(h.events(ns)[1], { message: 'rewrote nsguard-allow-monitoring: missing or different from what template default generates', reportingInstance: 'nsguard-b' });
  }
  const writes = h.writes().filter((w) => w.resource === 'networkpolicies');
  t.same(writes.map((w) => `${w.namespace}/${w.name}`).sort(), names.map((ns) => `${ns}/nsguard-allow-monitoring`), 'one write per namespace');
  t.ok(writes.every(isApply), 'applies only: no DELETE, no POST');
});

t.test('isolation switched to none removes the policies DNS last; ingress keeps only the ingress halves', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await tenant(h, 'loose');
  await tenant(h, 'inward');
  await h.settle();
  const inward = new Map(GENERATED.map((p) => [p, h.policy('inward', p)]));
  h.server.clearRequests();

  await h.patchNamespace('loose', { metadata: { annotations: { 'nsguard.io/isolation': 'none' } } });
  await waitFor(() => h.policyNames('loose').length === 0, 'the policies to go');
  await h.settle();
  const deletes = h.writes().filter((w) => w.resource === 'networkpolicies' && w.namespace === 'loose');
  t.ok(deletes.every((w) => w.method === 'DELETE' && w.status === 200));
  t.same(deletes.map((w) => w.name), [...CREATION_ORDER].reverse(), 'the reverse of the creation order');
  t.ok(deletes.findIndex((w) => w.name === 'nsguard-default-deny') < deletes.findIndex((w) => w.name === 'nsguard-allow-dns'), 'the default deny goes before DNS');
  t.notOk(READY in h.annotations('loose'), 'no longer marked ready');
  t.match(h.events('loose').at(-1), { type: 'Normal', reason: 'PoliciesRemoved', message: `removed ${[...CREATION_ORDER].reverse().join(', ')}, no longer generated (isolation none)` });
  t.equal(replica.controller.stats().removed, CREATION_ORDER.length, 'what /metrics counts as removed');

  await h.patchNamespace('loose', { metadata: { annotations: { 'nsguard.io/isolation': 'ingress' } } });
  await waitFor(() => h.policyNames('loose').length === 4, 'the ingress policies');
  await h.settle();
  t.same(h.policyNames('loose'), GENERATED.filter((p) => p !== 'nsguard-allow-dns'), 'an egress-only policy is not generated');
  t.same(specOf(h.policy('loose', 'nsguard-default-deny')), { podSelector: {}, policyTypes: ['Ingress'] });
  t.match(h.annotations('loose'), { [READY]: API_TIME });

  h.server.clearRequests();
  await h.patchNamespace('inward', { metadata: { annotations: { 'nsguard.io/isolation': 'ingress' } } });
  await waitFor(() => h.policy('inward', 'nsguard-allow-dns') === undefined, 'DNS egress to go');
  await h.settle();
  t.same(h.policyNames('inward'), GENERATED.filter((p) => p !== 'nsguard-allow-dns'));
  for (const name of ['nsguard-default-deny', 'nsguard-allow-same-namespace']) {
    t.equal(uidOf(h.policy('inward', name)), uidOf(inward.get(name)), `${name} updated in place`);
    t.same(specOf(h.policy('inward', name))['policyTypes'], ['Ingress'], `${name} governs ingress only`);
    t.notOk('egress' in specOf(h.policy('inward', name)), `${name} has no egress rules`);
  }
  t.same(
    h.writes().filter((w) => w.fieldManager === 'nsguard' || w.method === 'DELETE').map((w) => [w.method, w.name]),
    [
      ['PATCH', 'nsguard-allow-same-namespace'],
      ['PATCH', 'nsguard-default-deny'],
      ['DELETE', 'nsguard-allow-dns'],
    ],
    'egress isolation ends before DNS egress goes',
  );
});

t.test('a namespace being deleted gets no write, and goes once finalized', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await converged(h, 'doomed');
  await converged(h, 'bystander');
  h.server.clearRequests();
  const calls = replica.calls.length;

  await h.deleteNamespace('doomed');
  t.match(h.namespace('doomed'), { status: { phase: 'Terminating' }, spec: { finalizers: ['kubernetes'] } }, 'held by the kubernetes finalizer');
  // The namespace controller empties a namespace it has seen Terminating; nsguard sees it too by then.
  await waitFor(() => replica.state.namespace('doomed')?.terminating, 'the view to see doomed Terminating');
  for (const name of GENERATED) await h.deletePolicy('doomed', name);
  await h.settle();
  t.same(h.policyNames('doomed'), [], 'nothing restored in a Terminating namespace');
  h.server.finalizeNamespace('doomed');
  await waitFor(() => replica.state.namespace('doomed') === undefined, 'the view to drop doomed');
  await h.settle();

  t.equal(h.namespace('doomed'), undefined);
  t.same(replica.calls.slice(calls), [], 'the controller wrote nothing after doomed went Terminating');
  t.same(
    h.writes().map((w) => [w.method, w.resource, w.name]),
    [['DELETE', 'namespaces', 'doomed'], ...GENERATED.map((name) => ['DELETE', 'networkpolicies', name])],
    'only the test wrote',
  );
  t.same(h.policyNames('bystander'), GENERATED);
});

t.test('a deletion missed while the watch was down is restored after the relist', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await converged(h, 'shop');
  const lists = replica.live.stats().resources.networkpolicies.lists;
  const events = replica.live.stats().resources.networkpolicies.events;
  h.server.clearRequests();

  // In one tick: no watch is open to see the delete, and the history a re-watch would replay is gone.
  h.server.dropWatches();
  h.server.store.remove('networking.k8s.io/v1', 'NetworkPolicy', 'shop', 'nsguard-default-deny');
  h.server.compact();

  await waitFor(() => h.policy('shop', 'nsguard-default-deny'), 'the restore');
  await h.settle();
  const stats = replica.live.stats().resources.networkpolicies;
  t.ok(stats.expired >= 1, 'the re-watch got 410 Expired');
  t.equal(stats.lists, lists + 1, 'and listed again');
  t.ok(h.server.requests().some((r) => r.verb === 'list' && r.resource === 'networkpolicies'));
  t.equal(stats.events - events, 1, 'the one event watched is the restore itself, not the delete');
  t.same(policyWrites(h), [['PATCH', 'nsguard', 'nsguard-default-deny']]);
  t.same(reasons(h, 'shop'), ['Normal PoliciesGenerated', 'Normal PoliciesRestored']);
});

t.test('of two replicas one leads and alone writes; when it stops the other takes over', async (t) => {
  const h = await ControllerHarness.start(t);
  const a = h.startReplica({ identity: 'nsguard-a' });
  const b = h.startReplica({ identity: 'nsguard-b' });
  const leader = await h.leader();
  const follower = leader === a ? b : a;
  await converged(h, 'first');
  t.equal(follower.controller.isLeader(), false);
  t.same(h.policyNames('first'), GENERATED);
  t.ok(leader.calls.length > 0);
  t.same(follower.calls, [], 'the follower wrote nothing');
  await waitFor(() => follower.state.policies('first').length === GENERATED.length, 'the follower to watch the policies too');
  t.ok(h.events('first').every((e) => e.reportingInstance === leader.identity));
  await t.rejects(follower.controller.idle(), /not leading/);

  await leader.stop();
  t.equal(await h.leader(), follower, 'the follower took over');
  await converged(h, 'second');
  t.same(h.policyNames('second'), GENERATED);
  t.same(callsFor(follower, 'first'), [], 'its backfill found first complete');
  t.ok(callsFor(follower, 'second').length > 0);
  t.match(h.events('second'), [{ reason: 'PoliciesGenerated', reportingInstance: follower.identity }]);
  t.same(callsFor(leader, 'second'), [], 'the stopped replica wrote nothing more');
});

t.test("a child namespace copies its parent's own policies and follows them", async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  const spec = {
    podSelector: { matchLabels: { app: 'api' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  };
  await converged(h, 'shop');
  await h.createPolicy('shop', 'allow-from-frontend', spec);
  await converged(h, 'shop-cart', { 'nsguard.io/parent': 'shop' });

  const COPY = 'nsguard-inherit-allow-from-frontend';
  t.same(h.policyNames('shop-cart'), [...GENERATED, COPY].sort());
  t.same(h.policyNames('shop'), [...GENERATED, 'allow-from-frontend'].sort(), 'the parent keeps its own');
  const copy = h.policy('shop-cart', COPY);
  t.match(labelsOf(copy), { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/inherit': 'true' });
  t.match(metadataOf(copy ?? {})['annotations'], { 'nsguard.io/inherited-from': 'shop/allow-from-frontend' });
  t.same(specOf(copy), spec);
  t.notOk(PROBLEM in h.annotations('shop-cart'));

  await h.patchPolicy('shop', 'allow-from-frontend', { spec: { ingress: [{ ...spec.ingress[0], ports: [{ protocol: 'TCP', port: 9090 }] }] } });
  await waitFor(() => JSON.stringify(specOf(h.policy('shop-cart', COPY))).includes('9090'), 'the copy to follow');
  await h.settle();
  t.same(specOf(h.policy('shop-cart', COPY))['ingress'], [{ ...spec.ingress[0], ports: [{ protocol: 'TCP', port: 9090 }] }]);
  t.equal(uidOf(h.policy('shop-cart', COPY)), uidOf(copy), 'updated in place');

  await h.deletePolicy('shop', 'allow-from-frontend');
  await waitFor(() => h.policy('shop-cart', COPY) === undefined, 'the copy to go');
  await h.settle();
  t.same(h.policyNames('shop-cart'), GENERATED);
  t.match(h.events('shop-cart').at(-1), { reason: 'PoliciesRemoved', message: /^removed nsguard-inherit-allow-from-frontend, / });
});

t.test('a child moved to another parent swaps their copies, then follows the new parent and not the old', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  const ingressFrom = (team: string, port: number) => ({
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team } } }], ports: [{ protocol: 'TCP', port }] }],
  });
  await converged(h, 'team-a');
  await h.createPolicy('team-a', 'allow-a', ingressFrom('a', 8080));
  await converged(h, 'team-b');
  await h.createPolicy('team-b', 'allow-b', ingressFrom('b', 8080));
  await converged(h, 'cart', { 'nsguard.io/parent': 'team-a' });
  const COPY_A = 'nsguard-inherit-allow-a';
  const COPY_B = 'nsguard-inherit-allow-b';
  t.same(h.policyNames('cart'), [...GENERATED, COPY_A].sort());

  await h.patchNamespace('cart', { metadata: { annotations: { 'nsguard.io/parent': 'team-b' } } });
  await waitFor(() => h.policy('cart', COPY_B) !== undefined && h.policy('cart', COPY_A) === undefined, "B's copy in, A's out");
  await h.settle();
  t.same(h.policyNames('cart'), [...GENERATED, COPY_B].sort());
  t.match(metadataOf(h.policy('cart', COPY_B) ?? {})['annotations'], { 'nsguard.io/inherited-from': 'team-b/allow-b' });
  t.same(specOf(h.policy('cart', COPY_B)), ingressFrom('b', 8080));
  t.notOk(PROBLEM in h.annotations('cart'));

  // Only the index queues cart for a change in team-b: nothing happens in cart itself.
  await h.patchPolicy('team-b', 'allow-b', { spec: { ingress: ingressFrom('b', 9090).ingress } });
  await waitFor(() => JSON.stringify(specOf(h.policy('cart', COPY_B))).includes('9090'), "the copy to follow team-b's change");
  await h.settle();
  t.same(specOf(h.policy('cart', COPY_B)), ingressFrom('b', 9090));

  const reconciles = replica.controller.stats().reconciles;
  const calls = replica.calls.length;
  await h.patchPolicy('team-a', 'allow-a', { spec: { ingress: ingressFrom('a', 9090).ingress } });
  // settle() waits until the view has seen the change and the queue is idle.
  await h.settle();
  t.equal(replica.controller.stats().reconciles - reconciles, 1, 'team-a alone was reconciled, not its former child');
  t.same(replica.calls.slice(calls), [], 'nothing written');
  t.same(h.policyNames('cart'), [...GENERATED, COPY_B].sort());
});

t.test('a missing parent and a parent cycle are reported once, and other namespaces are still served', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await converged(h, 'orphan', { 'nsguard.io/parent': 'gone' });
  const missing = 'ParentMissing: parent namespace gone (annotation nsguard.io/parent) does not exist; nothing is inherited';
  t.equal(h.annotations('orphan')[PROBLEM], missing);
  t.same(h.policyNames('orphan'), GENERATED, 'it stands alone, isolated');
  t.same(reasons(h, 'orphan').sort(), ['Normal PoliciesGenerated', 'Warning ParentMissing']);
  t.equal(h.events('orphan').find((e) => e.reason === 'ParentMissing')?.message, missing.replace('ParentMissing: ', ''));

  await converged(h, 'cycle-a');
  await h.patchNamespace('cycle-a', { metadata: { annotations: { 'nsguard.io/parent': 'cycle-b' } } });
  await tenant(h, 'cycle-b', { 'nsguard.io/parent': 'cycle-a' });
  await h.settle();
  t.match(h.annotations('cycle-a')[PROBLEM], 'ParentCycle: nsguard.io/parent annotations form a cycle: cycle-a → cycle-b → cycle-a; nothing is inherited');
  t.match(h.annotations('cycle-b')[PROBLEM], 'ParentCycle: nsguard.io/parent annotations form a cycle: cycle-b → cycle-a → cycle-b; nothing is inherited');

  await converged(h, 'bystander');
  t.same(h.policyNames('bystander'), GENERATED, 'the controller still serves other namespaces');

  // Resyncs: an unrelated update of each, and a relist of everything.
  const before = ['orphan', 'cycle-a', 'cycle-b'].map((ns) => reasons(h, ns));
  for (const ns of ['orphan', 'cycle-a', 'cycle-b']) await h.patchNamespace(ns, { metadata: { labels: { touched: 'yes' } } });
  const lists = replica.live.stats().resources.namespaces.lists;
  h.forceRelist();
  await waitFor(() => replica.live.stats().resources.namespaces.lists > lists, 'a relist');
  await h.settle();
  t.same(['orphan', 'cycle-a', 'cycle-b'].map((ns) => reasons(h, ns)), before, 'no Event repeated');
  for (const ns of ['orphan', 'cycle-a', 'cycle-b']) {
    const warnings = h.events(ns).filter((e) => e.type === 'Warning').map((e) => e.reason);
    t.ok(new Set(warnings).size === warnings.length, `${ns}: each problem reported once (${warnings.join(', ')})`);
  }
  t.same(h.events('cycle-b').filter((e) => e.type === 'Warning').map((e) => e.reason), ['ParentCycle']);

  // Deleted and created again: the old Events went with the namespace, so the problem is reported anew.
  await h.deleteNamespace('orphan');
  h.server.finalizeNamespace('orphan');
  await waitFor(() => replica.state.namespace('orphan') === undefined, 'the view to drop orphan');
  await converged(h, 'orphan', { 'nsguard.io/parent': 'gone' });
  t.same(reasons(h, 'orphan').sort(), ['Normal PoliciesGenerated', 'Warning ParentMissing'], 'the new orphan hears of its missing parent');
  t.equal(h.annotations('orphan')[PROBLEM], missing);

  await h.patchNamespace('orphan', { metadata: { annotations: { 'nsguard.io/parent': null } } });
  await waitFor(() => !(PROBLEM in h.annotations('orphan')), 'the problem annotation to go');
  await h.settle();
  t.same(reasons(h, 'orphan').sort(), ['Normal PoliciesGenerated', 'Warning ParentMissing'], 'a solved problem needs no Event');
});

t.test('a refused write is reported, retried with backoff, and converges once the refusal stops', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await h.settle();
  const denial = 'admission webhook "validate.nsguard.io" denied the request: [dns-egress] nsguard-default-deny would isolate the egress of every pod in blocked while no policy allows DNS';
  const refused = (r: RequestRecord): boolean => r.resource === 'networkpolicies' && r.namespace === 'blocked' && r.name === 'nsguard-default-deny' && r.method === 'PATCH';
  h.server.beforeRequest = (r) => (refused(r) ? statusBody(403, 'Forbidden', denial) : undefined);

  await tenant(h, 'blocked');
  await waitFor(() => h.server.requests().filter((r) => refused(r) && r.status === 403).length >= 4, 'four refused attempts');
  t.same(h.policyNames('blocked'), GENERATED.filter((p) => p !== 'nsguard-default-deny'));
  t.notOk(READY in h.annotations('blocked'), 'not ready while a policy is missing');
  const blocked = h.events('blocked').filter((e) => e.reason === 'GenerationBlocked');
  t.equal(blocked.length, 1, 'reported once, not on every retry');
  t.match(blocked[0], { type: 'Warning', message: /blocked\/nsguard-default-deny: .*HTTP 403: admission webhook "validate\.nsguard\.io" denied the request: \[dns-egress\]/ });
  // The fourth refusal is on record at the API server a moment before the controller has counted it.
  await waitFor(() => replica.controller.stats().failedReconciles >= 4, 'each refused pass counted as a failed reconcile');
  const retries = replica.lines.filter((l) => l['msg'] === 'processing a key failed' && l['key'] === 'blocked');
  t.same(retries.slice(0, 3).map((l) => l['failures']), [1, 2, 3]);
  // A failure while the key was queued again runs it at once (no delay logged); the others back off.
  const delays = retries.filter((l) => l['retryInMs'] !== undefined).map((l) => Number(l['retryInMs']));
  t.ok(delays.length >= 2);
  t.ok(delays.every((d, i) => i === 0 || d >= (delays[i - 1] ?? 0)), `growing delays: ${delays.join(', ')}`);

  h.server.beforeRequest = undefined;
  await waitFor(() => h.policy('blocked', 'nsguard-default-deny'), 'the policy once admitted');
  await h.settle();
  t.same(h.policyNames('blocked'), GENERATED);
  t.match(h.annotations('blocked'), { [READY]: API_TIME });
  t.same(reasons(h, 'blocked'), ['Normal PoliciesGenerated', 'Warning GenerationBlocked', 'Normal PoliciesGenerated']);
  t.match(h.events('blocked').at(-1), { message: 'created nsguard-default-deny from template default' });
});

t.test('a refused write stops the pass: nothing ordered after it is written', async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  await h.settle();
  const refused = (r: RequestRecord): boolean => r.resource === 'networkpolicies' && r.namespace === 'held' && r.name === 'nsguard-allow-dns' && r.method === 'PATCH';
  h.server.beforeRequest = (r) => (refused(r) ? statusBody(403, 'Forbidden', 'admission webhook "validate.nsguard.io" denied the request') : undefined);
  await tenant(h, 'held');
  await waitFor(() => h.server.requests().filter((r) => refused(r) && r.status === 403).length >= 2, 'two refused attempts');
  // Without DNS allowed first, the default deny would cut DNS for every pod of the namespace.
  t.same(h.policyNames('held'), [], 'no policy after the refused DNS allowance');
  h.server.beforeRequest = undefined;
  await waitFor(() => h.policy('held', 'nsguard-default-deny'), 'the whole set once DNS is admitted');
  await h.settle();
  t.same(h.policyNames('held'), GENERATED);
});

t.test('a namespace created with dryRun=All leaves no trace', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await h.settle();
  h.server.clearRequests();
  const answer = await h.createNamespace('rehearsal', { labels: { env: 'prod' }, annotations: STRICT }, '?dryRun=All');
  t.match(answer, { metadata: { name: 'rehearsal', uid: String } }, 'answered as if created');
  // A namespace created after it: once that one is served, the dry run had every chance to show.
  await converged(h, 'real');

  t.equal(h.namespace('rehearsal'), undefined);
  t.equal(replica.state.namespace('rehearsal'), undefined, 'no watch event for it');
  t.same(h.policyNames('rehearsal'), []);
  t.same(h.events('rehearsal'), []);
  t.same(callsFor(replica, 'rehearsal'), []);
  t.same(
    h.writes().filter((w) => w.dryRun || w.namespace === 'rehearsal' || w.name === 'rehearsal').map((w) => [w.method, w.path, w.dryRun, w.status]),
    [['POST', '/api/v1/namespaces', true, 201]],
    'the dry run itself is the only request naming it',
  );
  t.same(h.policyNames('real'), GENERATED);
});

t.test('nothing is written into a Terminating namespace, even with its policies missing', async (t) => {
  const h = await ControllerHarness.start(t);
  h.server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving', labels: { env: 'prod' }, annotations: STRICT } });
  h.server.store.remove('v1', 'Namespace', undefined, 'leaving');
  h.server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'staying', labels: { env: 'prod' }, annotations: STRICT } });
  const replica = h.startReplica();
  await h.settle();

  t.match(h.namespace('leaving'), { status: { phase: 'Terminating' } });
  t.same(h.policyNames('staying'), GENERATED, 'the backfill ran');
  t.same(h.policyNames('leaving'), []);
  t.same(callsFor(replica, 'leaving'), []);
  t.same(h.writes().filter((w) => w.namespace === 'leaving' || w.name === 'leaving'), [], 'no request for it');
});
