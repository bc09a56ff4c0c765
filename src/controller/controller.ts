// The controller inside `nsguard serve`: every replica watches (the live view), only the Lease holder
// writes. Watch events name the namespaces to reconcile; each lease term starts with a backfill of every
// namespace, and a relist (a dropped watch may have hidden a change) reports every object again.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BackoffOptions } from '../cluster/backoff.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { CalicoApi } from '../cluster/calico-discovery.ts';
import type { WatchedResource } from '../cluster/live-view.ts';
import type { CalicoKind } from '../policy/calico/calico-kinds.ts';
import { SYSTEM_POLICY, SYSTEM_TIER, calicoSystemManifests } from '../policy/generate/calico-system.ts';
import type { Config } from '../policy/objects/model.ts';
import { PARENT_ANNOTATION } from '../policy/objects/nsguard-metadata.ts';
import type { ClusterWriter } from './cluster-writer.ts';
import { kubeClusterWriter } from './cluster-writer.ts';
import type { LeaderElector } from './leader-election.ts';
import { startLeaderElection } from './leader-election.ts';
import { NamespaceReconciler, type WriteTotals } from './namespace-reconciler.ts';
import { ParentIndex } from './parent-index.ts';
import type { WorkQueue } from './work-queue.ts';
import { startWorkQueue } from './work-queue.ts';

export const LEASE_NAME = 'nsguard-controller';

/** The work queue's key for the Calico flavour's cluster-wide objects: no namespace is named ''. */
const CALICO_SYSTEM_KEY = '';

export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly state: ClusterState;
  /** The configuration now: a reload takes effect on the next pass (see configChanged). */
  readonly config: () => Config;
  readonly logger: Logger;
  /** Resolves once the live view has listed everything: reconciling a partial view would delete. */
  readonly whenSynced: () => Promise<void>;
  /** This replica (the pod name), unique among replicas. */
  readonly identity: string;
  /** Where the Lease lives: nsguard's own namespace. */
  readonly leaseNamespace: string;
  readonly lease?: { readonly durationSeconds?: number; readonly renewDeadlineSeconds?: number; readonly retryPeriodSeconds?: number };
  readonly backoff?: BackoffOptions;
  /** Tests replace the API writes; the default writes through kubeConfig. */
  readonly writer?: ClusterWriter;
  /** Where Calico's objects are served (the live view's discovery): the Calico flavour writes there. */
  readonly calicoApi?: () => CalicoApi | undefined;
  readonly now?: () => Date;
}

/** Totals since start (across lease terms), for /metrics. */
export interface ControllerStats extends WriteTotals {
  readonly leader: boolean;
  readonly reconciles: number;
  /** Passes that failed (a refused write, the API unreachable); each is retried with backoff. */
  readonly failedReconciles: number;
  /** Events the API refused or that could not be sent (the pass that made them went on). */
  readonly failedEvents: number;
  /** Namespaces waiting to be reconciled (queued or backing off). */
  readonly pending: number;
}

export interface Controller {
  stats(): ControllerStats;
  /** Feed from the live view's onChange. */
  changed(resource: WatchedResource, namespace: string, name: string): void;
  /** Feed from the live view's onListed. */
  listed(resource: WatchedResource): void;
  /** Feed from the live view's onCalicoChange: the Calico flavour's own objects are restored on drift. */
  calicoChanged(kind: CalicoKind, name: string): void;
  /** The configuration changed (templates, isolation, the flavour): every namespace is passed again. */
  configChanged(): void;
  isLeader(): boolean;
  /** Resolves when this replica leads and has nothing left to do (tests wait on it). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startController(options: ControllerOptions): Controller {
  const { state, logger } = options;
  const totals = { reconciles: 0, failedReconciles: 0, failedEvents: 0 };
  const reconcilerWriter = options.writer ?? kubeClusterWriter({ kubeConfig: options.kubeConfig, identity: options.identity, ...(options.now && { now: options.now }) });
  const reconciler = new NamespaceReconciler({
    view: state,
    config: options.config,
    onEventFailed: (event, error) => {
      totals.failedEvents++;
      logger.warn({ namespace: event.namespace, reason: event.reason, err: error }, 'an Event about a namespace was not recorded');
    },
    writer: reconcilerWriter,
    ...(options.now && { now: options.now }),
  });
  /** The current term's queue; published as `queue` only once the view has synced. */
  let termQueue: WorkQueue | undefined;
  let queue: WorkQueue | undefined;

  /** The Calico flavour's tier and DNS policy, applied as generated; retried with backoff by the queue. */
  const applyCalicoSystem = async (): Promise<void> => {
    const api = options.calicoApi?.();
    if (api === undefined) {
      logger.error({ flavour: 'calico' }, 'flavour calico, but the cluster serves no Calico API: the DNS GlobalNetworkPolicy is not written');
      return;
    }
    const writer = reconcilerWriter;
    for (const manifest of calicoSystemManifests(options.config())) await writer.applyCalico(manifest, api);
  };
  const enqueueAll = (): void => {
    for (const ns of state.namespaces()) queue?.add(ns.name);
  };
  const parents = new ParentIndex();
  // Read from the state, which has already taken the event: a deleted namespace leaves the index.
  const noteParent = (name: string): void => parents.note(name, state.namespace(name)?.annotations[PARENT_ANNOTATION]);
  for (const ns of state.namespaces()) noteParent(ns.name);
  /** A namespace and its children: they copy its policies and take its template and environment. */
  const enqueueWithChildren = (name: string): void => {
    if (queue === undefined) return;
    queue.add(name);
    for (const child of parents.children(name)) queue.add(child);
  };

  const elector: LeaderElector = startLeaderElection({
    kubeConfig: options.kubeConfig,
    namespace: options.leaseNamespace,
    name: LEASE_NAME,
    identity: options.identity,
    ...(options.lease?.durationSeconds !== undefined && { leaseDurationSeconds: options.lease.durationSeconds }),
    ...(options.lease?.renewDeadlineSeconds !== undefined && { renewDeadlineSeconds: options.lease.renewDeadlineSeconds }),
    ...(options.lease?.retryPeriodSeconds !== undefined && { retryPeriodSeconds: options.lease.retryPeriodSeconds }),
    logger,
    ...(options.now && { now: options.now }),
    onStartedLeading: () => {
      logger.info({ identity: options.identity }, 'leading: reconciling namespaces');
      const started = startWorkQueue({
        logger,
        ...(options.backoff && { backoff: options.backoff }),
        handler: async (name) => {
          if (name === CALICO_SYSTEM_KEY) return applyCalicoSystem();
          totals.reconciles++;
          try {
            const result = await reconciler.reconcile(name);
            const wrote = result.stamped.length + result.created.length + result.restored.length + result.removed.length;
            if (wrote > 0) logger.info({ namespace: name, ...result }, 'reconciled namespace');
          } catch (error) {
            totals.failedReconciles++;
            throw error;
          }
        },
      });
      termQueue = started;
      // Changes seen before the view synced need no queueing: the backfill covers every namespace.
      void options.whenSynced().then(
        () => {
          if (termQueue !== started) return;
          queue = started;
          if (options.config().flavour === 'calico') queue.add(CALICO_SYSTEM_KEY);
          enqueueAll();
        },
        () => undefined,
      );
    },
    onStoppedLeading: async () => {
      const stopping = termQueue;
      termQueue = undefined;
      queue = undefined;
      logger.info({ identity: options.identity }, 'no longer leading: reconciling stopped');
      await stopping?.stop();
    },
  });

  return {
    changed: (resource, namespace, name) => {
      if (resource === 'namespaces') {
        noteParent(name);
        reconciler.observedNamespace(name);
        enqueueWithChildren(name);
      } else if (resource === 'networkpolicies') {
        reconciler.observed(namespace, name);
        enqueueWithChildren(namespace);
      }
    },
    // The relist itself reports every object it holds or dropped through `changed`, which queues them.
    listed: (resource) => {
      if (resource !== 'pods') reconciler.observed();
    },
    calicoChanged: (kind, name) => {
      const own = kind === 'Tier' ? name === SYSTEM_TIER : kind === 'GlobalNetworkPolicy' && name === SYSTEM_POLICY;
      if (own && options.config().flavour === 'calico') queue?.add(CALICO_SYSTEM_KEY);
    },
    configChanged: () => {
      enqueueAll();
      if (options.config().flavour === 'calico') queue?.add(CALICO_SYSTEM_KEY);
    },
    isLeader: () => elector.isLeader(),
    stats: () => {
      const q = queue?.stats();
      return { ...totals, ...reconciler.written(), leader: elector.isLeader(), pending: q === undefined ? 0 : q.queued + q.retrying };
    },
    idle: async () => {
      if (queue === undefined) throw new Error('this replica is not leading (or its view has not synced)');
      await queue.idle();
    },
    stop: () => elector.stop(),
  };
}
