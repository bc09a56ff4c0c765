// The kinds the test API server serves, keyed by group/version/resource as the real API routes them,
// with the few defaults the real API applies on write that clients compare against (a controller that
// diffs desired and stored objects must see them, or it would "restore" forever).
import type { KubeObject } from './test-api-object.ts';
import { isObject, metadataOf } from './test-api-object.ts';

export interface ApiResource {
  /** '' for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  /** Plural, as in URLs and Status details: `networkpolicies`. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Main-resource writes keep the stored status; `/status` writes change only status. */
  readonly statusSubresource: boolean;
  /** metadata.generation starts at 1 and counts spec changes. */
  readonly tracksGeneration: boolean;
  /** The strategy's AllowUnconditionalUpdate is false: a PUT must carry metadata.resourceVersion. */
  readonly conditionalUpdate?: boolean;
  /** API defaulting, run on the object about to be stored (writable copy). */
  readonly defaults?: (object: KubeObject, name: string) => void;
}

export function apiVersionOf(r: ApiResource): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function resourceKey(r: Pick<ApiResource, 'group' | 'version' | 'resource'>): string {
  return `${r.group}/${r.version}/${r.resource}`;
}

/** What the API server guarantees on every Namespace (since 1.21): the name label, the `kubernetes` finalizer, a phase. */
function defaultNamespace(object: KubeObject, name: string): void {
  const metadata = metadataOf(object);
  metadata['labels'] = { ...(isObject(metadata['labels']) ? metadata['labels'] : {}), 'kubernetes.io/metadata.name': name };
  object['metadata'] = metadata;
  const spec = isObject(object['spec']) ? object['spec'] : {};
  if (!Array.isArray(spec['finalizers'])) spec['finalizers'] = ['kubernetes'];
  object['spec'] = spec;
  const status = isObject(object['status']) ? object['status'] : {};
  if (typeof status['phase'] !== 'string') status['phase'] = 'Active';
  object['status'] = status;
}

/** SetDefaults_NetworkPolicySpec and SetDefaults_NetworkPolicyPort: policyTypes and port protocol. */
function defaultNetworkPolicy(object: KubeObject): void {
  const spec = object['spec'];
  if (!isObject(spec)) return;
  const rules = (key: string): unknown[] => (Array.isArray(spec[key]) ? (spec[key] as unknown[]) : []);
  for (const rule of [...rules('ingress'), ...rules('egress')]) {
    if (!isObject(rule) || !Array.isArray(rule['ports'])) continue;
    for (const port of rule['ports'] as unknown[]) if (isObject(port) && port['protocol'] === undefined) port['protocol'] = 'TCP';
  }
  if (!Array.isArray(spec['policyTypes']) || spec['policyTypes'].length === 0) {
    spec['policyTypes'] = rules('egress').length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

export const BUILTIN_RESOURCES: readonly ApiResource[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, statusSubresource: true, tracksGeneration: false, defaults: defaultNamespace },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, statusSubresource: true, tracksGeneration: true },
  // Read by `nsguard explain` (kubectl nsguard) to resolve a Service to its endpoints.
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, statusSubresource: true, tracksGeneration: false },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, statusSubresource: false, tracksGeneration: false },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, statusSubresource: false, tracksGeneration: false },
  { group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, statusSubresource: false, tracksGeneration: false },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    statusSubresource: false,
    tracksGeneration: true,
    defaults: defaultNetworkPolicy,
  },
  // Stored like any kind; the server calls the webhooks they name (test-api-admission.ts).
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false, statusSubresource: false, tracksGeneration: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false, statusSubresource: false, tracksGeneration: true },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true, statusSubresource: false, tracksGeneration: false, conditionalUpdate: true },
  // Read and written by `nsguard audit` on a live cluster: the apiserver's addresses, and the reports (CRDs).
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true, statusSubresource: false, tracksGeneration: false },
  { group: 'wgpolicyk8s.io', version: 'v1alpha2', resource: 'policyreports', kind: 'PolicyReport', namespaced: true, statusSubresource: false, tracksGeneration: true },
  { group: 'wgpolicyk8s.io', version: 'v1alpha2', resource: 'clusterpolicyreports', kind: 'ClusterPolicyReport', namespaced: false, statusSubresource: false, tracksGeneration: true },
];
