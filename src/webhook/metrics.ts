// Prometheus metrics on a registry of their own (no global state, so tests and several servers in one
// process do not collide). Names follow https://prometheus.io/docs/practices/naming/: a `nsguard_`
// prefix, base units (seconds), `_total` on counters, `_timestamp_seconds` for points in time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HANDLERS, kindName } from '../admission/registry.ts';
import { ADMISSION_OPERATIONS, type WebhookName } from '../admission/types.ts';
import type { ConnectionCounts } from './connections.ts';

/** `error`: nsguard failed to judge the request (answered 500 on validate, allowed unpatched on mutate). */
export type MetricVerdict = 'allowed' | 'denied' | 'warned' | 'would-deny' | 'patched' | 'error';

export interface WebhookMetrics {
  readonly registry: Registry;
  observeAdmission(labels: { webhook: WebhookName; kind: string; operation: string; verdict: MetricVerdict }, seconds: number): void;
  rejectReview(reason: string): void;
  certificateLoaded(notAfter: Date): void;
  certificateReload(result: 'success' | 'failure'): void;
  /** A changed --config file: loaded, or refused (the current one kept). */
  configReload(result: 'success' | 'failure'): void;
}

// Admission checks run in memory: most answers take 1-25 ms, so the buckets are fine there; the tail
// reaches the apiserver's 10 s default webhook timeout.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Label values come from requests: only the kinds and operations nsguard serves become labels, the
// rest is `other`, so no client can grow the series or push a real kind out.
const KINDS: ReadonlySet<string> = new Set(HANDLERS.map((handler) => kindName(handler.kind)));
const OPERATIONS: ReadonlySet<string> = new Set(ADMISSION_OPERATIONS);

export interface MetricsSources {
  readonly cacheSynced: () => boolean;
  /** Open connections by state and those refused at the cap (connections.ts). */
  readonly connections?: () => ConnectionCounts;
  readonly defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsSources): WebhookMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'nsguard_admission_requests_total',
    help: 'Admission reviews answered, by webhook, object kind, operation and verdict.',
    labelNames: ['webhook', 'kind', 'operation', 'verdict'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'nsguard_admission_duration_seconds',
    help: 'Time from a received AdmissionReview body to its answer: parse, judge, build the response.',
    labelNames: ['webhook'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'nsguard_admission_rejected_reviews_total',
    help: 'Requests to the admission endpoints refused before judging (bad JSON, bad shape, wrong content type, too large).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const expiry = new Gauge({
    name: 'nsguard_tls_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the serving certificate, in seconds since the Unix epoch.',
    registers: [registry],
  });
  const configReloads = new Counter({
    name: 'nsguard_config_reloads_total',
    help: 'Reloads of the --config file after it changed, by result (failure keeps the current configuration).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'nsguard_tls_certificate_reloads_total',
    help: 'Serving certificate reloads after the files changed, by result (failure keeps the old certificate).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'nsguard_cluster_cache_synced',
    help: '1 when the cluster view holds real state (synced, no kind out of sync for longer than maxOutOfSyncSeconds), else 0: reviews are then answered with a retryable error.',
    registers: [registry],
    collect() {
      this.set(options.cacheSynced() ? 1 : 0);
    },
  });

  const { connections } = options;
  if (connections !== undefined) {
    new Gauge({
      name: 'nsguard_webhook_connections',
      help: 'Open connections to the webhook port, by state: handshaking (TLS not finished) or established.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const counts = connections();
        this.set({ state: 'handshaking' }, counts.handshaking);
        this.set({ state: 'established' }, counts.established);
      },
    });
    new Counter({
      name: 'nsguard_webhook_refused_connections_total',
      help: 'Connections refused because the server held its maximum of open connections.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(connections().refused);
      },
    });
  }

  // Labelled children kept by label values: prom-client hashes the label object on every call, a
  // measurable share of a request that takes well under a millisecond. Bounded: label values are fixed sets.
  const requestChildren = new Map<string, { inc(): void }>();
  const latencyChildren = new Map<WebhookName, { observe(value: number): void }>();

  return {
    registry,
    observeAdmission(labels, seconds) {
      const kind = KINDS.has(labels.kind) ? labels.kind : 'other';
      const operation = OPERATIONS.has(labels.operation) ? labels.operation : 'other';
      const key = `${labels.webhook}\u0000${kind}\u0000${operation}\u0000${labels.verdict}`;
      let counter = requestChildren.get(key);
      if (counter === undefined) requestChildren.set(key, (counter = requests.labels({ ...labels, kind, operation })));
      counter.inc();
      let histogram = latencyChildren.get(labels.webhook);
      if (histogram === undefined) latencyChildren.set(labels.webhook, (histogram = latency.labels({ webhook: labels.webhook })));
      histogram.observe(seconds);
    },
    rejectReview: (reason) => rejected.inc({ reason }),
    certificateLoaded: (notAfter) => expiry.set(Math.floor(notAfter.getTime() / 1000)),
    certificateReload: (result) => reloads.inc({ result }),
    configReload: (result) => configReloads.inc({ result }),
  };
}
