// The cost of one admission decision in-process: judge() on a state file's ClusterState, timed call by
// call. Run as its own process per size (`node bench/judge-cost.ts --state FILE`), so each size has a
// heap of its own and the runner's heap does not weigh on it. Prints one JSON line. `--calico N` adds N
// Calico policies (a tenth global, in a tier of their own; the rest per namespace) first, so every path
// is judged by Calico's tiers, and times a Calico NetworkPolicy change too.
import { parseArgs } from 'node:util';
import type { ClusterState } from '../src/cluster/cluster-state.ts';
import { loadStateFile } from '../src/cluster/load-state-file.ts';
import { DEFAULT_CONFIG } from '../src/config/load-config.ts';
import type { CalicoPolicyChange, Change, PolicyChange, Requester } from '../src/policy/objects/change.ts';
import { parseCalicoPolicy } from '../src/policy/calico/parse-calico-policy.ts';
import { parseTier } from '../src/policy/calico/parse-calico-tier.ts';
import { TARGETS } from './generate-cluster.ts';
import { judge } from '../src/policy/checks/judge.ts';
import { parseNetworkPolicy } from '../src/policy/objects/parse-network-policy.ts';
import { SCENARIOS } from './reviews.ts';

export interface JudgeCost {
  readonly scenario: string;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly calls: number;
}

const REQUESTER: Requester = { username: 'alice@example.com', groups: ['system:authenticated'] };

function changeOf(body: string): PolicyChange {
  const request = (JSON.parse(body) as { request: { operation: 'CREATE' | 'DELETE'; namespace: string; name: string; object: unknown; oldObject: unknown } }).request;
  const policy = parseNetworkPolicy(request.operation === 'DELETE' ? request.oldObject : request.object, 'bench review');
  return {
    kind: 'NetworkPolicy',
    operation: request.operation,
    namespace: request.namespace,
    name: request.name,
    before: request.operation === 'DELETE' ? policy : undefined,
    after: request.operation === 'DELETE' ? undefined : policy,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export function measure(state: ClusterState, calls: number, extra: readonly { name: string; change: Change }[] = []): JudgeCost[] {
  const scenarios = [...SCENARIOS.filter((s) => s.path === '/validate').map((s) => ({ name: s.name, change: changeOf(s.body) as Change })), ...extra];
  return scenarios.map(({ name, change }) => {
    // Warm-up: let the JIT settle and the view build its lazily cached lists before timing.
    for (let i = 0; i < Math.min(2000, calls); i++) judge(change, REQUESTER, state, DEFAULT_CONFIG);
    const times = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      judge(change, REQUESTER, state, DEFAULT_CONFIG);
      times[i] = performance.now() - t;
    }
    const sorted = [...times].sort((a, b) => a - b);
    return { scenario: name, medianUs: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000, calls };
  });
}

/** `count` Calico policies over the state's namespaces: a tenth global in tier `security`, the rest per namespace. */
function addCalico(state: ClusterState, count: number): void {
  state.upsertTier(parseTier({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } }, 'bench'));
  const namespaces = state.namespaces().map((ns) => ns.name);
  for (let i = 0; i < count; i++) {
    const global = i % 10 === 0;
    const spec = global
      ? { tier: 'security', order: i, namespaceSelector: `env == "prod"`, ingress: [{ action: 'Deny', protocol: 'TCP', source: { namespaceSelector: `env == "test"` }, destination: { ports: [9000 + i] } }, { action: 'Pass' }] }
      : { order: i, selector: `app == "app-${i % 7}"`, ingress: [{ action: 'Allow', source: { selector: 'all()' } }], egress: [{ action: 'Allow', destination: { selector: 'all()' } }] };
    const metadata = global ? { name: `security.rule-${i}` } : { name: `calico-${i}`, namespace: namespaces[i % namespaces.length] };
    const kind = global ? 'GlobalNetworkPolicy' : 'NetworkPolicy';
    state.upsertCalicoPolicy(parseCalicoPolicy({ apiVersion: 'projectcalico.org/v3', kind, metadata, spec }, kind, 'bench'));
  }
}

/** A tenant's Calico NetworkPolicy in the prod namespace of the scenarios: same-namespace traffic only. */
function calicoScenario(): { name: string; change: Change } {
  const raw = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'tenant-isolation', namespace: TARGETS.prod }, spec: { ingress: [{ action: 'Allow', source: { selector: 'all()' } }] } };
  const after = parseCalicoPolicy(raw, 'NetworkPolicy', 'bench');
  const change: CalicoPolicyChange = { kind: 'CalicoPolicy', operation: 'CREATE', policyKind: 'NetworkPolicy', group: 'v3', staged: false, namespace: TARGETS.prod, name: after.name, backendName: after.backendName, before: undefined, after };
  return { name: 'validate-calico-networkpolicy', change };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { state: { type: 'string' }, calls: { type: 'string', default: '5000' }, calico: { type: 'string', default: '0' } } });
  if (values.state === undefined) throw new Error('usage: judge-cost.ts --state FILE [--calls N] [--calico N]');
  const { state } = await loadStateFile(values.state);
  const calico = Number(values.calico);
  if (calico > 0) addCalico(state, calico);
  const costs = measure(state, Number(values.calls), calico > 0 ? [calicoScenario()] : []);
  console.log(JSON.stringify({ stats: state.stats(), calico, heapUsedBytes: process.memoryUsage().heapUsed, costs }));
}
