import { deepStrictEqual, ok } from 'node:assert/strict';
import t from 'tap';
import fc from 'fast-check';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { ContainerPort, Labels, Namespace, Pod, PodGroup, Requirement, Selector } from '../../src/policy/objects/model.ts';
import { selects } from '../../src/policy/netpol/selector.ts';

// The indexes must answer exactly what a brute-force `selects` filter answers, after any sequence of
// upserts and deletes. Small alphabets make keys collide and go missing often; `constructor` checks
// that a key inherited from Object.prototype is never taken for a label.

const KEYS = ['app', 'env', 'tier', 'constructor'];
const VALUES = ['a', 'b', 'c', ''];
const NAMESPACES = ['n1', 'n2', 'n3'];
const POD_NAMES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', 'fd00::1'];

const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 });

const requirementArb: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...KEYS, 'missing'),
    operator: fc.constantFrom('In' as const, 'NotIn' as const),
    values: fc.subarray(VALUES),
  }),
  fc.record({
    key: fc.constantFrom(...KEYS, 'missing'),
    operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const),
    values: fc.constant([]),
  }),
);
const selectorArb: fc.Arbitrary<Selector> = fc.array(requirementArb, { maxLength: 3 }).map((requirements) => ({ requirements }));

const portArb: fc.Arbitrary<ContainerPort> = fc.record({
  name: fc.constantFrom('http', undefined),
  port: fc.constantFrom(80, 443),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
});

type NamespaceOp = { readonly op: 'upsert'; readonly ns: Namespace } | { readonly op: 'delete'; readonly name: string };
const namespaceOpArb: fc.Arbitrary<NamespaceOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.constantFrom(...NAMESPACES, 'n4', 'n5'), labels: labelsArb }).map(({ name, labels }) => ({ op: 'upsert' as const, ns: { name, labels, annotations: {}, terminating: false } })) },
  { weight: 1, arbitrary: fc.constantFrom(...NAMESPACES).map((name) => ({ op: 'delete' as const, name })) },
);

type PodOp = { readonly op: 'upsert'; readonly pod: Pod } | { readonly op: 'delete'; readonly namespace: string; readonly name: string };
const podArb: fc.Arbitrary<Pod> = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...POD_NAMES),
  labels: labelsArb,
  ports: fc.array(portArb, { maxLength: 2 }),
  ips: fc.subarray(IPS, { maxLength: 2 }),
});
const podOpArb: fc.Arbitrary<PodOp> = fc.oneof(
  { weight: 4, arbitrary: podArb.map((pod) => ({ op: 'upsert' as const, pod })) },
  { weight: 1, arbitrary: fc.record({ namespace: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...POD_NAMES) }).map((r) => ({ op: 'delete' as const, ...r })) },
);

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedEntries = (labels: Labels) => Object.entries(labels).sort(([a], [b]) => byText(a, b));
const portText = (p: ContainerPort) => `${p.protocol}/${p.port}/${p.name ?? ''}`;

const groupId = (labels: Labels, ports: readonly ContainerPort[]) => JSON.stringify([sortedEntries(labels), ports.map(portText).sort(byText)]);

/** The groups a namespace must have, worked out from the live pods with no index at all. */
function expectedGroups(pods: Iterable<Pod>, namespace: string): string[] {
  const groups = new Map<string, { labels: Labels; ports: string[]; names: string[]; ips: Set<string> }>();
  for (const pod of pods) {
    if (pod.namespace !== namespace) continue;
    const ports = pod.ports.map(portText);
    const id = groupId(pod.labels, pod.ports);
    const group = groups.get(id) ?? { labels: pod.labels, ports, names: [], ips: new Set<string>() };
    group.names.push(pod.name);
    for (const ip of pod.ips) group.ips.add(ip);
    groups.set(id, group);
  }
  return [...groups.values()].map((g) => describe(g.labels, g.ports, g.names, [...g.ips])).sort(byText);
}

function describe(labels: Labels, ports: string[], names: readonly string[], ips: readonly string[]): string {
  return JSON.stringify([sortedEntries(labels), [...ports].sort(byText), names.length, [...names].sort(byText), [...ips].sort(byText)]);
}

const described = (groups: Iterable<PodGroup>) =>
  [...groups].map((g) => describe(g.labels, g.ports === 'unknown' ? [] : g.ports.map(portText), g.names, g.ips)).sort(byText);

// Assertions throw inside the property so fast-check shrinks and reports the smallest counterexample.
t.doesNotThrow(() =>
  fc.assert(
    fc.property(fc.array(namespaceOpArb, { maxLength: 25 }), selectorArb, (ops, selector) => {
      const state = new ClusterState();
      const model = new Map<string, Namespace>();
      for (const o of ops) {
        if (o.op === 'upsert') {
          state.upsertNamespace(o.ns);
          model.set(o.ns.name, o.ns);
        } else {
          state.deleteNamespace(o.name);
          model.delete(o.name);
        }
      }
      const want = [...model.values()].filter((n) => selects(selector, n.labels)).map((n) => n.name).sort(byText);
      deepStrictEqual([...state.namespacesMatching(selector)].map((n) => n.name), want);
      deepStrictEqual([...state.namespaces()].map((n) => n.name), [...model.keys()].sort(byText));
      deepStrictEqual(state.stats().namespaces, model.size);
    }),
    { numRuns: 300 },
  ), 'namespacesMatching equals a brute-force filter with selects');

t.doesNotThrow(() =>
  fc.assert(
    fc.property(fc.array(podOpArb, { maxLength: 40 }), selectorArb, fc.constantFrom(...IPS), (ops, selector, ip) => {
      const state = new ClusterState({ keepPodNames: true });
      const model = new Map<string, Pod>();
      for (const o of ops) {
        if (o.op === 'upsert') {
          state.upsertPod(o.pod);
          model.set(`${o.pod.namespace}/${o.pod.name}`, o.pod);
        } else {
          state.deletePod(o.namespace, o.name);
          model.delete(`${o.namespace}/${o.name}`);
        }
      }
      let groups = 0;
      for (const namespace of NAMESPACES) {
        const all = [...state.podGroups(namespace)];
        groups += all.length;
        deepStrictEqual(described(all), expectedGroups(model.values(), namespace));
        const want = all.filter((g) => selects(selector, g.labels));
        deepStrictEqual(described(state.podGroupsMatching(namespace, selector)), described(want));
      }
      const withIp = NAMESPACES.flatMap((n) => [...state.podGroups(n)]).filter((g) => g.ips.includes(ip));
      deepStrictEqual(described(state.podGroupsWithIp(ip)), described(withIp));
      deepStrictEqual(state.stats(), { namespaces: 0, policies: 0, pods: model.size, podGroups: groups });
    }),
    { numRuns: 300 },
  ), 'pod groups, their selector matches and IP lookups equal a brute-force model');

t.doesNotThrow(() =>
  fc.assert(
    fc.property(fc.array(podOpArb, { maxLength: 40 }), (ops) => {
      const state = new ClusterState();
      const model = new Map<string, Pod>();
      for (const o of ops) {
        if (o.op === 'upsert') {
          state.upsertPod(o.pod);
          model.set(`${o.pod.namespace}/${o.pod.name}`, o.pod);
        } else {
          state.deletePod(o.namespace, o.name);
          model.delete(`${o.namespace}/${o.name}`);
        }
      }
      for (const namespace of NAMESPACES) {
        for (const g of state.podGroups(namespace)) {
          const id = groupId(g.labels, g.ports === 'unknown' ? [] : g.ports);
          const members = [...model.values()].filter((p) => p.namespace === namespace && groupId(p.labels, p.ports) === id);
          deepStrictEqual(g.count, members.length);
          ok(g.names.length <= 5 && g.names.every((n) => members.some((p) => p.name === n)));
        }
      }
    }),
    { numRuns: 200 },
  ), 'without keepPodNames counts stay exact and names stay a subset of at most five');

// A namespace gets a label index only from 32 groups on and loses it below 16: selections must be
// the same on both sides of those thresholds, and while crossing them either way.
const MANY_NAMES = Array.from({ length: 60 }, (_, i) => `q${i}`);
const crowdedPodArb: fc.Arbitrary<Pod> = fc.record({
  namespace: fc.constant('busy'),
  name: fc.constantFrom(...MANY_NAMES),
  labels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { minKeys: 2, maxKeys: 4 }),
  ports: fc.array(portArb, { maxLength: 1 }),
  ips: fc.constant([]),
});

t.doesNotThrow(() =>
  fc.assert(
    fc.property(fc.array(crowdedPodArb, { minLength: 40, maxLength: 120 }), fc.array(fc.constantFrom(...MANY_NAMES), { maxLength: 60 }), selectorArb, (pods, deletions, selector) => {
      const state = new ClusterState({ keepPodNames: true });
      const model = new Map<string, Pod>();
      const check = (): void => {
        const all = [...state.podGroups('busy')];
        deepStrictEqual(described(all), expectedGroups(model.values(), 'busy'));
        deepStrictEqual(described(state.podGroupsMatching('busy', selector)), described(all.filter((g) => selects(selector, g.labels))));
      };
      for (const pod of pods) {
        state.upsertPod(pod);
        model.set(pod.name, pod);
      }
      check();
      for (const name of deletions) {
        state.deletePod('busy', name);
        model.delete(name);
        check();
      }
    }),
    { numRuns: 100 },
  ), 'selections in a namespace crossing the label-index thresholds equal a brute-force model');
