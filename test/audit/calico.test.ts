// The audit of a cluster holding Calico objects. Until the cluster view holds them itself, the audit
// reads them beside the view (src/cluster/audit-objects.ts) and its paths module (src/audit/paths.ts)
// judges every path with Calico's tiered evaluator over them and the converted NetworkPolicies.
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { fixture, nsguard } from '../support/cli.ts';
import { auditFile, CLUSTER, CONFIG, matrixMismatches } from './fixture.ts';

function calicoCluster(dir: string): string {
  const file = `${dir}/cluster.yaml`;
  writeFileSync(file, `${readFileSync(CLUSTER, 'utf8')}\n---\n${readFileSync(fixture('audit/calico-objects.yaml'), 'utf8')}`);
  return file;
}

t.test('a tier that keeps prod out of test closes prod → test, and only that', async (t) => {
  const audited = await auditFile(calicoCluster(t.testdir()));
  const { report } = audited;
  t.equal(report.semantics, 'calico');
  t.equal(report.cluster.calicoPolicies, 3);
  const cell = (from: string, to: string) => report.matrix.environmentCells.find((c) => c.from === from && c.to === to);
  t.equal(cell('prod', 'test')?.open, false, 'the security tier denies prod → test');
  t.equal(cell('test', 'prod')?.open, true, 'it leaves test → prod as it was');
  t.same(
    report.findings.filter((f) => f.check === 'env-reachable').map((f) => f.subject),
    ['test legacy-test → prod new-prod'],
  );
  const { pairs, mismatches } = matrixMismatches(audited);
  t.same(mismatches, [], `the classes agree with Calico's verdict on each of ${pairs} namespace pairs`);
});

t.test('the Calico section: tiers, policies, staged ones, what nsguard does not evaluate', async (t) => {
  const { report } = await auditFile(calicoCluster(t.testdir()));
  t.same(report.calico, {
    tiers: [
      { name: 'default', order: 1_000_000, defaultAction: 'Deny', policies: 1 },
      { name: 'security', order: 100, defaultAction: 'Deny', policies: 1 },
    ],
    policies: 1,
    globalPolicies: 1,
    staged: [{ policy: 'legacy-test/deny-all', action: 'Set' }],
    notModelled: [{ policy: 'sandbox/allow-get', feature: 'http', path: 'spec.ingress[0].http' }],
  });
  const notModelled = report.findings.find((f) => f.check === 'calico-not-modelled');
  t.same(notModelled?.resources, [{ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: 'sandbox', name: 'allow-get' }]);
  t.equal(notModelled?.severity, 'low');
});

t.test('paths name Calico policies with their tiers; DNS failures name what decided', async (t) => {
  const { report } = await auditFile(calicoCluster(t.testdir()));
  t.match(report.webhook.sources[0]?.ingress, /nothing allows it \(ingress-isolated by nsguard\/knp\.default\.allow-webhook-ingress \(tier default\) and nsguard\/knp\.default\.default-deny \(tier default\)\)/);
  t.match(report.dns[0]?.reason, /^egress to kube-system\/coredns-7db6d8ff4d-a1b2c, kube-system\/coredns-7db6d8ff4d-d3e4f on UDP 53 and TCP 53 is not surely allowed \(the default action of tier default \(Deny\)\)/);
  const legacy = report.workloads.find((w) => w.pods.includes('mysql-0'));
  t.same([legacy?.ingressIsolated, legacy?.egressIsolated], [true, false], 'the global policy selects legacy-test for ingress');
});

t.test('a Calico object that does not parse is bad input naming it', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: bad }\nspec: { selector: "app ==" }\n' });
  const r = nsguard('audit', '--state', `${dir}/bad.yaml`, '--config', CONFIG);
  t.equal(r.code, 2);
  t.match(r.stderr, /NSG_OBJECT_INVALID: .*bad\.yaml document 1/);
});
