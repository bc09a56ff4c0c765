// The live view's figures on the webhook's /metrics registry, read from its stats at each scrape: how
// long each watched kind has gone without an open watch or a fresh list, so an operator sees which
// one keeps the replica unready (nsguard_cluster_cache_synced, from readiness, says whether it is).
// Types only from live-view.ts: `nsguard serve --state` loads this module, and must not load client-node.
import { Gauge, type Registry } from 'prom-client';
import type { LiveViewStats } from './live-view.ts';

export function registerViewMetrics(registry: Registry, stats: () => LiveViewStats): void {
  new Gauge({
    name: 'nsguard_cluster_cache_out_of_sync_seconds',
    help: 'Seconds since the kind last had an open watch or a fresh list (0 while watching); past maxOutOfSyncSeconds the replica is not ready.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      for (const [resource, { outOfSyncSeconds }] of Object.entries(stats().resources)) this.set({ resource }, outOfSyncSeconds);
    },
  });
}
