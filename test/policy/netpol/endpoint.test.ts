import t from 'tap';
import { EndpointSet } from '../../../src/policy/netpol/endpoint.ts';
import type { Namespace, PodGroup } from '../../../src/policy/objects/model.ts';
import { witnessPod } from '../../../src/policy/netpol/witness.ts';

const ns = (name: string): Namespace => ({ name, labels: { 'kubernetes.io/metadata.name': name }, annotations: {}, terminating: false });
const group = (namespace: string, labels: Record<string, string>, names: string[]): PodGroup => ({
  namespace,
  labels,
  ports: [],
  count: names.length,
  names,
  ips: [],
});

t.test('a group added twice is kept once, in the order groups came', async (t) => {
  const web = group('shop', { app: 'web' }, ['web-1']);
  const db = group('shop', { app: 'db' }, ['db-0']);
  const set = new EndpointSet();
  for (const g of [web, db, web]) set.add({ kind: 'pod', group: g, namespace: ns('shop') });
  t.same(set.items.map((e) => (e.kind === 'pod' ? e.group.names : [])), [['web-1'], ['db-0']]);
});

t.test('a witness is dropped when a running group in its namespace carries the same labels', async (t) => {
  const set = new EndpointSet();
  // The witness first: the running group still answers for it.
  set.add({ kind: 'pod', group: witnessPod('shop', { tier: 'front', app: 'web' }), namespace: ns('shop') });
  set.add({ kind: 'pod', group: group('shop', { app: 'web', tier: 'front' }, ['web-1']), namespace: ns('shop') });
  set.add({ kind: 'pod', group: witnessPod('shop', { app: 'web' }), namespace: ns('shop') });
  set.add({ kind: 'pod', group: witnessPod('shop', { app: 'web' }), namespace: ns('shop') });
  // Same labels in another namespace: that one is no stand-in for this.
  set.add({ kind: 'pod', group: witnessPod('blog', { app: 'web', tier: 'front' }), namespace: ns('blog') });
  const items = set.items.map((e) => (e.kind === 'pod' ? `${e.group.witness === true ? 'witness' : 'real'} ${e.namespace.name} ${JSON.stringify(e.group.labels)}` : e.ip));
  t.same(items, ['real shop {"app":"web","tier":"front"}', 'witness shop {"app":"web"}', 'witness blog {"app":"web","tier":"front"}']);
});

t.test('addresses are kept once each, after running pods and before witnesses', async (t) => {
  const set = new EndpointSet();
  set.add({ kind: 'external', ip: '10.0.0.10' });
  set.add({ kind: 'pod', group: witnessPod('shop', {}), namespace: ns('shop') });
  set.add({ kind: 'external', ip: '10.0.0.10' });
  set.add({ kind: 'pod', group: group('shop', { app: 'web' }, ['web-1']), namespace: ns('shop') });
  t.same(set.items.map((e) => (e.kind === 'external' ? e.ip : e.group.witness === true ? 'witness' : 'real')), ['real', '10.0.0.10', 'witness']);
});

t.test('many witnesses in a namespace of many groups are dropped as one by one comparison would', async (t) => {
  const set = new EndpointSet();
  // 20 running groups and 10 witnesses: more comparisons than the direct scan is used for.
  for (let i = 0; i < 20; i++) set.add({ kind: 'pod', group: group('shop', { app: `a${i}`, tier: 'back' }, [`a${i}-1`]), namespace: ns('shop') });
  for (let i = 0; i < 10; i++) set.add({ kind: 'pod', group: witnessPod('shop', i % 2 === 0 ? { tier: 'back', app: `a${i}` } : { app: `a${i}` }), namespace: ns('shop') });
  // Labels that read alike to describeLabels but differ: no stand-in for each other.
  set.add({ kind: 'pod', group: group('shop', { app: 'x,tier=y' }, ['odd-1']), namespace: ns('shop') });
  set.add({ kind: 'pod', group: witnessPod('shop', { app: 'x', tier: 'y' }), namespace: ns('shop') });
  const witnesses = set.items.filter((e) => e.kind === 'pod' && e.group.witness === true).map((e) => (e.kind === 'pod' ? JSON.stringify(e.group.labels) : ''));
  t.same(witnesses, ['{"app":"a1"}', '{"app":"a3"}', '{"app":"a5"}', '{"app":"a7"}', '{"app":"a9"}', '{"app":"x","tier":"y"}']);
});
