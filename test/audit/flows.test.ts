// Observed flows in each format: the same six connections judged against the example cluster, with a
// proposed change; broken lines are errors naming their line.
import t from 'tap';
import { parseFlows } from '../../src/audit/flows/parse-flows.ts';
import type { AuditReport } from '../../src/audit/report.ts';
import { fixture, nsguard } from '../support/cli.ts';
import { auditFile, CLUSTER, CONFIG } from './fixture.ts';

const CHANGE = fixture('audit/flows/change.yaml');

for (const [file, format, records, lines] of [
  ['flows.csv', 'csv', 7, { denied: 4, change: 5, ghost: 6 }],
  ['calico.jsonl', 'calico', 8, { denied: 2, change: 3, ghost: 4 }],
  ['hubble.jsonl', 'hubble', 9, { denied: 2, change: 3, ghost: 4 }],
] as const) {
  t.test(`${format}: denied flows, flows the change denies, unknown pods, unused rules`, async (t) => {
    const { report } = await auditFile(CLUSTER, { file: fixture(`audit/flows/${file}`), with: CHANGE });
    const flows = report.flows as NonNullable<AuditReport['flows']>;
    t.equal(flows.format, format);
    t.equal(flows.records, records, 'every record counted, ICMP and Hubble notices included');
    t.equal(flows.flows, 5, 'repeated connections are one flow; the unknown pod is none');
    t.same(
      flows.denied.map((f) => [f.from, f.to, f.port, f.protocol, f.lines]),
      [['legacy-test/worker-1', 'shop-prod/postgres-0', 5432, 'TCP', [lines.denied]]],
    );
    t.match(flows.denied[0]?.reason, /^ingress: nothing allows it \(ingress-isolated by shop-prod\/nsguard-allow-ingress-controller,/);
    t.same(
      flows.deniedByChange?.map((f) => [f.to.startsWith('shop-prod/web-7c9d5b8f6-'), f.port, f.lines]),
      [[true, 8080, [lines.change]]],
    );
    t.same(flows.unknown, [{ line: lines.ghost, endpoint: 'shop-prod/ghost-1', reason: 'no pod shop-prod/ghost-1 in the cluster' }]);
    t.same(flows.unusedRules, [{ rule: 'shop-prod/nsguard-allow-monitoring ingress rule 0', namespace: 'shop-prod' }]);
    t.same(
      report.findings.filter((f) => f.check.startsWith('flow-')).map((f) => [f.check, f.severity, f.namespace]),
      [
        ['flow-denied-by-change', 'high', 'ingress-nginx'],
        ['flow-denied', 'medium', 'legacy-test'],
      ],
    );
  });
}

t.test('the CLI: --flows with --with, exit 1 on findings', async (t) => {
  const r = nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '--flows', fixture('audit/flows/flows.csv'), '--with', CHANGE);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, 'Observed flows (csv)');
  t.match(r.stdout, '7 records, 5 distinct flows, 1 denied by the policies, 1 denied by the change, 1 unknown endpoints, 1 rules unused');
  t.match(r.stdout, 'line 6: shop-prod/ghost-1: no pod shop-prod/ghost-1 in the cluster');
});

t.test('a record that names pods of several groups, or an address of the pod network no pod holds, is unknown', async (t) => {
  const dir = t.testdir({
    'flows.jsonl': [
      JSON.stringify({ source_namespace: 'shop-prod', source_name: '-', source_name_aggr: '*', dest_namespace: 'kube-system', dest_name: '-', dest_name_aggr: 'coredns-*', dest_port: 53, proto: 'udp' }),
      JSON.stringify({ source_namespace: '-', source_name: '-', source_ip: '10.99.0.1', dest_namespace: 'shop-prod', dest_name: 'postgres-0', dest_port: 5432, proto: 'tcp' }),
      JSON.stringify({ source_namespace: 'shop-prod', source_name: 'nothing-*', dest_namespace: 'shop-prod', dest_name: 'postgres-0', dest_port: 5432, proto: 'tcp' }),
    ].join('\n'),
  });
  const { report } = await auditFile(CLUSTER, { file: `${dir}/flows.jsonl` });
  t.same(report.flows?.unknown, [
    { line: 1, endpoint: 'shop-prod/*', reason: 'shop-prod/* names pods of 2 groups with different labels or ports' },
    { line: 2, endpoint: '10.99.0.1', reason: 'no pod holds 10.99.0.1, an address of the pod network' },
    { line: 3, endpoint: 'shop-prod/nothing-*', reason: 'no pod of shop-prod is named nothing-*' },
  ]);
  t.equal(report.flows?.flows, 0);
});

t.test('broken lines are errors naming the file and line', async (t) => {
  const good = '{"source_namespace":"a","source_name":"p","dest_namespace":"b","dest_name":"q","dest_port":80,"proto":"tcp"}';
  const cases: { name: string; text: string; message: string }[] = [
    { name: 'JSON cut short', text: `${good}\n{"source_namespace":"a",`, message: 'f line 2: not valid JSON' },
    { name: 'a JSON value that is no object', text: `${good}\n\n[1,2]`, message: 'f line 3: expected a JSON object (one flow record a line)' },
    { name: 'a port out of range', text: good.replace('"dest_port":80', '"dest_port":70000'), message: 'f line 1: dest_port is 70000, expected a port number from 1 to 65535' },
    { name: 'no protocol', text: good.replace(',"proto":"tcp"', ''), message: 'f line 1: proto (or protocol) is missing' },
    { name: 'neither format', text: '{"hello":"world"}', message: 'f line 1: neither a Calico flow log record' },
    { name: 'Hubble in a Calico file', text: `${good}\n{"flow":{"l4":{"TCP":{"destination_port":1}}}}`, message: 'f line 2: a hubble record in a file of calico records' },
    { name: 'a Hubble flow without l4', text: '{"flow":{"IP":{"source":"10.0.0.1"}}}', message: 'f line 1: the flow has no l4 field' },
    { name: 'a CSV line with 5 fields', text: 'a,p,b,q,80,TCP\na,p,b,q,80', message: 'f line 2: expected 6 comma-separated fields' },
    { name: 'a CSV protocol', text: 'a,p,b,q,80,ICMP', message: 'f line 1: proto is "ICMP", expected TCP, UDP or SCTP' },
    { name: 'a CSV port', text: 'a,p,b,q,http,TCP', message: 'f line 1: port is "http", expected a port number from 1 to 65535' },
    { name: 'a CSV address', text: ',not-an-ip,b,q,80,TCP', message: 'f line 1: src_ns is empty, so src_pod must be an IP address, not "not-an-ip"' },
  ];
  for (const c of cases) t.throws(() => parseFlows(c.text, 'f'), { code: 'NSG_FLOWS_PARSE', message: new RegExp(`^${c.message.replace(/[()[\]]/g, '\\$&')}`) }, c.name);
  const dir = t.testdir({ 'broken.csv': 'a,p,b,q,80,TCP\nbroken\n' });
  const r = nsguard('audit', '--state', CLUSTER, '--flows', `${dir}/broken.csv`);
  t.equal(r.code, 2);
  t.match(r.stderr, `nsguard audit: NSG_FLOWS_PARSE: ${dir}/broken.csv line 2: expected 6 comma-separated fields`);
  const missing = nsguard('audit', '--state', CLUSTER, '--flows', `${dir}/nope.csv`);
  t.equal(missing.code, 2);
  t.match(missing.stderr, 'NSG_FLOWS_READ');
});
