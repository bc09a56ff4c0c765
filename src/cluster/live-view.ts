// The live-cluster ClusterView behind `nsguard serve` without `--state`: a ClusterState kept in step
// with the API by one list+watch loop per kind (namespaces, networking.k8s.io/v1 networkpolicies,
// pods, all namespaces, and Calico's policies and tiers where discovery finds their API). Pods are
// folded into groups as they arrive; no whole object is kept. Each change and each complete list of the
// Kubernetes kinds is also reported by name (onChange, onListed), for the controller.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { DEFAULT_CONFIG } from '../config/load-config.ts';
import type { BackoffOptions } from './backoff.ts';
import type { ClusterState } from './cluster-state.ts';
import type { ListWatch, ListWatchStats } from './list-watch.ts';
import { startListWatch } from './list-watch.ts';
import type { StateFeed } from './state-feed.ts';
import { calicoFeed, namespaceFeed, podFeed, policyFeed } from './state-feed.ts';
import type { CalicoApi } from './calico-discovery.ts';
import { discoverCalico } from './calico-discovery.ts';
import type { CalicoKind } from '../policy/calico/calico-kinds.ts';

export interface LiveViewOptions {
  readonly kubeConfig: KubeConfig;
  readonly state: ClusterState;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /** Items per list page (default 500). */
  readonly pageSize?: number;
  /** Server-side watch timeout in seconds (default a random 20-27, see list-watch.ts). */
  readonly watchTimeoutSeconds?: number;
  /**
   * An object changed in the state: put (list item, ADDED, MODIFIED), DELETED, or gone from a relist;
   * namespace '' for namespaces. Called after the state has the change.
   */
  readonly onChange?: (resource: WatchedResource, namespace: string, name: string) => void;
  /** A complete list of `resource` landed (the first one and every relist, e.g. after 410 Gone). */
  readonly onListed?: (resource: WatchedResource) => void;
  /** A Calico object changed in the state ('' namespace for cluster-scoped kinds), named as its group spells it. */
  readonly onCalicoChange?: (kind: CalicoKind, namespace: string, name: string) => void;
  /** How long a kind may stay out of sync (no watch open, relist pending) before ready() is false; default as in the config. */
  readonly maxOutOfSyncSeconds?: number;
  /** Clock in ms (default Date.now); tests pass a fake one. */
  readonly now?: () => number;
}

export const WATCHED_RESOURCES = ['namespaces', 'networkpolicies', 'pods'] as const;
export type WatchedResource = (typeof WATCHED_RESOURCES)[number];

export interface ResourceStats extends ListWatchStats {
  /** The first list has landed. */
  readonly synced: boolean;
  /** Objects skipped because they could not be read. */
  readonly skipped: number;
  /** How long no watch has been open and no list has landed (0 while in sync), in seconds. */
  readonly outOfSyncSeconds: number;
}

export interface LiveViewStats {
  readonly synced: boolean;
  readonly resources: Readonly<Record<WatchedResource, ResourceStats>>;
  /** Calico's kinds, by `resource.group`, once discovery found them ({} without Calico). */
  readonly calico: Readonly<Record<string, ResourceStats>>;
}

export interface LiveView {
  /** True once the first list of every kind has landed in the state (then stays true). */
  synced(): boolean;
  /**
   * Why decisions may not be made against the state now (`pods never listed`), or undefined when they
   * may: every kind has synced, and none has been out of sync (its watch down and not re-established,
   * or its relist failing) for longer than maxOutOfSyncSeconds.
   */
  unready(): string | undefined;
  /** Resolves when synced; rejects if the view is stopped first. */
  whenSynced(): Promise<void>;
  /** The API Calico's objects are read from, once discovery found one. */
  calicoApi(): CalicoApi | undefined;
  stats(): LiveViewStats;
  /** Ends every watch, list and retry timer; resolves once all loops have ended. */
  stop(): Promise<void>;
}

/** The collection each resource is listed and watched at: the API calls RBAC must allow (manifests/base/rbac.yaml). */
export const PATHS: Readonly<Record<WatchedResource, string>> = {
  namespaces: '/api/v1/namespaces',
  networkpolicies: '/apis/networking.k8s.io/v1/networkpolicies',
  pods: '/api/v1/pods',
};

export function startLiveView(options: LiveViewOptions): LiveView {
  const { state, logger, onChange, onListed: listedCallback } = options;
  const now = options.now ?? Date.now;
  const maxOutOfSyncSeconds = options.maxOutOfSyncSeconds ?? DEFAULT_CONFIG.maxOutOfSyncSeconds;
  // A callback that throws is logged here: thrown into a list or watch, it would fail and restart the loop.
  const report = (what: string, resource: string, call: () => void): void => {
    try {
      call();
    } catch (error) {
      logger.error({ resource, err: error }, `the ${what} callback of the cluster view failed`);
    }
  };
  const changes = (resource: WatchedResource) =>
    onChange === undefined ? undefined : (namespace: string, name: string) => report('onChange', resource, () => onChange(resource, namespace, name));
  const feeds: Readonly<Record<WatchedResource, StateFeed>> = {
    namespaces: namespaceFeed(state, logger, changes('namespaces')),
    networkpolicies: policyFeed(state, logger, changes('networkpolicies')),
    pods: podFeed(state, logger, changes('pods')),
  };
  const waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const listed = new Set<string>();
  let synced = false;
  let stopped = false;
  // Calico's loops, once discovery has said which API serves them (none: an empty map).
  let calicoLoops: Map<string, { readonly loop: ListWatch; readonly feed: StateFeed }> | undefined;
  const discovery = new AbortController();

  const markSynced = (): void => {
    if (synced || calicoLoops === undefined || listed.size < WATCHED_RESOURCES.length + calicoLoops.size) return;
    synced = true;
    logger.info({ ...state.stats() }, 'cluster view synced');
    for (const waiter of waiters.splice(0)) waiter.resolve();
  };
  const onListed = (resource: WatchedResource): void => {
    listed.add(resource);
    markSynced();
    if (listedCallback !== undefined) report('onListed', resource, () => listedCallback(resource));
  };
  const listWatch = (path: string, resource: string, sink: StateFeed, listedOnce: () => void): ListWatch =>
    startListWatch({
      kubeConfig: options.kubeConfig,
      path,
      resource,
      sink,
      logger,
      backoff: options.backoff,
      pageSize: options.pageSize,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      onListed: listedOnce,
      now,
    });

  const loops = Object.fromEntries(WATCHED_RESOURCES.map((resource) => [resource, listWatch(PATHS[resource], resource, feeds[resource], () => onListed(resource))])) as Record<
    WatchedResource,
    ListWatch
  >;
  let calicoApi: CalicoApi | undefined;
  const discovered = discoverCalico(options.kubeConfig, logger, discovery.signal, options.backoff).then((api) => {
    if (stopped) return;
    calicoApi = api;
    const started = new Map<string, { readonly loop: ListWatch; readonly feed: StateFeed }>();
    for (const [kind, path] of api?.paths ?? []) {
      const changed = options.onCalicoChange;
      const onChange = changed === undefined ? undefined : (namespace: string, name: string): void => report('onCalicoChange', kind, () => changed(kind, namespace, name));
      const feed = calicoFeed(state, logger, kind, api?.api ?? 'crd', onChange);
      const listedOnce = (): void => {
        listed.add(feed.resource);
        markSynced();
      };
      started.set(feed.resource, { feed, loop: listWatch(path, feed.resource, feed, listedOnce) });
    }
    calicoLoops = started;
    logger.info({ calico: api === undefined ? null : { api: api.api, kinds: [...api.paths.keys()] } }, api === undefined ? 'no Calico API: Calico policies are not read' : 'Calico API found: its policies and tiers are read');
    markSynced();
  });

  const outOfSync = (loop: ListWatch): number => {
    const since = loop.outOfSyncSince();
    return since === undefined ? 0 : Math.max(0, now() - since) / 1000;
  };
  const outOfSyncSeconds = (resource: WatchedResource): number => outOfSync(loops[resource]);

  return {
    synced: () => synced,
    // Asked on every review: nothing is built while every kind is in sync.
    unready: () => {
      let reasons: string[] | undefined;
      const check = (r: string, loop: ListWatch): void => {
        const seconds = outOfSync(loop);
        if (!listed.has(r)) (reasons ??= []).push(`${r} never listed`);
        else if (seconds > maxOutOfSyncSeconds) (reasons ??= []).push(`${r} out of sync for ${Math.floor(seconds)} s, more than maxOutOfSyncSeconds ${maxOutOfSyncSeconds}`);
      };
      for (const r of WATCHED_RESOURCES) check(r, loops[r]);
      if (calicoLoops === undefined) (reasons ??= []).push('Calico API discovery pending');
      else for (const [r, { loop }] of calicoLoops) check(r, loop);
      return reasons?.join(', ');
    },
    calicoApi: () => calicoApi,
    whenSynced: () => {
      if (synced) return Promise.resolve();
      if (stopped) return Promise.reject(new Error('the cluster view was stopped before it synced'));
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    stats: () => {
      const resources = Object.fromEntries(
        WATCHED_RESOURCES.map((r) => [r, { ...loops[r].stats(), synced: listed.has(r), skipped: feeds[r].skipped, outOfSyncSeconds: outOfSyncSeconds(r) }]),
      ) as Record<WatchedResource, ResourceStats>;
      const calico = Object.fromEntries(
        [...(calicoLoops ?? [])].map(([r, { loop, feed }]) => [r, { ...loop.stats(), synced: listed.has(r), skipped: feed.skipped, outOfSyncSeconds: outOfSync(loop) }]),
      );
      return { synced, resources, calico };
    },
    stop: async () => {
      if (!stopped) {
        stopped = true;
        for (const waiter of waiters.splice(0)) waiter.reject(new Error('the cluster view was stopped before it synced'));
      }
      discovery.abort();
      await discovered;
      await Promise.all([...WATCHED_RESOURCES.map((r) => loops[r].stop()), ...[...(calicoLoops?.values() ?? [])].map(({ loop }) => loop.stop())]);
    },
  };
}
