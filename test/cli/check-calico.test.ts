// `nsguard check` on Calico kinds, as a spawned process: judged like the webhook, and a kind it does not
// judge named on stderr, failing the run only with --fail-on-skipped.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { fixture, nsguard } from '../support/cli.ts';

const STATE = fixture('calico/state.yaml');

t.test("issue 15's two policies: the UDP-only DNS policy leaves TCP out, the isolation cuts DNS in app-ns", async (t) => {
  const r = nsguard('check', '--state', STATE, fixture('calico/issue-15.yaml'));
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /GlobalNetworkPolicy\.projectcalico\.org allow-dns-and-system \(CREATE\): denied\n  \[dns-egress\] creating GlobalNetworkPolicy allow-dns-and-system \(tier default\) cuts DNS for .*on TCP 53 is not allowed/);
  t.match(r.stdout, /GlobalNetworkPolicy allow-dns-and-system \(tier default\) egress rule 0 allows UDP 53 but not TCP 53: resolvers retry over TCP/);
  t.match(r.stdout, /NetworkPolicy\.projectcalico\.org app-ns\/namespace-isolation \(CREATE\): denied\n  \[dns-egress\] creating Calico NetworkPolicy app-ns\/namespace-isolation \(tier default\) cuts DNS for app-ns\/api-1/);
  t.match(r.stdout, /0 allowed, 2 denied, 0 skipped/);
  t.equal(r.stderr, '');
});

t.test('with TCP 53 added, both policies are admitted in order', async (t) => {
  const dir = t.testdir({
    'fixed.yaml': [
      'apiVersion: projectcalico.org/v3',
      'kind: GlobalNetworkPolicy',
      'metadata: {name: allow-dns-and-system}',
      'spec:',
      '  order: 100',
      `  namespaceSelector: '!has(kubernetes.io/metadata.name) || kubernetes.io/metadata.name not in {"kube-system"}'`,
      '  egress:',
      `  - {action: Allow, protocol: UDP, destination: {selector: 'k8s-app == "kube-dns"', ports: [53]}}`,
      `  - {action: Allow, protocol: TCP, destination: {selector: 'k8s-app == "kube-dns"', ports: [53]}}`,
      '---',
      'apiVersion: projectcalico.org/v3',
      'kind: NetworkPolicy',
      'metadata: {name: namespace-isolation, namespace: app-ns}',
      'spec:',
      '  ingress: [{action: Allow, source: {selector: all()}}]',
      '  egress: [{action: Allow, destination: {selector: all()}}]',
      '',
    ].join('\n'),
  });
  const r = nsguard('check', '--state', STATE, `${dir}/fixed.yaml`);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /2 allowed, 0 denied, 0 skipped/);
});

t.test('a staged policy that would cut DNS is allowed with a warning', async (t) => {
  const dir = t.testdir({
    'staged.yaml': 'apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: lockdown, namespace: prod}\nspec: {types: [Egress]}\n',
  });
  const r = nsguard('check', '--state', STATE, `${dir}/staged.yaml`);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /StagedNetworkPolicy\.projectcalico\.org prod\/lockdown \(CREATE\): allowed\n  warning: \[dns-egress\] creating StagedNetworkPolicy prod\/lockdown \(tier default\): this staged policy would cut DNS for prod\/web-1/);
});

t.test('a Tier is not judged: said on stderr, exit 0, or 1 with --fail-on-skipped', async (t) => {
  const dir = t.testdir({ 'tier.yaml': 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: platform}\nspec: {order: 200, defaultAction: Pass}\n' });
  const r = nsguard('check', '--state', STATE, `${dir}/tier.yaml`);
  t.equal(r.code, 0);
  t.match(r.stdout, /0 allowed, 0 denied, 1 skipped/);
  t.match(r.stderr, /nsguard check: Tier platform \(.*tier\.yaml document 1\) was not judged: nsguard judges Namespace, NetworkPolicy and Calico NetworkPolicy/);
  const strict = nsguard('check', '--state', STATE, '--fail-on-skipped', `${dir}/tier.yaml`);
  t.equal(strict.code, 1);
});

t.test('--delete of a Calico policy the snapshot holds judges what its absence opens', async (t) => {
  const dir = t.testdir({
    // The state, a security-tier Deny of test → prod, and a Kubernetes allow of every namespace into prod.
    'state.yaml': [
      readFileSync(STATE, 'utf8'),
      '---',
      'apiVersion: projectcalico.org/v3',
      'kind: GlobalNetworkPolicy',
      'metadata: {name: security.deny-test}',
      `spec: {tier: security, namespaceSelector: 'env == "prod"', ingress: [{action: Deny, source: {namespaceSelector: 'env == "test"'}}]}`,
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: allow-all, namespace: prod}',
      'spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}',
      '',
    ].join('\n'),
    'deny.yaml': 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: security.deny-test}\nspec: {tier: security}\n',
  });
  const r = nsguard('check', '--state', `${dir}/state.yaml`, '--delete', `${dir}/deny.yaml`);
  t.equal(r.code, 1, r.stdout + r.stderr);
  t.match(r.stdout, /GlobalNetworkPolicy\.projectcalico\.org security\.deny-test \(DELETE\): denied\n  \[env-boundary\] deleting GlobalNetworkPolicy security\.deny-test \(tier security\) opens .*Kubernetes NetworkPolicy prod\/allow-all ingress rule 0 allows it/);
});
