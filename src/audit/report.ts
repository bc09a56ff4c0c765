// The audit report: the one value every output format is made from, and the JSON/YAML schema users read
// (docs/audit.md describes each field; test/audit/json-report.test.ts asserts them). Add fields; do not
// rename or drop them without a new apiVersion.
import type { Semantics } from './paths.ts';

export const AUDIT_API_VERSION = 'nsguard.io/v1alpha1';
export const AUDIT_KIND = 'AuditReport';

export type Severity = 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** What a finding is about; also the `rule` of its PolicyReport result. In report order. */
export const CHECKS = [
  'env-reachable',
  'unprotected-workload',
  'dns',
  'webhook-unreachable',
  'generated-missing',
  'generated-drifted',
  'generation-problem',
  'namespace-unstamped',
  'namespace-env-label',
  'calico-not-modelled',
  'flow-denied',
  'flow-denied-by-change',
] as const;
export type CheckId = (typeof CHECKS)[number];

/** A Kubernetes object a finding names. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

export interface AuditFinding {
  readonly check: CheckId;
  readonly severity: Severity;
  /** The namespace it is about; null for the cluster or several namespaces. */
  readonly namespace: string | null;
  /** What it is about, as a person would name it. */
  readonly subject: string;
  readonly message: string;
  readonly resources: readonly ObjectRef[];
}

export interface ClusterCounts {
  readonly namespaces: number;
  readonly pods: number;
  readonly podGroups: number;
  readonly policies: number;
  readonly calicoPolicies: number;
}

export interface Summary {
  /** No findings: the exit code is 0. */
  readonly clean: boolean;
  readonly findings: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byCheck: Readonly<Record<CheckId, number>>;
  readonly unprotectedPods: number;
  readonly sensitiveUnprotectedPods: number;
  readonly podsWithoutDns: number;
  /** Ordered pairs of separated environments some path joins. */
  readonly separatedEnvironmentsOpen: number;
}

export interface NamespaceCoverage {
  readonly name: string;
  readonly environment: string | null;
  readonly exempt: boolean;
  /** `nsguard.io/isolation` as written; null when the namespace was never stamped. */
  readonly isolation: string | null;
  /** Carries what the mutating webhook stamps. */
  readonly stamped: boolean;
  readonly pods: number;
  readonly podGroups: number;
  readonly ingressIsolatedPods: number;
  readonly egressIsolatedPods: number;
  readonly podsWithoutDns: number;
  readonly generated: GeneratedState;
  /** Pods of the namespace reaching each other (or a new pod there). */
  readonly internal: PortsState;
  /** Its group in the matrix. */
  readonly matrixGroup: string;
  readonly findings: number;
}

export interface GeneratedState {
  /** The policies nsguard generates there, in creation order. */
  readonly expected: readonly string[];
  readonly missing: readonly string[];
  readonly drifted: readonly string[];
}

export interface PortsState {
  readonly open: boolean;
  /** `TCP 1-65535, UDP 53`, or `none`. */
  readonly ports: string;
}

export interface Workload {
  readonly namespace: string;
  /** The pods' names as the cluster view keeps them (the first few of a large group). */
  readonly pods: readonly string[];
  readonly count: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Why it counts as sensitive (`image postgres:16`, `label app=mysql`, `port 3306/TCP`); empty if not. */
  readonly sensitive: readonly string[];
  readonly ingressIsolated: boolean;
  readonly egressIsolated: boolean;
}

export interface DnsProblem {
  readonly namespace: string;
  readonly pods: readonly string[];
  readonly count: number;
  readonly labels: Readonly<Record<string, string>>;
  /** A pod that could exist (a new pod, or one a policy's selector names), not a running one. */
  readonly couldExist: boolean;
  readonly reason: string;
}

/** One path that opens a cell, and what opens each side. */
export interface PathExample {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
  readonly egress: string;
  readonly ingress: string;
}

export interface EnvironmentCell {
  /** Environment label values; null for namespaces without the label. */
  readonly from: string | null;
  readonly to: string | null;
  /** The configuration says these two must stay apart. */
  readonly separated: boolean;
  readonly open: boolean;
  /** Ordered pairs of different namespaces some path joins. */
  readonly namespacePairs: number;
  readonly ports: string;
  readonly example: PathExample | null;
}

/** Namespaces whose rows and columns of the namespace matrix are equal, within one environment. */
export interface NamespaceGroup {
  readonly id: string;
  readonly environment: string | null;
  readonly namespaces: readonly string[];
}

/** An open cell of the namespace matrix, between (different) namespaces of two groups. */
export interface GroupCell {
  readonly from: string;
  readonly to: string;
  readonly separated: boolean;
  readonly ports: string;
  readonly example: PathExample;
}

export interface Matrix {
  /** `may`: a cell is open when some resolution of what nsguard does not know (pod addresses, a new pod's ports) opens it. */
  readonly reading: 'may';
  readonly environmentLabel: string;
  readonly environments: readonly (string | null)[];
  /** Every ordered pair of environments, separated pairs first. */
  readonly environmentCells: readonly EnvironmentCell[];
  readonly groups: readonly NamespaceGroup[];
  /** Open cells only, separated ones first. */
  readonly cells: readonly GroupCell[];
}

export interface WebhookSource {
  readonly source: string;
  readonly reachable: boolean;
  readonly ports: string;
  readonly egress: string;
  readonly ingress: string;
}

export interface WebhookReach {
  readonly namespace: string;
  readonly port: number;
  /** Webhook pods found; 0 means a pod as the Deployment makes it was judged. */
  readonly pods: number;
  /** Null when no apiserver address or konnectivity agent is known to judge from. */
  readonly reachable: boolean | null;
  readonly sources: readonly WebhookSource[];
}

export interface CalicoTierSummary {
  readonly name: string;
  readonly order: number | null;
  readonly defaultAction: string;
  readonly policies: number;
}

export interface CalicoSummary {
  readonly tiers: readonly CalicoTierSummary[];
  readonly policies: number;
  readonly globalPolicies: number;
  readonly staged: readonly { readonly policy: string; readonly action: string }[];
  readonly notModelled: readonly { readonly policy: string; readonly feature: string; readonly path: string }[];
}

export interface ObservedFlow {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  /** Records of the flow. */
  readonly count: number;
  /** Line numbers of the first few records. */
  readonly lines: readonly number[];
  /** Why the policies close it. */
  readonly reason: string;
}

export interface UnknownEndpoint {
  readonly line: number;
  readonly endpoint: string;
  readonly reason: string;
}

export interface UnusedRule {
  readonly rule: string;
  readonly namespace: string;
}

export interface FlowReport {
  readonly format: string;
  readonly records: number;
  /** Distinct (source, destination, port, protocol) among records with known endpoints. */
  readonly flows: number;
  readonly denied: readonly ObservedFlow[];
  /** Null without `--with`. */
  readonly deniedByChange: readonly ObservedFlow[] | null;
  readonly unknown: readonly UnknownEndpoint[];
  readonly unusedRules: readonly UnusedRule[];
}

export interface AuditReport {
  readonly apiVersion: typeof AUDIT_API_VERSION;
  readonly kind: typeof AUDIT_KIND;
  /** `state file FILE` or `cluster SERVER`. */
  readonly source: string;
  readonly semantics: Semantics;
  readonly cluster: ClusterCounts;
  readonly summary: Summary;
  /** Most severe first, then in CHECKS order. */
  readonly findings: readonly AuditFinding[];
  readonly namespaces: readonly NamespaceCoverage[];
  /** Pods not isolated in some direction, sensitive ones first. */
  readonly workloads: readonly Workload[];
  readonly dns: readonly DnsProblem[];
  readonly matrix: Matrix;
  readonly webhook: WebhookReach;
  readonly calico: CalicoSummary | null;
  readonly flows: FlowReport | null;
  readonly notes: readonly string[];
}
