// -o policyreport and -o openreports, validated against the published CRD schemas (test/fixtures/schemas,
// each file names its source) and read back for what they say.
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { MAX_RESULTS, renderReportObjects } from '../../src/audit/render/report-objects.ts';
import type { AuditFinding, AuditReport } from '../../src/audit/report.ts';
import { nsguard } from '../support/cli.ts';
import { crdValidators } from '../support/crd-schema.ts';
import { CLUSTER, CONFIG } from './fixture.ts';

const schemas = new Map([
  ...crdValidators(new URL('../fixtures/schemas/wgpolicyk8s.io_policyreports.v1alpha2.yaml', import.meta.url)),
  ...crdValidators(new URL('../fixtures/schemas/wgpolicyk8s.io_clusterpolicyreports.v1alpha2.yaml', import.meta.url)),
  ...crdValidators(new URL('../fixtures/schemas/openreports.io.v1alpha1.yaml', import.meta.url)),
]);

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels: Record<string, string> }; results: { rule: string; severity: string; result: string; source: string; message: string; resources: unknown[]; timestamp: { seconds: number } }[]; summary: Record<string, number>; scope?: unknown; source?: string };

function documents(text: string): Doc[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Doc);
}

for (const [format, namespaced, cluster] of [
  ['policyreport', 'wgpolicyk8s.io/v1alpha2 PolicyReport', 'wgpolicyk8s.io/v1alpha2 ClusterPolicyReport'],
  ['openreports', 'openreports.io/v1alpha1 Report', 'openreports.io/v1alpha1 ClusterReport'],
] as const) {
  t.test(`-o ${format}: a report per namespace with findings and one for the cluster, each fitting its schema`, async (t) => {
    const r = nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', format);
    t.equal(r.code, 1, r.stderr);
    const docs = documents(r.stdout);
    t.same(
      docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`),
      [`${cluster} /nsguard-audit`, ...['legacy-test', 'new-prod', 'nsguard', 'payments-prod', 'sandbox', 'shop-test'].map((ns) => `${namespaced} ${ns}/nsguard-audit`)],
    );
    for (const doc of docs) {
      const schema = schemas.get(`${doc.apiVersion} ${doc.kind}`);
      t.ok(schema, `a schema for ${doc.apiVersion} ${doc.kind}`);
      t.same(schema?.errors(doc), [], `${doc.kind} ${doc.metadata.namespace ?? ''}/${doc.metadata.name} fits the published schema`);
      t.same(doc.metadata.labels, { 'app.kubernetes.io/managed-by': 'nsguard', 'app.kubernetes.io/name': 'nsguard-audit' });
      t.equal(doc.summary['fail'], doc.results.length);
    }
    const clusterDoc = docs[0] as Doc;
    t.same(clusterDoc.results.map((x) => [x.rule, x.severity, x.result, x.source]), [
      ['env-reachable', 'high', 'fail', 'nsguard'],
      ['env-reachable', 'high', 'fail', 'nsguard'],
      ['env-reachable', 'high', 'fail', 'nsguard'],
    ]);
    t.ok((clusterDoc.results[0]?.timestamp.seconds ?? 0) > 1_700_000_000, 'results carry the time of the run');
    const shopTest = docs.find((d) => d.metadata.namespace === 'shop-test') as Doc;
    t.same(shopTest.scope, { apiVersion: 'v1', kind: 'Namespace', name: 'shop-test' });
    t.same(shopTest.results.map((x) => x.rule), ['dns', 'generated-missing']);
    t.same(shopTest.results[0]?.resources, [{ apiVersion: 'v1', kind: 'Pod', namespace: 'shop-test', name: 'web-5f5b6c7d8-z1x2c' }, { apiVersion: 'v1', kind: 'Namespace', name: 'shop-test' }]);
    if (format === 'openreports') t.equal(clusterDoc.source, 'nsguard');
  });
}

t.test('a namespace with more findings than a report holds says how many more', async (t) => {
  const many: AuditFinding[] = Array.from({ length: MAX_RESULTS + 7 }, (_, i) => ({ check: 'dns', severity: 'high', namespace: 'big', subject: `pod ${i}`, message: `pod ${i} cannot resolve names`, resources: [] }));
  const report = { findings: many } as unknown as AuditReport;
  const [, big] = renderReportObjects(report, 'policyreport', new Date(1_700_000_000_500));
  const results = (big as unknown as Doc).results;
  t.equal(results.length, MAX_RESULTS + 1);
  t.equal(results.at(-1)?.message, '7 more findings: nsguard audit -o json lists them all');
  t.same(results[0]?.timestamp, { seconds: 1_700_000_000, nanos: 500_000_000 });
  t.same(schemas.get('wgpolicyk8s.io/v1alpha2 PolicyReport')?.errors(big), []);
});

t.test('the validator does reject what a schema refuses', async (t) => {
  const doc = documents(nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', 'policyreport').stdout)[1] as Doc;
  const schema = schemas.get('wgpolicyk8s.io/v1alpha2 PolicyReport');
  t.not(schema?.errors({ ...doc, results: [{ ...doc.results[0], result: 'failed' }] }).length, 0, 'an unknown result');
  t.not(schema?.errors({ ...doc, unknownField: 1 }).length, 0, 'a field the schema lacks');
  t.not(schema?.errors({ ...doc, results: [{ rule: 'x' }] }).length, 0, 'a result without its policy');
});
