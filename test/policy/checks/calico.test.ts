// Calico changes through judge(), mixed with Kubernetes NetworkPolicies: tiers, order, Pass and Deny, the
// tiers' default actions, staged policies (warnings only), what is not modelled, and the two policies of
// issue 15.
import t from 'tap';
import { ADMIN, clusterFrom, configWith, create, policy } from '../../support/cluster.ts';
import { CLUSTER, cnp, gnp, knp, tier } from '../../support/calico.ts';
import { calicoCreate, calicoDelete, calicoUpdate } from '../../support/calico-changes.ts';
import type { JudgeCase } from '../../support/judge-cases.ts';
import { runJudgeCases } from '../../support/judge-cases.ts';
import { judge } from '../../../src/policy/checks/judge.ts';
import { TENANT } from '../../support/cluster.ts';

/** Issue 15's system policy: only UDP 53 to kube-dns, for every namespace but kube-system. */
const DNS_UDP_ONLY = gnp(
  'allow-dns-and-system',
  `{ namespaceSelector: '!has(kubernetes.io/metadata.name) || kubernetes.io/metadata.name not in {"kube-system"}', egress: [ { action: Allow, protocol: UDP, destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } } ] }`,
);
/** The same with TCP 53 too, as Calico's own examples write it. */
const DNS_BOTH = gnp(
  'allow-dns-and-system',
  `{ order: 100, namespaceSelector: '!has(kubernetes.io/metadata.name) || kubernetes.io/metadata.name not in {"kube-system"}', egress: [ { action: Allow, protocol: UDP, destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } }, { action: Allow, protocol: TCP, destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } } ] }`,
);
/** Issue 15's per-namespace isolation: a Calico NetworkPolicy's selectors stay in its own namespace. */
const ISOLATION = cnp('app-ns', 'namespace-isolation', '{ ingress: [ { action: Allow, source: { selector: all() } } ], egress: [ { action: Allow, destination: { selector: all() } } ] }');
const SECURITY = tier('security', '{ order: 100 }');
const PLATFORM = tier('platform', '{ order: 200, defaultAction: Pass }');
const DENY_TEST_TO_PROD = gnp('security.deny-test', `{ tier: security, namespaceSelector: 'env == "prod"', ingress: [ { action: Deny, source: { namespaceSelector: 'env == "test"' } } ] }`);
const PROD_FROM_EVERYWHERE = knp('prod', 'allow-all', '{ podSelector: {}, ingress: [ { from: [ { namespaceSelector: {} } ] } ] }');
const PROD_DEFAULT_DENY = knp('prod', 'default-deny', '{ podSelector: {}, policyTypes: [Ingress] }');
const PASS_ALL = (action: string): string => gnp('security.gate', `{ tier: security, ingress: [ { action: ${action}, source: { selector: all(), namespaceSelector: all() } } ] }`);
const EGRESS_WEB_ONLY = (where: string): string => gnp(`${where}.egress-web`, `{ tier: ${where}, types: [Egress], egress: [ { action: Allow, protocol: TCP, destination: { nets: [203.0.113.0/24], ports: [443] } } ] }`);

const dnsCases: JudgeCase[] = [
  {
    name: 'the GlobalNetworkPolicy of issue 15 allows only UDP 53 to kube-dns, so it cuts TCP DNS and says so',
    state: () => clusterFrom(CLUSTER),
    change: () => calicoCreate(DNS_UDP_ONLY),
    verdict: 'denied',
    mentions: [
      'creating GlobalNetworkPolicy allow-dns-and-system (tier default) cuts DNS for',
      'on TCP 53 is not allowed (GlobalNetworkPolicy allow-dns-and-system (tier default) selects them for egress and none of its rules decides it, so the default action Deny of tier default applies)',
      'GlobalNetworkPolicy allow-dns-and-system (tier default) egress rule 0 allows UDP 53 but not TCP 53',
    ],
  },
  {
    name: 'the same GlobalNetworkPolicy with TCP 53 too keeps DNS',
    state: () => clusterFrom(CLUSTER),
    change: () => calicoCreate(DNS_BOTH),
    verdict: 'allowed',
  },
  {
    name: "issue 15's namespace isolation keeps its selectors in app-ns, so without a DNS policy it cuts DNS",
    state: () => clusterFrom(CLUSTER),
    change: () => calicoCreate(ISOLATION),
    verdict: 'denied',
    mentions: ['cuts DNS for app-ns/api-1, app-ns/worker-1 and any pod in app-ns: egress to kube-system/coredns-1 on UDP 53 and TCP 53 is not allowed (Calico NetworkPolicy app-ns/namespace-isolation (tier default) selects them'],
  },
  {
    name: 'with the DNS GlobalNetworkPolicy ordered first, the namespace isolation keeps DNS',
    state: () => clusterFrom(CLUSTER, DNS_BOTH),
    change: () => calicoCreate(ISOLATION),
    verdict: 'allowed',
  },
  {
    name: 'deleting the DNS GlobalNetworkPolicy under the namespace isolation cuts DNS in app-ns',
    state: () => clusterFrom(CLUSTER, DNS_BOTH, ISOLATION),
    change: (s) => calicoDelete(s, DNS_BOTH),
    verdict: 'denied',
    mentions: ['deleting GlobalNetworkPolicy allow-dns-and-system (tier default) cuts DNS for app-ns/api-1'],
  },
  {
    name: 'a Kubernetes default deny of egress keeps DNS where a Calico policy of order 100 allows it first',
    state: () => clusterFrom(CLUSTER, DNS_BOTH),
    change: () => create(policy(knp('prod', 'deny-egress', '{ podSelector: {}, policyTypes: [Egress] }'))),
    verdict: 'allowed',
  },
  {
    name: 'a Kubernetes default deny of egress cuts DNS where no Calico policy allows it, and names itself as Calico runs it',
    state: () => clusterFrom(CLUSTER, SECURITY),
    change: () => create(policy(knp('prod', 'deny-egress', '{ podSelector: {}, policyTypes: [Egress] }'))),
    verdict: 'denied',
    mentions: ['Kubernetes NetworkPolicy prod/deny-egress selects them for egress and none of its rules decides it, so the default action Deny of tier default applies'],
  },
  {
    name: 'a policy of a tier that denies by default cuts DNS for every pod it selects',
    state: () => clusterFrom(CLUSTER, SECURITY),
    change: () => calicoCreate(EGRESS_WEB_ONLY('security')),
    verdict: 'denied',
    mentions: ['GlobalNetworkPolicy security.egress-web (tier security) selects them for egress and none of its rules decides it, so the default action Deny of tier security applies'],
  },
  {
    name: 'the same policy in a tier that passes by default keeps DNS',
    state: () => clusterFrom(CLUSTER, PLATFORM),
    change: () => calicoCreate(EGRESS_WEB_ONLY('platform')),
    verdict: 'allowed',
  },
];

const envCases: JudgeCase[] = [
  {
    name: 'a Calico Allow of order 10 admitting every namespace into prod opens test → prod',
    state: () => clusterFrom(CLUSTER, PROD_DEFAULT_DENY),
    change: () => calicoCreate(cnp('prod', 'from-anywhere', `{ order: 10, ingress: [ { action: Allow, source: { namespaceSelector: all() } } ] }`)),
    verdict: 'denied',
    mentions: ['creating Calico NetworkPolicy prod/from-anywhere (tier default) opens', '→ prod/db-1, prod/new-1 and prod/web-1 on all ports (prod and test must stay apart): its ingress rule 0 allows it'],
  },
  {
    name: 'deleting the security tier Deny of test → prod lets a Kubernetes allow of every namespace through',
    state: () => clusterFrom(CLUSTER, SECURITY, DENY_TEST_TO_PROD, PROD_FROM_EVERYWHERE),
    change: (s) => calicoDelete(s, DENY_TEST_TO_PROD),
    verdict: 'denied',
    mentions: ['deleting GlobalNetworkPolicy security.deny-test (tier security) opens', 'Kubernetes NetworkPolicy prod/allow-all ingress rule 0 allows it'],
  },
  {
    name: 'a Pass of everything in an earlier tier leaves prod to its Kubernetes default deny',
    state: () => clusterFrom(CLUSTER, SECURITY, PROD_DEFAULT_DENY),
    change: () => calicoCreate(PASS_ALL('Pass')),
    verdict: 'allowed',
  },
  {
    name: 'turning that Pass into an Allow opens test → prod past the Kubernetes default deny',
    state: () => clusterFrom(CLUSTER, SECURITY, PROD_DEFAULT_DENY, PASS_ALL('Pass')),
    change: (s) => calicoUpdate(s, PASS_ALL('Allow')),
    verdict: 'denied',
    mentions: ['updating GlobalNetworkPolicy security.gate (tier security) opens', '(prod and test must stay apart): its ingress rule 0 allows it'],
  },
  {
    name: 'a Deny in an earlier tier keeps test out of prod whatever a later Allow says',
    state: () => clusterFrom(CLUSTER, SECURITY, DENY_TEST_TO_PROD, PROD_DEFAULT_DENY),
    change: () => calicoCreate(cnp('prod', 'from-anywhere', `{ ingress: [ { action: Allow, source: { namespaceSelector: 'env == "test"' } } ] }`)),
    verdict: 'allowed',
  },
  {
    name: 'relabelling a test namespace with the label a security-tier Allow picks namespaces by opens it into prod',
    state: () => clusterFrom(CLUSTER, SECURITY, PROD_DEFAULT_DENY, gnp('security.team-x', `{ tier: security, namespaceSelector: 'env == "prod"', ingress: [ { action: Allow, source: { namespaceSelector: 'team == "x"' } } ] }`)),
    change: (s) => {
      const before = s.namespace('test');
      if (before === undefined) throw new Error('no namespace test');
      return { kind: 'Namespace', operation: 'UPDATE', name: 'test', before, after: { ...before, labels: { ...before.labels, team: 'x' } } };
    },
    verdict: 'denied',
    mentions: ['relabelling namespace test with labels', 'GlobalNetworkPolicy security.team-x (tier security) ingress rule 0 allows it'],
  },
];

const stagedCases: JudgeCase[] = [
  {
    name: 'a staged GlobalNetworkPolicy that would cut DNS is allowed with a warning',
    state: () => clusterFrom(CLUSTER),
    change: () => calicoCreate(gnp('allow-dns-and-system', DNS_UDP_ONLY.slice(DNS_UDP_ONLY.indexOf('spec: ') + 6, -2), 'StagedGlobalNetworkPolicy')),
    verdict: 'allowed',
    warning: ['creating StagedGlobalNetworkPolicy allow-dns-and-system (tier default): this staged policy would cut DNS for', 'allows UDP 53 but not TCP 53'],
  },
  {
    name: 'a staged deletion of the DNS policy under the namespace isolation warns that it would cut DNS',
    state: () => clusterFrom(CLUSTER, DNS_BOTH, ISOLATION),
    change: () => calicoCreate(gnp('allow-dns-and-system', '{ stagedAction: Delete }', 'StagedGlobalNetworkPolicy')),
    verdict: 'allowed',
    warning: ['this staged policy would cut DNS for app-ns/api-1'],
  },
];

runJudgeCases('dns-egress', [...dnsCases, ...stagedCases]);
runJudgeCases('env-boundary', envCases);

t.test('a staged policy that would open test → prod only warns', async (t) => {
  const state = clusterFrom(CLUSTER, PROD_DEFAULT_DENY);
  const decision = judge(calicoCreate(cnp('prod', 'from-anywhere', `{ order: 10, ingress: [ { action: Allow, source: { namespaceSelector: all() } } ] }`, 'StagedNetworkPolicy')), TENANT, state, configWith());
  t.equal(decision.verdict, 'allowed');
  t.ok(decision.warnings.some((w) => w.rule === 'env-boundary' && w.message.includes('this staged policy would open')), JSON.stringify(decision.warnings));
});

t.test('what nsguard does not model is judged on the rest and said in a warning', async (t) => {
  const state = clusterFrom(CLUSTER, DNS_BOTH);
  const host = gnp('host-guard', '{ order: 1, doNotTrack: true, applyOnForward: true, selector: "has(node-role)", ingress: [ { action: Allow } ] }');
  const decision = judge(calicoCreate(host), ADMIN, state, configWith());
  t.equal(decision.verdict, 'allowed', JSON.stringify(decision));
  const messages = decision.warnings.filter((w) => w.rule === 'not-modelled').map((w) => w.message);
  t.strictSame(messages, [
    'GlobalNetworkPolicy host-guard (tier default) uses doNotTrack, whose rules apply to host endpoints before connection tracking at spec.doNotTrack: nsguard does not model it, so what it does there is not judged',
    'GlobalNetworkPolicy host-guard (tier default) uses applyOnForward, whose rules also apply to traffic forwarded through host endpoints at spec.applyOnForward: nsguard does not model it, so what it does there is not judged',
  ]);
});

t.test('a generated Calico policy is changed only by nsguard or an admin', async (t) => {
  const generated = gnp('nsguard-system', '{ order: 100, egress: [ { action: Allow, protocol: UDP, destination: { selector: \'k8s-app == "kube-dns"\', ports: [53] } }, { action: Allow, protocol: TCP, destination: { selector: \'k8s-app == "kube-dns"\', ports: [53] } } ] }').replace(
    'metadata: { name: nsguard-system }',
    'metadata: { name: nsguard-system, labels: { app.kubernetes.io/managed-by: nsguard } }',
  );
  const state = clusterFrom(CLUSTER, generated);
  const byTenant = judge(calicoDelete(state, generated), TENANT, state, configWith());
  t.equal(byTenant.verdict, 'denied');
  t.match(byTenant.violations.map((v) => v.message).join('\n'), /deleting GlobalNetworkPolicy nsguard-system, generated by nsguard \(label app.kubernetes.io\/managed-by=nsguard\)/);
  t.notOk(judge(calicoDelete(state, generated), ADMIN, state, configWith()).violations.some((v) => v.rule === 'isolation-tamper'));
});

t.test('a cluster without Calico objects has no Calico view', async (t) => {
  t.equal(clusterFrom(CLUSTER).calico(), undefined);
  t.ok(clusterFrom(CLUSTER, SECURITY).calico(), 'a Tier alone makes it a Calico cluster');
});
