// The live cluster for `nsguard audit`: one paged list of each kind, no watch, into a fresh ClusterState,
// each object also shown to `observe` (audit-objects.ts). Calico's kinds are read from projectcalico.org/v3
// when its API server serves them, else from the crd.projectcalico.org/v1 CRDs, else not at all.
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterState } from './cluster-state.ts';
import { ApiRequestError, getJson } from './kube-request.ts';
import type { ObjectObserver } from './load-state-file.ts';
import { listItem, ObjectLoader } from './state-file.ts';

export interface Collection {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  /** The one namespace listed; absent: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
}

/** What every audit lists: the API calls the CronJob's RBAC grants (test/install/audit-cronjob.test.ts). */
export const AUDIT_COLLECTIONS: readonly Collection[] = [
  { group: '', version: 'v1', resource: 'namespaces' },
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
  { group: '', version: 'v1', resource: 'pods' },
  // The apiserver's own addresses: can it reach the webhook pods?
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes' },
];

const CALICO_RESOURCES = ['tiers', 'networkpolicies', 'globalnetworkpolicies', 'stagednetworkpolicies', 'stagedglobalnetworkpolicies'];

/** Calico's kinds in the order tried: the first group whose API answers is read. */
export const CALICO_COLLECTIONS: readonly (readonly Collection[])[] = [
  { group: 'projectcalico.org', version: 'v3' },
  { group: 'crd.projectcalico.org', version: 'v1' },
].map(({ group, version }) => CALICO_RESOURCES.map((resource) => ({ group, version, resource })));

const PAGE_SIZE = 500;

export function collectionPath(c: Collection): string {
  const base = c.group === '' ? `/api/${c.version}` : `/apis/${c.group}/${c.version}`;
  return `${base}${c.namespace === undefined ? '' : `/namespaces/${c.namespace}`}/${c.resource}`;
}

export interface LiveSnapshot {
  readonly state: ClusterState;
  readonly server: string;
}

export async function listCluster(kubeConfig: KubeConfig, observe: ObjectObserver, options: { keepPodNames: boolean; signal: AbortSignal }): Promise<LiveSnapshot> {
  const state = new ClusterState({ keepPodNames: options.keepPodNames });
  const loader = new ObjectLoader();
  const read = (c: Collection): Promise<void> => listAll(kubeConfig, c, options.signal, (object, where) => {
    loader.parse(object, where)?.(state);
    observe(object, where);
  });
  for (const c of AUDIT_COLLECTIONS) await read(c);
  for (const group of CALICO_COLLECTIONS) {
    try {
      for (const c of group) await read(c);
      break;
    } catch (error) {
      // Not served: this group is not installed. A missing kind in a served group is the same answer.
      if (!(error instanceof ApiRequestError && error.statusCode === 404)) throw error;
    }
  }
  return { state, server: kubeConfig.getCurrentCluster()?.server ?? '' };
}

async function listAll(kubeConfig: KubeConfig, c: Collection, signal: AbortSignal, take: ObjectObserver): Promise<void> {
  const path = collectionPath(c);
  let next: string | undefined;
  let index = 0;
  do {
    const page = (await getJson(kubeConfig, path, { limit: PAGE_SIZE, continue: next, labelSelector: c.labelSelector }, signal)) as Record<string, unknown>;
    const items = Array.isArray(page['items']) ? (page['items'] as unknown[]) : [];
    for (const item of items) {
      index++;
      const where = `${path} item ${index}`;
      take(listItem(page, item, where).object, where);
    }
    const metadata = page['metadata'] as Record<string, unknown> | undefined;
    next = typeof metadata?.['continue'] === 'string' && metadata['continue'] !== '' ? metadata['continue'] : undefined;
  } while (next !== undefined);
}
