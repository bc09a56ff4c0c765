// What the CLI's live reads list, kind by kind. Apart from live-snapshot.ts, which does the listing, so
// that the commands naming what they read do not load the Kubernetes client (about 20 MiB of heap)
// when they run on a state file, as the webhook does.
import { SERVICE_NAME_LABEL, UNSELECTED_SLICES } from '../policy/objects/parse-service.ts';
import type { ReadKind } from './visibility.ts';

export interface Collection {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  /** What a note about it names. */
  readonly kind: ReadKind;
  /** A kind that lives in namespaces, so it can be listed in one. */
  readonly namespaced: boolean;
  /** The one namespace listed; absent: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
}

const NAMESPACES: Collection = { group: '', version: 'v1', resource: 'namespaces', kind: 'namespaces', namespaced: false };
const NETWORK_POLICIES: Collection = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'networkpolicies', namespaced: true };
const PODS: Collection = { group: '', version: 'v1', resource: 'pods', kind: 'pods', namespaced: true };

/** What every audit lists: the API calls the CronJob's RBAC grants (test/install/audit-cronjob.test.ts). */
export const AUDIT_COLLECTIONS: readonly Collection[] = [
  NAMESPACES,
  NETWORK_POLICIES,
  PODS,
  // The apiserver's own addresses: can it reach the webhook pods?
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'endpointslices', namespaced: true, namespace: 'default', labelSelector: `${SERVICE_NAME_LABEL}=kubernetes` },
];

/** What a change is judged against (`kubectl nsguard check`). */
export const CHECK_COLLECTIONS: readonly Collection[] = [NAMESPACES, NETWORK_POLICIES, PODS];

/** What generation reads: parents, and the policies children copy from them (`kubectl nsguard generate`). */
export const GENERATE_COLLECTIONS: readonly Collection[] = [NAMESPACES, NETWORK_POLICIES];

/** What `explain` reads: Services too, and the slices of those without a selector (the others' endpoints are pods). */
export const EXPLAIN_COLLECTIONS: readonly Collection[] = [
  ...CHECK_COLLECTIONS,
  { group: '', version: 'v1', resource: 'services', kind: 'services', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'endpointslices', namespaced: true, labelSelector: UNSELECTED_SLICES },
];

const CALICO_RESOURCES: readonly { resource: string; namespaced: boolean }[] = [
  { resource: 'tiers', namespaced: false },
  { resource: 'networkpolicies', namespaced: true },
  { resource: 'globalnetworkpolicies', namespaced: false },
  { resource: 'stagednetworkpolicies', namespaced: true },
  { resource: 'stagedglobalnetworkpolicies', namespaced: false },
];

/** Calico's kinds in the order tried: the first group whose API answers is read. */
export const CALICO_COLLECTIONS: readonly (readonly Collection[])[] = [
  { group: 'projectcalico.org', version: 'v3' },
  { group: 'crd.projectcalico.org', version: 'v1' },
].map(({ group, version }) => CALICO_RESOURCES.map(({ resource, namespaced }) => ({ group, version, resource, namespaced, kind: 'calico' as const })));
