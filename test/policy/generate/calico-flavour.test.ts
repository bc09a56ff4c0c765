// The Calico flavour of the generated defaults: DNS allowed once for the cluster by a GlobalNetworkPolicy
// in a tier of its own, which passes everything else on, and the per-namespace template without its DNS
// policy; the template self-check judges it all through the engine.
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.ts';
import { judge } from '../../../src/policy/checks/judge.ts';
import { calicoSystemManifests, calicoSystemObjects } from '../../../src/policy/generate/calico-system.ts';
import { checkTemplates } from '../../../src/policy/generate/check-templates.ts';
import { clusterFrom, configWith, create, policy, TENANT } from '../../support/cluster.ts';
import { CLUSTER, knp } from '../../support/calico.ts';
import { calicoCreate } from '../../support/calico-changes.ts';
import { stringify } from 'yaml';

const config = configWith({ flavour: 'calico' });
const [tierManifest, gnpManifest] = calicoSystemManifests(config).map((m) => stringify(m));

t.test('the flavour is a config key; its default template has no per-namespace DNS policy and passes the self-check', async (t) => {
  const dir = t.testdir({ 'nsguard.yaml': 'flavour: calico\n' });
  const loaded = await loadConfig(`${dir}/nsguard.yaml`);
  t.equal(loaded.flavour, 'calico');
  t.same(loaded.templates.get('default')?.policies.map((p) => (p['metadata'] as { name: string }).name), [
    'nsguard-allow-same-namespace',
    'nsguard-allow-ingress-controller',
    'nsguard-allow-monitoring',
    'nsguard-default-deny',
  ]);
  t.same(checkTemplates(loaded), []);
  const bad = t.testdir({ 'nsguard.yaml': 'flavour: cilium\n' });
  await t.rejects(loadConfig(`${bad}/nsguard.yaml`), /flavour/);
});

t.test('the system policy exempts the exempt namespaces by name and allows DNS to kube-dns over UDP and TCP 53, then passes', async (t) => {
  const { policy: gnp, tier } = calicoSystemObjects(config);
  t.same([tier.name, tier.order], ['nsguard', 10_000]);
  const spec = (parse(gnpManifest ?? '') as { spec: Record<string, unknown> }).spec;
  t.equal(spec['namespaceSelector'], 'kubernetes.io/metadata.name not in {"kube-system", "kube-public", "kube-node-lease", "nsguard"}');
  t.same(
    gnp.egress.map((r) => [r.action, r.protocol?.text ?? null]),
    [
      ['Allow', 'UDP'],
      ['Allow', 'TCP'],
      ['Pass', null],
    ],
  );
});

t.test('creating the tier and the system policy in a cluster cuts nothing: DNS is allowed and the rest passes on', async (t) => {
  const state = clusterFrom(CLUSTER, tierManifest ?? '');
  const nsguard = { username: 'system:serviceaccount:nsguard:nsguard', groups: [] };
  const decision = judge(calicoCreate(gnpManifest ?? ''), nsguard, state, config);
  t.equal(decision.verdict, 'allowed', JSON.stringify(decision));
  t.notOk(decision.warnings.some((w) => w.rule === 'dns-egress'));
});

t.test('under the system policy a namespace default deny keeps DNS, which it would cut without it', async (t) => {
  const deny = policy(knp('prod', 'nsguard-default-deny', '{ podSelector: {}, policyTypes: [Ingress, Egress] }'));
  const withSystem = judge(create(deny), TENANT, clusterFrom(CLUSTER, tierManifest ?? '', gnpManifest ?? ''), config);
  t.notOk(withSystem.violations.some((v) => v.rule === 'dns-egress'), JSON.stringify(withSystem));
  const without = judge(create(deny), TENANT, clusterFrom(CLUSTER), config);
  t.ok(without.violations.some((v) => v.rule === 'dns-egress'));
});
