// `nsguard audit` against the live cluster: read it (in-cluster config or KUBECONFIG, one list of each
// kind), and with `--apply` write the reports back, removing those of namespaces that have none now.
// Loaded only for live audits: client-node costs tens of MiB that a state-file audit does not need.
import { KubeConfig } from '@kubernetes/client-node';
import type { ReportObject } from '../audit/render/report-objects.ts';
import { REPORT_LABELS, REPORT_NAME } from '../audit/render/report-objects.ts';
import type { AuditObjects } from '../cluster/audit-objects.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import { listCluster } from '../cluster/live-snapshot.ts';
import { applyJson, deleteJson, getJson } from '../cluster/kube-request.ts';
import { NsguardError } from '../errors.ts';
import type { CommandIo } from './io.ts';

/** The field manager of the reports `--apply` writes. */
export const AUDIT_FIELD_MANAGER = 'nsguard-audit';

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromDefault();
  } catch (cause) {
    throw new NsguardError('NSG_USAGE', `nsguard audit: no cluster to read (in-cluster config or KUBECONFIG): ${(cause as Error).message}; pass --state FILE to audit a snapshot`, { cause });
  }
  return config;
}

export async function readLiveCluster(objects: AuditObjects, keepPodNames: boolean): Promise<{ state: ClusterState; source: string }> {
  const { state, server } = await listCluster(kubeConfig(), objects.observe, { keepPodNames, signal: AbortSignal.timeout(LIST_TIMEOUT_MS) });
  return { state, source: `cluster ${server}` };
}

/** The whole read of a 150k-pod cluster takes seconds; a stuck apiserver must not hang a CronJob forever. */
const LIST_TIMEOUT_MS = 10 * 60 * 1000;

/** Where each report lives; `name` absent: the collection (for listing). */
export function reportPath(apiVersion: string, resource: string, namespace: string | undefined, name?: string): string {
  return `/apis/${apiVersion}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${resource}${name === undefined ? '' : `/${name}`}`;
}

export async function applyReports(reports: readonly ReportObject[], io: CommandIo): Promise<void> {
  const config = kubeConfig();
  const signal = AbortSignal.timeout(LIST_TIMEOUT_MS);
  const [cluster] = reports;
  if (cluster === undefined) return;
  const apiVersion = String(cluster['apiVersion']);
  const namespacedKind = reports.find((r) => r.metadata.namespace !== undefined)?.kind;
  const resources = resourcesOf(apiVersion);
  for (const report of reports) {
    const namespace = report.metadata.namespace;
    await applyJson(config, reportPath(apiVersion, namespace === undefined ? resources.cluster : resources.namespaced, namespace, report.metadata.name), report, { fieldManager: AUDIT_FIELD_MANAGER, force: true, signal });
  }
  // Namespaces whose findings are gone keep no stale report.
  const wanted = new Set(reports.flatMap((r) => (r.metadata.namespace === undefined ? [] : [r.metadata.namespace])));
  const selector = Object.entries(REPORT_LABELS).map(([k, v]) => `${k}=${v}`).join(',');
  const existing = (await getJson(config, reportPath(apiVersion, resources.namespaced, undefined), { labelSelector: selector }, signal)) as { items?: { metadata?: { namespace?: string; name?: string } }[] };
  let removed = 0;
  for (const item of existing.items ?? []) {
    const { namespace, name } = item.metadata ?? {};
    if (namespace === undefined || name !== REPORT_NAME || wanted.has(namespace)) continue;
    if (await deleteJson(config, reportPath(apiVersion, resources.namespaced, namespace, name), { signal })) removed++;
  }
  io.err(`nsguard audit: applied ${reports.length} reports (${namespacedKind ?? 'no namespaced'} and ${String(cluster.kind)}), removed ${removed} stale`);
}

function resourcesOf(apiVersion: string): { namespaced: string; cluster: string } {
  return apiVersion.startsWith('openreports.io/') ? { namespaced: 'reports', cluster: 'clusterreports' } : { namespaced: 'policyreports', cluster: 'clusterpolicyreports' };
}
