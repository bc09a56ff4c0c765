// The findings as report objects for policy UIs (Policy Reporter and the like): a report per namespace
// that has findings and one for the cluster, as wgpolicyk8s.io/v1alpha2 PolicyReport and
// ClusterPolicyReport, or openreports.io/v1alpha1 Report and ClusterReport (the same fields, renamed
// group). Checked against the published CRD schemas by test/audit/report-objects.test.ts.
import type { AuditFinding, AuditReport } from '../report.ts';

export type ReportFormat = 'policyreport' | 'openreports';

export const REPORT_NAME = 'nsguard-audit';
export const REPORT_LABELS = { 'app.kubernetes.io/managed-by': 'nsguard', 'app.kubernetes.io/name': 'nsguard-audit' } as const;
const SOURCE = 'nsguard';
const POLICY = 'nsguard-audit';

/** Results per object: an object stays far below the 1.5 MiB etcd takes, whatever the cluster. */
export const MAX_RESULTS = 500;

export interface ReportKinds {
  readonly apiVersion: string;
  readonly namespaced: { readonly kind: string; readonly resource: string };
  readonly cluster: { readonly kind: string; readonly resource: string };
}

export const REPORT_KINDS: Readonly<Record<ReportFormat, ReportKinds>> = {
  policyreport: {
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    namespaced: { kind: 'PolicyReport', resource: 'policyreports' },
    cluster: { kind: 'ClusterPolicyReport', resource: 'clusterpolicyreports' },
  },
  openreports: {
    apiVersion: 'openreports.io/v1alpha1',
    namespaced: { kind: 'Report', resource: 'reports' },
    cluster: { kind: 'ClusterReport', resource: 'clusterreports' },
  },
};

export type ReportObject = Readonly<Record<string, unknown>> & { readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels: Readonly<Record<string, string>> } };

/** `now` stamps each result, as the report schemas ask. */
export function renderReportObjects(report: AuditReport, format: ReportFormat, now: Date = new Date(0)): ReportObject[] {
  const kinds = REPORT_KINDS[format];
  const timestamp = { seconds: Math.floor(now.getTime() / 1000), nanos: (now.getTime() % 1000) * 1_000_000 };
  const byNamespace = new Map<string, AuditFinding[]>();
  const cluster: AuditFinding[] = [];
  for (const f of report.findings) {
    if (f.namespace === null) cluster.push(f);
    else byNamespace.set(f.namespace, [...(byNamespace.get(f.namespace) ?? []), f]);
  }
  const object = (namespace: string | undefined, findings: readonly AuditFinding[]): ReportObject => {
    const shown = findings.slice(0, MAX_RESULTS);
    const results = shown.map((f) => ({
      source: SOURCE,
      policy: POLICY,
      rule: f.check,
      category: 'Network isolation',
      severity: f.severity,
      result: 'fail',
      scored: true,
      timestamp,
      message: f.message,
      properties: { subject: f.subject },
      resources: f.resources.map((r) => ({ ...r })),
    }));
    if (findings.length > shown.length) {
      results.push({ ...(results[0] as (typeof results)[number]), severity: 'low', message: `${findings.length - shown.length} more findings: nsguard audit -o json lists them all`, properties: { subject: 'more findings' }, resources: [] });
    }
    return {
      apiVersion: kinds.apiVersion,
      kind: namespace === undefined ? kinds.cluster.kind : kinds.namespaced.kind,
      metadata: { name: REPORT_NAME, ...(namespace === undefined ? {} : { namespace }), labels: { ...REPORT_LABELS } },
      ...(format === 'openreports' && { source: SOURCE }),
      ...(namespace === undefined ? {} : { scope: { apiVersion: 'v1', kind: 'Namespace', name: namespace } }),
      summary: { pass: 0, fail: results.length, warn: 0, error: 0, skip: 0 },
      results,
    };
  };
  return [object(undefined, cluster), ...[...byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ns, findings]) => object(ns, findings))];
}
