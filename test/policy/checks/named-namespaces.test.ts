// The namespaces a change names (the admission layer looks up those the view lacks), and the view with
// namespaces added that it did not hold.
import t from 'tap';
import type { Change } from '../../../src/policy/objects/change.ts';
import type { Namespace } from '../../../src/policy/objects/model.ts';
import { namespacesNamed } from '../../../src/policy/checks/named-namespaces.ts';
import { withNamespaces } from '../../../src/policy/netpol/namespace-overlay.ts';
import { selectorFromLabels } from '../../../src/policy/netpol/selector.ts';
import { clusterFrom, create, storedNamespace, policy, remove, update } from '../../support/cluster.ts';

const allowFrom = (peers: string) =>
  policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow, namespace: shop-prod }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [ { from: ${peers} } ]
`);


const creatingNamespace = (after: Namespace): Change => ({ kind: 'Namespace', operation: 'CREATE', name: after.name, before: undefined, after });

const cases: readonly { name: string; change: Change; expect: string[] }[] = [
  { name: 'a policy names the namespace it lives in', change: create(allowFrom('[ { podSelector: {} } ]')), expect: ['shop-prod'] },
  {
    name: 'a namespace selector by the name label names that namespace',
    change: create(allowFrom("[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ci-test } } } ]")),
    expect: ['shop-prod', 'ci-test'],
  },
  {
    name: 'In on the name label names each value',
    change: create(allowFrom('[ { namespaceSelector: { matchExpressions: [ { key: kubernetes.io/metadata.name, operator: In, values: [a, b] } ] } } ]')),
    expect: ['shop-prod', 'a', 'b'],
  },
  {
    name: 'NotIn on the name label, or another label, names nothing',
    change: create(allowFrom('[ { namespaceSelector: { matchExpressions: [ { key: kubernetes.io/metadata.name, operator: NotIn, values: [a] } ] } }, { namespaceSelector: { matchLabels: { team: a } } } ]')),
    expect: ['shop-prod'],
  },
  {
    name: 'an update names what the policy selected before as well as after',
    change: update(allowFrom("[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: old } } } ]"), allowFrom("[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: new } } } ]")),
    expect: ['shop-prod', 'old', 'new'],
  },
  { name: 'a delete names what the policy selected', change: remove(allowFrom("[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: old } } } ]")), expect: ['shop-prod', 'old'] },
  { name: 'a namespace names its parent', change: creatingNamespace(storedNamespace('tools', {}, { 'nsguard.io/parent': 'platform' })), expect: ['platform'] },
  { name: 'a namespace without a parent names nothing', change: creatingNamespace(storedNamespace('tools')), expect: [] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(namespacesNamed(c.change), c.expect);
  });
}

t.test('namespaces added to a view are found by name and by selector, and the view wins where it holds one by now', async (t) => {
  const view = clusterFrom('apiVersion: v1\nkind: Namespace\nmetadata: { name: shop-prod, labels: { env: prod } }\n');
  const overlaid = withNamespaces(view, [storedNamespace('qa-test', { env: 'test' }), storedNamespace('shop-prod', { env: 'test' })]);
  t.same(overlaid.namespace('qa-test')?.labels['env'], 'test');
  t.same(overlaid.namespace('shop-prod')?.labels['env'], 'prod');
  t.same([...overlaid.namespacesMatching(selectorFromLabels({ env: 'test' }))].map((n) => n.name), ['qa-test']);
  t.same([...overlaid.namespaces()].map((n) => n.name), ['shop-prod', 'qa-test']);
  t.equal(withNamespaces(view, []), view, 'nothing added: the view itself');
});
