// Issue 13, defect 1: what a review costs grows with what the change touches, not with its square, and a
// review that needs more than its budget is refused as `review-budget` in every mode, never allowed.
import t from 'tap';
import { Budget } from '../../../src/policy/checks/budget.ts';
import type { Change } from '../../../src/policy/objects/change.ts';
import type { Decision } from '../../../src/policy/checks/decision.ts';
import { judge } from '../../../src/policy/checks/judge.ts';
import type { Namespace, Policy } from '../../../src/policy/objects/model.ts';
import { MODES } from '../../../src/policy/objects/model.ts';
import { parseNetworkPolicy } from '../../../src/policy/objects/parse-network-policy.ts';
import { TENANT, configWith, create, exampleCluster, existing, remove } from '../../support/cluster.ts';

type Json = Record<string, unknown>;

/** Parsed as the webhook parses a review (the YAML reader of the fixtures takes seconds on 2 MB). */
function networkPolicy(namespace: string, name: string, spec: Json): Policy {
  return parseNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec }, 'test');
}

const app = (i: number): Json => ({ matchLabels: { app: `a${i}` } });

/** Issue 13's policy: `rules` ingress rules from env=`env` namespaces, each naming its own app. */
function issueShape(rules: number, env: string): Policy {
  return networkPolicy('shop-prod', 'big', {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: Array.from({ length: rules }, (_, i) => ({ from: [{ namespaceSelector: { matchLabels: { env } }, podSelector: app(i) }] })),
  });
}

/** The egress variant it measured: a team label per rule instead of a shared environment. */
function egressShape(rules: number): Policy {
  return networkPolicy('shop-prod', 'big', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: Array.from({ length: rules }, (_, i) => ({ to: [{ namespaceSelector: { matchLabels: { team: `t${i}` } }, podSelector: app(i) }] })),
  });
}

/** On the DNS pods, from every namespace's pods of one app per rule: a witness per peer in each namespace. */
function dnsGuard(rules: number): Policy {
  return networkPolicy('kube-system', 'dns-guard', {
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    policyTypes: ['Ingress'],
    ingress: Array.from({ length: rules }, (_, i) => ({ from: [{ namespaceSelector: {}, podSelector: app(i) }] })),
  });
}

function ruleIds(decision: Decision): string[] {
  return [...new Set(decision.violations.map((v) => v.rule))];
}

t.test("a NetworkPolicy of 20000 rules of issue 13's shape gets its real verdict", async (t) => {
  // A hang guard, not a timing assert: rule by rule, judging these took minutes.
  t.setTimeout(120_000);
  const state = exampleCluster();
  const fromDev = judge(create(issueShape(20_000, 'dev')), TENANT, state, configWith());
  t.equal(fromDev.verdict, 'allowed', 'no dev namespace is separated from prod');
  const fromTest = judge(create(issueShape(20_000, 'test')), TENANT, state, configWith());
  t.strictSame(ruleIds(fromTest), ['env-boundary']);
  t.match(fromTest.violations[0]?.message, 'creating NetworkPolicy shop-prod/big opens any pod labelled app=a0 in any namespace labelled env=test → ');
  const egress = judge(create(egressShape(20_000)), TENANT, state, configWith());
  t.equal(egress.verdict, 'allowed', 'no namespace carries a team label tN');
});

t.test('the steps a review takes grow linearly with the rule count', async (t) => {
  t.setTimeout(120_000);
  const state = exampleCluster();
  const shapes: [string, (rules: number) => Policy][] = [
    ['env=dev', (n) => issueShape(n, 'dev')],
    ['env=test', (n) => issueShape(n, 'test')],
    ['egress team=tN', egressShape],
  ];
  for (const [name, shape] of shapes) {
    const perRule = [1000, 2000, 4000, 8000].map((rules) => {
      const budget = new Budget(Number.MAX_SAFE_INTEGER);
      judge(create(shape(rules)), TENANT, state, configWith(), budget);
      return budget.used / rules;
    });
    const [first] = perRule as [number];
    for (const [i, steps] of perRule.entries()) t.ok(steps <= first * 1.1 && steps >= first * 0.9, `${name}: ${steps.toFixed(1)} steps per rule at ${1000 << i} rules, ${first.toFixed(1)} at 1000`);
  }
});

t.test('a policy on the DNS pods with thousands of namespaceSelector {} peers is refused with review-budget in every mode', async (t) => {
  t.setTimeout(120_000);
  const state = exampleCluster();
  const hostile = dnsGuard(15_000);
  for (const mode of MODES) {
    const budget = new Budget(configWith().reviewBudget);
    const decision = judge(create(hostile), TENANT, state, configWith({ mode }), budget);
    t.match(decision, { verdict: 'denied', allowed: false, mode, warnings: [] }, `denied in ${mode} mode`);
    t.strictSame(ruleIds(decision), ['review-budget']);
    t.equal(
      decision.violations[0]?.message,
      "nsguard could not judge creating NetworkPolicy kube-system/dns-guard within its review budget of 3000000 steps (reviewBudget in nsguard's configuration; the dns-egress check was running): " +
        'the policy has 15000 ingress and 0 egress rules with 15000 peers, and a policy in the DNS namespace is judged against every pod of the cluster, each of its peers in every namespace it selects. ' +
        'A change nsguard cannot judge is denied in every mode; split it into smaller NetworkPolicies: policies add up, so together they allow the same traffic, and each is judged on its own',
    );
    t.ok(budget.used > budget.limit && budget.used < budget.limit + 100_000, `stopped right past the budget: ${budget.used} steps`);
  }
});

t.test('the review-budget message says what was too costly and what to do', async (t) => {
  const state = exampleCluster();
  const tiny = configWith({ reviewBudget: 1, mode: 'audit' });
  const openDb = networkPolicy('shop-prod', 'mysql-from-all', { podSelector: { matchLabels: { app: 'mysql' } }, ingress: [{ from: [{ namespaceSelector: {} }] }] });
  const shopTest = state.namespace('shop-test') as Namespace;
  const cases: { name: string; change: Change; message: string }[] = [
    {
      name: 'a policy written is to be split',
      change: create(openDb),
      message:
        "nsguard could not judge creating NetworkPolicy shop-prod/mysql-from-all within its review budget of 1 steps (reviewBudget in nsguard's configuration; the env-boundary check was running): the policy has 1 ingress and 0 egress rules with 1 peers. " +
        'A change nsguard cannot judge is denied in every mode; split it into smaller NetworkPolicies: policies add up, so together they allow the same traffic, and each is judged on its own',
    },
    {
      name: 'a policy deleted needs a bigger budget',
      change: remove(existing(state, 'shop-prod', 'nsguard-allow-dns')),
      message:
        "nsguard could not judge deleting NetworkPolicy shop-prod/nsguard-allow-dns within its review budget of 1 steps (reviewBudget in nsguard's configuration; the dns-egress check was running): the policy has 0 ingress and 1 egress rules with 1 peers. " +
        "A change nsguard cannot judge is denied in every mode; deleting it takes as many steps as creating it did: an operator can raise reviewBudget in nsguard's configuration",
    },
    {
      name: 'a namespace relabelled needs a bigger budget',
      change: { kind: 'Namespace', operation: 'UPDATE', name: 'shop-test', before: shopTest, after: { ...shopTest, labels: { ...shopTest.labels, team: 'payments' } } },
      message:
        "nsguard could not judge relabelling namespace shop-test within its review budget of 1 steps (reviewBudget in nsguard's configuration; the env-boundary check was running): the policies of the separated environments that select namespaces by label need more comparisons than that. " +
        "A change nsguard cannot judge is denied in every mode; an operator can raise reviewBudget in nsguard's configuration",
    },
  ];
  for (const c of cases) {
    const decision = judge(c.change, TENANT, state, tiny);
    t.match(decision, { verdict: 'denied', allowed: false, mode: 'audit' }, c.name);
    t.strictSame(
      decision.violations.map((v) => `[${v.rule}] ${v.message}`),
      [`[review-budget] ${c.message}`],
      c.name,
    );
  }
});
