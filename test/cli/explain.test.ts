import t from 'tap';
import { EXAMPLE } from '../support/cluster.ts';
import { nsguard } from '../support/cli.ts';
import { matchGolden } from '../support/golden.ts';

t.test('a path both sides allow is open (exit 0) and names the allowing rules', async (t) => {
  const r = nsguard('explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', 'mysql/TCP');
  t.equal(r.code, 0, r.stderr);
  matchGolden(t, r.stdout, new URL('../fixtures/check/explain-web-to-mysql.golden', import.meta.url));
});

t.test('test cannot reach the prod database (exit 1), and both sides say why', async (t) => {
  const r = nsguard('explain', '--state', EXAMPLE, 'shop-test/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '3306/TCP');
  t.equal(r.code, 1, r.stderr);
  matchGolden(t, r.stdout, new URL('../fixtures/check/explain-test-to-prod.golden', import.meta.url));
});

t.test('a label selector stands for any pod with those labels; without --port any TCP port counts', async (t) => {
  const r = nsguard('explain', '--state', EXAMPLE, 'monitoring/app=probe', 'shop-prod/app=web');
  t.equal(r.code, 1, r.stdout);
  t.match(r.stdout, /any pod labelled app=probe in monitoring → any pod labelled app=web in shop-prod on any TCP port: closed/);
  const metrics = nsguard('explain', '--state', EXAMPLE, 'monitoring/prometheus-k8s-0', 'shop-prod/web-6f7c9d5b8-k2j4m', '-p', 'metrics');
  t.equal(metrics.code, 0, metrics.stdout);
  t.match(metrics.stdout, /allowed by shop-prod\/nsguard-allow-monitoring ingress rule 0 \(TCP 9102\)/);
});

t.test('an IP of a running pod is that pod; another IP is outside the cluster', async (t) => {
  const r = nsguard('explain', '--state', EXAMPLE, '203.0.113.7', 'shop-prod/web-6f7c9d5b8-k2j4m', '-o', 'json');
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as { open: boolean; egress: { applies: boolean }; ingress: { isolated: boolean; open: boolean } };
  t.equal(report.egress.applies, false, 'no policy applies to an address outside the cluster');
  t.equal(report.ingress.isolated, true);
  t.equal(report.ingress.open, false);
});

t.test('bad input exits 2', async (t) => {
  const cases: { name: string; args: string[]; stderr: RegExp }[] = [
    { name: 'one endpoint', args: ['explain', '--state', EXAMPLE, 'shop-prod/mysql-0'], stderr: /expected FROM and TO/ },
    { name: 'an unknown pod', args: ['explain', '--state', EXAMPLE, 'shop-prod/nope', 'shop-prod/mysql-0'], stderr: /no running pod shop-prod\/nope/ },
    { name: 'a bad endpoint', args: ['explain', '--state', EXAMPLE, 'mysql', 'shop-prod/mysql-0'], stderr: /"mysql" is not ns\/pod/ },
    { name: 'a bad protocol', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '53/ICMP'], stderr: /expected N\/PROTO/ },
    { name: 'an unknown named port', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', 'http'], stderr: /has no TCP container port named http/ },
    { name: 'a port out of range', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '70000'], stderr: /outside 1-65535/ },
  ];
  for (const c of cases) {
    const r = nsguard(...c.args);
    t.equal(r.code, 2, `${c.name}: exit 2`);
    t.match(r.stderr, c.stderr, `${c.name}: ${r.stderr}`);
  }
});
