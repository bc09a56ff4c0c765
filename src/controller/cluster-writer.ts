// Every write the controller makes, as raw JSON through client-node's transport (the typed APIs would
// rename `from` to `_from` in NetworkPolicy rules and drop them). The calls are listed in WRITES so the
// RBAC manifest is checked against the code.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiRequestError, applyJson, createJson, deleteJson, jsonPatchJson, mergePatchJson } from '../cluster/kube-request.ts';
import type { CalicoApiGroupVersion } from '../cluster/calico-discovery.ts';
import { CALICO_API_GROUPS } from '../cluster/calico-discovery.ts';
import { needsUpdate } from '../policy/generate/generation.ts';
import type { PolicyManifest } from '../policy/objects/model.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';

/** The field manager of every object nsguard applies: `kubectl get netpol --show-managed-fields` shows it. */
export const FIELD_MANAGER = 'nsguard';

/**
 * Where Events about a Namespace go. The apiserver refuses a core/v1 Event without eventTime about a
 * cluster-scoped object in any other namespace (legacyValidateEvent, pkg/apis/core/validation/events.go);
 * client-go's recorder posts them there too, and `kubectl describe namespace` lists events of every
 * namespace by involvedObject, so it finds them.
 */
export const CLUSTER_EVENTS_NAMESPACE = 'default';

/**
 * API group, resource and verbs of each write below (the reads are the live view's list and watch);
 * `namespace` when the writes all go to one namespace, so a Role there grants them.
 */
export const WRITES: readonly { readonly group: string; readonly resource: string; readonly verbs: readonly string[]; readonly namespace?: string }[] = [
  // An apply that creates the object is authorized as a create too (handlers/patch.go).
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['create', 'patch', 'delete'] },
  { group: '', resource: 'namespaces', verbs: ['patch'] },
  { group: '', resource: 'events', verbs: ['create'], namespace: CLUSTER_EVENTS_NAMESPACE },
  // The Calico flavour's tier and DNS policy, in whichever Calico group the cluster serves.
  ...CALICO_API_GROUPS.flatMap(({ group }) => ['tiers', 'globalnetworkpolicies'].map((resource) => ({ group, resource, verbs: ['create', 'patch'] }))),
];

export interface NamespaceEvent {
  readonly namespace: string;
  readonly namespaceUid: string | undefined;
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, as `kubectl describe` lists it. */
  readonly reason: string;
  readonly message: string;
}

export interface NamespaceStampWrite {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ClusterWriter {
  /** Server-side apply: creates the policy or brings it back to the manifest, in place. */
  applyPolicy(manifest: PolicyManifest): Promise<void>;
  deletePolicy(namespace: string, name: string): Promise<void>;
  /** Sets annotations (a string) or removes them (null). */
  annotateNamespace(name: string, annotations: Readonly<Record<string, string | null>>): Promise<void>;
  /** Adds labels and annotations, only if the namespace is still at `resourceVersion` (409 Conflict otherwise). */
  stampNamespace(name: string, stamp: NamespaceStampWrite, resourceVersion: string | undefined): Promise<void>;
  recordEvent(event: NamespaceEvent): Promise<void>;
  /** Server-side apply of a cluster-scoped Calico object (a projectcalico.org/v3 manifest) into `group`. */
  applyCalico(manifest: PolicyManifest, group: CalicoApiGroupVersion): Promise<void>;
}

export interface KubeClusterWriterOptions {
  readonly kubeConfig: KubeConfig;
  /** This replica, named in each Event's reportingInstance. */
  readonly identity: string;
  readonly now?: () => Date;
  /** How long one write may take before it counts as failed (default WRITE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/**
 * A write passes nsguard's own webhook (3 s timeoutSeconds) and any other, then storage: an answer later
 * than this is not coming, and the pass is retried with backoff instead of waiting on it (Node's HTTP
 * client would wait five minutes for the headers).
 */
export const WRITE_TIMEOUT_MS = 15_000;

/** A metav1.Time as the API writes it: RFC 3339 in UTC, whole seconds. */
export function apiTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

const policyPath = (namespace: string, name: string): string =>
  `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/networkpolicies/${encodeURIComponent(name)}`;

export function kubeClusterWriter(options: KubeClusterWriterOptions): ClusterWriter {
  const { kubeConfig } = options;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? WRITE_TIMEOUT_MS;
  const within = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(timeoutMs) });
  return {
    applyPolicy: async (manifest) => {
      const metadata = manifest['metadata'] as { namespace: string; name: string };
      const path = policyPath(metadata.namespace, metadata.name);
      // force: a field nsguard applies and someone else changed is taken back.
      const stored = await applyJson(kubeConfig, path, manifest, { fieldManager: FIELD_MANAGER, force: true, ...within() });
      // Apply leaves alone what it does not set, so a field someone added (a podSelector narrowing the
      // default deny, an extra rule) survives it: the spec is then replaced whole, only if unchanged since.
      const written = parseNetworkPolicy(stored, 'the API');
      if (!needsUpdate(written, parseNetworkPolicy(manifest, 'the generated policy'))) return;
      const replace = [
        { op: 'test', path: '/metadata/resourceVersion', value: (stored as { metadata: { resourceVersion: string } }).metadata.resourceVersion },
        { op: 'replace', path: '/spec', value: manifest['spec'] },
      ];
      try {
        await jsonPatchJson(kubeConfig, path, replace, { fieldManager: FIELD_MANAGER }, within());
      } catch (error) {
        // The policy moved on since the apply (its test failed): its watch event brings the namespace back.
        if (!(error instanceof ApiRequestError && (error.statusCode === 409 || error.statusCode === 422))) throw error;
      }
    },
    deletePolicy: async (namespace, name) => {
      await deleteJson(kubeConfig, policyPath(namespace, name), within());
    },
    annotateNamespace: async (name, annotations) => {
      // A merge patch, not apply: it removes exactly the keys given as null, whoever set them.
      await mergePatchJson(kubeConfig, `/api/v1/namespaces/${encodeURIComponent(name)}`, { metadata: { annotations } }, within());
    },
    stampNamespace: async (name, stamp, resourceVersion) => {
      // A resourceVersion in a merge patch is a precondition: a key a user set since the view saw the
      // namespace makes it a 409, and the next pass sees the user's value.
      const metadata = {
        ...(Object.keys(stamp.labels).length > 0 && { labels: stamp.labels }),
        ...(Object.keys(stamp.annotations).length > 0 && { annotations: stamp.annotations }),
        ...(resourceVersion !== undefined && { resourceVersion }),
      };
      await mergePatchJson(kubeConfig, `/api/v1/namespaces/${encodeURIComponent(name)}`, { metadata }, within());
    },
    applyCalico: async (manifest, group) => {
      const kind = String(manifest['kind']);
      const name = String((manifest['metadata'] as { name: string }).name);
      const resource = kind === 'Tier' ? 'tiers' : 'globalnetworkpolicies';
      const path = `/apis/${group.group}/${group.version}/${resource}/${encodeURIComponent(name)}`;
      // The spec is the same in both groups; the CRD form only carries its own apiVersion.
      await applyJson(kubeConfig, path, { ...manifest, apiVersion: `${group.group}/${group.version}` }, { fieldManager: FIELD_MANAGER, force: true, ...within() });
    },
    recordEvent: async (event) => {
      const time = apiTime(now());
      await createJson(kubeConfig, `/api/v1/namespaces/${CLUSTER_EVENTS_NAMESPACE}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${event.namespace}.`, namespace: CLUSTER_EVENTS_NAMESPACE },
        involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: event.namespace, ...(event.namespaceUid !== undefined && { uid: event.namespaceUid }) },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: FIELD_MANAGER },
        reportingComponent: FIELD_MANAGER,
        reportingInstance: options.identity,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      }, within());
    },
  };
}
