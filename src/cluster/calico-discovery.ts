// Which API serves Calico's objects, found by discovery. The CRDs (crd.projectcalico.org/v1) are read
// first: the kube-apiserver serves them whatever runs in front (the aggregated Calico API server stores
// into them), and they never list the `knp.default.*` copies of Kubernetes policies. Where Calico's
// native v3 CRDs replace them (Calico 3.32 and later), projectcalico.org/v3. Neither: no Calico.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CalicoKind } from '../policy/calico/calico-kinds.ts';
import { CALICO_KINDS, CALICO_RESOURCES } from '../policy/calico/calico-kinds.ts';
import type { CalicoApiGroup } from '../policy/calico/parse-calico-head.ts';
import type { BackoffOptions } from './backoff.ts';
import { backoffDelay, pause } from './backoff.ts';
import { ApiRequestError, getJson } from './kube-request.ts';

export interface CalicoApiGroupVersion {
  readonly api: CalicoApiGroup;
  readonly group: string;
  readonly version: string;
}

export const CALICO_API_GROUPS: readonly CalicoApiGroupVersion[] = [
  { api: 'crd', group: 'crd.projectcalico.org', version: 'v1' },
  { api: 'v3', group: 'projectcalico.org', version: 'v3' },
];

export interface CalicoApi extends CalicoApiGroupVersion {
  /** The collection path of each kind the group serves. */
  readonly paths: ReadonlyMap<CalicoKind, string>;
}

export function calicoPath(group: Pick<CalicoApiGroupVersion, 'group' | 'version'>, kind: CalicoKind): string {
  return `/apis/${group.group}/${group.version}/${CALICO_RESOURCES[kind]}`;
}

/**
 * The first group that serves Calico policies, or undefined when none does (404s). Other failures are
 * retried with backoff until `signal` aborts (then undefined too): without knowing, no view is ready.
 */
export async function discoverCalico(kubeConfig: KubeConfig, logger: Logger, signal: AbortSignal, backoff?: BackoffOptions): Promise<CalicoApi | undefined> {
  for (let failures = 0; !signal.aborted; ) {
    try {
      for (const group of CALICO_API_GROUPS) {
        const served = await servedResources(kubeConfig, `/apis/${group.group}/${group.version}`, signal);
        const paths = new Map(CALICO_KINDS.filter((k) => served.has(CALICO_RESOURCES[k])).map((k) => [k, calicoPath(group, k)] as const));
        if (paths.has('NetworkPolicy')) return { ...group, paths };
      }
      return undefined;
    } catch (error) {
      failures++;
      const retryInMs = backoffDelay(failures, backoff);
      logger.warn({ err: error, retryInMs }, 'Calico API discovery failed; retrying');
      await pause(retryInMs, signal);
    }
  }
  return undefined;
}

/** The resource names of an APIResourceList; none for a group the cluster does not serve. */
async function servedResources(kubeConfig: KubeConfig, path: string, signal: AbortSignal): Promise<ReadonlySet<string>> {
  let list: unknown;
  try {
    list = await getJson(kubeConfig, path, {}, signal);
  } catch (error) {
    if (error instanceof ApiRequestError && error.statusCode === 404) return new Set();
    throw error;
  }
  const resources = typeof list === 'object' && list !== null ? (list as Record<string, unknown>)['resources'] : undefined;
  if (!Array.isArray(resources)) return new Set();
  return new Set(resources.flatMap((r: unknown) => (typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>)['name'] === 'string' ? [(r as Record<string, string>)['name'] as string] : [])));
}
