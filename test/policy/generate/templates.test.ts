import fc from 'fast-check';
import t from 'tap';
import { parseCidr } from '../../../src/policy/netpol/cidr.ts';
import type { DnsConfig, IngressControllerConfig, Isolation, MonitoringConfig, PolicyManifest } from '../../../src/policy/objects/model.ts';
import { nameOf } from '../../../src/policy/generate/generation.ts';
import { defaultTemplate, fillPlaceholders, isolationPart, unknownPlaceholders } from '../../../src/policy/generate/templates.ts';
import { DEFAULT_CONFIG } from '../../../src/config/load-config.ts';

const VALUES = { namespace: 'shop-prod', env: 'prod', template: 'web' };

t.test('fillPlaceholders fills known placeholders in every string, keys and other values untouched', async (t) => {
  const cases: { name: string; value: unknown; expect: unknown }[] = [
    { name: 'a whole string', value: '${namespace}', expect: 'shop-prod' },
    { name: 'inside a string, twice and mixed', value: 'nsguard-${template}-${env}-${env}', expect: 'nsguard-web-prod-prod' },
    { name: 'an unknown placeholder stays as written', value: 'a-${team}-b', expect: 'a-${team}-b' },
    { name: 'an empty placeholder stays as written', value: '${}', expect: '${}' },
    { name: 'a $ without braces stays', value: '$namespace', expect: '$namespace' },
    { name: 'numbers, booleans and null pass through', value: [53, true, null], expect: [53, true, null] },
    {
      name: 'nested objects and lists are filled, keys are not',
      value: { '${namespace}': { matchLabels: { team: '${namespace}' } }, list: ['${env}', { deep: ['${template}'] }] },
      expect: { '${namespace}': { matchLabels: { team: 'shop-prod' } }, list: ['prod', { deep: ['web'] }] },
    },
  ];
  for (const c of cases) t.strictSame(fillPlaceholders(c.value, VALUES), c.expect, c.name);
  t.equal(fillPlaceholders('env=${env}', { ...VALUES, env: '' }), 'env=', 'a namespace without environment fills ${env} with nothing');
});

t.test('fillPlaceholders leaves its input as it was', async (t) => {
  const input = { spec: { podSelector: { matchLabels: { ns: '${namespace}' } } } };
  const copy = structuredClone(input);
  fillPlaceholders(input, VALUES);
  t.strictSame(input, copy);
});

t.test('fillPlaceholders: a text without ${ comes back unchanged (property)', async (t) => {
  const details = fc.check(
    fc.property(fc.string().filter((s) => !s.includes('${')), (s) => fillPlaceholders(s, VALUES) === s),
    { numRuns: 300 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? '');
});

t.test('unknownPlaceholders lists the placeholders that will not be filled', async (t) => {
  const cases: { text: string; expect: string[] }[] = [
    { text: 'nsguard-${namespace}-${env}-${template}', expect: [] },
    { text: 'no placeholders at all', expect: [] },
    { text: '${team} and ${namespace} and ${Env}', expect: ['team', 'Env'] },
    { text: 'empty ${}', expect: [''] },
    { text: '${ namespace }', expect: [' namespace '] },
  ];
  for (const c of cases) t.strictSame(unknownPlaceholders(c.text), c.expect, c.text);
});

const manifest = (spec: Record<string, unknown>): PolicyManifest => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'nsguard-x' }, spec });
const INGRESS = [{ from: [{ podSelector: {} }] }];
const EGRESS = [{ to: [{ podSelector: {} }] }];
const specOf = (m: PolicyManifest | undefined): unknown => m?.['spec'];

t.test('isolationPart: what each isolation level keeps of a policy', async (t) => {
  const cases: { name: string; spec: Record<string, unknown>; isolation: Isolation; expect: Record<string, unknown> | undefined }[] = [
    { name: 'none keeps nothing, even an ingress policy', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: INGRESS }, isolation: 'none', expect: undefined },
    {
      name: 'strict keeps both halves',
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: INGRESS, egress: EGRESS },
      isolation: 'strict',
      expect: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: INGRESS, egress: EGRESS },
    },
    {
      name: 'strict makes defaulted policyTypes explicit: egress rules mean Ingress and Egress',
      spec: { podSelector: {}, egress: EGRESS },
      isolation: 'strict',
      expect: { podSelector: {}, egress: EGRESS, policyTypes: ['Ingress', 'Egress'] },
    },
    { name: 'strict: no policyTypes and no egress rules is Ingress', spec: { podSelector: {} }, isolation: 'strict', expect: { podSelector: {}, policyTypes: ['Ingress'] } },
    {
      name: 'ingress keeps the ingress half of a two-way policy',
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: INGRESS, egress: EGRESS },
      isolation: 'ingress',
      expect: { podSelector: {}, policyTypes: ['Ingress'], ingress: INGRESS },
    },
    { name: 'ingress drops an egress-only policy', spec: { podSelector: {}, policyTypes: ['Egress'], egress: EGRESS }, isolation: 'ingress', expect: undefined },
    {
      name: 'ingress: a policy without policyTypes but with egress rules keeps its ingress half',
      spec: { podSelector: {}, ingress: INGRESS, egress: EGRESS },
      isolation: 'ingress',
      expect: { podSelector: {}, ingress: INGRESS, policyTypes: ['Ingress'] },
    },
    {
      name: 'ingress: a default deny without policyTypes is ingress-only already',
      spec: { podSelector: {} },
      isolation: 'ingress',
      expect: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    {
      name: 'ingress: an empty policyTypes list reads as absent',
      spec: { podSelector: {}, policyTypes: [], egress: EGRESS },
      isolation: 'ingress',
      expect: { podSelector: {}, policyTypes: ['Ingress'] },
    },
  ];
  for (const c of cases) t.strictSame(specOf(isolationPart(manifest(c.spec), c.isolation)), c.expect, c.name);
  const kept = isolationPart(manifest({ podSelector: {}, ingress: INGRESS }), 'ingress');
  t.strictSame(kept?.['metadata'], { name: 'nsguard-x' }, 'metadata is kept');
});

const DNS: DnsConfig = DEFAULT_CONFIG.dns;
const WEB_PORTS = [80, 443, 8080, 8443];
const NO_CONTROLLER: IngressControllerConfig = { namespaces: [], ipBlocks: [], ports: WEB_PORTS };
const MONITORING: MonitoringConfig = { namespaceLabels: { role: 'monitoring' }, ports: ['metrics', 9090] };

interface Egress {
  to: Record<string, unknown>[];
  ports: { protocol: string; port: number }[];
}

const policyNamed = (policies: readonly PolicyManifest[], name: string): Record<string, unknown> => {
  const found = policies.find((p) => nameOf(p) === name);
  if (found === undefined) throw new Error(`no ${name} in ${policies.map(nameOf).join(', ')}`);
  return found['spec'] as Record<string, unknown>;
};

t.test('the default template', async (t) => {
  const template = defaultTemplate({ dns: DNS, ingressController: { namespaces: ['ingress-nginx'], ipBlocks: [], ports: WEB_PORTS }, monitoring: MONITORING });
  const names = template.policies.map(nameOf);
  t.equal(template.name, 'default');
  t.equal(names[0], 'nsguard-allow-dns', 'DNS is allowed first, before anything egress-isolates');
  t.equal(names.at(-1), 'nsguard-default-deny', 'the default deny comes last');
  t.strictSame(names, ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-default-deny']);

  const dns = policyNamed(template.policies, 'nsguard-allow-dns');
  t.strictSame(dns['policyTypes'], ['Egress'], 'allow-dns only governs egress');
  const [rule] = dns['egress'] as Egress[];
  t.strictSame(
    rule?.to,
    [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    'the DNS pods are selected in the DNS namespace by its kubernetes.io/metadata.name label',
  );
  t.strictSame(rule?.ports, [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }], 'UDP and TCP 53');

  t.strictSame(policyNamed(template.policies, 'nsguard-default-deny'), { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'default deny: every pod, both ways, no rules');
  t.strictSame(
    policyNamed(template.policies, 'nsguard-allow-ingress-controller')['ingress'],
    [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: WEB_PORTS.map((port) => ({ protocol: 'TCP', port })) }],
    'the ingress controller reaches the configured ports only',
  );
  t.strictSame(policyNamed(template.policies, 'nsguard-allow-monitoring')['ingress'], [
    { from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 'metrics' }, { protocol: 'TCP', port: 9090 }] },
  ]);
});

t.test('the default template follows the dns configuration', async (t) => {
  const dns: DnsConfig = { ...DNS, namespace: 'dns', podLabels: { app: 'coredns' }, port: 5353, protocols: ['UDP'], nodeLocalIPs: ['169.254.20.10', 'fd00::10'] };
  const template = defaultTemplate({ dns, ingressController: NO_CONTROLLER, monitoring: MONITORING });
  const [rule] = policyNamed(template.policies, 'nsguard-allow-dns')['egress'] as Egress[];
  t.strictSame(rule?.to, [
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } },
    { ipBlock: { cidr: '169.254.20.10/32' } },
    { ipBlock: { cidr: 'fd00::10/128' } },
  ], 'NodeLocal DNS addresses become single-address ipBlocks');
  t.strictSame(rule?.ports, [{ protocol: 'UDP', port: 5353 }]);
});

t.test('the ingress controller rule', async (t) => {
  const none = defaultTemplate({ dns: DNS, ingressController: NO_CONTROLLER, monitoring: MONITORING });
  t.notOk(none.policies.map(nameOf).includes('nsguard-allow-ingress-controller'), 'omitted with no namespaces and no ipBlocks (an empty from would allow everyone)');
  const cidr = parseCidr('203.0.113.0/24');
  if (cidr === undefined) throw new Error('bad test CIDR');
  const onlyBlocks = defaultTemplate({ dns: DNS, ingressController: { namespaces: [], ipBlocks: [cidr], ports: [8000, 'http'] }, monitoring: MONITORING });
  t.strictSame(
    policyNamed(onlyBlocks.policies, 'nsguard-allow-ingress-controller')['ingress'],
    [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 8000 }, { protocol: 'TCP', port: 'http' }] }],
    'ipBlocks alone give the rule; port names are kept',
  );
});

t.test('monitoring without ports gives no monitoring rule', async (t) => {
  const template = defaultTemplate({ dns: DNS, ingressController: NO_CONTROLLER, monitoring: { namespaceLabels: { role: 'monitoring' }, ports: [] } });
  t.strictSame(template.policies.map(nameOf), ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-default-deny']);
});
