// The controller's backfill of what the mutating webhook stamps, against the in-repo test API server
// (which runs no webhooks: every namespace created here is one the mutation missed): the environment
// label from the name rules or the parent, the isolation and template annotations, an Event, and never
// a value a user gave.
import t from 'tap';
import { ControllerHarness } from '../support/controller-harness.ts';
import { isObject, metadataOf } from '../support/test-api-object.ts';
import type { RequestRecord } from '../support/test-api-server.ts';
import { waitFor } from '../support/wait-for.ts';

const GENERATED = ['nsguard-allow-dns', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-allow-same-namespace', 'nsguard-default-deny'];

const labelsOf = (h: ControllerHarness, name: string): Record<string, unknown> => {
  const labels = metadataOf(h.namespace(name) ?? {})['labels'];
  return isObject(labels) ? labels : {};
};

const reasons = (h: ControllerHarness, namespace: string): string[] => h.events(namespace).map((e) => `${e.type} ${e.reason}`);

/** The controller's merge patches of a namespace: the stamp and the ready annotation. */
const namespacePatches = (h: ControllerHarness, name: string): RequestRecord[] => h.writes().filter((w) => w.resource === 'namespaces' && w.name === name && w.method === 'PATCH');

t.test('a namespace created while the mutation was down is stamped by the controller, then isolated', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await h.settle();
  await h.createNamespace('shop-prod');
  await waitFor(() => labelsOf(h, 'shop-prod')['env'] === 'prod', 'the stamp');
  await h.settle();

  t.match(labelsOf(h, 'shop-prod'), { env: 'prod' }, 'the environment from the name rules');
  t.match(h.annotations('shop-prod'), { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default', 'nsguard.io/isolation-ready': String });
  t.same(h.policyNames('shop-prod'), GENERATED);
  t.same(reasons(h, 'shop-prod'), ['Normal NamespaceStamped', 'Normal PoliciesGenerated']);
  t.match(h.events('shop-prod')[0], {
    message: "set env=prod, nsguard.io/isolation=strict, nsguard.io/template=default: what nsguard's mutating webhook stamps on creation, which this namespace missed (the webhook was down or did not run)",
  });
  t.same(replica.calls.filter((c) => c.op === 'stamp').map((c) => c.name), ['shop-prod'], 'stamped once');
  t.same(namespacePatches(h, 'shop-prod').map((w) => w.contentType), ['application/merge-patch+json', 'application/merge-patch+json'], 'the stamp and the ready time, nothing more');
  t.match(replica.controller.stats(), { stamped: 1 });
});

t.test('values a user gave are kept; only what is missing is stamped', async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  await h.settle();
  await h.createNamespace('web-prod', { labels: { env: 'test' }, annotations: { 'nsguard.io/isolation': 'ingress' } });
  await waitFor(() => h.annotations('web-prod')['nsguard.io/template'] === 'default', 'the stamp');
  await h.settle();
  t.match(labelsOf(h, 'web-prod'), { env: 'test' }, 'not the env=prod the name would give');
  t.match(h.annotations('web-prod'), { 'nsguard.io/isolation': 'ingress', 'nsguard.io/template': 'default' });
  t.match(h.events('web-prod')[0], { reason: 'NamespaceStamped', message: /^set nsguard\.io\/template=default: / });

  // A namespace the mutation did stamp needs nothing.
  await h.createNamespace('api-prod', { labels: { env: 'prod' }, annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } });
  await waitFor(() => h.policyNames('api-prod').length === 5, 'its policies');
  await h.settle();
  t.same(reasons(h, 'api-prod'), ['Normal PoliciesGenerated']);
});

t.test('a label a user sets while the stamp is on its way wins: the stamp is conditional and retried', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica();
  await h.settle();
  let raced = false;
  h.server.beforeRequest = (r) => {
    if (raced || r.resource !== 'namespaces' || r.name !== 'data-prod' || r.method !== 'PATCH') return undefined;
    // The user labels the namespace after the controller read it, before its stamp lands.
    raced = true;
    const stored = h.namespace('data-prod') ?? {};
    h.server.store.upsert({ ...stored, metadata: { ...metadataOf(stored), labels: { ...labelsOf(h, 'data-prod'), env: 'test' } } });
    return undefined;
  };
  await h.createNamespace('data-prod');
  await waitFor(() => h.annotations('data-prod')['nsguard.io/template'] === 'default', 'the stamp, second time');
  await h.settle();
  t.same(
    namespacePatches(h, 'data-prod').slice(0, 2).map((w) => w.status),
    [409, 200],
    'the first stamp met a newer namespace (409 Conflict); the next pass stamped what was still missing',
  );
  t.match(labelsOf(h, 'data-prod'), { env: 'test' }, "the user's value stayed");
  t.match(h.annotations('data-prod'), { 'nsguard.io/isolation': 'strict' });
  t.match(h.events('data-prod').find((e) => e.reason === 'NamespaceStamped'), { message: /^set nsguard\.io\/isolation=strict, nsguard\.io\/template=default: / });
  t.equal(replica.controller.stats().stamped, 1);
});

t.test("a child created while the mutation was down takes its parent's environment and template", async (t) => {
  const h = await ControllerHarness.start(t);
  h.startReplica();
  await h.settle();
  await h.createNamespace('platform', { labels: { env: 'prod' }, annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } });
  await h.settle();
  await h.createNamespace('tools', { annotations: { 'nsguard.io/parent': 'platform' } });
  await waitFor(() => labelsOf(h, 'tools')['env'] === 'prod', 'the stamp');
  await h.settle();
  t.match(h.annotations('tools'), { 'nsguard.io/template': 'default', 'nsguard.io/isolation': 'strict', 'nsguard.io/parent': 'platform' });
});
