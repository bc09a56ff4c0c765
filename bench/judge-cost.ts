// The cost of one admission decision in-process: judge() on a state file's ClusterState, timed call by
// call. Run as its own process per size (`node bench/judge-cost.ts --state FILE`), so each size has a
// heap of its own and the runner's heap does not weigh on it. Prints one JSON line.
import { parseArgs } from 'node:util';
import type { ClusterState } from '../src/cluster/cluster-state.ts';
import { loadStateFile } from '../src/cluster/load-state-file.ts';
import { DEFAULT_CONFIG } from '../src/config/load-config.ts';
import type { PolicyChange, Requester } from '../src/policy/objects/change.ts';
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

export function measure(state: ClusterState, calls: number): JudgeCost[] {
  return SCENARIOS.filter((s) => s.path === '/validate').map((scenario) => {
    const change = changeOf(scenario.body);
    // Warm-up: let the JIT settle and the view build its lazily cached lists before timing.
    for (let i = 0; i < Math.min(2000, calls); i++) judge(change, REQUESTER, state, DEFAULT_CONFIG);
    const times = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      judge(change, REQUESTER, state, DEFAULT_CONFIG);
      times[i] = performance.now() - t;
    }
    const sorted = [...times].sort((a, b) => a - b);
    return { scenario: scenario.name, medianUs: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000, calls };
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { state: { type: 'string' }, calls: { type: 'string', default: '5000' } } });
  if (values.state === undefined) throw new Error('usage: judge-cost.ts --state FILE [--calls N]');
  const { state } = await loadStateFile(values.state);
  console.log(JSON.stringify({ stats: state.stats(), heapUsedBytes: process.memoryUsage().heapUsed, costs: measure(state, Number(values.calls)) }));
}
