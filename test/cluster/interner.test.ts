// Policies in many namespaces share their equal parts, and sharing never changes what a reader sees.
import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { Interner } from '../../src/cluster/interner.ts';
import { policy } from '../support/cluster.ts';

const denyIn = (namespace: string, extra = ''): string => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: nsguard-default-deny, namespace: ${namespace}, labels: { app.kubernetes.io/managed-by: nsguard } }
spec: { podSelector: {}, policyTypes: [Ingress, Egress]${extra} }
`;

t.test('equal values are shared, counted, and dropped when the last holder lets go', async (t) => {
  const interner = new Interner();
  const a = interner.intern({ requirements: [{ key: 'app', operator: 'In', values: ['web'] }] });
  const b = interner.intern({ requirements: [{ key: 'app', operator: 'In', values: ['web'] }] });
  const c = interner.intern({ requirements: [{ key: 'app', operator: 'In', values: ['db'] }] });
  t.equal(a, b, 'equal: one object');
  t.not(a, c, 'different: two objects');
  t.equal(interner.size, 2);
  interner.release(a);
  t.equal(interner.size, 2, 'still held once');
  interner.release(b);
  t.equal(interner.size, 1, 'released by both holders');
  t.equal(interner.intern(new Set(['ingress', 'egress'])), interner.intern(new Set(['egress', 'ingress'])), 'sets compare as sets');
});

t.test('ClusterState shares the rules of equal policies across namespaces and reads back each policy whole', async (t) => {
  const state = new ClusterState();
  for (const ns of ['a', 'b', 'c']) state.upsertPolicy(policy(denyIn(ns)));
  const [a] = state.policies('a');
  const [b] = state.policies('b');
  t.ok(a !== undefined && b !== undefined);
  t.equal(a?.podSelector, b?.podSelector, 'one selector object for both');
  t.equal(a?.types, b?.types);
  t.equal(a?.labels, b?.labels);
  t.equal(a?.namespace, 'a');
  t.equal(b?.namespace, 'b');
  t.same([...(a?.types ?? [])].sort(), ['egress', 'ingress']);

  // An edit in one namespace changes that policy only.
  state.upsertPolicy(policy(denyIn('b', ', ingress: [ { from: [ { podSelector: {} } ] } ]')));
  t.equal(state.policies('b')[0]?.ingress.length, 1, 'b has its new rule');
  t.equal(state.policies('a')[0]?.ingress.length, 0, 'a is unchanged');
  state.deletePolicy('a', 'nsguard-default-deny');
  t.same(state.policies('a'), []);
  t.equal(state.policies('c')[0]?.ingress.length, 0, 'c keeps the shared parts a released');
});
