// The policy controller as `nsguard serve` runs it (a ClusterState, the live view feeding it through
// onChange/onListed, leader election on a Lease) against the in-repo test API server, with test
// timings, each replica's writes recorded, a user's API calls, readers of what the API holds, and a
// wait for "nothing left to do" that also covers watch events still on their way.
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { LiveView } from '../../src/cluster/live-view.ts';
import { WATCHED_RESOURCES } from '../../src/cluster/live-view.ts';
import { DEFAULT_CONFIG } from '../../src/config/load-config.ts';
import type { ClusterWriter } from '../../src/controller/cluster-writer.ts';
import { kubeClusterWriter } from '../../src/controller/cluster-writer.ts';
import type { Controller } from '../../src/controller/controller.ts';
import { startLiveCluster } from '../../src/controller/live-cluster.ts';
import type { Config } from '../../src/policy/objects/model.ts';
import { captureLogs } from './capture-logs.ts';
import type { KubeObject } from './test-api-object.ts';
import { isObject, metadataOf } from './test-api-object.ts';
import { describeSelector, parseFieldSelector } from './test-api-selectors.ts';
import type { ApiResource } from './test-api-resources.ts';
import type { RequestRecord } from './test-api-server.ts';
import { TestApiServer } from './test-api-server.ts';
import { waitFor } from './wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** Where the Lease lives; exempt in the default configuration, as in the manifests. */
export const LEASE_NAMESPACE = 'nsguard';
/** A 1 s lease renewed every 0.1 s: a takeover within about a second. */
export const TEST_LEASE = { durationSeconds: 1, renewDeadlineSeconds: 0.6, retryPeriodSeconds: 0.1 } as const;
export const TEST_BACKOFF = { initialMs: 20, maxMs: 200 } as const;

/** One call a replica's controller made on its ClusterWriter (each is one API request). */
export interface WriterCall {
  readonly op: 'apply' | 'delete' | 'annotate' | 'stamp' | 'event';
  readonly namespace: string;
  /** The policy (apply, delete), the namespace (annotate, stamp) or the Event's reason. */
  readonly name: string;
}

export interface Replica {
  readonly identity: string;
  readonly state: ClusterState;
  readonly live: LiveView;
  readonly controller: Controller;
  readonly calls: WriterCall[];
  readonly lines: Record<string, unknown>[];
  /** As serve.ts closes: the controller (releasing the Lease), then the view. Idempotent. */
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  readonly identity?: string;
  readonly config?: Config;
  /** How long one write may take before the pass fails (the writer's default otherwise). */
  readonly writeTimeoutMs?: number;
}

/** An Event as `kubectl get events` shows it, plus what the tests check. */
export interface SeenEvent {
  /** Where the Event lives. */
  readonly namespace: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: Record<string, unknown>;
  readonly reportingInstance: unknown;
  readonly resourceVersion: number;
}

/** The promise's value, or a rejection after `ms`: a wait on the controller must not hang a test. */
async function within<T>(promise: Promise<T>, ms: number, description: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${description}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function recording(writer: ClusterWriter, calls: WriterCall[]): ClusterWriter {
  return {
    applyPolicy: (manifest) => {
      const metadata = metadataOf(manifest);
      calls.push({ op: 'apply', namespace: String(metadata['namespace']), name: String(metadata['name']) });
      return writer.applyPolicy(manifest);
    },
    deletePolicy: (namespace, name) => {
      calls.push({ op: 'delete', namespace, name });
      return writer.deletePolicy(namespace, name);
    },
    annotateNamespace: (name, annotations) => {
      calls.push({ op: 'annotate', namespace: name, name });
      return writer.annotateNamespace(name, annotations);
    },
    stampNamespace: (name, stamp, resourceVersion) => {
      calls.push({ op: 'stamp', namespace: name, name });
      return writer.stampNamespace(name, stamp, resourceVersion);
    },
    recordEvent: (event) => {
      calls.push({ op: 'event', namespace: event.namespace, name: event.reason });
      return writer.recordEvent(event);
    },
    applyCalico: (manifest, group) => {
      calls.push({ op: 'apply', namespace: '', name: String(metadataOf(manifest)['name']) });
      return writer.applyCalico(manifest, group);
    },
  };
}

export class ControllerHarness {
  readonly server: TestApiServer;
  readonly replicas: Replica[] = [];

  private constructor(server: TestApiServer) {
    this.server = server;
  }

  /** A server holding the Lease's namespace and `default`; replicas and server go at the end of the test. */
  static async start(tap: Tap): Promise<ControllerHarness> {
    const server = await TestApiServer.start();
    const harness = new ControllerHarness(server);
    tap.teardown(async () => {
      await Promise.all(harness.replicas.map((r) => r.stop()));
      server.beforeRequest = undefined;
      await server.close();
    });
    server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: LEASE_NAMESPACE } });
    // Every cluster has `default`, where Events about namespaces go; left unisolated and stamped so that it adds
    // no writes of its own to what the tests count.
    server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', annotations: { 'nsguard.io/isolation': 'none', 'nsguard.io/template': 'default' } } });
    return harness;
  }

  /** One `nsguard serve` replica (startLiveCluster, as serve.ts runs it), with test timings. */
  startReplica(options: ReplicaOptions = {}): Replica {
    const identity = options.identity ?? `nsguard-${this.replicas.length}`;
    const kubeConfig = this.server.kubeConfig();
    const { logger, lines } = captureLogs();
    const calls: WriterCall[] = [];
    const state = new ClusterState();
    const cluster = startLiveCluster({
      kubeConfig,
      state,
      logger,
      backoff: { initialMs: 1, maxMs: 20 },
      controller: {
        config: () => options.config ?? DEFAULT_CONFIG,
        identity,
        leaseNamespace: LEASE_NAMESPACE,
        lease: TEST_LEASE,
        backoff: TEST_BACKOFF,
        writer: recording(kubeClusterWriter({ kubeConfig, identity, ...(options.writeTimeoutMs !== undefined && { timeoutMs: options.writeTimeoutMs }) }), calls),
      },
    });
    const controller = cluster.controller;
    if (controller === undefined) throw new Error('the controller did not start');
    const replica: Replica = { identity, state, live: cluster.live, controller, calls, lines, stop: () => cluster.stop() };
    this.replicas.push(replica);
    return replica;
  }

  /** The one replica leading with its view synced (its idle() answers), once there is one. */
  async leader(timeoutMs = 5000): Promise<Replica> {
    return waitFor(() => {
      const leaders = this.replicas.filter((r) => r.controller.isLeader());
      if (leaders.length !== 1) return undefined;
      const [leader] = leaders as [Replica];
      // idle() throws until the view has synced; only whether it throws matters here.
      return within(leader.controller.idle(), 1000, 'idle').then(
        () => leader,
        () => undefined,
      );
    }, 'one replica to lead with a synced view', timeoutMs);
  }

  /**
   * Until the leader has nothing left to do: its queue is idle (no retry pending either), its view has
   * seen every write made so far (bookmarks carry the server's revision to each watch), and a further
   * round wrote nothing. Bounded, so a controller that never settles fails the test instead of hanging it.
   */
  async settle(timeoutMs = 8000): Promise<Replica> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    for (;;) {
      const leader = await this.leader(left());
      const before = leader.calls.length;
      const revision = this.server.store.revision;
      await waitFor(
        () => {
          const resources = leader.live.stats().resources;
          const caughtUp = WATCHED_RESOURCES.every((r) => Number(resources[r].resourceVersion ?? 0) >= revision);
          if (!caughtUp) this.server.sendBookmark();
          return caughtUp;
        },
        `the view of ${leader.identity} to reach revision ${revision}`,
        left(),
      );
      // A loaded machine can stall a renewal past the 1 s lease: then settle on whoever leads next.
      const idle = await within(leader.controller.idle(), left(), `${leader.identity} to have nothing left to do`).then(
        () => true,
        (error: unknown) => {
          if (leader.controller.isLeader()) throw error;
          return false;
        },
      );
      if (idle && leader.calls.length === before && leader.controller.isLeader()) return leader;
      if (Date.now() > deadline) throw new Error(`${leader.identity} kept writing for ${timeoutMs} ms: ${JSON.stringify(leader.calls.slice(before))}`);
    }
  }

  /** The write requests logged, the Lease's renewals left out. */
  writes(): readonly RequestRecord[] {
    return this.server.writes().filter((w) => w.resource !== 'leases');
  }

  /**
   * Cuts every watch and forgets the history they would resume from, after one more write so that
   * every watch's resourceVersion is older than the compaction: each kind gets 410 and lists again.
   */
  forceRelist(): void {
    this.server.dropWatches();
    this.server.store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: LEASE_NAMESPACE, name: 'relist', annotations: { at: String(this.server.store.revision) } } });
    this.server.compact();
  }

  // What the API holds, read from the server's store (no request is logged).

  #resource(apiVersion: string, kind: string): ApiResource {
    const resource = this.server.store.resourceFor(apiVersion, kind);
    if (resource === undefined) throw new Error(`no resource for ${apiVersion} ${kind}`);
    return resource;
  }

  namespace(name: string): KubeObject | undefined {
    return this.server.store.get(this.#resource('v1', 'Namespace'), undefined, name);
  }

  annotations(name: string): Record<string, unknown> {
    const annotations = metadataOf(this.namespace(name) ?? {})['annotations'];
    return isObject(annotations) ? annotations : {};
  }

  policy(namespace: string, name: string): KubeObject | undefined {
    return this.server.store.get(this.#resource('networking.k8s.io/v1', 'NetworkPolicy'), namespace, name);
  }

  policyNames(namespace: string): string[] {
    return this.server.store
      .list(this.#resource('networking.k8s.io/v1', 'NetworkPolicy'), { namespace })
      .items.map((p) => String(metadataOf(p)['name']))
      .sort();
  }

  /** Events about the namespace as `kubectl describe namespace` finds them (see describeSelector), oldest first. */
  events(namespace: string): SeenEvent[] {
    const uid = metadataOf(this.namespace(namespace) ?? {})['uid'];
    const filter = parseFieldSelector(describeSelector('Namespace', namespace, '', typeof uid === 'string' ? uid : undefined), { group: '', version: 'v1', resource: 'events' });
    return this.server.store
      .list(this.#resource('v1', 'Event'), { ...(filter !== undefined && { filter }) })
      .items.map((e) => ({
        namespace: String(metadataOf(e)['namespace']),
        type: String(e['type']),
        reason: String(e['reason']),
        message: String(e['message']),
        involvedObject: isObject(e['involvedObject']) ? e['involvedObject'] : {},
        reportingInstance: e['reportingInstance'],
        resourceVersion: Number(metadataOf(e)['resourceVersion']),
      }))
      .sort((a, b) => a.resourceVersion - b.resourceVersion);
  }

  // A user's calls through the API, logged as any client's.

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Record<string, unknown>> {
    const response = await fetch(this.server.url + path, {
      method,
      headers: { Accept: 'application/json', Authorization: 'Bearer user-token', ...(body !== undefined && { 'Content-Type': contentType }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  createNamespace(name: string, metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}, query = ''): Promise<Record<string, unknown>> {
    return this.request('POST', `/api/v1/namespaces${query}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...metadata } });
  }

  patchNamespace(name: string, patch: unknown): Promise<Record<string, unknown>> {
    return this.request('PATCH', `/api/v1/namespaces/${name}`, patch, 'application/merge-patch+json');
  }

  deleteNamespace(name: string): Promise<Record<string, unknown>> {
    return this.request('DELETE', `/api/v1/namespaces/${name}`);
  }

  createPolicy(namespace: string, name: string, spec: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request('POST', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace },
      spec,
    });
  }

  patchPolicy(namespace: string, name: string, patch: unknown): Promise<Record<string, unknown>> {
    return this.request('PATCH', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${name}`, patch, 'application/merge-patch+json');
  }

  deletePolicy(namespace: string, name: string): Promise<Record<string, unknown>> {
    return this.request('DELETE', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${name}`);
  }
}
