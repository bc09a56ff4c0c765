import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { serviceNames } from '../../src/cli/certs.ts';
import { find, idOf, isRecord, MANIFESTS, readYamlDocuments, render, type KubeObject } from './kustomize.ts';
import { renderBase, renderBaseWebhooks, renderCertManager, renderCertManagerWebhooks, renderCertsInstall } from './overlays.ts';
import { validate } from './schemas.ts';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

const ids = (objects: readonly KubeObject[]): string[] => objects.map(idOf).sort();

const BASE = [
  'ClusterRole nsguard',
  'ClusterRoleBinding nsguard',
  'ConfigMap nsguard/nsguard-config',
  'Deployment nsguard/nsguard',
  'Namespace nsguard',
  'NetworkPolicy nsguard/allow-apiserver-egress',
  'NetworkPolicy nsguard/allow-apiserver-ingress',
  'NetworkPolicy nsguard/allow-dns',
  'NetworkPolicy nsguard/allow-webhook-ingress',
  'NetworkPolicy nsguard/default-deny',
  'PodDisruptionBudget nsguard/nsguard',
  'Role default/nsguard-events',
  'Role nsguard/nsguard-leader-election',
  'RoleBinding default/nsguard-events',
  'RoleBinding nsguard/nsguard-leader-election',
  'Service nsguard/nsguard',
  'ServiceAccount nsguard/nsguard',
];
/** The second step, applied once the pods are ready. */
const WEBHOOKS = ['MutatingWebhookConfiguration nsguard', 'ValidatingWebhookConfiguration nsguard'];

t.test('every YAML file under manifests/ parses', async (t) => {
  for (const file of yamlFiles(MANIFESTS)) {
    t.doesNotThrow(() => readYamlDocuments(file), relative(MANIFESTS, file));
  }
});

t.test('the base renders the workload and base/webhooks the two configurations, each valid against its schema', async (t) => {
  const objects = renderBase();
  t.same(ids(objects), BASE, 'no webhook configuration in the first step: nothing can wait on pods that are not ready yet');
  validate(t, objects);
  const webhooks = renderBaseWebhooks();
  t.same(ids(webhooks), WEBHOOKS);
  validate(t, webhooks);
});

const webhooksOf = (o: KubeObject): Record<string, unknown>[] => (Array.isArray(o['webhooks']) ? o['webhooks'].filter(isRecord) : []);
const caBundleOf = (webhook: Record<string, unknown>): unknown => (isRecord(webhook['clientConfig']) ? webhook['clientConfig']['caBundle'] : undefined);

t.test('the nsguard certs install: manifests/ adds the TLS Secret to the workload, manifests/webhooks the caBundle on every webhook', async (t) => {
  const { workload, webhooks, caBundle, root } = renderCertsInstall();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.same(ids(workload), [...BASE, 'Secret nsguard/nsguard-tls'].sort(), 'step 1: `kubectl apply -k manifests/`');
  validate(t, workload);
  t.same(ids(webhooks), WEBHOOKS, 'step 2: `kubectl apply -k manifests/webhooks`');
  validate(t, webhooks);
  const base = renderBaseWebhooks();
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
    const patched = webhooksOf(find(webhooks, kind, 'nsguard'));
    t.same(patched.map((w) => w['name']), webhooksOf(find(base, kind, 'nsguard')).map((w) => w['name']), `${kind}: the patch adds no webhook`);
    for (const webhook of patched) t.equal(caBundleOf(webhook), caBundle, `${kind} ${String(webhook['name'])} has the printed caBundle`);
  }
  const secret = find(workload, 'Secret', 'nsguard-tls');
  t.equal(secret['type'], 'kubernetes.io/tls');
  t.same(Object.keys(isRecord(secret['data']) ? secret['data'] : {}).sort(), ['tls.crt', 'tls.key']);
});

t.test('the cert-manager overlay issues the serving certificate, and its webhooks/ step injects the CA into both configurations', async (t) => {
  const objects = renderCertManager();
  t.same(ids(objects), [...BASE, 'Certificate nsguard/nsguard-ca', 'Certificate nsguard/nsguard-tls', 'Issuer nsguard/nsguard-ca', 'Issuer nsguard/nsguard-selfsigned'].sort());
  validate(t, objects);
  const webhooks = renderCertManagerWebhooks();
  t.same(ids(webhooks), WEBHOOKS);
  validate(t, webhooks);
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
    const object = find(webhooks, kind, 'nsguard');
    t.same(object.metadata['annotations'], { 'cert-manager.io/inject-ca-from': 'nsguard/nsguard-tls' }, `${kind} is annotated`);
    t.same(object['webhooks'], find(renderBaseWebhooks(), kind, 'nsguard')['webhooks'], `${kind}: webhooks untouched`);
  }
  const serving = find(objects, 'Certificate', 'nsguard-tls')['spec'] as Record<string, unknown>;
  t.same(serving['dnsNames'], serviceNames('nsguard', 'nsguard'), 'the same service names as nsguard certs');
  t.equal((serving['issuerRef'] as Record<string, unknown>)['name'], 'nsguard-ca');
  const volumes = ((find(objects, 'Deployment', 'nsguard')['spec'] as { template: { spec: { volumes: { secret?: { secretName: string } }[] } } }).template.spec.volumes);
  t.ok(volumes.some((v) => v.secret?.secretName === serving['secretName']), 'the Deployment mounts the Secret cert-manager writes');
  const ca = find(objects, 'Certificate', 'nsguard-ca')['spec'] as Record<string, unknown>;
  t.equal(ca['isCA'], true);
  t.same((find(objects, 'Issuer', 'nsguard-ca')['spec'] as Record<string, unknown>)['ca'], { secretName: ca['secretName'] });
});

t.test("the renderer refuses what kustomize's load restrictor refuses: a file outside the kustomization's directory", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nsguard-restrictor-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'step'));
  writeFileSync(join(root, 'patch.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n');
  writeFileSync(join(root, 'step/kustomization.yaml'), 'resources: [../patch.yaml]\n');
  t.throws(() => render(join(root, 'step')), /is not in or below/);
});

t.test('`kustomize edit set image nsguard=…` in an overlay replaces the image', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nsguard-image-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(join(MANIFESTS, 'base'), join(root, 'base'));
  mkdirSync(join(root, 'overlay'));
  writeFileSync(join(root, 'overlay/kustomization.yaml'), 'resources: [../base]\nimages:\n  - name: nsguard\n    newName: registry.example.com/nsguard\n    newTag: "9.9.9"\n');
  const deployment = find(render(join(root, 'overlay')), 'Deployment', 'nsguard');
  t.match(deployment, { spec: { template: { spec: { containers: [{ name: 'nsguard', image: 'registry.example.com/nsguard:9.9.9' }] } } } });
});
