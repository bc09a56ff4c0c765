import type { Namespace } from '../../../src/policy/objects/model.ts';
import { clusterFrom, create, exampleCluster, existing, policy, remove, update } from '../../support/cluster.ts';
import type { JudgeCase } from '../../support/judge-cases.ts';
import { runJudgeCases } from '../../support/judge-cases.ts';

// A prod namespace isolated by one default deny and nothing else.
const VAULT = `
apiVersion: v1
kind: Namespace
metadata: { name: vault-prod, labels: { kubernetes.io/metadata.name: vault-prod, env: prod } }
---
apiVersion: v1
kind: Pod
metadata: { name: vault-0, namespace: vault-prod, labels: { app: vault } }
spec: { containers: [ { name: vault, image: vault:1, ports: [ { containerPort: 8200, name: api } ] } ] }
status: { phase: Running, podIP: 10.244.7.10 }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: vault-prod }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-dns, namespace: vault-prod }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ]
      ports: [ { port: 53, protocol: UDP }, { port: 53, protocol: TCP } ]
`;

const VAULT_NAMESPACE = VAULT.slice(0, VAULT.indexOf('---\napiVersion: networking.k8s.io/v1'));

// One policy that isolates both ways and allows only DNS out.
const LOCKED = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: locked, namespace: vault-prod }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress: [ { to: [ { namespaceSelector: {}, podSelector: { matchLabels: { k8s-app: kube-dns } } } ], ports: [ { port: 53, protocol: UDP }, { port: 53, protocol: TCP } ] } ]
`;

const ingressTo = (ns: string, name: string, from: string, ports = '[ { port: 3306, protocol: TCP } ]', selector = '{ matchLabels: { app: mysql } }'): string => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec:
  podSelector: ${selector}
  policyTypes: [Ingress]
  ingress: [ { from: ${from}, ports: ${ports} } ]
`;

const ns = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Namespace => ({
  name,
  labels: { 'kubernetes.io/metadata.name': name, ...labels },
  annotations,
  terminating: false,
});

const cases: JudgeCase[] = [
  {
    name: 'the seeds example: env NotIn [prod] on TCP 3306 lets every test namespace reach the prod database',
    state: () => exampleCluster(),
    change: () => create(policy(ingressTo('shop-prod', 'mysql-from-others', "[ { namespaceSelector: { matchExpressions: [ { key: env, operator: NotIn, values: [prod] } ] } } ]"))),
    verdict: 'denied',
    mentions: ['creating NetworkPolicy shop-prod/mysql-from-others opens', '→ shop-prod/mysql-0 on TCP 3306', 'prod and test must stay apart): its ingress rule 0 allows it'],
  },
  {
    name: 'namespaceSelector {} in prod is caught before any test namespace exists',
    state: () => clusterFrom(VAULT),
    change: () => create(policy(ingressTo('vault-prod', 'from-anywhere', '[ { namespaceSelector: {} } ]', '[ { port: 8200 } ]', '{}'))),
    verdict: 'denied',
    mentions: ['any pod in any namespace labelled env=test → vault-prod/vault-0 on TCP 8200'],
  },
  {
    name: 'a port list does not close the path',
    state: () => exampleCluster(),
    change: () => create(policy(ingressTo('shop-prod', 'from-shop-test', '[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: shop-test } } } ]', '[ { port: 9999 } ]'))),
    verdict: 'denied',
    mentions: ['shop-test'],
  },
  {
    name: 'an ipBlock over the pod CIDRs grants a path from test',
    state: () => exampleCluster(),
    change: () => create(policy(ingressTo('shop-prod', 'from-10', '[ { ipBlock: { cidr: 10.0.0.0/8 } } ]'))),
    verdict: 'denied',
    mentions: ['any namespace labelled env=test'],
  },
  {
    name: 'an ipBlock outside the pod CIDRs opens nothing between environments',
    state: () => exampleCluster(),
    change: () => create(policy(ingressTo('shop-prod', 'from-office', '[ { ipBlock: { cidr: 203.0.113.0/24 } } ]'))),
    verdict: 'allowed',
  },
  {
    name: 'DoesNotExist on a key test namespaces lack grants them',
    state: () => exampleCluster(),
    change: () =>
      create(policy(ingressTo('shop-prod', 'from-untiered', "[ { namespaceSelector: { matchExpressions: [ { key: tier, operator: DoesNotExist } ] } } ]"))),
    verdict: 'denied',
  },
  {
    name: 'traffic between two prod namespaces is allowed',
    state: () => exampleCluster(),
    change: () => create(policy(ingressTo('shop-prod', 'from-payments', '[ { namespaceSelector: { matchLabels: { env: prod } } } ]'))),
    verdict: 'allowed',
  },
  {
    name: 'a test namespace sending egress to prod is caught from the test side',
    state: () => exampleCluster(),
    change: () =>
      create(
        policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: to-prod-db, namespace: shop-test }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Egress]
  egress: [ { to: [ { namespaceSelector: { matchLabels: { env: prod } }, podSelector: { matchLabels: { app: mysql } } } ], ports: [ { port: 3306 } ] } ]
`),
      ),
    verdict: 'denied',
    mentions: ['shop-test/web-6f7c9d5b8-k2j4m and shop-test/web-6f7c9d5b8-r8t2w → any pod labelled app=mysql in any namespace labelled env=prod on TCP 3306 (test and prod must stay apart): its egress rule 0 allows it'],
  },
  {
    name: 'deleting the only default deny of a prod namespace opens it to test',
    state: () => clusterFrom(VAULT),
    change: (s) => remove(existing(s, 'vault-prod', 'default-deny')),
    verdict: 'denied',
    mentions: ['deleting NetworkPolicy vault-prod/default-deny opens', 'no policy isolates ingress of vault-prod/vault-0'],
  },
  {
    name: 'dropping Egress from the policyTypes of the only egress policy opens egress to test',
    state: () => clusterFrom(VAULT_NAMESPACE, LOCKED),
    change: (s) => update(existing(s, 'vault-prod', 'locked'), policy(LOCKED.replace('[Ingress, Egress]', '[Ingress]'))),
    verdict: 'denied',
    mentions: ['updating NetworkPolicy vault-prod/locked opens vault-prod/vault-0 → any pod in any namespace labelled env=test on all ports', 'no policy isolates egress of vault-prod/vault-0'],
  },
  {
    name: 'deleting a redundant default deny while other policies isolate the pods opens nothing',
    state: () => exampleCluster(),
    change: (s) => remove(existing(s, 'shop-prod', 'nsguard-default-deny')),
    verdict: 'allowed',
  },
  {
    name: 'a namespace without an environment label is not bound by the separation',
    state: () => exampleCluster(),
    change: () => create(policy(ingressTo('monitoring', 'from-all', '[ { namespaceSelector: {} } ]'))),
    verdict: 'allowed',
  },
  {
    name: 'a path that was already open is a warning, not a denial',
    state: () =>
      exampleCluster(`
apiVersion: v1
kind: Namespace
metadata: { name: legacy-prod, labels: { env: prod } }
`),
    change: () =>
      create(
        policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: egress-to-office, namespace: legacy-prod }
spec: { podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { ipBlock: { cidr: 203.0.113.0/24 } } ] } ] }
`),
      ),
    verdict: 'allowed',
    warning: ['any pod in any namespace labelled env=test → any pod in legacy-prod on all ports is already open (prod and test must stay apart): no policy isolates ingress of any pod in legacy-prod'],
  },
  {
    name: 'a rule that allows every peer is denied even where the path was already open',
    state: () =>
      exampleCluster(`
apiVersion: v1
kind: Namespace
metadata: { name: legacy-prod, labels: { env: prod } }
`),
    change: () =>
      create(
        policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: egress-all, namespace: legacy-prod }
spec: { podSelector: {}, policyTypes: [Egress], egress: [ {} ] }
`),
      ),
    verdict: 'denied',
    mentions: ['creating NetworkPolicy legacy-prod/egress-all writes its egress rule 0 (no to (every peer)), which allows traffic to any namespace labelled env=test from any pod in legacy-prod on all ports (prod and test must stay apart; a port list does not close the path)'],
  },
  {
    name: 'narrowing an over-broad rule is allowed even though it still crosses environments',
    state: () => exampleCluster(ingressTo('shop-prod', 'legacy-open', '[ { namespaceSelector: {} } ]')),
    change: (s) => update(existing(s, 'shop-prod', 'legacy-open'), policy(ingressTo('shop-prod', 'legacy-open', '[ { namespaceSelector: { matchLabels: { team: shop } } } ]'))),
    verdict: 'allowed',
  },
  {
    name: 'creating a test namespace that a prod policy selects by team opens a path',
    state: () => exampleCluster(ingressTo('shop-prod', 'from-team-shop', '[ { namespaceSelector: { matchLabels: { team: shop } } } ]', '[ { port: 8080 } ]', '{ matchLabels: { app: web } }')),
    change: () => ({ kind: 'Namespace', operation: 'CREATE', name: 'shop-staging', before: undefined, after: ns('shop-staging', { env: 'test', team: 'shop' }) }),
    verdict: 'denied',
    mentions: ['creating namespace shop-staging', '→ shop-prod/web-6f7c9d5b8-k2j4m, shop-prod/web-6f7c9d5b8-r8t2w on TCP 8080', 'shop-prod/from-team-shop ingress rule 0 allows it'],
  },
  {
    name: 'creating a plain test namespace next to isolated prod namespaces is allowed',
    state: () => exampleCluster(),
    change: () => ({ kind: 'Namespace', operation: 'CREATE', name: 'qa-test', before: undefined, after: ns('qa-test', { env: 'test' }) }),
    verdict: 'allowed',
  },
  {
    name: 'relabelling a prod namespace to test is caught when another prod namespace admits it by name',
    state: () =>
      exampleCluster(
        ingressTo('shop-prod', 'from-payments', '[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: payments-prod } } } ]', '[ { port: 8080 } ]', '{ matchLabels: { app: web } }'),
        `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: to-prod, namespace: payments-prod }
spec: { podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { namespaceSelector: { matchLabels: { env: prod } } } ] } ] }
`,
      ),
    change: (s) => {
      const before = s.namespace('payments-prod') as Namespace;
      return { kind: 'Namespace', operation: 'UPDATE', name: 'payments-prod', before, after: { ...before, labels: { ...before.labels, env: 'test' } } };
    },
    verdict: 'denied',
    mentions: ['relabelling namespace payments-prod', 'payments-prod/api-8d4f7b6c9-x7p2q → shop-prod/web'],
  },
];

runJudgeCases('env-boundary', cases);
