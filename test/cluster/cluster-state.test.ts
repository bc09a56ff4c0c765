import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { ContainerPort, Labels, Namespace, Pod, Policy, Selector } from '../../src/policy/objects/model.ts';
import { EVERYTHING } from '../../src/policy/netpol/selector.ts';

const ns = (name: string, labels: Labels = {}): Namespace => ({ name, labels, annotations: {}, terminating: false });
const tcp = (port: number, name?: string): ContainerPort => ({ name, port, protocol: 'TCP' });
const pod = (namespace: string, name: string, labels: Labels, ips: string[] = [], ports: ContainerPort[] = []): Pod => ({
  namespace,
  name,
  labels,
  ports,
  ips,
});
const policy = (namespace: string, name: string): Policy => ({
  namespace,
  name,
  podSelector: EVERYTHING,
  types: new Set(['ingress']),
  ingress: [],
  egress: [],
  labels: {},
  annotations: {},
});
const appIs = (value: string): Selector => ({ requirements: [{ key: 'app', operator: 'In', values: [value] }] });

/** What a group looks like in an assertion: everything but the namespace, which each case fixes. */
const summary = (s: ClusterState, namespace: string) =>
  [...s.podGroups(namespace)].map((g) => ({ labels: g.labels, ports: g.ports, count: g.count, names: g.names, ips: g.ips }));

const cases: { name: string; keepPodNames?: boolean; build: (s: ClusterState) => void; check: (s: ClusterState) => unknown; expect: unknown }[] = [
  {
    name: 'pods with the same labels and ports share one group',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1'], [tcp(80, 'http')]));
      s.upsertPod(pod('a', 'web-2', { app: 'web' }, ['10.0.0.2'], [tcp(80, 'http')]));
    },
    check: (s) => summary(s, 'a'),
    expect: [{ labels: { app: 'web' }, ports: [tcp(80, 'http')], count: 2, names: ['web-1', 'web-2'], ips: ['10.0.0.1', '10.0.0.2'] }],
  },
  {
    name: 'pods with the same labels but other ports form separate groups',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, [], [tcp(80)]));
      s.upsertPod(pod('a', 'web-2', { app: 'web' }, [], [tcp(8080)]));
    },
    check: (s) => summary(s, 'a').map((g) => g.ports),
    expect: [[tcp(80)], [tcp(8080)]],
  },
  {
    name: 'port order does not split a group',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, [], [tcp(80), tcp(443)]));
      s.upsertPod(pod('a', 'web-2', { app: 'web' }, [], [tcp(443), tcp(80)]));
    },
    check: (s) => summary(s, 'a').map((g) => [g.count, g.ports]),
    expect: [[2, [tcp(80), tcp(443)]]],
  },
  {
    name: 'a relabelled pod moves to its new group and the emptied group disappears',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
      s.upsertPod(pod('a', 'web-1', { app: 'api' }, ['10.0.0.1']));
    },
    check: (s) => ({ groups: summary(s, 'a'), stats: s.stats(), web: s.podGroupsMatching('a', appIs('web')).length }),
    expect: {
      groups: [{ labels: { app: 'api' }, ports: [], count: 1, names: ['web-1'], ips: ['10.0.0.1'] }],
      stats: { namespaces: 0, policies: 0, pods: 1, podGroups: 1 },
      web: 0,
    },
  },
  {
    name: 'deleting one pod of a group drops its name and IP but keeps the group',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
      s.upsertPod(pod('a', 'web-2', { app: 'web' }, ['10.0.0.2']));
      s.deletePod('a', 'web-1');
    },
    check: (s) => ({ groups: summary(s, 'a'), byIp: s.podGroupsWithIp('10.0.0.1').length }),
    expect: { groups: [{ labels: { app: 'web' }, ports: [], count: 1, names: ['web-2'], ips: ['10.0.0.2'] }], byIp: 0 },
  },
  {
    name: 'deleting the last pod of a namespace leaves no groups and no count',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
      s.deletePod('a', 'web-1');
      s.deletePod('a', 'web-1');
      s.deletePod('b', 'never-there');
    },
    check: (s) => ({ groups: summary(s, 'a'), stats: s.stats(), byIp: s.podGroupsWithIp('10.0.0.1').length }),
    expect: { groups: [], stats: { namespaces: 0, policies: 0, pods: 0, podGroups: 0 }, byIp: 0 },
  },
  {
    name: 'a pod that changes IP is found by its new IP only',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
      s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.9']));
    },
    check: (s) => [s.podGroupsWithIp('10.0.0.1').length, s.podGroupsWithIp('10.0.0.9').map((g) => g.ips)],
    expect: [0, [['10.0.0.9']]],
  },
  {
    name: 'hostNetwork pods sharing a node IP keep it indexed until the last one leaves',
    build: (s) => {
      s.upsertPod(pod('kube-system', 'proxy-1', { app: 'proxy' }, ['192.168.1.5']));
      s.upsertPod(pod('monitoring', 'exporter-1', { app: 'exporter' }, ['192.168.1.5']));
      s.upsertPod(pod('monitoring', 'exporter-2', { app: 'exporter' }, ['192.168.1.5']));
      s.deletePod('monitoring', 'exporter-1');
    },
    check: (s) => s.podGroupsWithIp('192.168.1.5').map((g) => [g.namespace, g.count, g.ips]),
    expect: [
      ['kube-system', 1, ['192.168.1.5']],
      ['monitoring', 1, ['192.168.1.5']],
    ],
  },
  {
    name: 'without keepPodNames a group keeps five names however many pods it counts',
    build: (s) => {
      for (let i = 1; i <= 7; i++) s.upsertPod(pod('a', `web-${i}`, { app: 'web' }));
    },
    check: (s) => summary(s, 'a').map((g) => [g.count, g.names]),
    expect: [[7, ['web-1', 'web-2', 'web-3', 'web-4', 'web-5']]],
  },
  {
    name: 'with keepPodNames a group keeps every name',
    keepPodNames: true,
    build: (s) => {
      for (let i = 1; i <= 7; i++) s.upsertPod(pod('a', `web-${i}`, { app: 'web' }));
      s.deletePod('a', 'web-3');
    },
    check: (s) => summary(s, 'a').map((g) => [g.count, g.names]),
    expect: [[6, ['web-1', 'web-2', 'web-4', 'web-5', 'web-6', 'web-7']]],
  },
  {
    name: 'a kept name that is deleted is replaced by the next pod that arrives or resyncs',
    build: (s) => {
      for (let i = 1; i <= 7; i++) s.upsertPod(pod('a', `web-${i}`, { app: 'web' }));
      s.deletePod('a', 'web-1');
      s.deletePod('a', 'web-2');
      s.upsertPod(pod('a', 'web-7', { app: 'web' }));
      s.upsertPod(pod('a', 'web-8', { app: 'web' }));
    },
    check: (s) => summary(s, 'a').map((g) => [g.count, g.names]),
    expect: [[6, ['web-3', 'web-4', 'web-5', 'web-7', 'web-8']]],
  },
  {
    name: 'findPod names the group a pod counts in, and nothing for an unknown pod',
    build: (s) => {
      s.upsertPod(pod('a', 'web-1', { app: 'web' }));
      s.upsertPod(pod('a', 'db-1', { app: 'db' }));
    },
    check: (s) => [s.findPod('a', 'db-1')?.labels, s.findPod('a', 'nope'), s.findPod('b', 'db-1')],
    expect: [{ app: 'db' }, undefined, undefined],
  },
  {
    name: 'policies come sorted by name whatever order they arrived in',
    build: (s) => {
      for (const name of ['deny-all', 'allow-dns', 'nsguard-default', 'allow-dns']) s.upsertPolicy(policy('a', name));
    },
    check: (s) => ({ names: s.policies('a').map((p) => p.name), none: s.policies('b'), stats: s.stats().policies }),
    expect: { names: ['allow-dns', 'deny-all', 'nsguard-default'], none: [], stats: 3 },
  },
  {
    name: 'a deleted policy leaves the list and the count',
    build: (s) => {
      s.upsertPolicy(policy('a', 'allow-dns'));
      s.upsertPolicy(policy('a', 'deny-all'));
      s.deletePolicy('a', 'allow-dns');
      s.deletePolicy('a', 'never-there');
    },
    check: (s) => [s.policies('a').map((p) => p.name), s.stats().policies],
    expect: [['deny-all'], 1],
  },
  {
    name: 'a relabelled namespace is found by its new labels only',
    build: (s) => {
      s.upsertNamespace(ns('shop', { env: 'test' }));
      s.upsertNamespace(ns('shop', { env: 'prod' }));
    },
    check: (s) =>
      ['test', 'prod'].map((env) => [...s.namespacesMatching({ requirements: [{ key: 'env', operator: 'In', values: [env] }] })].length),
    expect: [0, 1],
  },
  {
    name: 'deleting a namespace keeps its pods and policies, which get their own deletes',
    build: (s) => {
      s.upsertNamespace(ns('shop'));
      s.upsertPolicy(policy('shop', 'deny-all'));
      s.upsertPod(pod('shop', 'web-1', { app: 'web' }));
      s.deleteNamespace('shop');
    },
    check: (s) => [s.namespace('shop'), s.stats()],
    expect: [undefined, { namespaces: 0, policies: 1, pods: 1, podGroups: 1 }],
  },
  {
    name: 'namespaces are listed by name',
    build: (s) => {
      for (const name of ['prod', 'default', 'kube-system']) s.upsertNamespace(ns(name));
    },
    check: (s) => [...s.namespaces()].map((n) => n.name),
    expect: ['default', 'kube-system', 'prod'],
  },
];

for (const c of cases) {
  const s = new ClusterState({ keepPodNames: c.keepPodNames ?? false });
  c.build(s);
  t.same(c.check(s), c.expect, c.name);
}

t.test('a pod group handed out never changes afterwards', async (t) => {
  const s = new ClusterState();
  s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
  const held = s.podGroups('a')[0];
  t.ok(held !== undefined && Object.isFrozen(held) && Object.isFrozen(held.names) && Object.isFrozen(held.labels));
  s.upsertPod(pod('a', 'web-2', { app: 'web' }, ['10.0.0.2']));
  s.deletePod('a', 'web-1');
  t.same([held?.count, held?.names, held?.ips], [1, ['web-1'], ['10.0.0.1']], 'the held snapshot is as it was');
  t.same(s.podGroups('a')[0]?.names, ['web-2'], 'a fresh read sees the change');
});

t.test('an upsert that changes nothing hands out the same snapshot again', async (t) => {
  const s = new ClusterState();
  s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
  const before = s.podGroups('a');
  s.upsertPod(pod('a', 'web-1', { app: 'web' }, ['10.0.0.1']));
  t.equal(s.podGroups('a'), before);
});

t.test('a caller mutating the labels it passed in does not change the group', async (t) => {
  const s = new ClusterState();
  const labels: Record<string, string> = { app: 'web' };
  s.upsertPod(pod('a', 'web-1', labels));
  labels.app = 'db';
  t.same(s.podGroups('a')[0]?.labels, { app: 'web' });
  t.equal(s.podGroupsMatching('a', appIs('web')).length, 1);
});
