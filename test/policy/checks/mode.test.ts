import t from 'tap';
import type { Change } from '../../../src/policy/objects/change.ts';
import { judge } from '../../../src/policy/checks/judge.ts';
import type { Namespace } from '../../../src/policy/objects/model.ts';
import { ADMIN, TENANT, configWith, create, exampleCluster, policy } from '../../support/cluster.ts';
import { runJudgeCases } from '../../support/judge-cases.ts';

const annotate = (name: string, annotations: Record<string, string>) => (s: ReturnType<typeof exampleCluster>): Change => {
  const before = s.namespace(name) as Namespace;
  return { kind: 'Namespace', operation: 'UPDATE', name, before, after: { ...before, annotations: { ...before.annotations, ...annotations } } };
};

runJudgeCases('isolation-tamper', [
  {
    name: 'a tenant may not switch its namespace to audit mode',
    state: () => exampleCluster(),
    change: annotate('shop-test', { 'nsguard.io/mode': 'audit' }),
    verdict: 'denied',
    mentions: ['user alice@example.com sets annotation nsguard.io/mode=audit on namespace shop-test; only members of system:masters may change the enforcement mode'],
  },
  {
    name: 'an admin may set the mode of a namespace',
    state: () => exampleCluster(),
    requester: ADMIN,
    change: annotate('shop-test', { 'nsguard.io/mode': 'audit' }),
    verdict: 'allowed',
  },
  {
    name: 'a tenant may change other annotations of its namespace',
    state: () => exampleCluster(),
    change: annotate('shop-test', { 'example.com/owner': 'shop' }),
    verdict: 'allowed',
  },
  {
    name: 'a user named in adminUsers may set the mode',
    state: () => exampleCluster(),
    config: configWith({ adminUsers: ['alice@example.com'] }),
    change: annotate('shop-test', { 'nsguard.io/mode': 'warn' }),
    verdict: 'allowed',
  },
  {
    name: 'an invalid mode value is reported and the configured mode applies',
    state: () => exampleCluster(),
    requester: ADMIN,
    change: annotate('shop-test', { 'nsguard.io/mode': 'off' }),
    verdict: 'allowed',
    warning: ['annotation nsguard.io/mode=off on namespace shop-test is not one of enforce, warn, audit; the configured mode enforce applies'],
  },
]);

const OPEN_DB = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: mysql-from-all, namespace: shop-prod }
spec: { podSelector: { matchLabels: { app: mysql } }, ingress: [ { from: [ { namespaceSelector: {} } ] } ] }
`;

t.test('modes decide what a violation does', async (t) => {
  const cases = [
    { mode: 'enforce' as const, verdict: 'denied', allowed: false },
    { mode: 'warn' as const, verdict: 'warned', allowed: true },
    { mode: 'audit' as const, verdict: 'would-deny', allowed: true },
  ];
  for (const c of cases) {
    const state = exampleCluster();
    const decision = judge(create(policy(OPEN_DB)), TENANT, state, configWith({ mode: c.mode }));
    t.equal(decision.verdict, c.verdict, `${c.mode}: verdict`);
    t.equal(decision.allowed, c.allowed, `${c.mode}: allowed`);
    t.ok(decision.violations.length > 0, `${c.mode}: the violations are kept to be reported`);
  }
});

t.test('a namespace annotation overrides the configured mode for changes in it', async (t) => {
  const state = exampleCluster(`
apiVersion: v1
kind: Namespace
metadata: { name: shop-prod, labels: { env: prod, team: shop }, annotations: { nsguard.io/mode: warn } }
`);
  const decision = judge(create(policy(OPEN_DB)), TENANT, state, configWith({ mode: 'enforce' }));
  t.equal(decision.mode, 'warn');
  t.equal(decision.verdict, 'warned');
});
