import fc from 'fast-check';
import t from 'tap';
import type { ClusterState } from '../../../src/cluster/cluster-state.ts';
import { evaluateCalicoPath, portsFor } from '../../../src/policy/calico/evaluate.ts';
import { calicoFromKubernetes } from '../../../src/policy/calico/from-kubernetes.ts';
import type { CalicoPolicy, CalicoRule, EntityRule } from '../../../src/policy/calico/model.ts';
import { orderPolicies } from '../../../src/policy/calico/policy-order.ts';
import { describeCalicoSelector } from '../../../src/policy/calico/selector.ts';
import type { Endpoint, Reading } from '../../../src/policy/netpol/endpoint.ts';
import { podEndpoint } from '../../../src/policy/netpol/endpoint.ts';
import { describePorts } from '../../../src/policy/netpol/port-set.ts';
import { evaluatePath } from '../../../src/policy/netpol/reachability.ts';
import { witnessPod } from '../../../src/policy/netpol/witness.ts';
import { clusterFrom, configWith, policy } from '../../support/cluster.ts';

// A Kubernetes NetworkPolicy takes part in Calico as the Calico policy Calico's converter makes of it
// (libcalico-go/lib/backend/k8s/conversion/conversion.go). The table pins the conversion; the property
// pins conversion and evaluator together against the Kubernetes evaluator, which is already right.

function entity(e: EntityRule): string {
  const parts = [
    e.selector === undefined ? '' : `selector ${describeCalicoSelector(e.selector)}`,
    e.namespaceSelector === undefined ? '' : `namespaceSelector ${describeCalicoSelector(e.namespaceSelector)}`,
    e.nets.length === 0 ? '' : `nets ${e.nets.map((n) => n.text).join(',')}`,
    e.notNets.length === 0 ? '' : `notNets ${e.notNets.map((n) => n.text).join(',')}`,
    e.ports.length === 0 ? '' : `ports ${e.ports.map((p) => (p.kind === 'named' ? p.name : p.from === p.to ? `${p.from}` : `${p.from}:${p.to}`)).join(',')}`,
  ];
  return parts.filter((p) => p !== '').join('; ');
}

function rule(r: CalicoRule): string {
  return [r.action, r.protocol?.text ?? 'any protocol', `source {${entity(r.source)}}`, `destination {${entity(r.destination)}}`].join(' ');
}

const np = (spec: string): CalicoPolicy => calicoFromKubernetes(policy(`{ apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: { name: web, namespace: prod }, spec: ${spec} }`));

interface ConversionCase {
  readonly name: string;
  readonly spec: string;
  readonly expect: { readonly selector?: string; readonly types?: string[]; readonly ingress?: string[]; readonly egress?: string[] };
}

const conversions: ConversionCase[] = [
  {
    name: 'the pod selector is confined to Kubernetes pods and the policy goes in the default tier at order 1000',
    spec: '{ podSelector: { matchLabels: { app: web }, matchExpressions: [ { key: tier, operator: NotIn, values: [db, cache] }, { key: legacy, operator: DoesNotExist } ] } }',
    expect: { selector: '(projectcalico.org/orchestrator == "k8s" && app == "web" && tier not in {"cache", "db"} && !has(legacy))', types: ['ingress'], ingress: [] },
  },
  {
    name: 'a rule with no peers and no ports allows everything, any protocol',
    spec: '{ podSelector: {}, ingress: [ {} ] }',
    expect: { selector: 'projectcalico.org/orchestrator == "k8s"', ingress: ['Allow any protocol source {} destination {}'] },
  },
  {
    name: 'one Calico rule per protocol and per peer, the ports of a protocol gathered and merged into ranges',
    spec: `{ podSelector: {}, policyTypes: [Ingress], ingress: [ { from: [ { podSelector: { matchLabels: { app: api } } }, { namespaceSelector: {} } ],
             ports: [ { port: 81 }, { port: 53, protocol: UDP }, { port: 80 }, { port: http } ] } ] }`,
    expect: {
      ingress: [
        'Allow TCP source {selector (projectcalico.org/orchestrator == "k8s" && app == "api")} destination {ports http,80:81}',
        'Allow TCP source {selector projectcalico.org/orchestrator == "k8s"; namespaceSelector all()} destination {ports http,80:81}',
        'Allow UDP source {selector (projectcalico.org/orchestrator == "k8s" && app == "api")} destination {ports 53}',
        'Allow UDP source {selector projectcalico.org/orchestrator == "k8s"; namespaceSelector all()} destination {ports 53}',
      ],
    },
  },
  {
    name: 'a port entry without a port opens its whole protocol, whatever other entries of that protocol say',
    spec: '{ podSelector: {}, policyTypes: [Egress], egress: [ { ports: [ { port: 443 }, { protocol: TCP }, { port: 8080 } ] } ] }',
    expect: { types: ['egress'], egress: ['Allow TCP source {} destination {}'] },
  },
  {
    name: 'an ipBlock becomes nets and its excepts notNets; endPort makes a range',
    spec: '{ podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.1.0.0/16 ] } } ], ports: [ { port: 8000, endPort: 8080, protocol: SCTP } ] } ] }',
    expect: { egress: ['Allow SCTP source {} destination {nets 10.0.0.0/8; notNets 10.1.0.0/16; ports 8000:8080}'] },
  },
  {
    name: 'namespaceSelector and podSelector in one peer become selector and namespaceSelector of one rule',
    spec: '{ podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { namespaceSelector: { matchLabels: { env: prod } }, podSelector: { matchExpressions: [ { key: app, operator: Exists } ] } } ] } ] }',
    expect: { egress: ['Allow any protocol source {} destination {selector (projectcalico.org/orchestrator == "k8s" && has(app)); namespaceSelector env == "prod"}'] },
  },
];

for (const c of conversions) {
  t.test(c.name, async (t) => {
    const converted = np(c.spec);
    t.equal(converted.name, 'knp.default.web');
    t.equal(converted.tier, 'default');
    t.equal(converted.order, 1000);
    if (c.expect.selector !== undefined) t.equal(describeCalicoSelector(converted.selector), c.expect.selector, 'selector');
    if (c.expect.types !== undefined) t.strictSame([...converted.types].sort(), c.expect.types, 'types');
    if (c.expect.ingress !== undefined) t.strictSame(converted.ingress.map(rule), c.expect.ingress, 'ingress rules');
    if (c.expect.egress !== undefined) t.strictSame(converted.egress.map(rule), c.expect.egress, 'egress rules');
  });
}

// The property: random clusters of pods (some with no IP, some dual-stack), witnesses with unknown ports,
// addresses outside, and Kubernetes policies only.

const POD_LABELS = { app: ['web', 'db'], role: ['api', 'batch'] } as const;
const NAMESPACE_LABELS = { env: ['prod', 'test'], team: ['a', 'b'] } as const;
type Vocabulary = Readonly<Record<string, readonly string[]>>;

const labels = (v: Vocabulary): fc.Arbitrary<Record<string, string>> =>
  fc.record(Object.fromEntries(Object.entries(v).map(([k, values]) => [k, fc.constantFrom(...values)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;

const expression = (v: Vocabulary): fc.Arbitrary<Record<string, unknown>> =>
  fc.constantFrom(...Object.keys(v)).chain((key) =>
    fc.oneof(
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('In', 'NotIn'), values: fc.subarray([...(v[key] ?? []), 'none'], { minLength: 1 }) }),
      fc.record({ key: fc.constant(key), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
    ),
  );

const selector = (v: Vocabulary): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(fc.constant({}), fc.record({ matchLabels: labels(v) }), fc.record({ matchExpressions: fc.array(expression(v), { minLength: 1, maxLength: 2 }) }));

const peerArb = fc.oneof(
  fc.record({ podSelector: selector(POD_LABELS) }),
  fc.record({ namespaceSelector: selector(NAMESPACE_LABELS), podSelector: selector(POD_LABELS) }, { requiredKeys: ['namespaceSelector'] }),
  fc.record({ ipBlock: fc.constantFrom({ cidr: '10.0.0.0/8' }, { cidr: '10.0.0.0/8', except: ['10.7.0.0/16'] }, { cidr: '0.0.0.0/0' }, { cidr: 'fd00::/8' }, { cidr: '1.1.1.1/32' }) }),
);

const portArb = fc.oneof(
  fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP') }, { requiredKeys: [] }),
  fc.record({ port: fc.constantFrom(53, 80, 8080), protocol: fc.constantFrom('TCP', 'UDP') }, { requiredKeys: ['port'] }),
  fc.record({ port: fc.constantFrom(70, 8000), endPort: fc.constant(8100) }),
  fc.record({ port: fc.constantFrom('http', 'dns', 'absent'), protocol: fc.constantFrom('TCP', 'UDP') }, { requiredKeys: ['port'] }),
);

const ruleArb = (peers: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> => fc.record({ [peers]: fc.array(peerArb, { maxLength: 2 }), ports: fc.array(portArb, { maxLength: 2 }) }, { requiredKeys: [] });

const specArb = fc.record(
  {
    podSelector: selector(POD_LABELS),
    policyTypes: fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
    ingress: fc.array(ruleArb('from'), { maxLength: 2 }),
    egress: fc.array(ruleArb('to'), { maxLength: 2 }),
  },
  { requiredKeys: ['podSelector'] },
);

const clusterArb = fc.record({
  namespaces: fc.array(labels(NAMESPACE_LABELS), { minLength: 1, maxLength: 3 }),
  pods: fc.array(
    fc.record({
      ns: fc.nat(2),
      labels: labels(POD_LABELS),
      named: fc.boolean(),
      ips: fc.constantFrom([], ['10.7.1.1'], ['10.9.0.1', 'fd00::9'], ['172.16.0.4']),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  policies: fc.array(fc.record({ ns: fc.nat(2), spec: specArb }), { maxLength: 4 }),
});

type GenCluster = typeof clusterArb extends fc.Arbitrary<infer C> ? C : never;

function stateOf(c: GenCluster): ClusterState {
  const ns = (i: number): string => `ns${i % c.namespaces.length}`;
  const objects = [
    ...c.namespaces.map((l, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns(i), labels: l } })),
    ...c.pods.map((p, j) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${j}`, namespace: ns(p.ns), labels: p.labels },
      spec: { containers: [{ name: 'c', image: 'c:1', ports: p.named ? [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] : [] }] },
      status: p.ips.length === 0 ? { phase: 'Pending' } : { phase: 'Running', podIP: p.ips[0], podIPs: p.ips.map((ip) => ({ ip })) },
    })),
    ...c.policies.map((p, j) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np-${j}`, namespace: ns(p.ns) }, spec: p.spec })),
  ];
  return clusterFrom(...objects.map((o) => JSON.stringify(o)));
}

function endpointsOf(state: ClusterState): Endpoint[] {
  const out: Endpoint[] = [];
  for (const namespace of state.namespaces()) {
    for (const group of state.podGroups(namespace.name)) out.push(podEndpoint(state, group));
    out.push({ kind: 'pod', group: witnessPod(namespace.name, { app: 'web' }), namespace });
  }
  return [...out, { kind: 'external', ip: '1.1.1.1' }, { kind: 'external', ip: '10.7.9.9' }, { kind: 'external', ip: 'fd00::1' }];
}

t.test('on Kubernetes NetworkPolicies alone, Calico over their conversions opens exactly what the Kubernetes evaluator opens', async (t) => {
  const podCIDRs = configWith().podCIDRs;
  let open = 0;
  let partly = 0;
  const details = fc.check(
    fc.property(clusterArb, fc.constantFrom<Reading>('may', 'must'), (c, reading) => {
      const state = stateOf(c);
      const kubernetes = [...state.namespaces()].flatMap((n) => state.policies(n.name));
      const calico = { tiers: orderPolicies([], kubernetes.map(calicoFromKubernetes)), podCIDRs };
      const ctx = { policies: (n: string) => state.policies(n), podCIDRs, reading };
      const all = endpointsOf(state);
      for (const from of all) {
        for (const to of all) {
          const expected = describePorts(evaluatePath(ctx, from, to).ports);
          const got = describePorts(portsFor(evaluateCalicoPath(calico, from, to), reading));
          if (got !== expected) throw new Error(`${reading} ${JSON.stringify(from)} -> ${JSON.stringify(to)}: Calico ${got}, Kubernetes ${expected}`);
          if (expected === 'all ports') open++;
          else if (expected !== 'no port') partly++;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? '');
  // Guards against a vacuous property: paths come out open, closed and open on some ports only.
  t.ok(open > 0 && partly > 0, `open paths ${open}, partly open ${partly}`);
});
