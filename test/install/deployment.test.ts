import { readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_DRAIN_MS, DEFAULT_PORT } from '../../src/webhook/index.ts';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.ts';
import { find, MANIFESTS, renderComponent } from './kustomize.ts';
import { renderBase } from './overlays.ts';

interface Probe {
  httpGet: { path: string; port: string | number; scheme: string };
}
interface Container {
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName: string;
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  affinity: { podAntiAffinity: Record<string, { podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } } }[]> };
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
}

const objects = renderBase();
const deployment = find(objects, 'Deployment', 'nsguard');
const spec = deployment['spec'] as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
const pod = spec.template.spec;
const [container] = pod.containers;
if (container === undefined || pod.containers.length !== 1) throw new Error('expected one container');

const portNumber = (port: string | number): number => (typeof port === 'number' ? port : (container.ports.find((p) => p.name === port)?.containerPort ?? -1));

t.test('three replicas, spread across nodes, with a disruption budget', async (t) => {
  t.equal(spec.replicas, 3);
  const terms = pod.affinity.podAntiAffinity['preferredDuringSchedulingIgnoredDuringExecution'] ?? [];
  t.ok(terms.some((term) => term.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && term.podAffinityTerm.labelSelector.matchLabels['app.kubernetes.io/name'] === 'nsguard'));
  const pdb = find(objects, 'PodDisruptionBudget', 'nsguard')['spec'] as { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
  t.same(pdb.selector.matchLabels, spec.selector.matchLabels);
  t.equal(pdb.maxUnavailable, 1);
});

t.test('probes ask the server for /healthz and /readyz over HTTPS on its port', async (t) => {
  t.same(container.ports.map((p) => p.containerPort), [DEFAULT_PORT]);
  t.same({ ...container.livenessProbe.httpGet, port: portNumber(container.livenessProbe.httpGet.port) }, { path: '/healthz', port: DEFAULT_PORT, scheme: 'HTTPS' });
  t.same({ ...container.readinessProbe.httpGet, port: portNumber(container.readinessProbe.httpGet.port) }, { path: '/readyz', port: DEFAULT_PORT, scheme: 'HTTPS' });
});

t.test('hardened: non-root, read-only root, no capabilities, no escalation, RuntimeDefault seccomp', async (t) => {
  t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  t.same(container.securityContext, {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  t.ok(container.resources.requests['cpu'] && container.resources.requests['memory'], 'requests');
  t.ok(container.resources.limits['memory'], 'a memory limit');
});

t.test('the TLS Secret is mounted read-only as files the serve arguments name', async (t) => {
  const tls = pod.volumes.find((v) => v.secret?.secretName === 'nsguard-tls');
  t.ok(tls, 'a volume of Secret nsguard-tls');
  const mount = container.volumeMounts.find((m) => m.name === tls?.name);
  t.equal(mount?.readOnly, true);
  t.same(container.args, ['serve', `--tls-cert=${mount?.mountPath}/tls.crt`, `--tls-key=${mount?.mountPath}/tls.key`, '--config=/etc/nsguard/config/config.yaml']);
});

t.test('the grace period outlasts the drain and the close', async (t) => {
  // shutdown-signals.ts forces the exit 2 s after the close at the latest.
  const needed = (DEFAULT_DRAIN_MS + DEFAULT_CLOSE_TIMEOUT_MS + 2_000) / 1000;
  t.ok(pod.terminationGracePeriodSeconds >= needed, `${pod.terminationGracePeriodSeconds} s ≥ ${needed} s`);
  t.ok(pod.terminationGracePeriodSeconds <= 30, 'no longer than the kubelet default: a stuck pod is not kept for minutes');
});

t.test("nsguard's own NetworkPolicies: default deny, DNS, egress to the apiserver", async (t) => {
  const policy = (name: string) => find(objects, 'NetworkPolicy', name)['spec'] as Record<string, unknown>;
  t.same(policy('default-deny'), { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  t.match(policy('allow-dns'), { policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] });
  t.match(policy('allow-apiserver-egress'), { egress: [{ ports: [{ port: 443 }, { port: 6443 }] }] });
  // Who reaches the webhook port is pinned in components.test.ts.
});

t.test('the image is nsguard at the package version, for `kustomize edit set image nsguard=…` to replace', async (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.equal(container.image, `nsguard:${version}`);
});

t.test('the configuration is a ConfigMap mounted read-only and passed with --config; what it holds loads', async (t) => {
  t.ok(container.args.includes('--config=/etc/nsguard/config/config.yaml'));
  t.match(container.volumeMounts, [{}, { name: 'config', mountPath: '/etc/nsguard/config', readOnly: true }]);
  t.match(pod.volumes, [{}, { name: 'config', configMap: { name: 'nsguard-config' } }]);
  const text = (find(objects, 'ConfigMap', 'nsguard-config')['data'] as Record<string, string>)['config.yaml'] ?? '';
  t.match(parseConfig(text, 'base/config.yaml'), { mode: 'enforce', separateEnvironments: [['prod', 'test']] }, 'the shipped configuration loads and passes the template check');
});

t.test('the warn-mode component changes the mode and nothing else', async (t) => {
  const base = (find(objects, 'ConfigMap', 'nsguard-config')['data'] as Record<string, string>)['config.yaml'] ?? '';
  const warn = (find(renderComponent(join(MANIFESTS, 'components/warn-mode'), objects), 'ConfigMap', 'nsguard-config')['data'] as Record<string, string>)['config.yaml'] ?? '';
  const { mode: baseMode, ...baseRest } = parseConfig(base, 'base');
  const { mode: warnMode, ...warnRest } = parseConfig(warn, 'warn-mode');
  t.same([baseMode, warnMode], ['enforce', 'warn']);
  t.same(warnRest, baseRest, 'the other keys as in base/config.yaml');
});

t.test('scheduled and kept as a cluster-critical pod, with probes that tolerate a slow start and one slow answer', async (t) => {
  t.equal((pod as unknown as { priorityClassName: string }).priorityClassName, 'system-cluster-critical');
  const probes = container as unknown as Record<'startupProbe' | 'livenessProbe' | 'readinessProbe', { periodSeconds: number; failureThreshold: number; httpGet: { path: string } }>;
  t.match(probes.startupProbe, { httpGet: { path: '/healthz' } });
  t.ok(probes.startupProbe.periodSeconds * probes.startupProbe.failureThreshold >= 300, 'five minutes to list a large cluster');
  t.ok(probes.readinessProbe.failureThreshold >= 2, 'one slow answer does not take a replica out');
});

t.test('the image is set in the install kustomizations, which kubectl applies itself', async (t) => {
  for (const dir of ['.', 'overlays/cert-manager']) {
    const kustomization = readFileSync(join(MANIFESTS, dir, 'kustomization.yaml'), 'utf8');
    t.match(kustomization, /images:\n {2}- name: nsguard\n {4}newName: nsguard\n {4}newTag: 0\.1\.0\n/, `${dir}: images`);
  }
});
