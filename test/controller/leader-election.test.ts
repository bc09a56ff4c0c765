// Leader election on a Lease against the in-repo test API server: acquiring and renewing, one leader
// among candidates, release on stop and a prompt takeover, stepping down when renewals fail, taking
// over an expired lease (and only an expired one), and the API calls RBAC must allow.
import t from 'tap';
import type { LeaderElectionOptions, LeaderElector } from '../../src/controller/leader-election.ts';
import { LEASE_VERBS, microTime, startLeaderElection } from '../../src/controller/leader-election.ts';
import { captureLogs } from '../support/capture-logs.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { isObject } from '../support/test-api-object.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { statusBody } from '../support/test-api-status.ts';
import { waitFor } from '../support/wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const NAMESPACE = 'nsguard';
const NAME = 'nsguard-controller';
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

async function startServer(tap: Tap): Promise<TestApiServer> {
  const server = await TestApiServer.start();
  tap.teardown(() => server.close());
  server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  return server;
}

interface Candidate {
  readonly elector: LeaderElector;
  /** `started` and `stopped`, in the order the callbacks ran. */
  readonly events: string[];
  readonly lines: Record<string, unknown>[];
}

/** An elector with test durations: a 1 s lease, a 0.6 s renew deadline, attempts every 0.1 s. */
function candidate(tap: Tap, server: TestApiServer, identity: string, options: Partial<LeaderElectionOptions> = {}): Candidate {
  const events: string[] = [];
  const { logger, lines } = captureLogs();
  const elector = startLeaderElection({
    kubeConfig: server.kubeConfig(),
    namespace: NAMESPACE,
    name: NAME,
    identity,
    leaseDurationSeconds: 1,
    renewDeadlineSeconds: 0.6,
    retryPeriodSeconds: 0.1,
    logger,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => void events.push('stopped'),
    ...options,
  });
  tap.teardown(() => elector.stop());
  return { elector, events, lines };
}

/** The Lease's spec as stored, or undefined when there is none. */
function leaseSpec(server: TestApiServer): Record<string, unknown> | undefined {
  const resource = server.store.resourceFor('coordination.k8s.io/v1', 'Lease');
  const lease = resource === undefined ? undefined : server.store.get(resource, NAMESPACE, NAME);
  return lease !== undefined && isObject(lease['spec']) ? lease['spec'] : undefined;
}

const leaseRequests = (server: TestApiServer) => server.requests().filter((r) => r.resource === 'leases');

t.test('a lone replica creates the lease, leads, renews it, and releases it on stop', async (t) => {
  const server = await startServer(t);
  const a = candidate(t, server, 'a');
  await waitFor(() => a.elector.isLeader(), 'a to lead');
  t.same(a.events, ['started']);
  const acquired = leaseSpec(server);
  t.match(acquired, { holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0, acquireTime: MICRO_TIME, renewTime: MICRO_TIME });
  t.equal(acquired?.['acquireTime'], acquired?.['renewTime']);

  await waitFor(() => leaseRequests(server).filter((r) => r.verb === 'update' && r.status === 200).length >= 3, 'three renewals');
  const renewed = leaseSpec(server);
  t.match(renewed, { holderIdentity: 'a', leaseTransitions: 0, acquireTime: acquired?.['acquireTime'] }, 'a renewal keeps acquireTime and the count');
  t.ok(String(renewed?.['renewTime']) > String(acquired?.['renewTime']), 'renewTime moves on');

  await a.elector.stop();
  t.equal(a.elector.isLeader(), false);
  t.same(a.events, ['started', 'stopped']);
  t.match(leaseSpec(server), { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 }, 'released as client-go does');
  t.match(a.lines.find((l) => l['msg'] === 'released the lease'), { identity: 'a' });
  const count = leaseRequests(server).length;
  await a.elector.stop();
  t.equal(leaseRequests(server).length, count, 'a second stop calls nothing');

  t.same([...new Set(leaseRequests(server).map((r) => r.verb))].sort(), [...LEASE_VERBS].sort(), 'LEASE_VERBS is every call made, for RBAC');
});

t.test('two candidates on one lease: exactly one leads, the other waits', async (t) => {
  const server = await startServer(t);
  let leaders = 0;
  let overlapped = false;
  // Longer than the other tests' durations, so a stalled event loop on a busy machine cannot end a term.
  const counted: Partial<LeaderElectionOptions> = {
    leaseDurationSeconds: 5,
    renewDeadlineSeconds: 3,
    onStartedLeading: () => {
      leaders++;
      overlapped ||= leaders > 1;
    },
    onStoppedLeading: () => void leaders--,
  };
  const a = candidate(t, server, 'a', counted);
  const b = candidate(t, server, 'b', counted);
  const leader = await waitFor(() => (a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined), 'a leader');
  const other = leader === a ? b : a;
  const renewals = () => leaseRequests(server).filter((r) => r.verb === 'update' && r.status === 200).length;
  const before = renewals();
  await waitFor(() => renewals() >= before + 5, 'five more renewals');
  t.equal(overlapped, false, 'never two leaders at once');
  t.equal(leaders, 1);
  t.equal(other.elector.isLeader(), false);
  t.same(other.events, []);
  t.equal(leaseSpec(server)?.['holderIdentity'], leader === a ? 'a' : 'b');
  t.equal(leaseSpec(server)?.['leaseTransitions'], 0, 'the loser of the create race took nothing over');
});

t.test('when the leader stops, the other takes over at once instead of waiting for the lease to expire', async (t) => {
  const server = await startServer(t);
  // A 30 s lease: without the release, b would wait that long, past waitFor's bound.
  const durations = { leaseDurationSeconds: 30, renewDeadlineSeconds: 1 };
  const a = candidate(t, server, 'a', durations);
  await waitFor(() => a.elector.isLeader(), 'a to lead');
  const b = candidate(t, server, 'b', durations);
  const gets = leaseRequests(server).filter((r) => r.verb === 'get').length;
  await waitFor(() => leaseRequests(server).filter((r) => r.verb === 'get').length >= gets + 2, 'b to find the lease held');
  t.equal(b.elector.isLeader(), false);

  await a.elector.stop();
  await waitFor(() => b.elector.isLeader(), 'b to take over');
  t.same(a.events, ['started', 'stopped']);
  t.same(b.events, ['started']);
  const spec = leaseSpec(server);
  t.match(spec, { holderIdentity: 'b', leaseDurationSeconds: 30, leaseTransitions: 1, acquireTime: MICRO_TIME });
  t.equal(spec?.['acquireTime'], spec?.['renewTime'], 'acquireTime set on the takeover');
});

t.test('a leader whose renewals fail steps down after the renew deadline, and leads again once the API answers', async (t) => {
  const server = await startServer(t);
  const a = candidate(t, server, 'a');
  await waitFor(() => a.elector.isLeader(), 'a to lead');
  server.beforeRequest = (record) => (record.resource === 'leases' ? statusBody(500, 'InternalError', 'etcd is having a bad day') : undefined);
  await waitFor(() => !a.elector.isLeader(), 'a to step down');
  t.same(a.events, ['started', 'stopped']);
  t.match(a.lines.find((l) => l['msg'] === 'acquiring or renewing the lease failed'), { level: 40, leading: true, err: { statusCode: 500 } });
  t.match(a.lines.find((l) => l['msg'] === 'stopped leading'), { identity: 'a', reason: 'no renewal within the renew deadline' });

  server.beforeRequest = undefined;
  await waitFor(() => a.elector.isLeader(), 'a to lead again');
  t.same(a.events, ['started', 'stopped', 'started']);
  t.match(leaseSpec(server), { holderIdentity: 'a', leaseTransitions: 0 }, 'its own lease: no transition');
});

t.test('a lease held by another identity is left alone until it expires, then taken over', async (t) => {
  const server = await startServer(t);
  const renewed = Date.parse('2026-11-23T11:32:03.123Z');
  server.store.upsert({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { namespace: NAMESPACE, name: NAME },
    spec: { holderIdentity: 'dead', leaseDurationSeconds: 15, acquireTime: '2026-11-23T10:00:00.000000Z', renewTime: '2026-11-23T11:32:03.123456Z', leaseTransitions: 3 },
  } satisfies KubeObject);
  let clock = renewed + 14_000;
  const a = candidate(t, server, 'a', { now: () => new Date(clock) });
  await waitFor(() => leaseRequests(server).filter((r) => r.verb === 'get').length >= 3, 'a few looks at the lease');
  t.equal(a.elector.isLeader(), false, '14 s after the renewal a 15 s lease still holds');
  t.same(server.writes().filter((w) => w.resource === 'leases'), []);

  clock = renewed + 15_500;
  await waitFor(() => a.elector.isLeader(), 'a to take over the expired lease');
  t.same(leaseSpec(server), {
    holderIdentity: 'a',
    leaseDurationSeconds: 1,
    acquireTime: microTime(new Date(clock)),
    renewTime: microTime(new Date(clock)),
    leaseTransitions: 4,
  });
  t.equal(microTime(new Date(clock)), '2026-11-23T11:32:18.623000Z', 'MicroTime: microseconds, UTC');
});

t.test('durations that would let two replicas lead at once are refused', async (t) => {
  const server = await startServer(t);
  t.throws(() => candidate(t, server, 'a', { leaseDurationSeconds: 1, renewDeadlineSeconds: 1 }), { name: 'RangeError', message: /leaseDurationSeconds must be greater than renewDeadlineSeconds/ });
  t.throws(() => candidate(t, server, 'a', { renewDeadlineSeconds: 0.1, retryPeriodSeconds: 0.1 }), { name: 'RangeError', message: /renewDeadlineSeconds must be greater than 1.2 \* retryPeriodSeconds/ });
  t.throws(() => candidate(t, server, ''), { name: 'RangeError' });
  t.same(leaseRequests(server), [], 'no call made');
});
