// `nsguard audit --apply`: write the reports to the live cluster, removing those of namespaces that have
// none now. Loaded only for live audits: client-node costs tens of MiB that a state-file audit does not need.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ReportFormat, ReportObject } from '../audit/render/report-objects.ts';
import { REPORT_KINDS, REPORT_LABELS, REPORT_NAME } from '../audit/render/report-objects.ts';
import { applyJson, deleteJson, getJson } from '../cluster/kube-request.ts';
import type { CommandIo } from './io.ts';
import { LIST_TIMEOUT_MS } from './live-source.ts';

/** The field manager of the reports `--apply` writes. */
export const AUDIT_FIELD_MANAGER = 'nsguard-audit';

/** Where each report lives; `name` absent: the collection (for listing). */
export function reportPath(apiVersion: string, resource: string, namespace: string | undefined, name?: string): string {
  return `/apis/${apiVersion}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${resource}${name === undefined ? '' : `/${name}`}`;
}

/** An API call the audit makes, as RBAC grants it. */
export interface ApiCall {
  readonly group: string;
  readonly resource: string;
  readonly verbs: readonly string[];
}

// Server-side apply is a PATCH; one that creates the report is authorized as a create too.
const APPLY_VERBS = ['create', 'patch'];

/** What `--apply` calls for a format: apply every report, list the old namespaced ones, delete the stale. */
export function reportCalls(format: ReportFormat): ApiCall[] {
  const kinds = REPORT_KINDS[format];
  const group = kinds.apiVersion.slice(0, kinds.apiVersion.indexOf('/'));
  return [
    { group, resource: kinds.namespaced.resource, verbs: [...APPLY_VERBS, 'list', 'delete'] },
    { group, resource: kinds.cluster.resource, verbs: APPLY_VERBS },
  ];
}

export async function applyReports(config: KubeConfig, reports: readonly ReportObject[], format: ReportFormat, io: CommandIo): Promise<void> {
  const signal = AbortSignal.timeout(LIST_TIMEOUT_MS);
  const { apiVersion, namespaced, cluster } = REPORT_KINDS[format];
  for (const report of reports) {
    const namespace = report.metadata.namespace;
    await applyJson(config, reportPath(apiVersion, namespace === undefined ? cluster.resource : namespaced.resource, namespace, report.metadata.name), report, { fieldManager: AUDIT_FIELD_MANAGER, force: true, signal });
  }
  // Namespaces whose findings are gone keep no stale report.
  const wanted = new Set(reports.flatMap((r) => (r.metadata.namespace === undefined ? [] : [r.metadata.namespace])));
  const selector = Object.entries(REPORT_LABELS).map(([k, v]) => `${k}=${v}`).join(',');
  const existing = (await getJson(config, reportPath(apiVersion, namespaced.resource, undefined), { labelSelector: selector }, signal)) as { items?: { metadata?: { namespace?: string; name?: string } }[] };
  let removed = 0;
  for (const item of existing.items ?? []) {
    const { namespace, name } = item.metadata ?? {};
    if (namespace === undefined || name !== REPORT_NAME || wanted.has(namespace)) continue;
    if (await deleteJson(config, reportPath(apiVersion, namespaced.resource, namespace, name), { signal })) removed++;
  }
  io.err(`nsguard audit: applied ${reports.length} ${namespaced.kind}/${cluster.kind} objects, removed ${removed} stale`);
}
