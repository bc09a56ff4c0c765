// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does it,
// so that of several `nsguard serve` replicas one runs the controller: GET the Lease (create it when
// missing), take it only when free or expired, and write with the read resourceVersion so two
// candidates cannot both win; renew every retry period while leading, step down when no renewal
// succeeded for the renew deadline, and release the Lease on stop (ReleaseOnCancel) so another
// replica takes over without waiting for it to expire.
// Unlike client-go, whose Run returns for good after losing the lease, a replica that stepped down
// keeps competing, and onStoppedLeading is only called for a term that began.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { pause } from '../cluster/backoff.ts';
import { ApiRequestError, createJson, getJson, replaceJson } from '../cluster/kube-request.ts';
import { isRecord } from '../json-value.ts';

/** The API calls made on the Lease, for the RBAC Role (apiGroup coordination.k8s.io, resource leases). */
export const LEASE_VERBS = ['get', 'create', 'update'] as const;
export const LEASE_API_GROUP = 'coordination.k8s.io';
export const LEASE_RESOURCE = 'leases';

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespace and name of the Lease. */
  readonly namespace: string;
  readonly name: string;
  /** This replica, unique among candidates (the pod name). */
  readonly identity: string;
  /** How long others wait after the last renewal before taking over (default 15). */
  readonly leaseDurationSeconds?: number;
  /** How long the leader retries a failing renewal before it steps down (default 10). */
  readonly renewDeadlineSeconds?: number;
  /** Between attempts to acquire or renew (default 2). */
  readonly retryPeriodSeconds?: number;
  readonly logger: Logger;
  /** The lease is ours: start the work. Called on the election's own schedule; must not block. */
  onStartedLeading(): void;
  /** The term ended (lost, or stop): stop the work. Awaited before the lease is released or sought again. */
  onStoppedLeading(): void | Promise<void>;
  /** Clock for the Lease's times and their expiry (default the system clock). */
  readonly now?: () => Date;
}

export interface LeaderElector {
  isLeader(): boolean;
  /** Ends the term if leading (onStoppedLeading, then the release), and every request and timer. */
  stop(): Promise<void>;
}

/** client-go's JitterFactor: acquire attempts come every retryPeriod * [1, 2.2), so candidates spread. */
const JITTER_FACTOR = 1.2;

/** The fields of a LeaseSpec leader election reads and writes. */
interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

interface StoredLease {
  /** The object as served, sent back on update with its resourceVersion. */
  readonly raw: Record<string, unknown>;
  readonly spec: Partial<LeaseRecord>;
}

type Attempt = 'leading' | 'held-by-other' | 'failed';

/** metav1.MicroTime: RFC 3339 with microseconds; Date has milliseconds, so three zeros follow. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}


/** The Lease as served, its spec fields kept only when they have the right type. */
function readLease(body: unknown, path: string): StoredLease {
  const metadata = isRecord(body) ? body['metadata'] : undefined;
  if (!isRecord(body) || !isRecord(metadata) || typeof metadata['resourceVersion'] !== 'string') throw new Error(`${path}: not a Lease (no metadata.resourceVersion)`);
  const spec = isRecord(body['spec']) ? body['spec'] : {};
  const text = (key: keyof LeaseRecord) => (typeof spec[key] === 'string' ? spec[key] : undefined);
  const count = (key: keyof LeaseRecord) => (typeof spec[key] === 'number' ? spec[key] : undefined);
  return {
    raw: body,
    spec: {
      holderIdentity: text('holderIdentity'),
      acquireTime: text('acquireTime'),
      renewTime: text('renewTime'),
      leaseDurationSeconds: count('leaseDurationSeconds'),
      leaseTransitions: count('leaseTransitions'),
    },
  };
}

class LeaseElector implements LeaderElector {
  readonly #options: LeaderElectionOptions;
  readonly #leaseMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #collection: string;
  readonly #path: string;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;
  /** The Lease as our last successful write left it; renewals update it without a GET. */
  #ours: StoredLease | undefined;
  #leading = false;
  #stopping: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#leaseMs = Math.round((options.leaseDurationSeconds ?? 15) * 1000);
    this.#renewDeadlineMs = Math.round((options.renewDeadlineSeconds ?? 10) * 1000);
    this.#retryMs = Math.round((options.retryPeriodSeconds ?? 2) * 1000);
    if (!Number.isInteger(options.leaseDurationSeconds ?? 15)) throw new RangeError('leaseDurationSeconds must be whole seconds (the Lease field is an integer)');
    // client-go's NewLeaderElector checks: a leader must give up before others may take over.
    if (!(this.#leaseMs > this.#renewDeadlineMs)) throw new RangeError('leaseDurationSeconds must be greater than renewDeadlineSeconds');
    if (!(this.#renewDeadlineMs > JITTER_FACTOR * this.#retryMs)) throw new RangeError(`renewDeadlineSeconds must be greater than ${JITTER_FACTOR} * retryPeriodSeconds`);
    if (!(this.#retryMs > 0)) throw new RangeError('retryPeriodSeconds must be positive');
    if (options.identity === '') throw new RangeError('the leader election identity must not be empty');
    this.#collection = `/apis/${LEASE_API_GROUP}/v1/namespaces/${encodeURIComponent(options.namespace)}/${LEASE_RESOURCE}`;
    this.#path = `${this.#collection}/${encodeURIComponent(options.name)}`;
    // #run handles its own errors; this catch only keeps a bug from becoming an unhandled rejection.
    this.#done = this.#run().catch((error: unknown) => options.logger.error({ lease: this.#path, err: error }, 'leader election loop ended by an error'));
  }

  isLeader(): boolean {
    return this.#leading;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
    if (this.#leading) await this.#endTerm('stopped');
    // Also after a lost term or a write that landed as stop began: the lease may still name us.
    if (this.#ours !== undefined) await this.#release();
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const started = performance.now();
      if ((await this.#attempt(this.#renewDeadlineMs)) === 'leading' && !signal.aborted) {
        this.#leading = true;
        this.#options.logger.info({ lease: this.#path, identity: this.#options.identity }, 'became the leader');
        void this.#call('onStartedLeading', () => this.#options.onStartedLeading());
        await this.#renewLoop(started);
        if (signal.aborted) return;
      }
      await pause(this.#retryMs * (1 + Math.random() * JITTER_FACTOR), signal);
    }
  }

  /**
   * Renews every retry period until a renewal is overdue or the lease is someone else's. `renewed` is
   * when the last successful write was sent, not answered: the renewTime others count from is no older.
   */
  async #renewLoop(renewed: number): Promise<void> {
    const signal = this.#abort.signal;
    for (;;) {
      await pause(this.#retryMs, signal);
      if (signal.aborted) return;
      // Bounded by what is left of the deadline, so a hung request cannot keep us leading past it.
      const started = performance.now();
      const left = this.#renewDeadlineMs - (started - renewed);
      const outcome = left > 0 ? await this.#attempt(left) : 'failed';
      if (signal.aborted) return;
      if (outcome === 'leading') {
        renewed = started;
        continue;
      }
      if (outcome === 'held-by-other' || performance.now() - renewed >= this.#renewDeadlineMs) {
        await this.#endTerm(outcome === 'held-by-other' ? 'the lease is held by another replica' : 'no renewal within the renew deadline');
        return;
      }
    }
  }

  async #endTerm(reason: string): Promise<void> {
    this.#leading = false;
    this.#options.logger.info({ lease: this.#path, identity: this.#options.identity, reason }, 'stopped leading');
    await this.#call('onStoppedLeading', () => this.#options.onStoppedLeading());
  }

  /** One tryAcquireOrRenew; never rejects: errors are logged and count as a failed attempt. */
  async #attempt(timeoutMs: number): Promise<Attempt> {
    // AbortSignal.timeout takes whole milliseconds only.
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(Math.ceil(timeoutMs))]);
    const { logger, identity } = this.#options;
    try {
      return await this.#tryAcquireOrRenew(signal);
    } catch (error) {
      if (this.#abort.signal.aborted) return 'failed';
      const lost = error instanceof ApiRequestError && error.statusCode === 409;
      // Losing a race is routine for a candidate; failing to reach the API is not, least of all for the leader.
      const level = lost && !this.#leading ? 'debug' : 'warn';
      logger[level]({ lease: this.#path, identity, leading: this.#leading, err: error }, lost ? 'another replica wrote the lease first' : 'acquiring or renewing the lease failed');
      return 'failed';
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const { kubeConfig, identity } = this.#options;
    const now = this.#now();
    // The leader's fast path, as client-go: update what it last wrote; any failure falls back to a GET.
    if (this.#leading && this.#ours !== undefined) {
      try {
        this.#ours = readLease(await replaceJson(kubeConfig, this.#path, this.#withSpec(this.#ours, this.#record(this.#ours.spec, now)), { signal }), this.#path);
        return 'leading';
      } catch (error) {
        // A stale copy (409) or a failed write: the slow path below reads the lease afresh.
        if (signal.aborted) throw error;
      }
    }
    let stored: StoredLease;
    try {
      stored = readLease(await getJson(kubeConfig, this.#path, {}, signal), this.#path);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.statusCode === 404)) throw error;
      const lease = { apiVersion: `${LEASE_API_GROUP}/v1`, kind: 'Lease', metadata: { name: this.#options.name, namespace: this.#options.namespace }, spec: this.#record(undefined, now) };
      this.#ours = readLease(await createJson(kubeConfig, this.#collection, lease, { signal }), this.#path);
      return 'leading';
    }
    const holder = stored.spec.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && !this.#expired(stored.spec, now)) return 'held-by-other';
    this.#ours = readLease(await replaceJson(kubeConfig, this.#path, this.#withSpec(stored, this.#record(stored.spec, now)), { signal }), this.#path);
    return 'leading';
  }

  /**
   * The spec to write over `previous` (undefined: a new Lease, 0 transitions). Renewing our own keeps
   * acquireTime and the count; taking one over, from a holder or released, counts a transition.
   */
  #record(previous: Partial<LeaseRecord> | undefined, now: Date): LeaseRecord {
    const { identity } = this.#options;
    const time = microTime(now);
    const leaseDurationSeconds = this.#leaseMs / 1000;
    const transitions = previous?.leaseTransitions ?? 0;
    if (previous?.holderIdentity === identity) {
      return { holderIdentity: identity, leaseDurationSeconds, acquireTime: previous.acquireTime ?? time, renewTime: time, leaseTransitions: transitions };
    }
    return { holderIdentity: identity, leaseDurationSeconds, acquireTime: time, renewTime: time, leaseTransitions: previous === undefined ? 0 : transitions + 1 };
  }

  /** The holder's own leaseDurationSeconds counts, so a released lease (1 s) frees at once. */
  #expired(spec: Partial<LeaseRecord>, now: Date): boolean {
    const renewed = spec.renewTime === undefined ? Number.NaN : Date.parse(spec.renewTime);
    if (Number.isNaN(renewed)) return true;
    return renewed + (spec.leaseDurationSeconds ?? this.#leaseMs / 1000) * 1000 < now.getTime();
  }

  #withSpec(lease: StoredLease, record: LeaseRecord): Record<string, unknown> {
    const spec = isRecord(lease.raw['spec']) ? lease.raw['spec'] : {};
    return { ...lease.raw, spec: { ...spec, ...record } };
  }

  /** client-go's release: holder cleared, a 1 s duration, so candidates take over at their next attempt. */
  async #release(): Promise<void> {
    const { kubeConfig, identity, logger } = this.#options;
    const signal = AbortSignal.timeout(this.#renewDeadlineMs);
    try {
      // A GET first: a renewal cut short by stop may have been written, making our copy stale.
      const stored = readLease(await getJson(kubeConfig, this.#path, {}, signal), this.#path);
      if (stored.spec.holderIdentity !== identity) return;
      const time = microTime(this.#now());
      const released = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: time, renewTime: time, leaseTransitions: stored.spec.leaseTransitions ?? 0 };
      await replaceJson(kubeConfig, this.#path, this.#withSpec(stored, released), { signal });
      logger.info({ lease: this.#path, identity }, 'released the lease');
    } catch (error) {
      logger.warn({ lease: this.#path, identity, err: error }, 'releasing the lease failed; others take over once it expires');
    }
  }

  #now(): Date {
    return (this.#options.now ?? (() => new Date()))();
  }

  async #call(name: string, callback: () => void | Promise<void>): Promise<void> {
    try {
      await callback();
    } catch (error) {
      this.#options.logger.error({ lease: this.#path, err: error }, `${name} failed`);
    }
  }
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElector {
  return new LeaseElector(options);
}
