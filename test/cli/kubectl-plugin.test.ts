// `kubectl nsguard`: the executable `kubectl-nsguard` found by name on the PATH, as kubectl finds it,
// reading the cluster of a kubeconfig file (the in-repo API server holding examples/cluster.yaml) as an
// admin and as a tenant whose RoleBinding covers shop-test alone.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { EXAMPLE } from '../support/cluster.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import { DEFAULT_TOKEN, TestApiServer } from '../support/test-api-server.ts';

const LAUNCHER = new URL('../../bin/kubectl-nsguard.js', import.meta.url).pathname;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Cluster {
  readonly api: TestApiServer;
  readonly kubeconfig: string;
  /** A directory for the test's own files. */
  readonly dir: string;
  /** `kubectl-nsguard ARGS` with KUBECONFIG set, found on the PATH by name. */
  run(...args: string[]): Promise<Run>;
  /** The same through `cmd` (kubectl itself). */
  runWith(cmd: string, ...args: string[]): Promise<Run>;
}

async function cluster(t: Test): Promise<Cluster> {
  const api = await TestApiServer.start();
  t.teardown(() => api.close());
  for (const item of (parse(readFileSync(EXAMPLE, 'utf8')) as { items: KubeObject[] }).items) api.store.upsert(item);
  api.users.set('jane-token', { username: 'jane@example.com', groups: ['shop-team', 'system:authenticated'] });
  // What the built-in `view` ClusterRole grants through a RoleBinding in shop-test.
  api.access.set('jane@example.com', [
    { verbs: ['get', 'list', 'watch'], apiGroups: ['', 'networking.k8s.io', 'discovery.k8s.io'], resources: ['pods', 'services', 'namespaces', 'networkpolicies', 'endpointslices'], namespaces: ['shop-test'] },
  ]);
  const dir = t.testdir();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      // Plain HTTP, as client-node allows it only without TLS verification.
      `clusters: [{ name: test, cluster: { server: "${api.url}", insecure-skip-tls-verify: true } }]`,
      `users: [{ name: admin, user: { token: ${DEFAULT_TOKEN} } }, { name: jane, user: { token: jane-token } }]`,
      'contexts: [{ name: admin, context: { cluster: test, user: admin } }, { name: shop-test-dev, context: { cluster: test, user: jane, namespace: shop-test } }]',
      'current-context: shop-test-dev',
      '',
    ].join('\n'),
  );
  // As `npm install` or krew leaves it: a link named kubectl-nsguard in a directory on the PATH.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(LAUNCHER, join(bin, 'kubectl-nsguard'));
  const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: [bin, dirname(process.execPath), process.env['PATH'] ?? ''].join(':') };
  const runWith = async (cmd: string, ...args: string[]): Promise<Run> => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  };
  return { api, kubeconfig, dir, run: (...args) => runWith('kubectl-nsguard', ...args), runWith };
}

/** The collections read, in order, without the query. */
const reads = (api: TestApiServer): string[] => api.requests().filter((r) => r.method === 'GET').map((r) => `${r.path} ${r.status}`);

t.test('as an admin, a ClusterIP is the Service: the kube-dns pods answer, on the target port', async (t) => {
  const { api, run } = await cluster(t);
  const r = await run('explain', '--context', 'admin', 'shop-test/web-6f7c9d5b8-k2j4m', '10.96.0.10', '--port', '53/UDP', '-o', 'json');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '', 'an admin sees everything: nothing to say');
  const answer = JSON.parse(r.stdout) as { to: string; open: boolean; toService: { endpoints: string[]; port: unknown }; paths: { to: string; port: unknown; open: boolean }[] };
  t.equal(answer.to, 'Service kube-system/kube-dns (10.96.0.10)');
  t.same(answer.toService.port, { port: 53, protocol: 'UDP', name: 'dns', targetPort: 53 });
  t.same(answer.paths.map((p) => [p.to, p.port, p.open]), [['kube-system/coredns-7db6d8ff4d-2xkqp, kube-system/coredns-7db6d8ff4d-9vwzl', { protocol: 'UDP', port: 53 }, true]]);
  t.ok(reads(api).includes('/api/v1/services 200'), 'an address may be any namespace: Services are listed across them');
});

t.test('a Service by name reads only the namespaces named, and a path across environments says what opening it meets', async (t) => {
  const { api, run } = await cluster(t);
  const r = await run('explain', '--context', 'admin', '-n', 'shop-test', 'web-6f7c9d5b8-k2j4m', 'web.shop-prod');
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /^shop-test\/web-6f7c9d5b8-k2j4m → Service shop-prod\/web on TCP 80: closed\n/);
  t.match(r.stdout, '  Service shop-prod/web sends port 80/TCP (http) to target port http of the running pods labelled app=web: shop-prod/web-6f7c9d5b8-k2j4m, shop-prod/web-6f7c9d5b8-r8t2w\n');
  t.match(r.stdout, 'on TCP 8080: closed');
  t.match(r.stdout, '  opening this path would be denied by env-boundary: shop-test is env=test and shop-prod is env=prod (test and prod must stay apart)');
  const paths = [...new Set(api.requests().filter((q) => q.method === 'GET').map((q) => q.path))];
  t.same(
    paths.filter((p) => !p.includes('calico')),
    [
      '/api/v1/namespaces/shop-prod',
      '/api/v1/namespaces/shop-test',
      '/apis/networking.k8s.io/v1/namespaces/shop-prod/networkpolicies',
      '/apis/networking.k8s.io/v1/namespaces/shop-test/networkpolicies',
      '/api/v1/namespaces/shop-prod/pods',
      '/api/v1/namespaces/shop-test/pods',
      '/api/v1/namespaces/shop-prod/services',
      '/api/v1/namespaces/shop-test/services',
      '/apis/discovery.k8s.io/v1/namespaces/shop-prod/endpointslices',
      '/apis/discovery.k8s.io/v1/namespaces/shop-test/endpointslices',
    ],
    'two namespaces, not 150k pods',
  );
});

t.test('a tenant within its own namespace (the context default) sees everything it asks about', async (t) => {
  const { api, run } = await cluster(t);
  const r = await run('explain', 'web-6f7c9d5b8-k2j4m', 'mysql-0', '--port', 'mysql');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '', 'no Calico API in this cluster: its refused lists are not news');
  t.match(r.stdout, /^shop-test\/web-6f7c9d5b8-k2j4m → shop-test\/mysql-0 on TCP 3306: open\n/);
  t.ok(api.requests().some((q) => q.status === 403 && q.path === '/apis/projectcalico.org/v3/tiers'), 'Calico was refused, and discovery said it is not there');
});

t.test("a tenant asking about prod: what it could not read is said, and the answer is never open", async (t) => {
  const { run } = await cluster(t);
  const r = await run('explain', 'web-6f7c9d5b8-k2j4m', 'shop-prod/app=mysql', '--port', '3306');
  t.equal(r.code, 1, r.stderr);
  t.equal(
    r.stderr,
    [
      'kubectl nsguard explain: could not read namespace shop-prod: forbidden; they are known by name only, without their labels (the environment among them)',
      'kubectl nsguard explain: could not list networkpolicies in shop-prod: forbidden; paths to and from them are judged without their policies',
      'kubectl nsguard explain: could not list pods in shop-prod: forbidden; paths to them are judged without their pods',
      'kubectl nsguard explain: could not list services in shop-prod: forbidden; their Services (names and ClusterIPs) are not known',
      'kubectl nsguard explain: could not list endpointslices in shop-prod: forbidden; the endpoints of their Services without a selector are not known',
      '',
    ].join('\n'),
  );
  t.equal(
    r.stdout,
    [
      'shop-test/web-6f7c9d5b8-k2j4m → any pod labelled app=mysql in shop-prod on TCP 3306: unknown (closed as far as it could be read)',
      '  egress of shop-test/web-6f7c9d5b8-k2j4m: closed',
      '    isolated by shop-test/nsguard-allow-dns, shop-test/nsguard-allow-same-namespace and shop-test/nsguard-default-deny',
      '    no egress rule allows TCP 3306 to the other side',
      '  ingress of any pod labelled app=mysql in shop-prod: unknown (could not list networkpolicies in shop-prod: forbidden)',
      '  could not read namespace shop-prod: forbidden: its labels are unknown',
      '',
    ].join('\n'),
  );
  const named = await run('explain', 'web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0');
  t.equal(named.code, 2);
  t.match(named.stderr, 'kubectl nsguard explain: NSG_USAGE: nsguard explain: no running pod shop-prod/mysql-0 could be found: could not list pods in shop-prod: forbidden; name its pods by their labels (shop-prod/app=...) or address instead');
});

t.test('an address, where pods and Services cannot be listed across namespaces: read in the namespace of the context, the rest said', async (t) => {
  const { api, run } = await cluster(t);
  const r = await run('explain', 'web-6f7c9d5b8-k2j4m', '10.96.0.10', '--port', '53/UDP');
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, 'kubectl nsguard explain: could not list pods in namespaces other than shop-test: forbidden; paths to them are judged without their pods\n');
  t.match(r.stderr, 'kubectl nsguard explain: could not list namespaces (read shop-test by name): forbidden; the others are known by name only');
  t.match(r.stdout, /^shop-test\/web-6f7c9d5b8-k2j4m → 10\.96\.0\.10 on UDP 53: unknown \(closed as far as it could be read\)\n/);
  t.match(r.stdout, '  10.96.0.10 matched no pod or Service that could be read (could not list pods in namespaces other than shop-test: forbidden): judged as an address outside the cluster');
  t.ok(reads(api).includes('/api/v1/pods 403') && reads(api).includes('/api/v1/namespaces/shop-test/pods 200'), 'refused across namespaces, then read in shop-test');
});

t.test('check as a tenant: a rule towards prod is denied though prod cannot be read, and the notes say what was not', async (t) => {
  const { dir, run } = await cluster(t);
  const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: to-prod }\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [ { to: [ { namespaceSelector: { matchLabels: { env: prod } } } ] } ]\n';
  writeFileSync(join(dir, 'policy.yaml'), policy);
  const r = await run('check', join(dir, 'policy.yaml'));
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /NetworkPolicy shop-test\/to-prod \(CREATE\): denied\n\s+\[env-boundary\]/, 'the namespace of the context; the witness of env=prod stands for what could not be read');
  t.match(r.stderr, 'kubectl nsguard check: could not list pods in namespaces other than shop-test: forbidden; paths to them are judged without their pods');
});

t.test('generate and audit as a tenant: previews and reports of what it can see, and the rest said', async (t) => {
  const { api, dir, run } = await cluster(t);
  writeFileSync(join(dir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop-test2 }\n');
  const generated = await run('generate', join(dir, 'ns.yaml'));
  t.equal(generated.code, 0, generated.stderr);
  t.match(generated.stdout, 'name: nsguard-default-deny');
  t.match(generated.stderr, 'kubectl nsguard generate: could not list namespaces (read shop-test by name): forbidden');
  const audited = await run('audit', '-o', 'json');
  t.match(audited.stderr, 'kubectl nsguard audit: could not list pods in namespaces other than shop-test: forbidden');
  const report = JSON.parse(audited.stdout) as { cluster: { pods: number } };
  t.equal(report.cluster.pods, 3, "shop-test's pods");
  const applied = await run('audit', '-o', 'policyreport', '--apply');
  t.equal(applied.code, 2, 'a partial read applies no report');
  t.match(applied.stderr, '--apply needs the whole cluster read');
  t.notOk(api.requests().some((q) => q.method !== 'GET'), 'and writes nothing, deletes nothing');
});

t.test('--kubeconfig and --context choose the cluster and the user; a context that is not there is suggested', async (t) => {
  const { kubeconfig, run } = await cluster(t);
  const admin = await run('audit', '--kubeconfig', kubeconfig, '--context', 'admin', '-o', 'json');
  t.equal(admin.stderr, '');
  t.equal((JSON.parse(admin.stdout) as { cluster: { pods: number } }).cluster.pods, 11, 'every running pod of the example');
  const typo = await run('explain', '--context', 'shop-test-de', 'a', 'b');
  t.equal(typo.code, 2);
  t.equal(typo.stderr, 'kubectl nsguard explain: NSG_USAGE: nsguard explain: --context "shop-test-de" is not in the kubeconfig (contexts: admin, shop-test-dev); did you mean shop-test-dev?\n');
  const missing = await run('check', '--kubeconfig', '/nonexistent/kubeconfig', 'x.yaml');
  t.equal(missing.code, 2);
  t.match(missing.stderr, /^kubectl nsguard check: NSG_USAGE: nsguard check: cannot load \/nonexistent\/kubeconfig: /);
});

/** The major version of the `node` in `dir`, if there is one. */
function nodeMajor(dir: string): number | undefined {
  const version = spawnSync(join(dir, 'node'), ['--version'], { encoding: 'utf8' }).stdout;
  const major = /^v(\d+)\./.exec(version ?? '')?.[1];
  return major === undefined ? undefined : Number(major);
}

/** A Node.js older than 24 elsewhere on the PATH (Debian's own, say), if there is one. */
const oldNodeDir = (process.env['PATH'] ?? '').split(':').find((dir) => (nodeMajor(dir) ?? 24) < 24);
const oldNode = oldNodeDir === undefined ? undefined : join(oldNodeDir, 'node');

t.test('under an older Node.js the launcher says what it needs instead of failing on TypeScript', { skip: oldNode === undefined ? 'no Node.js older than 24 on the PATH' : false }, async (t) => {
  const r = spawnSync(oldNode as string, [LAUNCHER, '--help'], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /^kubectl nsguard: needs Node\.js 24 or later on the PATH \(found v\d+\.\d+\.\d+\)\n$/);
  t.equal(r.stdout, '');
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });

t.test('kubectl itself runs the plugin as `kubectl nsguard`', { skip: kubectl.error === undefined ? false : 'kubectl is not installed' }, async (t) => {
  const { runWith } = await cluster(t);
  const r = await runWith('kubectl', 'nsguard', 'explain', '--context', 'admin', 'shop-test/web-6f7c9d5b8-k2j4m', 'kube-dns.kube-system', '--port', 'dns/UDP');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^shop-test\/web-6f7c9d5b8-k2j4m → Service kube-system\/kube-dns on UDP 53: open\n/);
});
