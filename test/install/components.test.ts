// The opt-in components: each rendered on top of the base, as an overlay would use it, valid against
// the schemas, with the rules that decide who reaches the webhook port pinned.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_PORT } from '../../src/webhook/server.ts';
import { find, MANIFESTS, render, type KubeObject } from './kustomize.ts';
import { renderBase } from './overlays.ts';
import { validate } from './schemas.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** `resources: [base]` plus `components: [component]`, in a scratch overlay. */
function withComponent(t: Tap, component: string): KubeObject[] {
  const root = mkdtempSync(join(tmpdir(), 'nsguard-component-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(join(MANIFESTS, 'base'), join(root, 'base'));
  symlinkSync(join(MANIFESTS, 'components'), join(root, 'components'));
  mkdirSync(join(root, 'overlay'));
  writeFileSync(join(root, 'overlay/kustomization.yaml'), `resources: [../base]\ncomponents: [../components/${component}]\n`);
  return render(join(root, 'overlay'));
}

type Peer = Record<string, unknown>;
interface Rule {
  readonly from?: Peer[];
  readonly ports?: { protocol: string; port: number }[];
}

/** Every peer that some policy lets reach the webhook port, with the policy's name. */
function webhookPeers(objects: readonly KubeObject[]): { policy: string; peer: Peer }[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .flatMap((o) => ((o['spec'] as { ingress?: Rule[] }).ingress ?? []).map((rule) => ({ policy: o.metadata.name, rule })))
    .filter(({ rule }) => rule.ports?.some((p) => p.port === DEFAULT_PORT) === true)
    .flatMap(({ policy, rule }) => (rule.from ?? []).map((peer) => ({ policy, peer })));
}

const KONNECTIVITY = [
  { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'konnectivity-agent' } } },
  { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { app: 'konnectivity-agent' } } },
];
/** The Calico API server calls the webhook itself for projectcalico.org/v3 writes. */
const CALICO_APISERVER = {
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['calico-apiserver', 'tigera-system'] }] },
  podSelector: { matchLabels: { apiserver: 'true' } },
};
const MONITORING = { namespaceSelector: { matchLabels: { role: 'monitoring' } } };
const narrow = [...KONNECTIVITY, CALICO_APISERVER, MONITORING].map((peer) => ({ policy: 'allow-webhook-ingress', peer }));

t.test('the base: konnectivity agents, the Calico API server and Prometheus by selector, the apiserver from any address, 8443 only', async (t) => {
  const objects = renderBase();
  t.same(webhookPeers(objects), [...narrow, ...['0.0.0.0/0', '::/0'].map((cidr) => ({ policy: 'allow-apiserver-ingress', peer: { ipBlock: { cidr } } }))]);
  for (const name of ['allow-webhook-ingress', 'allow-apiserver-ingress']) {
    const rules = (find(objects, 'NetworkPolicy', name)['spec'] as { ingress: Rule[] }).ingress;
    t.same(rules.map((rule) => rule.ports), [[{ protocol: 'TCP', port: DEFAULT_PORT }]], `${name}: the webhook port and no other`);
  }
});

t.test('ingress-konnectivity (GKE, AKS): no address reaches 8443, only the agents and Prometheus', async (t) => {
  const objects = withComponent(t, 'ingress-konnectivity');
  validate(t, objects);
  t.notOk(objects.some((o) => o.metadata.name === 'allow-apiserver-ingress'), 'the any-address policy is gone');
  t.same(webhookPeers(objects), narrow);
});

t.test('ingress-apiserver-cidrs (kubeadm, EKS, AKS VNet integration): the CIDRs set in the component, nothing wider', async (t) => {
  const objects = withComponent(t, 'ingress-apiserver-cidrs');
  validate(t, objects);
  t.same(webhookPeers(objects), [...narrow, { policy: 'allow-apiserver-ingress', peer: { ipBlock: { cidr: '192.0.2.0/24' } } }]);
});

t.test('ingress-openshift: the host-network kube-apiserver pods of openshift-kube-apiserver, nothing wider', async (t) => {
  const objects = withComponent(t, 'ingress-openshift');
  validate(t, objects);
  t.same(webhookPeers(objects), [
    ...narrow,
    { policy: 'allow-apiserver-ingress', peer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-kube-apiserver' } }, podSelector: {} } },
  ]);
});

t.test('client-ca: the base arguments plus --client-ca, the CA mounted from ConfigMap nsguard-client-ca', async (t) => {
  const objects = withComponent(t, 'client-ca');
  validate(t, objects);
  interface Container {
    args: string[];
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  }
  const podOf = (o: KubeObject) => (o['spec'] as { template: { spec: { containers: Container[]; volumes: { name: string; configMap?: { name: string } }[] } } }).template.spec;
  const pod = podOf(find(objects, 'Deployment', 'nsguard'));
  const [container] = pod.containers;
  const [base] = podOf(find(renderBase(), 'Deployment', 'nsguard')).containers;
  const mount = container?.volumeMounts.find((m) => m.name === 'client-ca');
  t.same(container?.args, [...(base?.args ?? []), `--client-ca=${mount?.mountPath ?? ''}/ca.crt`], 'the component keeps the base arguments in step');
  t.equal(mount?.readOnly, true);
  t.same(pod.volumes.find((v) => v.name === 'client-ca')?.configMap, { name: 'nsguard-client-ca' });
  t.ok(container?.volumeMounts.some((m) => m.name === 'tls'), 'the serving pair is still mounted');
});
