// The live side of `nsguard serve`: the cluster view (list+watch) and, when configured, the policy
// controller fed by its change reports. One wiring for serve and for the tests that stand in for it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BackoffOptions } from '../cluster/backoff.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { LiveView } from '../cluster/live-view.ts';
import { startLiveView } from '../cluster/live-view.ts';
import type { Controller, ControllerOptions } from './controller.ts';
import { startController } from './controller.ts';

export interface LiveClusterOptions {
  readonly kubeConfig: KubeConfig;
  readonly state: ClusterState;
  readonly logger: Logger;
  /** The list+watch loops' retry delays. */
  readonly backoff?: BackoffOptions;
  /** See LiveViewOptions. */
  readonly maxOutOfSyncSeconds?: number;
  /** Without it, no controller: the replica only judges. */
  readonly controller?: Omit<ControllerOptions, 'kubeConfig' | 'state' | 'logger' | 'whenSynced' | 'calicoApi'>;
}

export interface LiveCluster {
  readonly live: LiveView;
  readonly controller: Controller | undefined;
  /** The Lease is released first, so another replica takes over at once; then the watches end. */
  stop(): Promise<void>;
}

export function startLiveCluster(options: LiveClusterOptions): LiveCluster {
  const { kubeConfig, state, logger } = options;
  let controller: Controller | undefined;
  const live = startLiveView({
    kubeConfig,
    state,
    logger,
    ...(options.backoff && { backoff: options.backoff }),
    ...(options.maxOutOfSyncSeconds !== undefined && { maxOutOfSyncSeconds: options.maxOutOfSyncSeconds }),
    onChange: (resource, namespace, name) => controller?.changed(resource, namespace, name),
    onListed: (resource) => controller?.listed(resource),
    onCalicoChange: (kind, _namespace, name) => controller?.calicoChanged(kind, name),
  });
  if (options.controller !== undefined) {
    controller = startController({ ...options.controller, kubeConfig, state, logger, whenSynced: () => live.whenSynced(), calicoApi: () => live.calicoApi() });
  }
  let stopping: Promise<void> | undefined;
  return {
    live,
    controller,
    stop: () =>
      (stopping ??= (async () => {
        await controller?.stop();
        await live.stop();
      })()),
  };
}
