// The compact pod index: groups told apart and ordered by content alone, IPs kept as numbers or
// canonical text, members beyond the named ones kept by IP, and shared parts let go with their groups.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import fc from 'fast-check';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { compactCopy, compareShapes, orderedLabels, sameShape, sortedPorts, type GroupShape } from '../../src/cluster/group-identity.ts';
import { ipKey, ipText } from '../../src/cluster/ip-key.ts';
import type { ContainerPort, Labels, Pod, PodGroup, Selector } from '../../src/policy/objects/model.ts';

const tcp = (port: number, name?: string): ContainerPort => ({ name, port, protocol: 'TCP' });
const pod = (namespace: string, name: string, labels: Labels, ips: string[] = [], ports: ContainerPort[] = []): Pod => ({ namespace, name, labels, ports, ips });
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// Keys that sort differently as numbers and as text, that shadow Object.prototype, and that prefix each other.
const KEYS = ['app', 'ap', 'tier', '9', '10', 'constructor', '__proto__'];
const VALUES = ['', 'a', 'b', '10'];
const rawLabelsArb: fc.Arbitrary<Labels> = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)), { selector: ([key]) => key, maxLength: 4 })
  .map((entries) => Object.fromEntries(entries));
const portArb: fc.Arbitrary<ContainerPort> = fc.record({
  name: fc.constantFrom(undefined, '', 'http'),
  port: fc.constantFrom(80, 443),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
});
const rawShapeArb = fc.record({ labels: rawLabelsArb, ports: fc.array(portArb, { maxLength: 3 }) });

/** What makes two shapes equal, worked out without the code under test. */
const identity = (s: GroupShape) =>
  JSON.stringify([Object.entries(s.labels).sort(([a], [b]) => byText(a, b)), s.ports.map((p) => JSON.stringify([p.protocol, p.port, p.name ?? null])).sort(byText)]);
const stored = (s: GroupShape): GroupShape => ({ labels: compactCopy(orderedLabels(s.labels)), ports: sortedPorts(s.ports) });
const probe = (s: GroupShape): GroupShape => ({ labels: orderedLabels(s.labels), ports: sortedPorts(s.ports) });

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(rawShapeArb, rawShapeArb, rawShapeArb, (a, b, c) => {
        const [sa, sb, sc] = [stored(a), stored(b), stored(c)];
        const ab = compareShapes(sa, sb);
        equal(Math.sign(ab) + Math.sign(compareShapes(sb, sa)), 0, 'antisymmetric');
        equal(ab === 0, identity(a) === identity(b), '0 exactly for equal shapes');
        equal(Math.sign(compareShapes(probe(a), sb)), Math.sign(ab), 'a lookup probe orders as the stored group');
        if (ab <= 0 && compareShapes(sb, sc) <= 0) ok(compareShapes(sa, sc) <= 0, 'transitive');
        equal(sameShape(sa, b.labels, b.ports), identity(a) === identity(b), 'sameShape agrees, whatever the order of the pod fields');
      }),
      { numRuns: 2000 },
    ),
  'compareShapes is a total order of content, 0 exactly for equal shapes',
);

t.test('shapes a careless comparison would merge stay separate groups', async (t) => {
  const s = new ClusterState({ keepPodNames: true });
  const shapes: [Labels, ContainerPort[]][] = [
    [{ app: '1', tier: '2' }, []],
    [{ app: '1' }, []],
    [{ app: '12' }, []],
    [{ app1: '2' }, []],
    [{ 9: 'a' }, []],
    [{ 10: 'a' }, []],
    [{ 9: 'a', 10: 'a' }, []],
    [{ constructor: 'a' }, []],
    [Object.fromEntries([['__proto__', 'a']]), []],
    [{}, []],
    [{}, [tcp(80)]],
    [{}, [tcp(80, 'http')]],
    [{}, [tcp(80, '')]],
    [{}, [tcp(80), tcp(80)]],
  ];
  shapes.forEach(([labels, ports], i) => s.upsertPod(pod('a', `p${i}`, labels, [], ports)));
  t.equal(s.stats().podGroups, shapes.length);
  shapes.forEach(([labels, ports], i) => t.same([s.findPod('a', `p${i}`)?.labels, s.findPod('a', `p${i}`)?.ports], [labels, ports], `p${i}`));
});

// Arrival order must not show in any list: the same pods, arriving shuffled, some first with other
// labels and some resynced, give the same lists. Enough pods in one namespace to cross the label-index
// threshold.
const NAMES = Array.from({ length: 70 }, (_, i) => `p${i}`);
const IPS = ['10.0.0.1', '10.0.0.2', '200.0.0.1', 'fd00::1'];
const podArb: fc.Arbitrary<Pod> = fc.record({
  namespace: fc.constantFrom('n1', 'busy', 'busy', 'busy'),
  name: fc.constantFrom(...NAMES),
  labels: fc.dictionary(fc.constantFrom('app', 'tier', 'team', '10', '9'), fc.constantFrom('a', 'b', 'c', ''), { maxKeys: 4 }),
  ports: fc.array(fc.record({ name: fc.constantFrom(undefined, 'http'), port: fc.constantFrom(80, 443), protocol: fc.constant('TCP' as const) }), { maxLength: 2 }),
  ips: fc.subarray(IPS, { maxLength: 2 }),
});
const selector: Selector = { requirements: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] };
const everything = (s: ClusterState) =>
  JSON.stringify({
    groups: ['n1', 'busy'].map((n) => s.podGroups(n)),
    matching: ['n1', 'busy'].map((n) => s.podGroupsMatching(n, selector)),
    byIp: IPS.map((ip) => s.podGroupsWithIp(ip)),
  });

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(
        fc
          .uniqueArray(podArb, { selector: (p) => `${p.namespace}/${p.name}`, minLength: 1, maxLength: 90, size: 'max' })
          .chain((pods) => fc.tuple(fc.constant(pods), fc.shuffledSubarray(pods, { minLength: pods.length, maxLength: pods.length }), fc.array(fc.boolean(), { minLength: pods.length, maxLength: pods.length }))),
        ([pods, shuffled, detour]) => {
          const inOrder = new ClusterState({ keepPodNames: true });
          for (const p of pods) inOrder.upsertPod(p);
          const scrambled = new ClusterState({ keepPodNames: true });
          shuffled.forEach((p, i) => scrambled.upsertPod(detour[i] === true ? { ...p, labels: { detour: String(i) }, ips: [] } : p));
          for (const p of shuffled.toReversed()) scrambled.upsertPod(p);
          equal(everything(scrambled), everything(inOrder));
        },
      ),
      { numRuns: 150 },
    ),
  'lists of groups are the same whatever order the pods arrived in',
);

t.test('pods with IPv4 and IPv6 addresses are found by any spelling, and show canonical text', async (t) => {
  const s = new ClusterState();
  s.upsertPod(pod('a', 'dual', { app: 'web' }, ['10.1.2.3', 'FD00:0::A']));
  s.upsertPod(pod('a', 'v6', { app: 'web' }, ['fd00::b']));
  s.upsertPod(pod('a', 'high', { app: 'db' }, ['200.1.2.3']));
  for (const ip of ['10.1.2.3', 'fd00::a', 'FD00::A', 'fd00:0:0:0:0:0:0:a', 'fd00::b']) t.same(s.podGroupsWithIp(ip).map((g) => g.labels), [{ app: 'web' }], ip);
  t.same(s.podGroupsWithIp('200.1.2.3').map((g) => g.ips), [['200.1.2.3']]);
  t.same(s.podGroups('a').map((g) => g.ips), [['200.1.2.3'], ['10.1.2.3', 'fd00::a', 'fd00::b']]);
  for (const ip of ['10.1.2.4', 'fd00::c', 'web', '']) t.same(s.podGroupsWithIp(ip), [], `nothing at ${JSON.stringify(ip)}`);
  s.deletePod('a', 'dual');
  t.same([s.podGroupsWithIp('10.1.2.3'), s.podGroupsWithIp('fd00::a'), s.podGroups('a').map((g) => g.ips)], [[], [], [['200.1.2.3'], ['fd00::b']]]);
});

t.test('pods sharing an IP are each found in their own group through any order of leaving', async (t) => {
  const s = new ClusterState();
  const groupOf = (name: string) => s.findPod('a', name)?.labels;
  const holders = () => s.podGroupsWithIp('10.0.0.7').map((g) => [g.namespace, g.labels, g.count]);
  s.upsertPod(pod('a', 'first', { app: 'web' }, ['10.0.0.7']));
  s.upsertPod(pod('a', 'second', { app: 'db' }, ['10.0.0.7']));
  s.upsertPod(pod('b', 'other-ns', { app: 'web' }, ['10.0.0.7']));
  s.upsertPod(pod('a', 'same-group', { app: 'web' }, ['10.0.0.7']));
  t.same([groupOf('first'), groupOf('second'), groupOf('same-group')], [{ app: 'web' }, { app: 'db' }, { app: 'web' }]);
  t.same(holders(), [['a', { app: 'db' }, 1], ['a', { app: 'web' }, 2], ['b', { app: 'web' }, 1]]);

  s.upsertPod(pod('a', 'first', { app: 'cache' }, ['10.0.0.7']));
  t.same([groupOf('first'), groupOf('second'), groupOf('same-group')], [{ app: 'cache' }, { app: 'db' }, { app: 'web' }], 'the first holder relabelled');
  s.deletePod('a', 'second');
  s.upsertPod(pod('a', 'second', { app: 'db' }, ['10.0.0.8']));
  t.same([groupOf('first'), groupOf('second'), groupOf('same-group')], [{ app: 'cache' }, { app: 'db' }, { app: 'web' }]);
  t.same(holders(), [['a', { app: 'cache' }, 1], ['a', { app: 'web' }, 1], ['b', { app: 'web' }, 1]]);

  for (const name of ['first', 'same-group']) s.deletePod('a', name);
  s.deletePod('b', 'other-ns');
  t.same(holders(), []);
  t.same(s.stats(), { namespaces: 0, policies: 0, pods: 1, podGroups: 1 });
});

t.test('an address names the one pod holding it, whatever its group holds; one beyond the named few, only its group', async (t) => {
  const named = new ClusterState({ keepPodNames: true });
  const few = new ClusterState();
  for (const s of [named, few]) {
    for (let i = 1; i <= 7; i++) s.upsertPod(pod('a', `web-${i}`, { app: 'web' }, [`10.0.0.${i}`, `fd00::${i}`]));
    s.upsertPod(pod('b', 'stale', { app: 'db' }, ['10.0.0.2']));
  }
  const holders = (s: ClusterState, ip: string) => s.podsWithIp(ip).map((p) => [p.group.namespace, p.group.count, p.name]);
  t.same(holders(named, '10.0.0.2'), [['a', 7, 'web-2'], ['b', 1, 'stale']], 'a stale dump may list two holders: both are named');
  t.same(holders(named, 'FD00::7'), [['a', 7, 'web-7']], 'any spelling');
  t.same(holders(few, '10.0.0.7'), [['a', 7, undefined]], 'web-7 is past the names a group keeps without keepPodNames');
  t.same(holders(few, '10.0.0.9'), []);
});

t.test('members beyond the named ones still show their IPs, and take a name when one goes free', async (t) => {
  const s = new ClusterState();
  for (let i = 1; i <= 7; i++) s.upsertPod(pod('a', `web-${i}`, { app: 'web' }, [`10.0.0.${i}`]));
  const group = () => s.podGroups('a')[0];
  t.same([group()?.count, group()?.names, group()?.ips], [7, ['web-1', 'web-2', 'web-3', 'web-4', 'web-5'], addresses(7)]);
  s.upsertPod(pod('a', 'web-7', { app: 'web' }, ['10.0.0.70']));
  t.same(group()?.ips, [...addresses(6), '10.0.0.70'], 'an unnamed member moved');
  s.deletePod('a', 'web-1');
  s.upsertPod(pod('a', 'web-7', { app: 'web' }, ['10.0.0.70']));
  t.same([group()?.count, group()?.names, group()?.ips], [6, ['web-2', 'web-3', 'web-4', 'web-5', 'web-7'], [...addresses(6).slice(1), '10.0.0.70']]);
  s.deletePod('a', 'web-6');
  s.deletePod('a', 'web-7');
  t.same([group()?.count, group()?.ips], [4, addresses(5).slice(1)]);
});

/** 10.0.0.1 to 10.0.0.n, in text order as snapshots list them. */
function addresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`).sort(byText);
}

// Without keepPodNames and with groups of up to nine pods, so members beyond the named five carry IPs.
const SPELLINGS = [['10.0.0.1'], ['10.0.0.2'], ['10.0.0.3'], ['fd00::1', 'FD00::1', 'fd00:0::1'], ['fd00::2', 'fd00:0:0:0:0:0:0:2']];
const canonical = (ip: string) => ipText(ipKey(ip));
type PodOp = { readonly pod: Pod } | { readonly delete: string };
const crowdArb: fc.Arbitrary<PodOp[]> = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({
          name: fc.constantFrom(...NAMES.slice(0, 9)),
          app: fc.constantFrom('a', 'b'),
          ips: fc.subarray(SPELLINGS, { maxLength: 2 }).chain((picked) => fc.tuple(...picked.map((spellings) => fc.constantFrom(...spellings)))),
        })
        .map(({ name, app, ips }) => ({ pod: pod('a', name, { app }, ips) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...NAMES.slice(0, 9)).map((name) => ({ delete: name })) },
  ),
  { maxLength: 50 },
);

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(crowdArb, (ops) => {
        const s = new ClusterState();
        const model = new Map<string, Pod>();
        for (const op of ops) {
          if ('pod' in op) {
            s.upsertPod(op.pod);
            model.set(op.pod.name, op.pod);
          } else {
            s.deletePod('a', op.delete);
            model.delete(op.delete);
          }
        }
        const members = (g: PodGroup) => [...model.values()].filter((p) => p.labels['app'] === g.labels['app']);
        for (const g of s.podGroups('a')) {
          equal(g.count, members(g).length);
          deepStrictEqual(g.ips, [...new Set(members(g).flatMap((p) => p.ips.map(canonical)))].sort(byText));
          ok(g.names.length <= 5 && g.names.every((n) => members(g).some((p) => p.name === n)));
        }
        for (const [name, p] of model) deepStrictEqual(s.findPod('a', name)?.labels, p.labels);
        for (const spellings of SPELLINGS) {
          const want = s.podGroups('a').filter((g) => g.ips.includes(canonical(spellings[0] as string)));
          for (const ip of spellings) deepStrictEqual(s.podGroupsWithIp(ip), want);
        }
      }),
      { numRuns: 300 },
    ),
  'without keepPodNames counts, IPs and IP lookups stay exact',
);

t.test('equal port lists are shared, and labels and ports are let go with their last group', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = new ClusterState();
  s.upsertPod(pod('a', 'web-1', { app: 'web', rare: 'x'.repeat(40) }, [], [tcp(8443, 'rare-port')]));
  s.upsertPod(pod('b', 'web-1', { app: 'api' }, [], [tcp(8443, 'rare-port')]));
  // In a function of its own, so that no snapshot stays reachable from this one.
  const refs = ((): { ports: WeakRef<object>; labels: WeakRef<object> } => {
    const [a, b] = [s.podGroups('a')[0] as PodGroup, s.podGroups('b')[0] as PodGroup];
    t.equal(a.ports, b.ports, 'one port list for both groups');
    return { ports: new WeakRef(a.ports as object), labels: new WeakRef(a.labels) };
  })();
  s.deletePod('a', 'web-1');
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  t.ok(refs.ports.deref() !== undefined && refs.labels.deref() === undefined, 'ports still held by the other group, labels gone');
  s.deletePod('b', 'web-1');
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  t.equal(refs.ports.deref(), undefined, 'ports gone with the last group');
});
