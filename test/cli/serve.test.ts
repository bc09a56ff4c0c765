import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { EXAMPLE } from '../support/cluster.ts';
import { nsguard } from '../support/cli.ts';
import { spawnLogging } from '../support/spawned.ts';
import { HALF_CLIENT_HELLO, closed, rawClient } from '../support/raw-clients.ts';
import { createTestCa, writeSecretVolume } from '../support/test-ca.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { send } from '../webhook/harness.ts';
import { namespaceCreate } from '../webhook/reviews.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A NetworkPolicy CREATE as the apiserver sends it. */
function createReview(uid: string, namespace: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
      resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
      requestKind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
      requestResource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
      name: 'deny-egress',
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'alice@example.com', groups: ['tenants', 'system:authenticated'] },
      object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-egress', namespace }, spec },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', fieldManager: 'kubectl-client-side-apply' },
    },
  };
}

const DENY_EGRESS = { podSelector: {}, policyTypes: ['Egress'] };

// The namespace `apps` with a DNS rule: a default deny of egress there keeps DNS.
const APPS_WITH_DNS = `
---
apiVersion: v1
kind: Namespace
metadata: { name: apps }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-dns, namespace: apps }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ]
      ports: [ { port: 53, protocol: UDP }, { port: 53, protocol: TCP } ]
`;

interface Tap {
  teardown(fn: () => unknown): void;
}

/** A scratch directory (removed after the test) holding a serving pair issued by a fresh test CA. */
async function servingFiles(t: Tap, name: string) {
  const dir = await mkdtemp(join(tmpdir(), `nsguard-serve-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const ca = await createTestCa();
  const volume = await writeSecretVolume(join(dir, 'tls'), await ca.issue());
  const tlsArgs = ['--port', '0', '--host', '127.0.0.1', '--tls-cert', volume.certFile, '--tls-key', volume.keyFile, '--drain-seconds', '0'];
  return { dir, ca, tlsArgs };
}

/** The in-repo API server (closed after the test) and a kubeconfig file for it in `dir`. */
async function apiServer(t: Tap, dir: string) {
  const api = await TestApiServer.start();
  t.teardown(() => api.close());
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, api.kubeConfig().exportConfig());
  return { api, kubeconfig };
}

/**
 * `nsguard serve --state EXAMPLE` with its stdout a raw pipe the test reads through `collect` (so it can
 * stop reading or close it), once it is listening; stderr is kept.
 */
async function serveOwningStdout(t: Tap, name: string) {
  const { ca, tlsArgs } = await servingFiles(t, name);
  const child = spawn(process.execPath, [MAIN, 'serve', '--state', EXAMPLE, ...tlsArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const out = { text: '', stderr: '' };
  const collect = (chunk: Buffer): void => {
    out.text += chunk.toString();
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const stdout = child.stdout as NodeJS.ReadableStream;
  stdout.on('data', collect);
  await waitFor(() => out.text.includes('"msg":"webhook server listening"'), 'the listening line');
  const port = Number((JSON.parse(out.text.split('\n').find((l) => l.includes('webhook server listening')) ?? '{}') as { port: number }).port);
  return { ca, child, stdout, out, collect, exited, port };
}

t.test('serve --state: judges against the file, follows its changes, keeps the last good one, exits 0 on SIGTERM', async (t) => {
  const { dir, ca, tlsArgs } = await servingFiles(t, 'state');
  const snapshot = await readFile(EXAMPLE, 'utf8');
  await mkdir(join(dir, 'state'));
  const state = join(dir, 'state', 'cluster.yaml');
  await writeFile(state, snapshot);

  const server = spawnLogging(t, MAIN, ['serve', '--state', state, ...tlsArgs]);
  const port = Number((await server.logged('webhook server listening'))['port']);
  const call = (path: string, body?: unknown) => send(port, ca.cert, { path, body, agent: false });

  const ready = await call('/readyz');
  t.equal(ready.status, 200, 'ready once the state file is loaded');

  // The README's curl example, answered as the README shows.
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const shown = readme.split('\n').find((line) => line.startsWith('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response"'));
  const example = await call('/validate', JSON.parse(await readFile(new URL('../../examples/review-create.json', import.meta.url), 'utf8')));
  t.strictSame(example.json, JSON.parse(shown ?? 'null'), 'the README example answer is what the server says');

  const deployment = createReview('k1', 'apps', DENY_EGRESS);
  deployment.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
  const unknown = await call('/validate', deployment);
  t.equal(unknown.status, 400, 'a kind the webhook configuration should not send is refused, never allowed');
  t.match(unknown.json, { reason: 'invalid-review', message: /^nsguard does not judge apps\/v1 Deployment/ }, 'with the reason');

  const denied = await call('/validate', createReview('a1', 'apps', DENY_EGRESS));
  t.match(denied.json, { response: { uid: 'a1', allowed: false, status: { code: 403, reason: 'Forbidden', message: /^\[dns-egress\] creating NetworkPolicy apps\/deny-egress cuts DNS for any pod in apps/ } } });
  const audit = await server.logged('admission', (line) => line['uid'] === 'a1');
  t.match(audit, { verdict: 'denied', allowed: false, rules: ['dns-egress'], namespace: 'apps', name: 'deny-egress', user: 'alice@example.com' });

  await writeFile(state, snapshot + APPS_WITH_DNS);
  await server.logged('state file reloaded');
  const allowed = await call('/validate', createReview('a2', 'apps', DENY_EGRESS));
  t.match(allowed.json, { response: { uid: 'a2', allowed: true } }, 'the reloaded state has a DNS rule in apps');

  await writeFile(state, 'kind: [unclosed\n');
  await server.logged('state file reload failed: keeping the previous snapshot');
  const kept = await call('/validate', createReview('a3', 'apps', DENY_EGRESS));
  t.match(kept.json, { response: { uid: 'a3', allowed: true } }, 'a broken file keeps the last good snapshot');

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
  await waitFor(() => server.lines.some((line) => line['msg'] === 'webhook server closed'), 'the close log line');
});

t.test('serve --config: a changed file takes effect without a restart; a bad one is refused and the last good one kept', async (t) => {
  const { dir, ca, tlsArgs } = await servingFiles(t, 'config');
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'mode: enforce\n');
  const server = spawnLogging(t, MAIN, ['serve', '--state', EXAMPLE, '--config', file, ...tlsArgs]);
  const port = Number((await server.logged('webhook server listening'))['port']);
  const judge = async (uid: string) => (await send(port, ca.cert, { path: '/validate', body: createReview(uid, 'apps', DENY_EGRESS), agent: false })).json;
  t.match(await judge('c1'), { response: { allowed: false } }, 'enforce: the DNS cut is denied');

  await writeFile(`${file}.new`, 'mode: warn\n');
  await rename(`${file}.new`, file);
  await server.logged('configuration reloaded');
  t.match(await judge('c2'), { response: { allowed: true, warnings: [/^\[dns-egress\]/] } }, 'warn: the same change passes with the warning');

  await writeFile(`${file}.new`, 'mode: block\n');
  await rename(`${file}.new`, file);
  t.match(await server.logged('configuration change refused: keeping the current configuration'), { code: 'NSG_CONFIG_KEY' });
  t.match(await judge('c3'), { response: { allowed: true } }, 'still warn');
  const metrics = (await send(port, ca.cert, { path: '/metrics', agent: false })).text;
  t.match(metrics, /nsguard_config_reloads_total\{result="success"\} 1/);
  t.match(metrics, /nsguard_config_reloads_total\{result="failure"\} 1/);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});

t.test('serve: SIGTERM exits 0 while connections that never finished a TLS handshake are open', async (t) => {
  const { ca, tlsArgs } = await servingFiles(t, 'handshaking');
  const server = spawnLogging(t, MAIN, ['serve', '--state', EXAMPLE, ...tlsArgs]);
  const port = Number((await server.logged('webhook server listening'))['port']);
  const clients = await Promise.all(Array.from({ length: 20 }, () => rawClient(port)));
  for (const client of clients.slice(10)) client.write(HALF_CLIENT_HELLO);
  // The server takes connections in order: once a later one is answered, these twenty are its own.
  t.equal((await send(port, ca.cert, { path: '/healthz', agent: false })).status, 200);

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'exit code 0, not 13 (an unsettled top-level await once every socket stalled)');
  await Promise.all(clients.map(closed));
});

/** A NetworkPolicy review as the apiserver sends it for `operation`, from `before` to `after`. */
function policyReview(uid: string, operation: 'DELETE', before: Record<string, unknown>, after: null) {
  const review = createReview(uid, String((before['metadata'] as Record<string, unknown>)['namespace']), {});
  const metadata = before['metadata'] as Record<string, unknown>;
  return { ...review, request: { ...review.request, name: String(metadata['name']), operation, object: after, oldObject: before } };
}

t.test('serve --state over HTTPS: the mutation inherits from a parent, and tamper is denied', async (t) => {
  const { ca, tlsArgs } = await servingFiles(t, 'onboarding');
  const server = spawnLogging(t, MAIN, ['serve', '--state', EXAMPLE, ...tlsArgs]);
  const port = Number((await server.logged('webhook server listening'))['port']);
  const call = (path: string, body?: unknown) => send(port, ca.cert, { path, body, agent: false });

  // A child of shop-prod (env=prod in the example) created with no env label takes the parent's.
  const mutated = await call('/mutate', namespaceCreate('shop-feature', { annotations: { 'nsguard.io/parent': 'shop-prod' } }, 'm1'));
  const response = (mutated.json as { response: { allowed: boolean; patch?: string } }).response;
  t.equal(response.allowed, true);
  const patch = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8')) as unknown;
  t.match(patch, [{ op: 'add', path: '/metadata/annotations/nsguard.io~1isolation' }, { op: 'add', path: '/metadata/annotations/nsguard.io~1template', value: 'default' }, { op: 'add', path: '/metadata/labels/env', value: 'prod' }]);

  const generated = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'nsguard-allow-monitoring', namespace: 'shop-prod', labels: { 'app.kubernetes.io/managed-by': 'nsguard' } },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }] }] },
  };
  const tampered = await call('/validate', policyReview('d1', 'DELETE', generated, null));
  t.match(tampered.json, { response: { uid: 'd1', allowed: false, status: { code: 403, message: /^\[isolation-tamper\] deleting NetworkPolicy shop-prod\/nsguard-allow-monitoring, generated by nsguard/ } } });

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});

t.test('serve refuses bad options with exit 2 before listening', async (t) => {
  const cases: { name: string; args: string[]; stderr: RegExp }[] = [
    { name: 'a port that is not a number', args: ['serve', '--state', EXAMPLE, '--port', 'http'], stderr: /NSG_USAGE: nsguard serve: --port must be a whole number from 0 to 65535, not "http"/ },
    { name: 'a certificate without its key', args: ['serve', '--state', EXAMPLE, '--tls-cert', EXAMPLE], stderr: /NSG_USAGE: TLS needs both a certificate file and a key file/ },
    { name: 'a client CA without a serving pair', args: ['serve', '--state', EXAMPLE, '--client-ca', EXAMPLE], stderr: /NSG_USAGE: TLS needs both a certificate file and a key file \(--tls-cert and --tls-key\) when a client CA is given/ },
    { name: 'a missing state file', args: ['serve', '--state', '/nonexistent/cluster.yaml'], stderr: /NSG_STATE_READ: .*\/nonexistent\/cluster\.yaml/ },
    { name: 'a bad log level', args: ['serve', '--state', EXAMPLE, '--log-level', 'loud'], stderr: /--log-level must be one of/ },
  ];
  for (const c of cases) {
    const r = nsguard(...c.args);
    t.equal(r.code, 2, `${c.name}: exit 2`);
    t.match(r.stderr, c.stderr, `${c.name}: ${r.stderr}`);
  }
});

t.test('serve without --state: watches the cluster of KUBECONFIG and judges against what it holds', async (t) => {
  const { dir, ca, tlsArgs } = await servingFiles(t, 'live');
  const { api, kubeconfig } = await apiServer(t, dir);
  api.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });

  const server = spawnLogging(
    t,
    MAIN,
    ['serve', ...tlsArgs],
    { ...process.env, KUBECONFIG: kubeconfig },
  );
  const port = Number((await server.logged('webhook server listening'))['port']);
  const call = (path: string, body?: unknown) => send(port, ca.cert, { path, body, agent: false });
  const ready = await waitFor(async () => (await call('/readyz')).status === 200, 'ready once the first lists have landed', 20_000);
  t.ok(ready);

  const denied = await call('/validate', createReview('l1', 'apps', DENY_EGRESS));
  t.match(denied.json, { response: { uid: 'l1', allowed: false, status: { message: /^\[dns-egress\]/ } } }, 'no DNS rule in apps yet');

  api.store.upsert({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-dns', namespace: 'apps' },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
        },
      ],
    },
  });
  const allowed = await waitFor(
    async () => {
      const r = await call('/validate', createReview('l2', 'apps', DENY_EGRESS));
      return (r.json as { response: { allowed: boolean } }).response.allowed;
    },
    'the watched DNS rule to reach the view',
    20_000,
  );
  t.ok(allowed, 'the policy created in the cluster is seen through the watch');

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});

t.test('serve without --state runs the controller: the Lease holder generates the policies; --no-controller does not', async (t) => {
  const { dir, ca, tlsArgs } = await servingFiles(t, 'controller');
  const { api, kubeconfig } = await apiServer(t, dir);
  api.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nsguard' } });
  api.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: { 'nsguard.io/isolation': 'strict' } } });
  const env = { ...process.env, KUBECONFIG: kubeconfig, POD_NAME: 'nsguard-0', POD_NAMESPACE: 'nsguard' };
  const resource = (apiVersion: string, kind: string) => {
    const found = api.store.resourceFor(apiVersion, kind);
    if (found === undefined) throw new Error(`no ${kind}`);
    return found;
  };
  const generated = (): string[] =>
    api.store
      .list(resource('networking.k8s.io/v1', 'NetworkPolicy'), { namespace: 'shop' })
      .items.map((p) => String((p['metadata'] as Record<string, unknown>)['name']))
      .sort();
  const lease = () => api.store.get(resource('coordination.k8s.io/v1', 'Lease'), 'nsguard', 'nsguard-controller');

  const judgeOnly = spawnLogging(t, MAIN, ['serve', '--no-controller', ...tlsArgs], env);
  await judgeOnly.logged('cluster view synced');
  // The view may sync before the signal handlers are in place; 'serving' comes after them.
  await judgeOnly.logged('serving');
  judgeOnly.child.kill('SIGTERM');
  t.equal(await judgeOnly.exited, 0);
  t.same(generated(), [], '--no-controller writes nothing');

  const server = spawnLogging(t, MAIN, ['serve', ...tlsArgs], env);
  const port = Number((await server.logged('webhook server listening'))['port']);
  await waitFor(() => generated().length === 5 && generated(), 'the default template in shop', 20_000);
  t.same(generated(), ['nsguard-allow-dns', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-allow-same-namespace', 'nsguard-default-deny']);
  t.match(lease(), { spec: { holderIdentity: 'nsguard-0' } });
  // The totals count a pass once it ends (after its Events and annotations), a moment after the policies.
  const created = /^nsguard_controller_policy_writes_total\{action="created"\} 5$/m;
  const metrics = await waitFor(
    async () => {
      const text = (await send(port, ca.cert, { path: '/metrics', agent: false })).text;
      return created.test(text) && text;
    },
    'the controller metrics to count the five policies',
  );
  t.match(metrics, /^nsguard_controller_leader 1$/m, 'this replica leads');
  t.match(metrics, /^nsguard_controller_reconciles_total\{result="failure"\} 0$/m);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
  t.notMatch(lease(), { spec: { holderIdentity: 'nsguard-0' } }, 'the Lease is released on shutdown');
});

t.test('serve: an answer leaves only after its audit line is in stdout; while stdout is not read, answers wait', async (t) => {
  const { ca, child, stdout, out, collect, exited, port } = await serveOwningStdout(t, 'audit-order');
  // Stop reading: node's buffer and then the pipe fill up with audit lines.
  stdout.off('data', collect);
  stdout.pause();

  // Groups are copied into the audit line: 4 KiB lines fill the pipe in a few dozen requests.
  const groups = Array.from({ length: 40 }, (_, i) => `group-${i}-${'x'.repeat(90)}`);
  const review = (uid: string) => {
    const body = createReview(uid, 'apps', DENY_EGRESS);
    return { ...body, request: { ...body.request, userInfo: { username: 'alice@example.com', groups } } };
  };
  const answered: string[] = [];
  let waiting: { uid: string; answer: Promise<unknown> } | undefined;
  for (let i = 0; i < 400 && waiting === undefined; i++) {
    const uid = `u${i}`;
    const answer = send(port, ca.cert, { path: '/validate', body: review(uid), agent: false });
    const outcome = await Promise.race([answer.then(() => 'answered'), new Promise((resolve) => setTimeout(resolve, 1500, 'waiting'))]);
    if (outcome === 'answered') answered.push(uid);
    else waiting = { uid, answer };
  }
  t.ok(waiting !== undefined, `an answer waits while stdout is full (${answered.length} answered first)`);
  t.ok(answered.length > 5, 'answers flow while stdout has room');

  // Reading again releases the waiting answer, and every answered uid has its one audit line.
  stdout.on('data', collect);
  stdout.resume();
  t.match((await waiting?.answer) as object, { json: { response: { uid: waiting?.uid } } });
  const uids = [...answered, waiting?.uid];
  await waitFor(() => out.text.includes(`"uid":"${waiting?.uid}"`), 'the audit line of the answer that waited');
  const audited = out.text
    .split('\n')
    .filter((l) => l.includes('"msg":"admission"'))
    .map((l) => (JSON.parse(l) as { uid: string }).uid);
  t.same(audited, uids);

  child.kill('SIGTERM');
  await exited;
});

t.test('serve: killed right after a batch of answers, every answered uid has its audit line', async (t) => {
  const { ca, child, out, exited, port } = await serveOwningStdout(t, 'audit-kill');
  // Concurrent reviews, so that several answers share a turn of the event loop and one write.
  const uids = Array.from({ length: 60 }, (_, i) => `k${i}`);
  const answers = await Promise.all(uids.map((uid) => send(port, ca.cert, { path: '/validate', body: createReview(uid, 'apps', DENY_EGRESS), agent: false })));
  child.kill('SIGKILL');
  await exited;
  // What the process wrote before it died is still in the pipe: read it to the end.
  const pipe = child.stdout as NodeJS.ReadableStream & { readableEnded: boolean };
  if (!pipe.readableEnded) await once(pipe, 'end');
  t.same(answers.map((a) => (a.json as { response: { uid: string } }).response.uid), uids, 'every review answered');
  const audited = out.text
    .split('\n')
    .filter((l) => l.includes('"msg":"admission"'))
    .map((l) => (JSON.parse(l) as { uid: string }).uid);
  t.same([...audited].sort(), [...uids].sort(), 'each answered uid has exactly one line, written before its answer left');
});

t.test('serve exits rather than answer without an audit line when stdout is gone', async (t) => {
  const { ca, child, out, exited, port } = await serveOwningStdout(t, 'audit-epipe');
  const answered = await send(port, ca.cert, { path: '/validate', body: createReview('before', 'apps', DENY_EGRESS), agent: false });
  t.match(answered.json, { response: { uid: 'before' } }, 'answers while stdout is read');

  // The reading end closes: the next audit line meets a broken pipe.
  child.stdout?.destroy();
  const after = await send(port, ca.cert, { path: '/validate', body: createReview('after', 'apps', DENY_EGRESS), agent: false }).then(
    (reply) => reply.json,
    (err: Error) => err,
  );
  t.type(after, Error, 'no answer leaves without its audit line');
  const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000, 'still running'))]);
  t.equal(code, 1, 'exits with status 1');
  t.match(out.stderr, /cannot write the audit log to stdout \(EPIPE\): exiting/);
});
