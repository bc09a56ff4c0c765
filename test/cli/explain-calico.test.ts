// `nsguard explain` in a Calico cluster: the decision chain per direction (tier, policy, rule, Pass).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { fixture, nsguard } from '../support/cli.ts';
import { matchGolden } from '../support/golden.ts';

const STATE = readFileSync(fixture('calico/state.yaml'), 'utf8');

t.test("under issue 15's policies TCP DNS is closed by the default tier's Deny, which the chain names", async (t) => {
  const dir = t.testdir({ 'state.yaml': `${STATE}\n---\n${readFileSync(fixture('calico/issue-15.yaml'), 'utf8')}` });
  const r = nsguard('explain', '--state', `${dir}/state.yaml`, 'app-ns/api-1', 'kube-system/coredns-1', '--port', '53/TCP');
  t.equal(r.code, 1, r.stderr);
  matchGolden(t, r.stdout, new URL('../fixtures/calico/explain-dns-tcp.golden', import.meta.url));
  const udp = nsguard('explain', '--state', `${dir}/state.yaml`, 'app-ns/api-1', 'kube-system/coredns-1', '--port', '53/UDP');
  t.equal(udp.code, 0, udp.stdout);
  t.match(udp.stdout, /UDP 53: allowed: GlobalNetworkPolicy allow-dns-and-system \(tier default\) egress rule 0 allows it/);
});

t.test('a Pass in an earlier tier hands the path to the Kubernetes default deny, and the chain shows both', async (t) => {
  const gate = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: security.gate}\nspec: {tier: security, ingress: [{action: Pass, source: {namespaceSelector: all()}}]}\n';
  const dir = t.testdir({ 'state.yaml': `${STATE}\n---\n${gate}` });
  const r = nsguard('explain', '--state', `${dir}/state.yaml`, 'test/client-1', 'prod/web-1', '--port', 'http/TCP');
  t.equal(r.code, 1, r.stderr);
  matchGolden(t, r.stdout, new URL('../fixtures/calico/explain-pass.golden', import.meta.url));
  const json = JSON.parse(nsguard('explain', '--state', `${dir}/state.yaml`, 'test/client-1', 'prod/web-1', '--port', 'http/TCP', '-o', 'json').stdout) as {
    semantics: string;
    ingress: { selectedBy: { tier: string }[]; decisions: { outcomes: { allowed: boolean; chain: string }[] }[] };
  };
  t.equal(json.semantics, 'calico');
  t.same(json.ingress.selectedBy.map((s) => s.tier), ['security', 'default']);
  t.match(json.ingress.decisions[0]?.outcomes[0]?.chain, /passes it to the next tier, then Kubernetes NetworkPolicy prod\/default-deny selects/);
});
