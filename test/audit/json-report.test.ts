// The JSON report of the example cluster, field by field: the schema docs/audit.md documents.
import t from 'tap';
import type { AuditReport } from '../../src/audit/report.ts';
import { nsguard } from '../support/cli.ts';
import { CLUSTER, CONFIG } from './fixture.ts';

const run = nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', 'json');
const report = JSON.parse(run.stdout) as AuditReport;

t.test('findings exit 1, and the report says what it is', async (t) => {
  t.equal(run.code, 1, run.stderr);
  t.equal(run.stdout, `${JSON.stringify(report, null, 2)}\n`, 'written in pieces, the same text as JSON.stringify');
  t.equal(report.apiVersion, 'nsguard.io/v1alpha1');
  t.equal(report.kind, 'AuditReport');
  t.equal(report.source, `state file ${CLUSTER}`);
  t.equal(report.semantics, 'kubernetes');
  t.same(report.cluster, { namespaces: 9, pods: 13, podGroups: 11, policies: 24, calicoPolicies: 0 });
  t.same(report.calico, null);
  t.same(report.flows, null);
  t.same(report.notes, []);
});

t.test('the summary counts each check and severity', async (t) => {
  t.same(report.summary, {
    clean: false,
    findings: 13,
    bySeverity: { high: 9, medium: 4, low: 0 },
    byCheck: {
      'env-reachable': 3,
      'unprotected-workload': 3,
      dns: 1,
      'webhook-unreachable': 1,
      'generated-missing': 2,
      'generated-drifted': 1,
      'generation-problem': 0,
      'namespace-unstamped': 1,
      'namespace-env-label': 1,
      'calico-not-modelled': 0,
      'flow-denied': 0,
      'flow-denied-by-change': 0,
    },
    unprotectedPods: 3,
    sensitiveUnprotectedPods: 1,
    podsWithoutDns: 1,
    separatedEnvironmentsOpen: 2,
  });
});

t.test('findings come most severe first, each with its namespace, subject and objects', async (t) => {
  t.same(
    report.findings.map((f) => [f.severity, f.check, f.namespace, f.subject]),
    [
      ['high', 'env-reachable', null, 'prod new-prod → test legacy-test'],
      ['high', 'env-reachable', null, 'prod payments-prod → test legacy-test'],
      ['high', 'env-reachable', null, 'test legacy-test → prod new-prod'],
      ['high', 'unprotected-workload', 'legacy-test', 'legacy-test/mysql-0'],
      ['high', 'dns', 'shop-test', 'shop-test/web-5f5b6c7d8-z1x2c and any pod in shop-test'],
      ['high', 'webhook-unreachable', 'nsguard', 'webhook pods in nsguard'],
      ['high', 'generated-missing', 'new-prod', 'namespace new-prod'],
      ['high', 'generated-missing', 'shop-test', 'namespace shop-test'],
      ['high', 'generated-drifted', 'payments-prod', 'namespace payments-prod'],
      ['medium', 'unprotected-workload', 'legacy-test', 'legacy-test/worker-1'],
      ['medium', 'unprotected-workload', 'new-prod', 'new-prod/api-1'],
      ['medium', 'namespace-unstamped', 'new-prod', 'namespace new-prod'],
      ['medium', 'namespace-env-label', 'sandbox', 'namespace sandbox'],
    ],
  );
  const byCheck = (check: string, namespace: string | null) => report.findings.find((f) => f.check === check && f.namespace === namespace);
  t.same(byCheck('unprotected-workload', 'legacy-test')?.resources, [{ apiVersion: 'v1', kind: 'Pod', namespace: 'legacy-test', name: 'mysql-0' }]);
  t.same(byCheck('generated-drifted', 'payments-prod')?.resources, [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'payments-prod', name: 'nsguard-allow-same-namespace' }]);
  t.match(byCheck('generated-missing', 'shop-test')?.message, /lacks the generated policy nsguard-allow-dns$/);
  t.match(byCheck('webhook-unreachable', 'nsguard')?.message, /from 203\.0\.113\.10: 203\.0\.113\.10 → nsguard\/nsguard-5d4c8b7f9-q7w8e: nothing allows it \(ingress-isolated by nsguard\/allow-webhook-ingress and nsguard\/default-deny\)/);
  t.match(report.findings[1]?.message, /payments-prod\/nsguard-allow-same-namespace egress rule 0 allows it; ingress: no policy isolates ingress of legacy-test\/mysql-0$/);
});

t.test('unprotected workloads list the sensitive ones first, with why', async (t) => {
  t.same(report.workloads, [
    { namespace: 'legacy-test', pods: ['mysql-0'], count: 1, labels: { app: 'mysql' }, sensitive: ['image mysql:8.0', 'label app=mysql', 'port 3306/TCP'], ingressIsolated: false, egressIsolated: false },
    { namespace: 'legacy-test', pods: ['worker-1'], count: 1, labels: { app: 'worker' }, sensitive: [], ingressIsolated: false, egressIsolated: false },
    { namespace: 'new-prod', pods: ['api-1'], count: 1, labels: { app: 'api' }, sensitive: [], ingressIsolated: false, egressIsolated: false },
  ]);
});

t.test('pods without DNS, running and could-exist, name the pitfalls', async (t) => {
  t.same(
    report.dns.map((d) => [d.namespace, d.pods, d.count, d.labels, d.couldExist]),
    [
      ['shop-test', ['web-5f5b6c7d8-z1x2c'], 1, { app: 'web' }, false],
      ['shop-test', [], 0, {}, true],
    ],
  );
  const reason = report.dns[0]?.reason ?? '';
  t.match(reason, /^egress to kube-system\/coredns-7db6d8ff4d-a1b2c, kube-system\/coredns-7db6d8ff4d-d3e4f on UDP 53 and TCP 53 is not allowed/);
  t.match(reason, /shop-test\/allow-dns-wrong egress rule 0 allows UDP 53 but not TCP 53/);
  t.match(reason, /selects namespaces by name=kube-system, a label kube-system does not carry/);
});

t.test('namespaces: coverage, stamping and generated policies per namespace', async (t) => {
  const ns = (name: string) => report.namespaces.find((n) => n.name === name);
  t.same(report.namespaces.map((n) => n.name), ['ingress-nginx', 'kube-system', 'legacy-test', 'new-prod', 'nsguard', 'payments-prod', 'sandbox', 'shop-prod', 'shop-test']);
  const expected = ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-default-deny'];
  t.same(ns('shop-prod'), {
    name: 'shop-prod',
    environment: 'prod',
    exempt: false,
    isolation: 'strict',
    stamped: true,
    pods: 3,
    podGroups: 2,
    ingressIsolatedPods: 3,
    egressIsolatedPods: 3,
    podsWithoutDns: 0,
    generated: { expected, missing: [], drifted: [] },
    internal: { open: true, ports: 'all ports' },
    matrixGroup: 'g8',
    findings: 0,
  });
  t.same(ns('shop-test')?.generated, { expected, missing: ['nsguard-allow-dns'], drifted: [] });
  t.equal(ns('shop-test')?.podsWithoutDns, 1);
  t.same(ns('new-prod'), {
    name: 'new-prod',
    environment: 'prod',
    exempt: false,
    isolation: null,
    stamped: false,
    pods: 1,
    podGroups: 1,
    ingressIsolatedPods: 0,
    egressIsolatedPods: 0,
    podsWithoutDns: 0,
    generated: { expected, missing: expected, drifted: [] },
    internal: { open: true, ports: 'all ports' },
    matrixGroup: 'g4',
    findings: 3,
  });
  t.same(ns('legacy-test')?.generated, { expected: [], missing: [], drifted: [] }, 'isolation none generates nothing');
  t.equal(ns('kube-system')?.exempt, true);
  t.equal(ns('sandbox')?.environment, null);
});

t.test('the matrix: environment cells with separated ones first, groups, open group cells', async (t) => {
  const { matrix } = report;
  t.equal(matrix.reading, 'may');
  t.equal(matrix.environmentLabel, 'env');
  t.same(matrix.environments, ['prod', 'test', null]);
  t.same(
    matrix.environmentCells.map((c) => [c.from, c.to, c.separated, c.open, c.namespacePairs, c.ports]),
    [
      ['prod', 'test', true, true, 2, 'all ports'],
      ['test', 'prod', true, true, 1, 'all ports'],
      ['prod', 'prod', false, true, 1, 'all ports'],
      ['prod', null, false, true, 5, 'all ports'],
      ['test', 'test', false, false, 0, 'none'],
      ['test', null, false, true, 2, 'all ports'],
      [null, 'prod', false, true, 4, 'all ports'],
      [null, 'test', false, true, 3, 'all ports'],
      [null, null, false, true, 5, 'all ports'],
    ],
  );
  t.same(matrix.environmentCells[1]?.example, {
    from: 'legacy-test/mysql-0',
    to: 'new-prod/api-1',
    ports: 'all ports',
    egress: 'no policy isolates egress of legacy-test/mysql-0',
    ingress: 'no policy isolates ingress of new-prod/api-1',
  });
  t.same(
    matrix.groups.map((g) => [g.id, g.environment, g.namespaces]),
    [
      ['g1', null, ['ingress-nginx']],
      ['g2', null, ['kube-system']],
      ['g3', 'test', ['legacy-test']],
      ['g4', 'prod', ['new-prod']],
      ['g5', null, ['nsguard']],
      ['g6', 'prod', ['payments-prod']],
      ['g7', null, ['sandbox']],
      ['g8', 'prod', ['shop-prod']],
      ['g9', 'test', ['shop-test']],
    ],
  );
  t.same(
    matrix.cells.filter((c) => c.separated).map((c) => [c.from, c.to, c.ports]),
    [
      ['g3', 'g4', 'all ports'],
      ['g4', 'g3', 'all ports'],
      ['g6', 'g3', 'all ports'],
    ],
  );
  t.ok(matrix.cells.slice(0, 3).every((c) => c.separated), 'separated cells first');
  t.same(matrix.cells.find((c) => c.from === 'g1' && c.to === 'g8')?.ports, 'TCP 80, 443, 8080, 8443', 'the ingress controller reaches prod on the allowed ports only');
  t.notOk(matrix.cells.some((c) => c.to === 'g8' && c.from !== 'g1'), 'only the ingress controller reaches shop-prod');
});

t.test('the webhook: each known caller judged against each webhook pod', async (t) => {
  t.same(report.webhook, {
    namespace: 'nsguard',
    port: 8443,
    pods: 1,
    reachable: false,
    sources: [
      {
        source: '203.0.113.10 → nsguard/nsguard-5d4c8b7f9-q7w8e',
        reachable: false,
        ports: 'none',
        egress: 'no policy isolates egress of 203.0.113.10',
        ingress: 'nothing allows it (ingress-isolated by nsguard/allow-webhook-ingress and nsguard/default-deny)',
      },
    ],
  });
});

t.test('--out writes the JSON in pieces, the same text', async (t) => {
  const out = `${t.testdir()}/report.json`;
  t.equal(nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', 'json', '--out', out).code, 1);
  const { readFileSync } = await import('node:fs');
  t.equal(readFileSync(out, 'utf8'), run.stdout);
  const { jsonChunks } = await import('../../src/audit/render/json-chunks.ts');
  for (const value of [{}, { a: [] }, { a: [1, { b: [2, 3] }], c: { d: null }, e: 'x' }]) t.equal([...jsonChunks(value)].join('\n'), JSON.stringify(value, null, 2));
});

t.test('-o yaml is the same document', async (t) => {
  const yaml = nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', 'yaml');
  t.equal(yaml.code, 1);
  const { parse } = await import('yaml');
  t.same(parse(yaml.stdout), report);
});
