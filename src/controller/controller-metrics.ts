// The controller's figures on the webhook's /metrics registry, read from its totals at each scrape, so
// an operator sees which replica leads, whether reconciles fail, and how often policies are restored
// (tampering or a fight with another writer).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ControllerStats } from './controller.ts';

export function registerControllerMetrics(registry: Registry, stats: () => ControllerStats): void {
  new Gauge({
    name: 'nsguard_controller_leader',
    help: '1 while this replica holds the controller Lease and writes generated policies, else 0.',
    registers: [registry],
    collect() {
      this.set(stats().leader ? 1 : 0);
    },
  });
  new Gauge({
    name: 'nsguard_controller_pending_namespaces',
    help: 'Namespaces waiting to be reconciled (queued or backing off after a failure).',
    registers: [registry],
    collect() {
      this.set(stats().pending);
    },
  });
  new Counter({
    name: 'nsguard_controller_reconciles_total',
    help: 'Namespace reconcile passes, by result (failed passes are retried with backoff).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const now = stats();
      this.reset();
      this.inc({ result: 'success' }, now.reconciles - now.failedReconciles);
      this.inc({ result: 'failure' }, now.failedReconciles);
    },
  });
  new Counter({
    name: 'nsguard_controller_namespaces_stamped_total',
    help: 'Namespaces backfilled with the labels and annotations the mutating webhook stamps: each was created while the webhook was down or skipped.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().stamped);
    },
  });
  new Counter({
    name: 'nsguard_controller_policy_writes_total',
    help: 'Generated NetworkPolicies written, by action: created, restored (missing or drifted), removed.',
    labelNames: ['action'] as const,
    registers: [registry],
    collect() {
      const now = stats();
      this.reset();
      this.inc({ action: 'created' }, now.created);
      this.inc({ action: 'restored' }, now.restored);
      this.inc({ action: 'removed' }, now.removed);
    },
  });
  new Counter({
    name: 'nsguard_controller_event_failures_total',
    help: 'Events about namespaces the API refused or that could not be sent; the reconcile pass went on without them.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().failedEvents);
    },
  });
}
