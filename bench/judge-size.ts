// The cost of judging one NetworkPolicy by its size (issues 13 and 18): judge() on a state file's
// ClusterState for policies of 1 to about 14k rules, the largest the apiserver stores (1.5 MiB of JSON),
// in the shapes issue 13 measured, with the time per rule and the steps counted against the review
// budget; then the costliest shapes found, which the budget refuses, with the time the refusal took.
//
// `node bench/judge-size.ts --state FILE [--json]`: a table on stdout, or one JSON line with --json.
import { parseArgs } from 'node:util';
import type { ClusterState } from '../src/cluster/cluster-state.ts';
import { loadStateFile } from '../src/cluster/load-state-file.ts';
import { DEFAULT_CONFIG } from '../src/config/load-config.ts';
import { Budget } from '../src/policy/checks/budget.ts';
import type { PolicyChange, Requester } from '../src/policy/objects/change.ts';
import { judge } from '../src/policy/checks/judge.ts';
import { parseNetworkPolicy } from '../src/policy/objects/parse-network-policy.ts';
import { TARGETS } from './generate-cluster.ts';
import type { PolicySizeRow } from './report.ts';

type Json = Record<string, unknown>;

/** A NetworkPolicy of `rules` rules: where it goes and its spec, which may name what the state holds. */
interface Shape {
  readonly name: string;
  readonly what: string;
  readonly namespace: string;
  readonly spec: (rules: number, state: ClusterState) => Json;
}

const REQUESTER: Requester = { username: 'alice@example.com', groups: ['system:authenticated'] };
/** etcd's default request limit; the apiserver refuses larger objects. */
const MAX_BYTES = 1.5 * 1024 * 1024;
const TEAMS = ['shop', 'payments', 'search', 'ads', 'identity', 'billing', 'media', 'data', 'ml', 'growth', 'infra', 'mobile', 'legacy'];

const ingress = (rule: (i: number) => Json, podSelector: Json = {}) => (n: number): Json => ({ podSelector, policyTypes: ['Ingress'], ingress: Array.from({ length: n }, (_, i) => rule(i)) });
const egress = (rule: (i: number) => Json) => (n: number): Json => ({ podSelector: {}, policyTypes: ['Egress'], egress: Array.from({ length: n }, (_, i) => rule(i)) });
const app = (i: number): Json => ({ matchLabels: { app: `a${i}` } });

/** What issue 13 sent, and the variants it measured. */
export const SHAPES: readonly Shape[] = [
  { name: 'issue', what: 'ingress from namespaceSelector env=dev + podSelector app=aN', namespace: TARGETS.prod, spec: ingress((i) => ({ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: app(i) }] })) },
  { name: 'env-test', what: 'the same from env=test (denied: prod and test stay apart)', namespace: TARGETS.prod, spec: ingress((i) => ({ from: [{ namespaceSelector: { matchLabels: { env: 'test' } }, podSelector: app(i) }] })) },
  { name: 'egress-team', what: 'egress to namespaceSelector team=tN + podSelector app=aN', namespace: TARGETS.prod, spec: egress((i) => ({ to: [{ namespaceSelector: { matchLabels: { team: `t${i}` } }, podSelector: app(i) }] })) },
  { name: 'pods', what: 'ingress from podSelector app=aN on TCP port N', namespace: TARGETS.prod, spec: ingress((i) => ({ from: [{ podSelector: app(i) }], ports: [{ port: 1000 + (i % 60000), protocol: 'TCP' }] })) },
  { name: 'ipblock', what: 'ingress from ipBlock 10.x.y.0/24', namespace: TARGETS.prod, spec: ingress((i) => ({ from: [{ ipBlock: { cidr: `10.${(i >> 8) & 255}.${i & 255}.0/24` } }] })) },
  { name: 'named-ports', what: 'ingress from podSelector kN exists on named port pN', namespace: TARGETS.prod, spec: ingress((i) => ({ from: [{ podSelector: { matchExpressions: [{ key: `k${i}`, operator: 'Exists' }] } }], ports: [{ port: `p${i % 1000}` }] })) },
];

/** The costliest shapes found: each makes the checks compare every peer with what the others add. */
export const HOSTILE: readonly Shape[] = [
  {
    name: 'dns-guard',
    what: 'kube-system policy on the DNS pods, ingress from namespaceSelector {} + podSelector app=aN: a witness per peer in every namespace',
    namespace: 'kube-system',
    spec: ingress((i) => ({ from: [{ namespaceSelector: {}, podSelector: app(i) }] }), { matchLabels: { 'k8s-app': 'kube-dns' } }),
  },
  {
    name: 'unanchored',
    what: 'half the peers env=test + app=aN (a witness each), half with only NotIn selectors (compared with every witness)',
    namespace: TARGETS.prod,
    spec: ingress((i) => ({
      from: [
        i % 2 === 0
          ? { namespaceSelector: { matchLabels: { env: 'test' } }, podSelector: app(i) }
          : { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: [`t${i}`] }] }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: [`x${i}`] }] } },
      ],
    })),
  },
  {
    name: 'test-namespaces',
    what: 'ingress from each test namespace by name + podSelector app=aN: every peer a witness in every named namespace',
    namespace: TARGETS.prod,
    spec: (n, state) => {
      const names = [...state.namespacesMatching({ requirements: [{ key: 'env', operator: 'In', values: ['test'] }] })].map((ns) => ns.name);
      return ingress((i) => ({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': names[i % names.length] } }, podSelector: app(i) }] }))(n);
    },
  },
  {
    name: 'namespace-scan',
    what: 'namespaceSelector team exists and team notin (every team, tN): each selector scans every test namespace and matches none',
    namespace: TARGETS.prod,
    spec: ingress((i) => ({ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }, { key: 'team', operator: 'NotIn', values: [...TEAMS, `t${i}`] }] } }] })),
  },
];

export function object(shape: Shape, rules: number, state: ClusterState): Json {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `big-${shape.name}`, namespace: shape.namespace }, spec: shape.spec(rules, state) };
}

/** The most rules of this shape that fit in MAX_BYTES. */
function largest(shape: Shape, state: ClusterState): number {
  const fits = (rules: number): boolean => JSON.stringify(object(shape, rules, state)).length <= MAX_BYTES;
  let [low, high] = [1, 1];
  while (fits(high)) [low, high] = [high, high * 2];
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/** One judgement of a freshly parsed policy, as the webhook parses each review anew. */
function once(state: ClusterState, shape: Shape, raw: Json): { ms: number; wallMs: number; steps: number; verdict: string } {
  const policy = parseNetworkPolicy(raw, 'bench');
  const change: PolicyChange = { kind: 'NetworkPolicy', operation: 'CREATE', namespace: shape.namespace, name: policy.name, before: undefined, after: policy };
  const budget = new Budget(DEFAULT_CONFIG.reviewBudget);
  const started = performance.now();
  const cpu = process.threadCpuUsage();
  const decision = judge(change, REQUESTER, state, DEFAULT_CONFIG, budget);
  const { user, system } = process.threadCpuUsage(cpu);
  const wallMs = performance.now() - started;
  const rules = [...new Set(decision.violations.map((v) => v.rule))];
  return { ms: (user + system) / 1000, wallMs, steps: budget.used, verdict: `${decision.verdict}${rules.length > 0 ? ` [${rules.join(', ')}]` : ''}` };
}

function measure(state: ClusterState, shape: Shape, rules: number): PolicySizeRow {
  const raw = object(shape, rules, state);
  // Enough runs for the CPU clock's resolution (a few ms) to vanish in their sum; the mean of them.
  const runs = [once(state, shape, raw)];
  while (runs.length < 3 || (runs.length < 200 && runs.reduce((n, r) => n + r.ms, 0) < 200)) runs.push(once(state, shape, raw));
  const mean = (of: (r: (typeof runs)[number]) => number): number => runs.reduce((n, r) => n + of(r), 0) / runs.length;
  const ms = mean((r) => r.ms);
  const last = runs[runs.length - 1] as (typeof runs)[number];
  return { shape: shape.name, rules, kib: JSON.stringify(raw).length / 1024, ms, wallMs: mean((r) => r.wallMs), usPerRule: (ms * 1000) / rules, steps: last.steps, verdict: last.verdict };
}

export function curve(state: ClusterState): { sizes: PolicySizeRow[]; hostile: PolicySizeRow[] } {
  // Warm-up: let the JIT settle and the view build its lazily cached lists before timing.
  for (const shape of SHAPES) for (let i = 0; i < 5; i++) once(state, shape, object(shape, 100, state));
  const sizes = SHAPES.flatMap((shape) => [1, 10, 100, 1000, 6000, largest(shape, state)].map((rules) => measure(state, shape, rules)));
  const hostile = HOSTILE.flatMap((shape) => [100, 1000, largest(shape, state)].map((rules) => measure(state, shape, rules)));
  return { sizes, hostile };
}

function print(rows: readonly PolicySizeRow[]): void {
  for (const r of rows) {
    console.log(
      `${r.shape.padEnd(16)} ${String(r.rules).padStart(6)} rules ${r.kib.toFixed(0).padStart(5)} KiB ${r.ms.toFixed(1).padStart(8)} ms CPU (${r.wallMs.toFixed(0).padStart(5)} wall) ${r.usPerRule.toFixed(1).padStart(7)} µs/rule ${String(r.steps).padStart(9)} steps  ${r.verdict}`,
    );
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { state: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (values.state === undefined) throw new Error('usage: judge-size.ts --state FILE [--json]');
  const { state } = await loadStateFile(values.state);
  const result = curve(state);
  if (values.json) console.log(JSON.stringify({ stats: state.stats(), budget: DEFAULT_CONFIG.reviewBudget, ...result }));
  else {
    console.log(`state ${values.state}: ${JSON.stringify(state.stats())}; review budget ${DEFAULT_CONFIG.reviewBudget} steps`);
    for (const shape of [...SHAPES, ...HOSTILE]) console.log(`  ${shape.name}: ${shape.what}`);
    print(result.sizes);
    console.log('hostile shapes:');
    print(result.hostile);
  }
}
