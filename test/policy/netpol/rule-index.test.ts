// The rule index (src/policy/netpol/rule-index.ts) must answer exactly as comparing every rule would: checked
// against a brute-force oracle written from DESIGN.md's semantics, on policies big enough to be indexed
// and small enough to be scanned.
import fc from 'fast-check';
import t from 'tap';
import type { Endpoint, Reading } from '../../../src/policy/netpol/endpoint.ts';
import type { Direction, Namespace, PodGroup, Policy } from '../../../src/policy/objects/model.ts';
import { ruleMatchesPeer } from '../../../src/policy/netpol/peer-match.ts';
import type { PortSet } from '../../../src/policy/netpol/port-set.ts';
import { ALL_PORTS, NO_PORTS, isEmpty, union } from '../../../src/policy/netpol/port-set.ts';
import type { EvaluationContext } from '../../../src/policy/netpol/reachability.ts';
import { evaluatePath, openPorts, resolveRulePorts } from '../../../src/policy/netpol/reachability.ts';
import { ruleIndex } from '../../../src/policy/netpol/rule-index.ts';
import { selects } from '../../../src/policy/netpol/selector.ts';
import { configWith, policy } from '../../support/cluster.ts';

const RUNS = 120;
const config = configWith();

// A small vocabulary, so that many peers share anchors and endpoints hit them.
const KEYS = ['app', 'tier', 'team'] as const;
const VALUES = ['a', 'b', 'c'] as const;
const NAMESPACES = ['ns0', 'ns1'] as const;
const IPS = ['10.1.0.5', '192.168.3.4', '8.8.8.8'] as const;

const labels = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 });
const requirement = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('In', 'NotIn'), values: fc.array(fc.constantFrom(...VALUES, 'z'), { minLength: 1, maxLength: 3 }) }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
);
const selector = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: labels }),
  fc.record({ matchLabels: labels, matchExpressions: fc.array(requirement, { minLength: 1, maxLength: 3 }) }),
);
const peer = fc.oneof(
  { arbitrary: fc.record({ podSelector: selector }), weight: 3 },
  { arbitrary: fc.record({ namespaceSelector: selector, podSelector: selector }, { requiredKeys: ['namespaceSelector'] }), weight: 4 },
  { arbitrary: fc.record({ ipBlock: fc.constantFrom({ cidr: '10.0.0.0/8' }, { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, { cidr: '8.8.8.8/32' }) }), weight: 1 },
);
const port = fc.oneof(
  fc.record({ port: fc.constantFrom(53, 80, 443), protocol: fc.constantFrom('TCP', 'UDP') }),
  fc.record({ port: fc.constantFrom('http', 'dns', 'nope') }),
  fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP') }),
);
const rule = (peersKey: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({ [peersKey]: fc.array(peer, { minLength: 1, maxLength: 3 }), ports: fc.array(port, { maxLength: 2 }) }, { requiredKeys: [] });
/** Most directions indexed (24 peers or more), some scanned rule by rule. */
const rules = (peersKey: 'from' | 'to') =>
  fc.oneof({ arbitrary: fc.array(rule(peersKey), { minLength: 16, maxLength: 40 }), weight: 3 }, { arbitrary: fc.array(rule(peersKey), { maxLength: 4 }), weight: 1 });
const bigPolicy = fc
  .record({ podSelector: selector, ingress: rules('from'), egress: rules('to') })
  .map((spec) => policy(JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'big', namespace: 'ns0' }, spec: { ...spec, policyTypes: ['Ingress', 'Egress'] } })));

const namespaceOf = (name: string, extra: Record<string, string>): Namespace => ({ name, labels: { ...extra, 'kubernetes.io/metadata.name': name }, annotations: {}, terminating: false });
const podGroup = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  labels,
  namespaceLabels: labels,
  witness: fc.boolean(),
  ips: fc.subarray([...IPS], { maxLength: 1 }),
});
const endpoint: fc.Arbitrary<Endpoint> = fc.oneof(
  { arbitrary: fc.constantFrom(...IPS).map((ip): Endpoint => ({ kind: 'external', ip })), weight: 1 },
  {
    arbitrary: podGroup.map((g): Endpoint => {
      const group: PodGroup = {
        namespace: g.namespace,
        labels: g.labels,
        ports: g.witness ? 'unknown' : [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }],
        count: 1,
        names: ['p'],
        ips: g.witness ? [] : g.ips,
        ...(g.witness && { witness: true as const }),
      };
      return { kind: 'pod', group, namespace: namespaceOf(g.namespace, g.namespaceLabels) };
    }),
    weight: 5,
  },
);
const reading = fc.constantFrom<Reading>('must', 'may');

/** What one direction allows, rule after rule, as DESIGN.md states it. */
function oracle(policies: readonly Policy[], direction: Direction, subject: Endpoint, peer: Endpoint, destination: Endpoint, r: Reading): { ports: PortSet; allowedBy: string[] } {
  if (subject.kind !== 'pod') return { ports: ALL_PORTS, allowedBy: [] };
  const selecting = policies.filter((p) => p.types.has(direction) && selects(p.podSelector, subject.group.labels));
  if (selecting.length === 0) return { ports: ALL_PORTS, allowedBy: [] };
  let ports = NO_PORTS;
  const allowedBy: string[] = [];
  for (const p of selecting) {
    (direction === 'ingress' ? p.ingress : p.egress).forEach((rule, index) => {
      if (!ruleMatchesPeer(rule, p.namespace, peer, config.podCIDRs, r)) return;
      const rulePorts = resolveRulePorts(rule, destination, r);
      if (isEmpty(rulePorts)) return;
      allowedBy.push(`${p.name} ${index} ${JSON.stringify(rulePorts)}`);
      ports = union(ports, rulePorts);
    });
  }
  return { ports, allowedBy };
}

t.test('an index names the rules that comparing every rule finds, in rule order', async (t) => {
  let indexed = 0;
  let matched = 0;
  const details = fc.check(
    fc.property(bigPolicy, fc.array(endpoint, { minLength: 1, maxLength: 8 }), reading, (p, endpoints, r) => {
      for (const list of [p.ingress, p.egress]) {
        const index = ruleIndex(list);
        if (index === undefined) continue;
        indexed++;
        for (const e of endpoints) {
          const expected = list.flatMap((rule, i) => (ruleMatchesPeer(rule, p.namespace, e, config.podCIDRs, r) ? [i] : []));
          matched += expected.length;
          if (JSON.stringify(index.matching(p.namespace, e, config.podCIDRs, r, undefined)) !== JSON.stringify(expected)) return false;
        }
      }
      return true;
    }),
    { numRuns: RUNS },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? '');
  // Guards against a vacuous property: big policies were indexed, and rules did match.
  t.ok(indexed > RUNS / 2, `indexed directions: ${indexed}`);
  t.ok(matched > 0, `matching rules: ${matched}`);
});

t.test('paths through an indexed policy get the ports and deciding rules a rule-by-rule scan gives', async (t) => {
  const details = fc.check(
    fc.property(bigPolicy, fc.array(endpoint, { minLength: 2, maxLength: 6 }), reading, (p, endpoints, r) => {
      const policies = (ns: string): readonly Policy[] => (ns === 'ns0' ? [p] : []);
      const ctx: EvaluationContext = { policies, podCIDRs: config.podCIDRs, reading: r };
      for (const from of endpoints) {
        for (const to of endpoints) {
          const verdict = evaluatePath(ctx, from, to);
          const egress = oracle(policies(from.kind === 'pod' ? from.group.namespace : ''), 'egress', from, to, to, r);
          const ingress = oracle(policies(to.kind === 'pod' ? to.group.namespace : ''), 'ingress', to, from, to, r);
          const got = (side: typeof verdict.egress): string[] => side.allowedBy.map((a) => `${a.policy.name} ${a.index} ${JSON.stringify(a.ports)}`);
          if (JSON.stringify(verdict.egress.ports) !== JSON.stringify(egress.ports) || JSON.stringify(got(verdict.egress)) !== JSON.stringify(egress.allowedBy)) return false;
          if (JSON.stringify(verdict.ingress.ports) !== JSON.stringify(ingress.ports) || JSON.stringify(got(verdict.ingress)) !== JSON.stringify(ingress.allowedBy)) return false;
          if (JSON.stringify(openPorts(ctx, from, to)) !== JSON.stringify(verdict.ports)) return false;
        }
      }
      return true;
    }),
    { numRuns: RUNS },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? '');
});
