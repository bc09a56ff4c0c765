// A small cluster and its Calico objects from kubectl-shaped YAML, for the Calico evaluator's tables:
// each row names a path and the expected open ports and decision pieces, as text.
import type { Test } from 'tap';
import { parseAllDocuments } from 'yaml';
import type { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { CalicoDirectionVerdict, DecisionPiece, Decider } from '../../src/policy/calico/evaluate.ts';
import { evaluateCalicoDirection, evaluateCalicoPath } from '../../src/policy/calico/evaluate.ts';
import { calicoFromKubernetes } from '../../src/policy/calico/from-kubernetes.ts';
import type { CalicoPolicy, ServiceAccount, Tier } from '../../src/policy/calico/model.ts';
import type { CalicoPolicyKind } from '../../src/policy/calico/parse-calico-policy.ts';
import { parseCalicoPolicy } from '../../src/policy/calico/parse-calico-policy.ts';
import { parseTier } from '../../src/policy/calico/parse-calico-tier.ts';
import { orderPolicies, promoteStaged } from '../../src/policy/calico/policy-order.ts';
import type { Endpoint } from '../../src/policy/netpol/endpoint.ts';
import { namespaceOf, podEndpoint } from '../../src/policy/netpol/endpoint.ts';
import type { Direction, Labels } from '../../src/policy/objects/model.ts';
import { describePorts } from '../../src/policy/netpol/port-set.ts';
import { witnessPod } from '../../src/policy/netpol/witness.ts';
import { clusterFrom, configWith } from './cluster.ts';

const namespace = (name: string, labels: Labels = {}): unknown => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

/** A pod at `ns/name`; no address means it is not running yet. */
const pod = (ref: string, labels: Labels, ip?: string, ports: readonly { name: string; containerPort: number; protocol?: string }[] = []): unknown => {
  const [ns, name] = ref.split('/');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'main', image: 'main:1', ports }] },
    status: ip === undefined ? { phase: 'Pending' } : { phase: 'Running', podIP: ip },
  };
};

/** prod and test (labelled env), kube-system with CoreDNS, and app-ns of issue 15. */
export const CLUSTER = [
  namespace('prod', { env: 'prod' }),
  namespace('test', { env: 'test' }),
  namespace('kube-system'),
  namespace('app-ns'),
  pod('prod/web-1', { app: 'web' }, '10.1.0.10', [{ name: 'http', containerPort: 8080 }]),
  pod('prod/db-1', { app: 'db' }, '10.1.0.20', [{ name: 'mysql', containerPort: 3306 }]),
  pod('prod/new-1', { app: 'new' }),
  pod('test/client-1', { app: 'client' }, '10.2.0.10'),
  pod('kube-system/coredns-1', { 'k8s-app': 'kube-dns' }, '10.3.0.53', [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53 },
  ]),
  pod('app-ns/api-1', { app: 'api' }, '10.4.0.10'),
  pod('app-ns/worker-1', { app: 'worker' }, '10.4.0.20'),
]
  .map((o) => JSON.stringify(o))
  .join('\n---\n');

export const gnp = (name: string, spec: string, kind = 'GlobalNetworkPolicy'): string => `{ apiVersion: projectcalico.org/v3, kind: ${kind}, metadata: { name: ${name} }, spec: ${spec} }`;
export const cnp = (namespace: string, name: string, spec: string, kind = 'NetworkPolicy'): string =>
  `{ apiVersion: projectcalico.org/v3, kind: ${kind}, metadata: { name: ${name}, namespace: ${namespace} }, spec: ${spec} }`;
export const tier = (name: string, spec: string): string => `{ apiVersion: projectcalico.org/v3, kind: Tier, metadata: { name: ${name} }, spec: ${spec} }`;
export const knp = (namespace: string, name: string, spec: string): string => `{ apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: { name: ${name}, namespace: ${namespace} }, spec: ${spec} }`;

/** `ns/pod` names a running pod, a bare address an endpoint outside the cluster, an object a witness pod. */
export type Ref = string | { readonly witnessIn: string; readonly labels: Labels };

export interface Case {
  readonly name: string;
  /** Calico policies and tiers, and Kubernetes NetworkPolicies, as flow YAML. */
  readonly objects: readonly string[];
  /** Judge as if this staged policy (by name) were promoted. */
  readonly promote?: string;
  /** By `ns/pod`; a pod not listed runs as an unknown service account. */
  readonly serviceAccounts?: Readonly<Record<string, ServiceAccount>>;
  readonly from: Ref;
  readonly to: Ref;
  /** One direction, or the whole path when absent. */
  readonly direction?: Direction;
  readonly expect: {
    readonly may: string;
    /** Same as `may` unless given. */
    readonly must?: string;
    /** `ports: allow|deny by decider > decider`, several outcomes joined by ` | `; only for one direction. */
    readonly pieces?: readonly string[];
  };
}

interface Loaded {
  readonly state: ClusterState;
  readonly tiers: readonly Tier[];
  readonly policies: readonly CalicoPolicy[];
}

function load(objects: readonly string[]): Loaded {
  const kubernetes: string[] = [];
  const tiers: Tier[] = [];
  const calico: CalicoPolicy[] = [];
  for (const text of objects) {
    for (const doc of parseAllDocuments(text)) {
      const raw = doc.toJS() as { kind: string; apiVersion: string };
      if (raw.apiVersion === 'networking.k8s.io/v1') kubernetes.push(text);
      else if (raw.kind === 'Tier') tiers.push(parseTier(raw, 'test'));
      else calico.push(parseCalicoPolicy(raw, raw.kind as CalicoPolicyKind, 'test'));
    }
  }
  const state = clusterFrom(CLUSTER, ...kubernetes);
  const converted = [...state.namespaces()].flatMap((n) => state.policies(n.name)).map(calicoFromKubernetes);
  return { state, tiers, policies: [...calico, ...converted] };
}

function endpoint(state: ClusterState, ref: Ref): Endpoint {
  if (typeof ref !== 'string') return { kind: 'pod', group: witnessPod(ref.witnessIn, ref.labels), namespace: namespaceOf(state, ref.witnessIn) };
  if (!ref.includes('/')) return { kind: 'external', ip: ref };
  const [ns = '', name = ''] = ref.split('/');
  const group = state.findPod(ns, name);
  if (group === undefined) throw new Error(`no pod ${ref} in the fixture`);
  return podEndpoint(state, group);
}

export function describeDecider(d: Decider): string {
  switch (d.kind) {
    case 'rule':
      return `${d.policy.name}[${d.index}] ${d.action}`;
    case 'tier-default':
      return `tier ${d.tier} ${d.action}`;
    case 'no-policy':
      return 'no policy';
    case 'profile':
      return 'profile';
  }
}

export function describePieces(pieces: readonly DecisionPiece[]): string[] {
  return pieces
    .map((p) => `${describePorts(p.ports)}: ${p.outcomes.map((o) => `${o.allowed ? 'allow' : 'deny'} by ${o.chain.map(describeDecider).join(' > ')}`).sort().join(' | ')}`)
    .sort();
}

export function runCase(t: Test, c: Case): CalicoDirectionVerdict | undefined {
  const { state, tiers, policies } = load(c.objects);
  const staged = policies.find((p) => p.staged !== undefined && p.name === c.promote);
  const effective = c.promote === undefined ? policies : staged === undefined ? [] : promoteStaged(policies, staged);
  if (c.promote !== undefined && staged === undefined) t.fail(`no staged policy ${c.promote}`);
  const ctx = {
    tiers: orderPolicies(tiers, effective),
    podCIDRs: configWith().podCIDRs,
    serviceAccount: (group: { namespace: string; names: readonly string[] }) => c.serviceAccounts?.[`${group.namespace}/${group.names[0] ?? ''}`],
  };
  const from = endpoint(state, c.from);
  const to = endpoint(state, c.to);
  const verdict = c.direction === undefined ? evaluateCalicoPath(ctx, from, to) : evaluateCalicoDirection(ctx, c.direction, from, to);
  t.equal(describePorts(verdict.may), c.expect.may, 'may be open');
  t.equal(describePorts(verdict.must), c.expect.must ?? c.expect.may, 'must be open');
  if ('pieces' in verdict && c.expect.pieces !== undefined) t.strictSame(describePieces(verdict.pieces), [...c.expect.pieces].sort(), 'decision pieces');
  return 'pieces' in verdict ? verdict : undefined;
}
