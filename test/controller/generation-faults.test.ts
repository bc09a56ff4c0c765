// The controller generating a namespace while the API misbehaves, against the in-repo test API server:
// watches dropped with their history compacted (410 Gone, relist), relists and writes failing with
// server errors, a write that never gets an answer. What must hold: no wrong write (nothing deleted,
// nothing written twice once it landed, the ready time only once everything exists), every policy in
// the end, and quiet afterwards (the writes are counted at the server).
import t from 'tap';
import { ControllerHarness } from '../support/controller-harness.ts';
import type { RequestRecord } from '../support/test-api-server.ts';
import { statusBody } from '../support/test-api-status.ts';
import { waitFor } from '../support/wait-for.ts';

const CREATION_ORDER = ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-default-deny'];
const STRICT = { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' };
/** Long enough for any answered write on a loaded machine; the held one waits it out once. */
const WRITE_TIMEOUT_MS = 1500;

const nsguardWrites = (h: ControllerHarness, namespace: string): RequestRecord[] => h.writes().filter((w) => w.namespace === namespace || w.name === namespace);

t.test('watch dropped, 410 and relist, API errors and a timeout while a namespace is generated: each policy lands once, then quiet', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica({ writeTimeoutMs: WRITE_TIMEOUT_MS });
  await h.settle();
  h.server.clearRequests();

  const attempts = new Map<string, number>();
  const held: (() => void)[] = [];
  t.teardown(() => held.forEach((release) => release()));
  let failingLists = 0;
  h.server.beforeRequest = (r) => {
    if (r.verb === 'list' && r.resource === 'networkpolicies' && failingLists > 0) {
      failingLists--;
      return statusBody(500, 'InternalError', 'etcdserver: request timed out');
    }
    if (r.resource !== 'networkpolicies' || r.method !== 'PATCH' || r.namespace !== 'shop' || r.name === undefined) return undefined;
    const attempt = (attempts.get(r.name) ?? 0) + 1;
    attempts.set(r.name, attempt);
    if (r.name === 'nsguard-allow-same-namespace' && attempt === 1) {
      // Mid-generation the watches drop and their history is compacted away: every kind gets 410 and
      // lists again, and the policies' relist fails twice before it lands.
      h.forceRelist();
      failingLists = 2;
      return statusBody(500, 'InternalError', 'etcdserver: leader changed');
    }
    if (r.name === 'nsguard-allow-monitoring' && attempt === 1) return new Promise((resolve) => held.push(() => resolve(statusBody(504, 'Timeout', 'too late'))));
    return undefined;
  };

  await h.createNamespace('shop', { labels: { env: 'prod' }, annotations: STRICT });
  await waitFor(() => h.policyNames('shop').length === 5, 'the five policies', 20_000);
  await waitFor(() => replica.live.stats().resources.networkpolicies.lists === 2, 'the policies relisted');
  await h.settle(20_000);

  t.same(
    nsguardWrites(h, 'shop')
      .filter((w) => w.resource === 'networkpolicies')
      .map((w) => [w.method, w.name, w.status]),
    [
      ['PATCH', 'nsguard-allow-dns', 201],
      ['PATCH', 'nsguard-allow-same-namespace', 500],
      ['PATCH', 'nsguard-allow-same-namespace', 201],
      ['PATCH', 'nsguard-allow-ingress-controller', 201],
      ['PATCH', 'nsguard-allow-monitoring', 0],
      ['PATCH', 'nsguard-allow-monitoring', 201],
      ['PATCH', 'nsguard-default-deny', 201],
    ],
    'in creation order, each written again only after its own failure (0: never answered), none deleted',
  );
  t.same(h.policyNames('shop'), [...CREATION_ORDER].sort());
  const readyWrites = nsguardWrites(h, 'shop').filter((w) => w.resource === 'namespaces');
  t.same(readyWrites.map((w) => w.status), [200], 'the ready time written once, after the last policy');
  const created = h
    .events('shop')
    .filter((e) => e.reason === 'PoliciesGenerated')
    .flatMap((e) => /^created (.*) from template default$/.exec(e.message)?.[1]?.split(', ') ?? []);
  t.same(created, CREATION_ORDER, 'every policy reported created once, also those of a pass that failed later');
  t.ok(replica.controller.stats().failedReconciles >= 2, 'the failed passes are counted');

  // Quiet afterwards: another forced relist reports every object again and nothing is written.
  const before = h.writes().length;
  h.forceRelist();
  await waitFor(() => replica.live.stats().resources.networkpolicies.lists === 3 && replica.live.stats().resources.namespaces.lists === 3, 'the next relist');
  await h.settle(20_000);
  t.equal(h.writes().length, before, 'no write after a relist of a converged cluster');
});
