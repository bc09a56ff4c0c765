// The live cluster as a command's source: the kubeconfig as kubectl finds it (--kubeconfig, else
// KUBECONFIG, else ~/.kube/config, else the in-cluster service account), its context (--context) and
// namespace (-n, else the context's), and one list of each kind the command needs.
import { KubeConfig } from '@kubernetes/client-node';
import { listCluster } from '../cluster/live-snapshot.ts';
import { NsguardError } from '../errors.ts';
import type { ClusterSource, KubeTarget } from './cluster-source.ts';
import { nearest } from './command-spec.ts';

/** The whole read of a 150k-pod cluster takes seconds; a stuck apiserver must not hang a command forever. */
export const LIST_TIMEOUT_MS = 10 * 60 * 1000;

function loadKubeConfig(command: string, target: Pick<KubeTarget, 'kubeconfig' | 'context'>): KubeConfig {
  const config = new KubeConfig();
  try {
    if (target.kubeconfig === undefined) config.loadFromDefault();
    else config.loadFromFile(target.kubeconfig);
  } catch (cause) {
    const which = target.kubeconfig ?? 'the kubeconfig (KUBECONFIG, ~/.kube/config or the in-cluster service account)';
    throw new NsguardError('NSG_USAGE', `nsguard ${command}: cannot load ${which}: ${(cause as Error).message}`, { cause });
  }
  if (target.context !== undefined) {
    const names = config.getContexts().map((c) => c.name);
    if (!names.includes(target.context)) {
      const near = nearest(target.context, names);
      throw new NsguardError('NSG_USAGE', `nsguard ${command}: --context ${JSON.stringify(target.context)} is not in the kubeconfig (contexts: ${names.join(', ') || 'none'})${near === undefined ? '' : `; did you mean ${near}?`}`);
    }
    config.setCurrentContext(target.context);
  }
  return config;
}

export function kubeconfigSource(command: string, target: KubeTarget): ClusterSource {
  const config = loadKubeConfig(command, target);
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  const namespace = target.namespace ?? (contextNamespace === undefined || contextNamespace === '' ? 'default' : contextNamespace);
  return {
    namespace,
    kubeConfig: config,
    read: async (request) => {
      const server = config.getCurrentCluster()?.server ?? '(no server)';
      // The namespace in use is one the user can see, named or not; a narrow read needs only its own.
      const namespaces = [...new Set(request.narrow ? request.namespaces : [namespace, ...request.namespaces])].sort();
      try {
        const snapshot = await listCluster(config, request.observe ?? (() => {}), {
          collections: request.collections,
          keepPodNames: request.keepPodNames,
          signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
          ...(target.partial && { partial: { namespaces, narrow: request.narrow } }),
        });
        return { state: snapshot.state, source: `cluster ${server}`, visibility: snapshot.visibility };
      } catch (cause) {
        if (cause instanceof NsguardError) throw cause;
        throw new NsguardError('NSG_CLUSTER_READ', `nsguard ${command}: cannot read the cluster at ${server}: ${(cause as Error).message}`, { cause });
      }
    },
  };
}
