// `nsguard audit` without --state: one list of each kind from the cluster of KUBECONFIG (the in-repo API
// server holding the example cluster), and --apply writing the PolicyReports and removing stale ones.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t, { type Test } from 'tap';
import { parseAllDocuments } from 'yaml';
import { TestApiServer } from '../support/test-api-server.ts';
import type { KubeObject } from '../support/test-api-object.ts';
import type { ApiResource } from '../support/test-api-resources.ts';
import { CLUSTER } from './fixture.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

async function nsguardWith(kubeconfig: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function clusterServer(t: Test): Promise<{ api: TestApiServer; kubeconfig: string; config: string }> {
  const api = await TestApiServer.start();
  t.teardown(() => api.close());
  // `default`, where the kubernetes Service lives, exempt like the other system namespaces; no apiserver
  // address in the configuration: the EndpointSlice says it.
  api.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } } as KubeObject);
  const config = `${t.testdir()}/nsguard.yaml`;
  await writeFile(config, 'exemptNamespaces: [default, kube-system, kube-public, kube-node-lease, nsguard, ingress-nginx]\n');
  for (const doc of parseAllDocuments(readFileSync(CLUSTER, 'utf8'))) api.store.upsert(doc.toJS() as KubeObject);
  // The apiserver's own address, as every cluster publishes it.
  api.store.upsert({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['203.0.113.10'] }],
  } as KubeObject);
  const kubeconfig = `${config}.kubeconfig`;
  await writeFile(kubeconfig, api.kubeConfig().exportConfig());
  return { api, kubeconfig, config };
}

t.test('the live cluster reads as the state file does', async (t) => {
  const { api, kubeconfig, config } = await clusterServer(t);
  const r = await nsguardWith(kubeconfig, 'audit', '--config', config, '-o', 'json');
  t.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { source: string; cluster: unknown; summary: { findings: number }; webhook: { reachable: boolean | null }; notes: string[] };
  t.match(report.source, /^cluster http:\/\/127\.0\.0\.1:\d+$/);
  t.same(report.cluster, { namespaces: 10, pods: 13, podGroups: 11, policies: 24, calicoPolicies: 0 });
  t.equal(report.webhook.reachable, false, 'judged from the address the kubernetes EndpointSlice lists, without any config');
  t.equal(report.summary.findings, 13);
  const lists = api.requests().filter((q) => q.method === 'GET').map((q) => q.path).sort();
  t.same(lists, [
    '/api/v1/namespaces',
    '/api/v1/pods',
    '/apis/crd.projectcalico.org/v1/tiers',
    '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    '/apis/networking.k8s.io/v1/networkpolicies',
    '/apis/projectcalico.org/v3/tiers',
  ], 'one list of each kind; Calico tried in both groups, absent from both');
  t.notOk(api.requests().some((q) => q.verb === 'watch'), 'no watch');
});

t.test('--apply writes a PolicyReport per namespace with findings and the ClusterPolicyReport, and removes stale ones', async (t) => {
  const { api, kubeconfig, config } = await clusterServer(t);
  const stale = { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'nsguard-audit', namespace: 'shop-prod', labels: { 'app.kubernetes.io/managed-by': 'nsguard', 'app.kubernetes.io/name': 'nsguard-audit' } }, results: [] };
  const others = { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'kyverno-report', namespace: 'shop-prod' }, results: [] };
  api.store.upsert(stale as KubeObject);
  api.store.upsert(others as KubeObject);
  const r = await nsguardWith(kubeconfig, 'audit', '--config', config, '-o', 'policyreport', '--apply', '--out', '/dev/null');
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, 'nsguard audit: applied 7 PolicyReport/ClusterPolicyReport objects, removed 1 stale');
  const reports = api.requests().filter((q) => q.verb === 'patch').map((q) => q.path).sort();
  t.equal(reports.length, 7);
  const resource = (kind: string): ApiResource => api.store.resourceFor('wgpolicyk8s.io/v1alpha2', kind) as ApiResource;
  const stored = (ns: string, name = 'nsguard-audit'): KubeObject | undefined => api.store.get(resource('PolicyReport'), ns, name);
  t.equal(stored('shop-prod'), undefined, 'shop-prod has no findings: its old report is gone');
  t.ok(stored('shop-prod', 'kyverno-report'), "another tool's report stays");
  t.same((stored('shop-test')?.['results'] as { rule: string }[]).map((x) => x.rule), ['dns', 'generated-missing']);
  const cluster = api.store.get(resource('ClusterPolicyReport'), undefined, 'nsguard-audit') as KubeObject;
  t.equal((cluster['results'] as unknown[]).length, 3);
});
