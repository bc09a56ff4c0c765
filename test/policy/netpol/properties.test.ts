import fc from 'fast-check';
import t from 'tap';
import type { Test } from 'tap';
import type { ClusterState } from '../../../src/cluster/cluster-state.ts';
import type { Change, NamespaceChange, PolicyChange } from '../../../src/policy/objects/change.ts';
import { formatFinding } from '../../../src/policy/checks/decision.ts';
import type { Endpoint, Reading } from '../../../src/policy/netpol/endpoint.ts';
import { podEndpoint } from '../../../src/policy/netpol/endpoint.ts';
import { judge } from '../../../src/policy/checks/judge.ts';
import type { Labels, Operator, Policy, Requirement, Selector } from '../../../src/policy/objects/model.ts';
import { parseNamespace } from '../../../src/policy/objects/parse-namespace.ts';
import { isEmpty, union } from '../../../src/policy/netpol/port-set.ts';
import type { EvaluationContext, PathVerdict } from '../../../src/policy/netpol/reachability.ts';
import { evaluatePath, isolatingPolicies, openPorts } from '../../../src/policy/netpol/reachability.ts';
import { selects } from '../../../src/policy/netpol/selector.ts';
import { representativeLabels, witnessPod } from '../../../src/policy/netpol/witness.ts';
import { ADMIN, TENANT, clusterFrom, configWith, create, policy, remove, update } from '../../support/cluster.ts';

// Random small clusters built from kubectl-shaped objects (JSON is YAML, so they go through the same
// loaders as fixtures), with policies drawn from a small vocabulary so selectors, ports and ipBlocks
// often hit the pods and namespaces that exist.

const RUNS = 150;

function holds<Ts extends unknown[]>(t: Test, name: string, property: fc.IProperty<Ts>): void {
  const details = fc.check(property, { numRuns: RUNS });
  t.notOk(details.failed, `${name}\n${fc.defaultReportMessage(details) ?? ''}`);
}

type Vocabulary = Readonly<Record<string, readonly string[]>>;

const POD_LABELS: Vocabulary = { app: ['web', 'db'], tier: ['front', 'back'] };
const NAMESPACE_LABELS: Vocabulary = { env: ['prod', 'test'], team: ['a', 'b'], 'kubernetes.io/metadata.name': ['ns0', 'ns1', 'ns2', 'kube-system'] };
const CONTAINER_PORTS = [
  { name: 'http', containerPort: 80 },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
  { name: 'metrics', containerPort: 9090 },
  { name: 'sig', containerPort: 3868, protocol: 'SCTP' },
] as const;
const POD_IPS = ['10.1.0.5', '10.2.0.7', '192.168.3.4', '10.1.200.1'] as const;
const IP_BLOCKS = [
  { cidr: '10.0.0.0/8' },
  { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] },
  { cidr: '0.0.0.0/0' },
  { cidr: '10.1.0.0/16' },
  { cidr: '192.168.0.0/16' },
  { cidr: '8.8.8.8/32' },
] as const;
const EXTERNAL = ['8.8.8.8', '10.1.0.99'] as const;

/** Labels drawn from a vocabulary, each key present or not. */
const labelsFrom = (vocabulary: Vocabulary): fc.Arbitrary<Record<string, string>> =>
  fc
    .subarray(Object.keys(vocabulary))
    .chain((keys) => fc.tuple(...keys.map((k) => fc.constantFrom(...(vocabulary[k] ?? [])).map((v): [string, string] => [k, v]))))
    .map((entries) => Object.fromEntries(entries));

const requirementFrom = (vocabulary: Vocabulary): fc.Arbitrary<Record<string, unknown>> =>
  fc.constantFrom(...Object.keys(vocabulary)).chain((key) =>
    fc.oneof(
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('In', 'NotIn'), values: fc.subarray([...(vocabulary[key] ?? []), 'other'], { minLength: 1 }) }),
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
    ),
  );

const selectorFrom = (vocabulary: Vocabulary): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    { arbitrary: fc.constant({}), weight: 2 },
    { arbitrary: fc.record({ matchLabels: labelsFrom(vocabulary) }), weight: 2 },
    { arbitrary: fc.record({ matchLabels: labelsFrom(vocabulary), matchExpressions: fc.array(requirementFrom(vocabulary), { minLength: 1, maxLength: 2 }) }, { requiredKeys: ['matchExpressions'] }), weight: 3 },
  );

const podSelector = selectorFrom(POD_LABELS);
const namespaceSelector = selectorFrom(NAMESPACE_LABELS);

const peer = fc.oneof(
  fc.record({ podSelector }),
  fc.record({ namespaceSelector, podSelector }, { requiredKeys: ['namespaceSelector'] }),
  fc.record({ ipBlock: fc.constantFrom(...IP_BLOCKS) }),
);

const protocol = fc.constantFrom('TCP', 'UDP', 'SCTP');
const portEntry = fc.oneof(
  fc.record({ protocol }, { requiredKeys: [] }),
  fc.record({ port: fc.constantFrom(53, 80, 443, 3868, 9090), protocol }, { requiredKeys: ['port'] }),
  fc.record({ range: fc.constantFrom([50, 100], [80, 9100], [9000, 9100], [443, 443]), protocol }, { requiredKeys: ['range'] }).map(({ range: [port, endPort], ...rest }) => ({ port, endPort, ...rest })),
  fc.record({ port: fc.constantFrom('http', 'dns', 'metrics', 'sig', 'nope'), protocol }, { requiredKeys: ['port'] }),
);

const rule = (peersKey: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({ [peersKey]: fc.array(peer, { maxLength: 2 }), ports: fc.array(portEntry, { maxLength: 2 }) }, { requiredKeys: [] });

const policySpec = fc.record(
  {
    podSelector,
    policyTypes: fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
    ingress: fc.array(rule('from'), { maxLength: 2 }),
    egress: fc.array(rule('to'), { maxLength: 2 }),
  },
  { requiredKeys: ['podSelector'] },
);

interface GenCluster {
  readonly namespaces: readonly Record<string, string>[];
  readonly pods: readonly { ns: number; labels: Record<string, string>; ports: readonly (typeof CONTAINER_PORTS)[number][]; ip: string | null }[];
  readonly policies: readonly { ns: number; spec: Record<string, unknown> }[];
  /** Adds kube-system with a CoreDNS pod, so the DNS check sees real DNS pods. */
  readonly dns: boolean;
}

const clusterArb = (options: { ips: boolean }): fc.Arbitrary<GenCluster> =>
  fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc.record({
      namespaces: fc.array(fc.record({ env: fc.constantFrom('prod', 'test'), team: fc.constantFrom('a', 'b') }, { requiredKeys: [] }), { minLength: n, maxLength: n }),
      pods: fc.array(
        fc.record({
          ns: fc.nat(n - 1),
          labels: labelsFrom(POD_LABELS),
          ports: fc.subarray([...CONTAINER_PORTS]),
          ip: options.ips ? fc.option(fc.constantFrom(...POD_IPS)) : fc.constant(null),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      policies: fc.array(fc.record({ ns: fc.nat(n - 1), spec: policySpec }), { maxLength: 5 }),
      dns: fc.boolean(),
    }),
  );

const nsName = (i: number): string => `ns${i}`;

const networkPolicy = (namespace: string, name: string, spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

function build(c: GenCluster): ClusterState {
  const objects: Record<string, unknown>[] = [];
  c.namespaces.forEach((labels, i) => objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(i), labels } }));
  c.pods.forEach((p, j) =>
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${j}`, namespace: nsName(p.ns), labels: p.labels },
      spec: { containers: [{ name: 'c', image: 'c:1', ports: p.ports }] },
      status: p.ip === null ? { phase: 'Pending' } : { phase: 'Running', podIP: p.ip },
    }),
  );
  c.policies.forEach((p, j) => objects.push(networkPolicy(nsName(p.ns), `np-${j}`, p.spec)));
  if (c.dns) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'coredns-1', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: { containers: [{ name: 'coredns', image: 'coredns:1', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }] }] },
      status: { phase: 'Running', podIP: '10.1.0.53' },
    });
  }
  return clusterFrom(...objects.map((o) => JSON.stringify(o)));
}

/** Every running group, a witness "any pod" per namespace (ports unknown), and addresses outside. */
function endpoints(state: ClusterState): Endpoint[] {
  const out: Endpoint[] = [];
  for (const ns of state.namespaces()) {
    for (const group of state.podGroups(ns.name)) out.push(podEndpoint(state, group));
    out.push({ kind: 'pod', group: witnessPod(ns.name, {}), namespace: ns });
  }
  for (const ip of EXTERNAL) out.push({ kind: 'external', ip });
  return out;
}

const config = configWith();
const reading: fc.Arbitrary<Reading> = fc.constantFrom('must', 'may');

const context = (policies: (namespace: string) => readonly Policy[], r: Reading): EvaluationContext => ({ policies, podCIDRs: config.podCIDRs, reading: r });

/** The verdict as comparable text: ports, and each side's policies and rules in a fixed order. */
function summary(v: PathVerdict): string {
  const side = (d: PathVerdict['egress']): unknown => ({
    isolatedBy: d.isolatedBy.map((p) => `${p.namespace}/${p.name}`).sort(),
    allowedBy: d.allowedBy.map((a) => `${a.policy.namespace}/${a.policy.name} ${a.direction} ${a.index} ${JSON.stringify(a.ports)}`).sort(),
  });
  return JSON.stringify({ ports: v.ports, egress: side(v.egress), ingress: side(v.ingress) });
}

t.test('adding an allow policy never closes a path', async (t) => {
  let widened = 0;
  holds(
    t,
    'every path open before is open after, on the same or more ports',
    fc.property(clusterArb({ ips: true }), fc.nat(3), policySpec, fc.boolean(), reading, (c, k, extraSpec, denyFirst, r) => {
      const ns = nsName(k % c.namespaces.length);
      // A default deny makes every pod of the namespace isolated both ways, so the extra policy only allows.
      const state = build(denyFirst ? { ...c, policies: [...c.policies, { ns: k % c.namespaces.length, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }] } : c);
      const extra = policy(JSON.stringify(networkPolicy(ns, 'zz-extra', extraSpec)));
      const before = context((n) => state.policies(n), r);
      const after = context((n) => (n === ns ? [...state.policies(n), extra] : state.policies(n)), r);
      // Isolation the extra policy adds (a subject it selects for a direction nothing isolated before) may
      // close paths: that is a deny, not an allow, and is left out.
      const newlyIsolates = (subject: Endpoint, direction: 'ingress' | 'egress'): boolean =>
        subject.kind === 'pod' &&
        isolatingPolicies(before.policies(subject.group.namespace), direction, subject).length === 0 &&
        isolatingPolicies(after.policies(subject.group.namespace), direction, subject).length > 0;
      const all = endpoints(state);
      for (const from of all) {
        for (const to of all) {
          if (newlyIsolates(from, 'egress') || newlyIsolates(to, 'ingress')) continue;
          const was = evaluatePath(before, from, to).ports;
          const now = evaluatePath(after, from, to).ports;
          if (JSON.stringify(union(was, now)) !== JSON.stringify(now)) return false;
          if (JSON.stringify(was) !== JSON.stringify(now)) widened++;
        }
      }
      return true;
    }),
  );
  // Guards against a vacuous property: the generated extra policies do open paths.
  t.ok(widened > 0, `some paths gained ports (${widened})`);
});

t.test('the order of policies never matters', async (t) => {
  holds(
    t,
    "the verdict is the same with each namespace's policy list permuted",
    fc.property(clusterArb({ ips: true }), fc.integer(), reading, (c, seed, r) => {
      const state = build(c);
      const permuted = (n: string): readonly Policy[] => shuffle(state.policies(n), seed);
      const sorted = context((n) => state.policies(n), r);
      const shuffled = context(permuted, r);
      const all = endpoints(state);
      return all.every((from) => all.every((to) => summary(evaluatePath(sorted, from, to)) === summary(evaluatePath(shuffled, from, to))));
    }),
  );
});

t.test("the ports the checks ask for are the verdict's ports", async (t) => {
  let open = 0;
  holds(
    t,
    'openPorts(ctx, from, to) equals evaluatePath(ctx, from, to).ports for every pair of endpoints',
    fc.property(clusterArb({ ips: true }), reading, (c, r) => {
      const state = build(c);
      const ctx = context((n) => state.policies(n), r);
      const all = endpoints(state);
      return all.every((from) =>
        all.every((to) => {
          const ports = openPorts(ctx, from, to);
          if (!isEmpty(ports)) open++;
          return JSON.stringify(ports) === JSON.stringify(evaluatePath(ctx, from, to).ports);
        }),
      );
    }),
  );
  t.ok(open > 0, `some paths were open (${open})`);
});

/** A deterministic Fisher–Yates shuffle driven by a small LCG from `seed`. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

t.test('a verdict is the same whether the pods exist or are only witnessed', async (t) => {
  holds(
    t,
    'a running group and a witness with its namespace, labels and container ports get the same ports both ways',
    fc.property(clusterArb({ ips: false }), reading, (c, r) => {
      const state = build(c);
      const ctx = context((n) => state.policies(n), r);
      const all = endpoints(state);
      for (const real of all) {
        // A witness has no IPs; the running CoreDNS pod has one, so it is no group this property is about.
        if (real.kind !== 'pod' || real.group.witness === true || real.group.ips.length > 0) continue;
        const witness: Endpoint = { kind: 'pod', group: witnessPod(real.group.namespace, real.group.labels, real.group.ports), namespace: real.namespace };
        const same = (a: PathVerdict, b: PathVerdict): boolean => JSON.stringify(a.ports) === JSON.stringify(b.ports);
        if (!same(evaluatePath(ctx, real, real), evaluatePath(ctx, witness, witness))) return false;
        for (const other of all) {
          if (!same(evaluatePath(ctx, real, other), evaluatePath(ctx, witness, other))) return false;
          if (!same(evaluatePath(ctx, other, real), evaluatePath(ctx, other, witness))) return false;
        }
      }
      return true;
    }),
  );
});

const RULE_IDS = /^\[(dns-egress|env-boundary|isolation-tamper|review-budget)\] /;

/** A random write against the generated cluster: a policy created, replaced or deleted, or a namespace created or relabelled. */
const changeArb = fc.record({
  kind: fc.constantFrom('create', 'update', 'delete', 'namespace-create', 'namespace-update'),
  index: fc.nat(7),
  spec: policySpec,
  labels: fc.record({ env: fc.constantFrom('prod', 'test', 'staging'), team: fc.constantFrom('a', 'b') }, { requiredKeys: [] }),
  mode: fc.option(fc.constantFrom('enforce', 'warn', 'audit', 'bogus')),
  admin: fc.boolean(),
});

type GenChange = typeof changeArb extends fc.Arbitrary<infer C> ? C : never;

function changeFor(state: ClusterState, c: GenCluster, g: GenChange): Change {
  // Now and then a write in kube-system, where a policy on the DNS pods concerns every namespace.
  const ns = c.dns && g.index % 4 === 3 ? 'kube-system' : nsName(g.index % c.namespaces.length);
  const existing = state.policies(ns);
  const target = existing[g.index % Math.max(existing.length, 1)];
  const namespaceObject = (name: string): ReturnType<typeof parseNamespace> =>
    parseNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: g.labels, annotations: g.mode === null ? {} : { 'nsguard.io/mode': g.mode } } }, 'test');
  switch (g.kind) {
    case 'update':
      if (target !== undefined) return update(target, policy(JSON.stringify(networkPolicy(ns, target.name, g.spec))));
      break;
    case 'delete':
      if (target !== undefined) return remove(target);
      break;
    case 'namespace-create': {
      const change: NamespaceChange = { kind: 'Namespace', operation: 'CREATE', name: 'ns-new', before: undefined, after: namespaceObject('ns-new') };
      return change;
    }
    case 'namespace-update': {
      const change: NamespaceChange = { kind: 'Namespace', operation: 'UPDATE', name: ns, before: state.namespace(ns), after: namespaceObject(ns) };
      return change;
    }
    case 'create':
      break;
  }
  const created: PolicyChange = create(policy(JSON.stringify(networkPolicy(ns, 'zz-new', g.spec))));
  return created;
}

t.test('judge never throws and every violation opens with a rule id and names the namespace of the change', async (t) => {
  let violations = 0;
  holds(
    t,
    'judge on random changes',
    fc.property(clusterArb({ ips: true }), changeArb, (c, g) => {
      const state = build(c);
      const change = changeFor(state, c, g);
      const decision = judge(change, g.admin ? ADMIN : TENANT, state, config);
      const where = change.kind === 'NetworkPolicy' ? `${change.namespace}/` : `namespace ${change.name}`;
      violations += decision.violations.length;
      return (
        decision.violations.every((v) => RULE_IDS.test(formatFinding(v)) && v.message.includes(where)) &&
        decision.warnings.every((w) => RULE_IDS.test(formatFinding(w)))
      );
    }),
  );
  t.ok(violations > 0, `the random changes produced violations to check (${violations})`);
});

// representativeLabels, checked by brute force: the values include the filler it picks itself, so a
// selector that excludes the filler has to be answered with a fresh value.
const KEYS = ['a', 'b', 'c'] as const;
const VALUES = ['x', 'y', 'nsguard-witness', 'nsguard-witness-0'] as const;
/** VALUES plus one no selector names, which stands for every other value; undefined = key absent. */
const UNIVERSE = [undefined, ...VALUES, 'fresh'] as const;

const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom<Operator>('In', 'NotIn'), values: fc.subarray([...VALUES]) }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom<Operator>('Exists', 'DoesNotExist'), values: fc.constant([]) }),
);
const selector: fc.Arbitrary<Selector> = fc.record({ requirements: fc.array(requirement, { maxLength: 5 }) });
const baseLabels: fc.Arbitrary<Labels> = fc.record({ a: fc.constantFrom(...VALUES), b: fc.constantFrom(...VALUES), d: fc.constant('kept') }, { requiredKeys: [] });

function satisfiable(s: Selector): boolean {
  for (const a of UNIVERSE) for (const b of UNIVERSE) for (const c of UNIVERSE) {
    const labels: Record<string, string> = {};
    if (a !== undefined) labels['a'] = a;
    if (b !== undefined) labels['b'] = b;
    if (c !== undefined) labels['c'] = c;
    if (selects(s, labels)) return true;
  }
  return false;
}

t.test('representativeLabels is selected by its selector, and undefined only when nothing is', async (t) => {
  holds(
    t,
    'defined iff satisfiable; when defined, selected',
    fc.property(selector, (s) => {
      const labels = representativeLabels(s);
      return labels === undefined ? !satisfiable(s) : selects(s, labels);
    }),
  );
  holds(
    t,
    'with base labels: defined iff satisfiable, selected, and keys the selector does not name keep their base value',
    fc.property(selector, baseLabels, (s, base) => {
      const labels = representativeLabels(s, base);
      if (labels === undefined) return !satisfiable(s);
      const named = new Set(s.requirements.map((r) => r.key));
      return selects(s, labels) && Object.keys(base).every((k) => named.has(k) || labels[k] === base[k]);
    }),
  );
});
