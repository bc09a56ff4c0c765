// Namespace policy templates: the built-in default set, placeholder filling, and what each isolation
// level keeps of a template. Templates are NetworkPolicy manifests, so users write them as they would
// write the policies by hand.
import type { Config, DnsConfig, IngressControllerConfig, Isolation, MonitoringConfig, PolicyManifest, Template } from '../objects/model.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';

export const DEFAULT_TEMPLATE_NAME = 'default';

/** The values a template may use as `${name}` in any string. */
export interface TemplateValues {
  readonly namespace: string;
  /** The namespace's environment label value; '' when it has none. */
  readonly env: string;
  readonly template: string;
}

export const PLACEHOLDERS: readonly (keyof TemplateValues)[] = ['namespace', 'env', 'template'];

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** Whether a string takes a value per namespace: it differs from one generated policy to the next. */
export function hasPlaceholder(text: string): boolean {
  return text.search(PLACEHOLDER) !== -1;
}

/** Placeholders a string uses that are not known, for the configuration check. */
export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !PLACEHOLDERS.includes(name as keyof TemplateValues));
}

/** Every string value (keys stay as written) with its placeholders filled. */
export function fillPlaceholders(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (whole, name: string) => (PLACEHOLDERS.includes(name as keyof TemplateValues) ? values[name as keyof TemplateValues] : whole));
  if (Array.isArray(value)) return value.map((item: unknown) => fillPlaceholders(item, values));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fillPlaceholders(inner, values)]));
  }
  return value;
}

/**
 * What `ingress` isolation keeps of a policy: its ingress half. A policy that only governs egress is
 * dropped, since generating it would egress-isolate the namespace's pods. `strict` keeps everything.
 */
export function isolationPart(manifest: PolicyManifest, isolation: Isolation): PolicyManifest | undefined {
  if (isolation === 'none') return undefined;
  const spec = (manifest['spec'] ?? {}) as Record<string, unknown>;
  const types = policyTypesOf(spec);
  if (isolation === 'strict') return { ...manifest, spec: { ...spec, policyTypes: types } };
  if (!types.includes('Ingress')) return undefined;
  const { egress: _egress, ...ingressOnly } = spec;
  return { ...manifest, spec: { ...ingressOnly, policyTypes: ['Ingress'] } };
}

/** As the API defaults them, made explicit so the ingress half can be cut out of any policy. */
function policyTypesOf(spec: Record<string, unknown>): string[] {
  const given = spec['policyTypes'];
  if (Array.isArray(given) && given.length > 0) return given.filter((t): t is string => typeof t === 'string');
  return Array.isArray(spec['egress']) && spec['egress'].length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** `flavour` absent: kubernetes. */
type DefaultTemplateInputs = Pick<Config, 'dns'> & Partial<Pick<Config, 'flavour'>> & { readonly ingressController: IngressControllerConfig; readonly monitoring: MonitoringConfig };

/**
 * The built-in template. Creation order matters, because the webhook judges each write: DNS is
 * allowed before anything egress-isolates the pods, and the default deny comes last. In the Calico
 * flavour DNS is allowed once for the cluster (calico-system.ts), not per namespace.
 */
export function defaultTemplate(inputs: DefaultTemplateInputs): Template {
  const dns = inputs.flavour === 'calico' ? undefined : allowDns(inputs.dns);
  const policies = [dns, allowSameNamespace(), allowIngressController(inputs.ingressController), allowMonitoring(inputs.monitoring), defaultDeny()];
  return { name: DEFAULT_TEMPLATE_NAME, policies: policies.filter((p): p is PolicyManifest => p !== undefined) };
}

function manifest(name: string, spec: Record<string, unknown>): PolicyManifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec };
}

/** DNS to the DNS pods (and NodeLocal DNSCache) for every pod of a namespace; also the fix dns-egress messages print. */
export function allowDns(dns: DnsConfig): PolicyManifest {
  const ports = dns.protocols.map((protocol) => ({ protocol, port: dns.port }));
  // Selected by the name label the API server sets on every namespace: `name: kube-system` is a label
  // most clusters do not have.
  const dnsPods = { namespaceSelector: { matchLabels: { [METADATA_NAME_LABEL]: dns.namespace } }, podSelector: { matchLabels: { ...dns.podLabels } } };
  const nodeLocal = dns.nodeLocalIPs.map((ip) => ({ ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } }));
  return manifest('nsguard-allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [dnsPods, ...nodeLocal], ports }] });
}

function allowSameNamespace(): PolicyManifest {
  return manifest('nsguard-allow-same-namespace', {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
}

function allowIngressController(controller: IngressControllerConfig): PolicyManifest | undefined {
  const from = [
    ...controller.namespaces.map((name) => ({ namespaceSelector: { matchLabels: { [METADATA_NAME_LABEL]: name } } })),
    ...controller.ipBlocks.map((cidr) => ({ ipBlock: { cidr: cidr.text } })),
  ];
  if (from.length === 0) return undefined;
  return manifest('nsguard-allow-ingress-controller', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from, ports: tcp(controller.ports) }] });
}

function allowMonitoring(monitoring: MonitoringConfig): PolicyManifest | undefined {
  if (monitoring.ports.length === 0) return undefined;
  return manifest('nsguard-allow-monitoring', {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { ...monitoring.namespaceLabels } } }], ports: tcp(monitoring.ports) }],
  });
}

function tcp(ports: readonly (number | string)[]): { protocol: 'TCP'; port: number | string }[] {
  return ports.map((port) => ({ protocol: 'TCP', port }));
}

function defaultDeny(): PolicyManifest {
  return manifest('nsguard-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
}
