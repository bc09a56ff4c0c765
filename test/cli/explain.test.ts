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

t.test('an IP of a running pod is that pod alone, not the group it counts in; another IP is outside the cluster', async (t) => {
  const pod = nsguard('explain', '--state', EXAMPLE, 'shop-test/web-6f7c9d5b8-k2j4m', '10.244.0.12', '--port', '53/UDP', '-o', 'json');
  t.equal(pod.code, 0, pod.stderr);
  t.equal((JSON.parse(pod.stdout) as { to: string }).to, 'kube-system/coredns-7db6d8ff4d-9vwzl', 'one of the two coredns pods, the one with this address');
  const r = nsguard('explain', '--state', EXAMPLE, '203.0.113.7', 'shop-prod/web-6f7c9d5b8-k2j4m', '-o', 'json');
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as { open: boolean; egress: { applies: boolean }; ingress: { isolated: boolean; open: boolean } };
  t.equal(report.egress.applies, false, 'no policy applies to an address outside the cluster');
  t.equal(report.ingress.isolated, true);
  t.equal(report.ingress.open, false);
});

t.test("the ClusterIP of kube-dns is the Service: the path goes to its pods on the port it maps to, not outside the cluster", async (t) => {
  const r = nsguard('explain', '--state', EXAMPLE, 'shop-test/web-6f7c9d5b8-k2j4m', '10.96.0.10', '--port', '53/UDP');
  t.equal(r.code, 0, r.stderr);
  matchGolden(t, r.stdout, new URL('../fixtures/check/explain-to-kube-dns.golden', import.meta.url));
});

t.test('a Service by any of its names is the same Service; the port is one of its own, mapped to each pod', async (t) => {
  const json = (...target: string[]) => JSON.parse(nsguard('explain', '--state', EXAMPLE, '-n', 'shop-test', 'web-6f7c9d5b8-k2j4m', ...target, '-o', 'json').stdout) as Record<string, unknown>;
  const byDns = json('kube-dns.kube-system', '--port', 'dns/UDP');
  t.same(json('kube-dns.kube-system.svc.cluster.local', '--port', '53/UDP'), byDns);
  t.same(json('service/kube-system/kube-dns', '--port', '53/UDP'), byDns);
  t.same(byDns['toService'], {
    namespace: 'kube-system',
    name: 'kube-dns',
    address: null,
    port: { port: 53, protocol: 'UDP', name: 'dns', targetPort: 53 },
    selector: { 'k8s-app': 'kube-dns' },
    endpoints: ['kube-system/coredns-7db6d8ff4d-2xkqp, kube-system/coredns-7db6d8ff4d-9vwzl'],
    unreached: [],
  });
  const web = json('web.shop-test') as { paths: { to: string; port: unknown; open: boolean }[] };
  t.same(web.paths.map((p) => [p.to, p.port, p.open]), [['shop-test/web-6f7c9d5b8-k2j4m, shop-test/web-6f7c9d5b8-r8t2w', { protocol: 'TCP', port: 8080 }, true]], 'its one port, 80, is the pods\' http: 8080');
  const mysql = json('mysql.shop-prod', '--port', '3306') as { open: boolean; paths: { to: string; port: unknown }[] };
  t.same(mysql.paths.map((p) => [p.to, p.port]), [['shop-prod/mysql-0', { protocol: 'TCP', port: 3306 }]], 'headless: the pods themselves');
  const apiserver = json('kubernetes.default') as { open: boolean; paths: { to: string; port: unknown; egress: { open: boolean } }[] };
  t.same(apiserver.paths.map((p) => [p.to, p.port, p.egress.open]), [['192.168.49.2', { protocol: 'TCP', port: 8443 }, false]], 'no selector: the address its EndpointSlice lists, on its port');
});

t.test('a closed path between environments says that opening it would be refused; an open one that it is open across the boundary', async (t) => {
  const closed = nsguard('explain', '--state', EXAMPLE, 'shop-test/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '3306/TCP', '-o', 'json');
  t.same((JSON.parse(closed.stdout) as { notes: string[] }).notes, ['opening this path would be denied by env-boundary: shop-test is env=test and shop-prod is env=prod (test and prod must stay apart)']);
  const dir = t.testdir({
    'open.yaml': 'apiVersion: v1\nkind: List\nitems:\n- { apiVersion: v1, kind: Namespace, metadata: { name: a, labels: { env: test } } }\n- { apiVersion: v1, kind: Namespace, metadata: { name: b, labels: { env: prod } } }\n',
    'warn.yaml': 'mode: warn\n',
  });
  const open = nsguard('explain', '--state', `${dir}/open.yaml`, 'a/app=x', 'b/app=y');
  t.equal(open.code, 0);
  t.match(open.stdout, '\n  this path is open across env-boundary: a is env=test and b is env=prod (test and prod must stay apart)');
  const warned = nsguard('explain', '--state', EXAMPLE, '--config', `${dir}/warn.yaml`, 'shop-test/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '3306');
  t.match(warned.stdout, '\n  opening this path would break env-boundary, reported but not denied: shop-test is env=test and shop-prod is env=prod (test and prod must stay apart); mode warn in shop-test, mode warn in shop-prod');
});

t.test('a name that is not there suggests the nearest that is', async (t) => {
  const cases: { args: string[]; stderr: string }[] = [
    {
      args: ['shop-prod/mysql', 'shop-prod/web-6f7c9d5b8-k2j4m'],
      stderr: 'no running pod shop-prod/mysql in the snapshot; did you mean shop-prod/mysql-0? A Service of that name exists: service/shop-prod/mysql (mysql.shop-prod)',
    },
    { args: ['shop-prd/web-1', 'shop-prod/mysql-0'], stderr: 'no namespace shop-prd in the snapshot; did you mean shop-prod?' },
    { args: ['shop-prod/mysql-0', 'service/shop-prod/mysq'], stderr: 'no Service shop-prod/mysq in the snapshot; did you mean service/shop-prod/mysql?' },
    { args: ['shop-prod/mysql-0', 'mysql-0.shop-prod'], stderr: 'no Service shop-prod/mysql-0 in the snapshot; did you mean service/shop-prod/mysql? A pod of that name exists: shop-prod/mysql-0' },
    { args: ['-n', 'shop-prod', 'mysql-1', 'mysql-0'], stderr: 'no running pod shop-prod/mysql-1 in the snapshot; did you mean shop-prod/mysql-0?' },
  ];
  for (const c of cases) {
    const r = nsguard('explain', '--state', EXAMPLE, ...c.args);
    t.equal(r.code, 2, c.args.join(' '));
    t.equal(r.stderr, `nsguard explain: NSG_USAGE: nsguard explain: ${c.stderr}\n`);
  }
});

t.test('a label named like an Object member is a label like any other', async (t) => {
  const r = nsguard('explain', '--state', EXAMPLE, 'shop-prod/__proto__=x', 'shop-prod/mysql-0');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^any pod labelled __proto__=x in shop-prod → shop-prod\/mysql-0/);
});

t.test('bad input exits 2', async (t) => {
  const dir = t.testdir({
    'stale.yaml': [0, 1].map((i) => `---\napiVersion: v1\nkind: Pod\nmetadata: { name: web-${i}, namespace: a, labels: { app: web, n: "${i}" } }\nstatus: { podIP: 10.0.0.9 }\n`).join(''),
    'alias.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: db, namespace: a }\nspec: { type: ExternalName, externalName: db.example.com }\n',
  });
  const cases: { name: string; args: string[]; stderr: RegExp }[] = [
    { name: 'one endpoint', args: ['explain', '--state', EXAMPLE, 'shop-prod/mysql-0'], stderr: /expected FROM and TO/ },
    { name: 'an unknown pod', args: ['explain', '--state', EXAMPLE, 'shop-prod/nope', 'shop-prod/mysql-0'], stderr: /no running pod shop-prod\/nope in the snapshot\n/ },
    { name: 'a label given twice', args: ['explain', '--state', EXAMPLE, 'shop-prod/app=web,app=mysql', 'shop-prod/mysql-0'], stderr: /"shop-prod\/app=web,app=mysql": label "app" is given twice; a pod has one value per key/ },
    { name: 'a bad endpoint', args: ['explain', '--state', EXAMPLE, 'my.sql.x', 'shop-prod/mysql-0'], stderr: /"my\.sql\.x" is not a Service name/ },
    { name: 'a bad protocol', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '53/ICMP'], stderr: /expected N\/PROTO/ },
    { name: 'an unknown named port', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', 'http'], stderr: /has no TCP container port named http/ },
    { name: 'a port out of range', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '70000'], stderr: /outside 1-65535/ },
    { name: 'a Service of several ports, none asked', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', '10.96.0.10'], stderr: /Service kube-system\/kube-dns has several ports \(53\/UDP \(dns\), 53\/TCP \(dns-tcp\), 9153\/TCP \(metrics\)\): say which with --port/ },
    { name: 'a port the Service lacks', args: ['explain', '--state', EXAMPLE, 'shop-prod/web-6f7c9d5b8-k2j4m', 'web.shop-prod', '--port', '8080'], stderr: /Service shop-prod\/web has no TCP port 8080 \(its ports: 80\/TCP \(http\)\)/ },
    { name: 'an ExternalName Service', args: ['explain', '--state', `${dir}/alias.yaml`, 'a/app=x', 'db.a'], stderr: /Service a\/db is an alias for db\.example\.com, outside the cluster: give its address instead/ },
    { name: 'an address two pods hold', args: ['explain', '--state', `${dir}/stale.yaml`, 'a/app=x', '10.0.0.9'], stderr: /10\.0\.0\.9 is the address of 2 pods in the snapshot \(a\/web-0, a\/web-1\)/ },
  ];
  for (const c of cases) {
    const r = nsguard(...c.args);
    t.equal(r.code, 2, `${c.name}: exit 2`);
    t.match(r.stderr, c.stderr, `${c.name}: ${r.stderr}`);
  }
});
