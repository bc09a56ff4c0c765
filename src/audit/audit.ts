// `nsguard audit` as a pure function: a cluster view in, the report out. The CLI reads the cluster (a
// state file or one list of each kind) and writes the report in the format asked for.
import { environmentOf } from '../policy/checks/environments.ts';
import { isExempt } from '../policy/generate/generation.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import { ISOLATION_ANNOTATION } from '../policy/objects/nsguard-metadata.ts';
import type { Config, Namespace, PodGroup } from '../policy/objects/model.ts';
import { auditCalico } from './calico-summary.ts';
import { auditDns } from './dns.ts';
import { EndpointClasses } from './endpoint-classes.ts';
import { sortFindings } from './findings.ts';
import { auditGenerated } from './generated.ts';
import { auditMatrix } from './matrix.ts';
import { auditPaths } from './paths.ts';
import { populate } from './population.ts';
import type { AuditFinding, AuditReport, CheckId, ClusterCounts, FlowReport, NamespaceCoverage, Severity, Summary } from './report.ts';
import { AUDIT_API_VERSION, AUDIT_KIND, CHECKS, SEVERITIES } from './report.ts';
import { auditWebhook } from './webhook-reach.ts';
import { auditWorkloads } from './workloads.ts';
import type { FlowInput } from './flows/flow-audit.ts';
import { auditFlows } from './flows/flow-audit.ts';

export interface AuditInput {
  readonly view: ClusterView;
  readonly config: Config;
  /** Every namespace the cluster has something in, those known only by their pods or policies included. */
  readonly namespaces: readonly Namespace[];
  readonly counts: ClusterCounts;
  /** `state file FILE` or `cluster SERVER`. */
  readonly source: string;
  /** The sensitive images (config.audit.sensitive.images) the pods of a group run, found while loading. */
  readonly sensitiveImages: (group: PodGroup) => readonly string[];
  /** The apiserver's own addresses, as the cluster publishes them (the `kubernetes` Service's endpoints). */
  readonly apiserverAddresses: readonly string[];
  readonly flows?: FlowInput;
  /** Told as each stage starts, for a progress line on large clusters. */
  readonly onProgress?: (stage: string) => void;
}

export function audit(input: AuditInput): AuditReport {
  const { view, config, namespaces } = input;
  const calico = view.calico();
  const progress = input.onProgress ?? ((): void => undefined);
  const names = namespaces.map((n) => n.name);
  const paths = auditPaths(view, config, names, calico);
  const classes = new EndpointClasses(paths);
  const populations = populate(view, namespaces);
  const exemptNames = new Set(namespaces.filter((n) => isExempt(n, config)).map((n) => n.name));

  progress('workloads');
  const workloads = auditWorkloads(populations, paths, (name) => exemptNames.has(name), config.audit.sensitive, input.sensitiveImages);
  progress('dns');
  const dns = auditDns(view, config, populations, paths, classes);
  progress('matrix');
  const matrix = auditMatrix(config, populations, paths, classes);
  progress('generated policies');
  const generated = auditGenerated(view, config, namespaces);
  progress('webhook');
  const webhook = auditWebhook(view, config, paths, input.apiserverAddresses);
  const calicoSection = calico === undefined ? undefined : auditCalico(calico, names);
  let flows: { report: FlowReport; findings: readonly AuditFinding[] } | undefined;
  if (input.flows !== undefined) {
    progress('flows');
    flows = auditFlows(input.flows, view, config, names, calico, paths);
  }

  const findings = sortFindings([
    ...matrix.findings,
    ...workloads.findings,
    ...dns.findings,
    ...webhook.findings,
    ...generated.findings,
    ...(calicoSection?.findings ?? []),
    ...(flows?.findings ?? []),
  ]);
  const findingsIn = countBy(findings, (f) => f.namespace ?? '');
  const coverage: NamespaceCoverage[] = populations.map(({ namespace, running }) => {
    const state = generated.state.get(namespace.name);
    let pods = 0;
    let ingress = 0;
    let egress = 0;
    let withoutDns = 0;
    for (const { group } of running) {
      const isolation = workloads.isolation.get(group);
      pods += group.count;
      if (isolation?.ingress === true) ingress += group.count;
      if (isolation?.egress === true) egress += group.count;
      if (dns.failing.has(group)) withoutDns += group.count;
    }
    return {
      name: namespace.name,
      environment: environmentOf(namespace, config) ?? null,
      exempt: exemptNames.has(namespace.name),
      isolation: namespace.annotations[ISOLATION_ANNOTATION] ?? null,
      stamped: state?.stamped ?? true,
      pods,
      podGroups: running.length,
      ingressIsolatedPods: ingress,
      egressIsolatedPods: egress,
      podsWithoutDns: withoutDns,
      generated: { expected: state?.expected ?? [], missing: state?.missing ?? [], drifted: state?.drifted ?? [] },
      internal: matrix.internal.get(namespace.name) ?? { open: false, ports: 'none' },
      matrixGroup: matrix.groupOf.get(namespace.name) ?? '',
      findings: findingsIn.get(namespace.name) ?? 0,
    };
  });
  const notes: string[] = [];
  if (webhook.reach.reachable === null) {
    notes.push(
      `whether the apiserver reaches the webhook pods was not judged: no apiserver address is known (set audit.apiserverAddresses, or audit the live cluster, whose kubernetes Service lists them) and no konnectivity agent runs in kube-system`,
    );
  }
  const sum = (f: (c: NamespaceCoverage) => number): number => coverage.reduce((n, c) => n + f(c), 0);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  const byCheck = Object.fromEntries(CHECKS.map((c) => [c, 0])) as Record<CheckId, number>;
  for (const f of findings) byCheck[f.check]++;
  const summary: Summary = {
    clean: findings.length === 0,
    findings: findings.length,
    bySeverity,
    byCheck,
    unprotectedPods: workloads.workloads.reduce((n, w) => n + w.count, 0),
    sensitiveUnprotectedPods: workloads.workloads.filter((w) => w.sensitive.length > 0).reduce((n, w) => n + w.count, 0),
    podsWithoutDns: sum((c) => c.podsWithoutDns),
    separatedEnvironmentsOpen: matrix.matrix.environmentCells.filter((c) => c.separated && c.open).length,
  };
  return {
    apiVersion: AUDIT_API_VERSION,
    kind: AUDIT_KIND,
    source: input.source,
    semantics: paths.semantics,
    cluster: input.counts,
    summary,
    findings,
    namespaces: coverage,
    workloads: workloads.workloads,
    dns: dns.problems,
    matrix: matrix.matrix,
    webhook: webhook.reach,
    calico: calicoSection?.summary ?? null,
    flows: flows?.report ?? null,
    notes,
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}
