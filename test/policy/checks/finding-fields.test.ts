// Findings carry what their messages name as data (pods, ports, policies, the direction at fault), and the
// messages that end in a fix: the DNS policy to apply, an opening named with its pods and rule once.
import t from 'tap';
import { parse } from 'yaml';
import { judge } from '../../../src/policy/checks/judge.ts';
import { NO_FIELDS } from '../../../src/policy/checks/finding-fields.ts';
import { denialMessage } from '../../../src/webhook/response.ts';
import { calicoCreate } from '../../support/calico-changes.ts';
import { CLUSTER, cnp, knp, tier } from '../../support/calico.ts';
import { ADMIN, TENANT, clusterFrom, configWith, create, existing, exampleCluster, policy, remove } from '../../support/cluster.ts';

// api-prod: five replicas of one deployment behind a default deny of ingress.
const API_PROD = [
  'apiVersion: v1\nkind: Namespace\nmetadata: { name: api-prod, labels: { env: prod, kubernetes.io/metadata.name: api-prod } }',
  ...[0, 1, 2, 3, 4].map(
    (i) =>
      `apiVersion: v1\nkind: Pod\nmetadata: { name: api-${i}, namespace: api-prod, labels: { app: api } }\nspec: { containers: [ { name: api, image: api:1, ports: [ { containerPort: 8080 } ] } ] }\nstatus: { phase: Running, podIP: 10.9.0.${i + 10} }`,
  ),
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny, namespace: api-prod }\nspec: { podSelector: {}, policyTypes: [Ingress] }',
].join('\n---\n');

const FROM_TEST = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-from-test, namespace: api-prod }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Ingress]
  ingress: [ { from: [ { namespaceSelector: { matchLabels: { env: test } } } ], ports: [ { port: 8080, protocol: TCP } ] } ]
`;

t.test('an allow from test into prod names the pods with their count, the port and its rule once', async (t) => {
  const decision = judge(create(policy(FROM_TEST)), TENANT, exampleCluster(API_PROD), configWith());
  t.equal(decision.verdict, 'denied');
  t.equal(decision.violations.length, 1, JSON.stringify(decision.violations, null, 1));
  const [finding] = decision.violations;
  t.equal(
    finding?.message,
    'creating NetworkPolicy api-prod/api-from-test opens any pod in any namespace labelled env=test → 5 pods (api-prod/api-0, api-prod/api-1, api-prod/api-2 and 2 more) on TCP 8080 (prod and test must stay apart): its ingress rule 0 allows it',
  );
  t.equal(finding?.message.split('api-from-test').length, 2, 'the policy is named once');
  t.same(finding?.directions, ['ingress']);
  t.same(finding?.pods, [
    { kind: 'pods', side: 'to', namespace: 'api-prod', names: ['api-0', 'api-1', 'api-2', 'api-3', 'api-4'], count: 5 },
    { kind: 'any-namespace', side: 'from', namespaceLabels: { env: 'test' }, labels: {} },
  ]);
  t.same(finding?.ports, [{ protocol: 'TCP', port: 8080, endPort: 8080 }]);
  t.same(finding?.policies, [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'api-prod', name: 'api-from-test', tier: null, direction: 'ingress', rule: 0, role: 'allows' }]);
});

const DNS_SYSTEM = `
apiVersion: v1
kind: Namespace
metadata: { name: jobs, labels: { kubernetes.io/metadata.name: jobs } }
---
apiVersion: v1
kind: Pod
metadata: { name: batch-1, namespace: jobs, labels: { app: batch } }
spec: { containers: [ { name: batch, image: batch:1 } ] }
status: { phase: Running, podIP: 10.8.0.10 }
`;

const DENY_EGRESS = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny-egress, namespace: jobs }\nspec: { podSelector: {}, policyTypes: [Egress] }';

t.test('a default deny of egress without DNS ends with the policy that keeps DNS, from the configured DNS selector', async (t) => {
  const config = configWith({ dns: { namespace: 'dns-system', podLabels: { 'app.kubernetes.io/name': 'resolver', tier: 'true' } } });
  const state = clusterFrom(DNS_SYSTEM);
  const decision = judge(create(policy(DENY_EGRESS)), TENANT, state, config);
  t.equal(decision.verdict, 'denied');
  const [finding] = decision.violations;
  const message = finding?.message ?? '';
  t.match(message, /^creating NetworkPolicy jobs\/deny-egress cuts DNS for jobs\/batch-1 and any pod in jobs: egress to .* on UDP 53 and TCP 53 is not allowed \(egress-isolated by jobs\/deny-egress, and no egress rule allows it\)\. To keep DNS, apply this NetworkPolicy before any policy that isolates their egress: \{/);
  const snippet = parse(message.slice(message.indexOf(': {') + 2)) as Record<string, unknown>;
  t.same(snippet, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-dns', namespace: 'jobs' },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'resolver', tier: 'true' } } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    },
  });
  // The fix is one: with the snippet applied first, the same default deny keeps DNS.
  const fixed = clusterFrom(DNS_SYSTEM, JSON.stringify(snippet));
  t.equal(judge(create(policy(DENY_EGRESS)), TENANT, fixed, config).violations.filter((v) => v.rule === 'dns-egress').length, 0, 'the snippet keeps DNS');
  t.ok(denialMessage(decision).endsWith('] } ] } }'), 'the denial the apiserver shows ends with the whole snippet');

  t.same(finding?.directions, ['egress']);
  t.same(finding?.ports, [
    { protocol: 'UDP', port: 53, endPort: 53 },
    { protocol: 'TCP', port: 53, endPort: 53 },
  ]);
  t.match(finding?.pods, [
    { kind: 'pods', side: 'from', namespace: 'jobs', names: ['batch-1'], count: 1 },
    { kind: 'any-pod', side: 'from', namespace: 'jobs', labels: {} },
    { kind: 'any-pod', side: 'to', namespace: 'dns-system', labels: { 'app.kubernetes.io/name': 'resolver', tier: 'true' } },
  ]);
  t.same(finding?.policies, [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'jobs', name: 'deny-egress', tier: null, direction: 'egress', rule: null, role: 'isolates' }]);
});

t.test('the DNS fix is not offered where Calico decides: a Kubernetes policy could be shadowed there', async (t) => {
  // Any Tier makes Calico decide every path.
  const state = clusterFrom(CLUSTER, tier('platform', '{ order: 100 }'), knp('prod', 'deny-egress', '{ podSelector: {}, policyTypes: [Egress] }'));
  const decision = judge(create(existing(state, 'prod', 'deny-egress')), TENANT, state, configWith());
  const dns = decision.violations.find((v) => v.rule === 'dns-egress');
  t.match(dns?.message, /Kubernetes NetworkPolicy prod\/deny-egress selects them for egress/, 'judged as Calico runs it');
  t.notMatch(dns?.message ?? '', /To keep DNS/);
});

t.test('deleting the DNS policy under a default deny names the same fix', async (t) => {
  const state = exampleCluster();
  const decision = judge(remove(existing(state, 'shop-prod', 'nsguard-allow-dns')), ADMIN, state, configWith());
  t.match(decision.violations.find((v) => v.rule === 'dns-egress')?.message, /To keep DNS, apply this NetworkPolicy before any policy that isolates their egress: \{ apiVersion: networking\.k8s\.io\/v1, kind: NetworkPolicy, metadata: \{ name: allow-dns, namespace: shop-prod \}/);
});

t.test('a Calico opening names the Calico policy, its tier and rule as a field', async (t) => {
  const state = clusterFrom(CLUSTER, knp('prod', 'default-deny', '{ podSelector: {}, policyTypes: [Ingress] }'));
  const decision = judge(calicoCreate(cnp('prod', 'from-anywhere', '{ order: 10, ingress: [ { action: Allow, source: { namespaceSelector: all() } } ] }')), TENANT, state, configWith());
  const finding = decision.violations.find((v) => v.rule === 'env-boundary');
  t.match(finding?.message, /: its ingress rule 0 allows it$/);
  t.match(finding?.policies, [{ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: 'prod', tier: 'default', direction: 'ingress', rule: 0, role: 'allows' }]);
  t.match(finding?.ports, [{ protocol: 'TCP', port: 1, endPort: 65535 }]);
});

t.test('findings that name no path carry empty fields', async (t) => {
  const state = exampleCluster();
  const decision = judge(remove(existing(state, 'shop-prod', 'nsguard-allow-dns')), TENANT, state, configWith());
  const tamper = decision.violations.find((v) => v.rule === 'isolation-tamper');
  t.ok(tamper);
  t.same({ directions: tamper?.directions, pods: tamper?.pods, ports: tamper?.ports, policies: tamper?.policies }, NO_FIELDS);
});
