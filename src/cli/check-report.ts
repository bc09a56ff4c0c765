// What `nsguard check` found, as one model every output format is written from: the judged objects with
// where they start in their files, the objects not judged, and each finding on its own with its object,
// its place and the pods, ports and policies it names, for CI systems to annotate.
import type { AdmissionOperation } from '../admission/types.ts';
import type { Decision, Finding, RuleId } from '../policy/checks/decision.ts';
import { formatFinding } from '../policy/checks/decision.ts';
import type { FindingFields } from '../policy/checks/finding-fields.ts';
import type { Mode } from '../policy/objects/model.ts';
import type { ObjectSource } from './object-sources.ts';

export interface CheckedObject {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly operation: AdmissionOperation;
  readonly decision: Decision;
  readonly source: ObjectSource;
}

export interface SkippedObject {
  readonly kind: string;
  readonly name: string;
  readonly where: string;
  readonly source: ObjectSource;
}

export interface CheckRun {
  readonly mode: Mode;
  readonly results: readonly CheckedObject[];
  readonly skipped: readonly SkippedObject[];
}

/** What the skipped lines say: which kinds are judged, and why a Tier is not. */
export const NOT_JUDGED =
  'nsguard judges Namespace, NetworkPolicy and Calico NetworkPolicy, GlobalNetworkPolicy and their staged forms; a Calico Tier reorders every policy of the cluster and is reviewed by an admin, not judged (docs/install.md)';

/** `deny`: a reason this object is denied; `warn`: reported only (a warning, or a violation in warn or audit mode). */
export type Severity = 'deny' | 'warn';

export interface ReportedFinding extends FindingFields, ObjectSource {
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string;
  readonly operation: AdmissionOperation;
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
}

/** Every finding of the run, object by object, violations before warnings. */
export function reportedFindings(run: CheckRun): ReportedFinding[] {
  return run.results.flatMap((r) => {
    const found = (f: Finding, severity: Severity): ReportedFinding => ({
      ...r.source,
      kind: r.kind,
      namespace: r.namespace ?? null,
      name: r.name,
      operation: r.operation,
      rule: f.rule,
      severity,
      message: f.message,
      directions: f.directions,
      pods: f.pods,
      ports: f.ports,
      policies: f.policies,
    });
    return [...r.decision.violations.map((v) => found(v, r.decision.allowed ? 'warn' : 'deny')), ...r.decision.warnings.map((w) => found(w, 'warn'))];
  });
}

/** `NetworkPolicy shop-prod/db (CREATE)`. */
export function describeResult(r: CheckedObject): string {
  return `${r.kind} ${r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`} (${r.operation})`;
}

export function textReport(run: CheckRun): string {
  const lines: string[] = [];
  for (const r of run.results) {
    lines.push(`${describeResult(r)}: ${r.decision.verdict}`);
    for (const v of r.decision.violations) lines.push(`  ${formatFinding(v)}`);
    for (const w of r.decision.warnings) lines.push(`  warning: ${formatFinding(w)}`);
  }
  for (const s of run.skipped) lines.push(`${s.kind} ${s.name}: skipped (${s.where}; not judged, see stderr)`);
  const denied = run.results.filter((r) => !r.decision.allowed).length;
  lines.push(`${run.results.length - denied} allowed, ${denied} denied, ${run.skipped.length} skipped`);
  return lines.join('\n');
}

/**
 * `-o json` and `-o yaml` (schemas/check-report.schema.json): the results as before, each with its source,
 * and `findings`, every finding with its object and place.
 */
export function jsonReport(run: CheckRun) {
  const finding = (f: Finding) => ({ rule: f.rule, message: f.message });
  return {
    allowed: run.results.every((r) => r.decision.allowed),
    mode: run.mode,
    results: run.results.map((r) => ({
      kind: r.kind,
      namespace: r.namespace ?? null,
      name: r.name,
      operation: r.operation,
      verdict: r.decision.verdict,
      allowed: r.decision.allowed,
      mode: r.decision.mode,
      violations: r.decision.violations.map(finding),
      warnings: r.decision.warnings.map(finding),
      source: r.source,
    })),
    skipped: run.skipped,
    findings: reportedFindings(run),
  };
}
