import fc from 'fast-check';
import t from 'tap';
import type { CalicoContext } from '../../../src/policy/calico/evaluate.ts';
import { evaluateCalicoPath } from '../../../src/policy/calico/evaluate.ts';
import type { CalicoPolicy, ServiceAccount, Tier } from '../../../src/policy/calico/model.ts';
import { parseCalicoPolicy } from '../../../src/policy/calico/parse-calico-policy.ts';
import { orderPolicies } from '../../../src/policy/calico/policy-order.ts';
import type { Endpoint } from '../../../src/policy/netpol/endpoint.ts';
import { namespaceNamed } from '../../../src/policy/netpol/endpoint.ts';
import type { ContainerPort, PodGroup } from '../../../src/policy/objects/model.ts';
import type { PortSet } from '../../../src/policy/netpol/port-set.ts';
import { ALL_PORTS, describePorts, difference, intersect, isEmpty, union } from '../../../src/policy/netpol/port-set.ts';
import { witnessPod } from '../../../src/policy/netpol/witness.ts';
import type { Case } from '../../support/calico.ts';
import { cnp, gnp, runCase } from '../../support/calico.ts';
import { configWith } from '../../support/cluster.ts';

// What nsguard does not know (a service account, a pod's address, a witness's named ports) makes matches
// uncertain. The checks need two sound answers: `may` (some resolution opens the port) and `must` (every
// resolution does). Rows show an uncertain Allow and an uncertain Deny pulling the two apart; staged
// policies never enforce; the property checks both answers against every concrete resolution.

const ALLOW_REST = '{ action: Allow }';

const cases: Case[] = [
  {
    name: 'an Allow that hangs on an unknown service account may open the path but does not surely',
    objects: [cnp('prod', 'to-dns-sa', '{ egress: [ { action: Allow, destination: { serviceAccounts: { names: [coredns] }, namespaceSelector: all() } } ] }')],
    from: 'prod/web-1',
    to: 'kube-system/coredns-1',
    direction: 'egress',
    expect: { may: 'all ports', must: 'no port', pieces: ['all ports: allow by to-dns-sa[0] Allow | deny by tier default Deny'] },
  },
  {
    name: 'a Deny that hangs on an unknown service account leaves the path possibly open and surely open nowhere',
    objects: [cnp('prod', 'deny-sa', `{ egress: [ { action: Deny, destination: { serviceAccounts: { selector: team == "x" }, namespaceSelector: all() } }, ${ALLOW_REST} ] }`)],
    from: 'prod/web-1',
    to: 'kube-system/coredns-1',
    direction: 'egress',
    expect: { may: 'all ports', must: 'no port', pieces: ['all ports: allow by deny-sa[1] Allow | deny by deny-sa[0] Deny'] },
  },
  {
    name: 'the same Deny with the service account known is certain',
    objects: [cnp('prod', 'deny-sa', `{ egress: [ { action: Deny, destination: { serviceAccounts: { selector: team == "x" }, namespaceSelector: all() } }, ${ALLOW_REST} ] }`)],
    serviceAccounts: { 'kube-system/coredns-1': { name: 'coredns', labels: { team: 'y' } } },
    from: 'prod/web-1',
    to: 'kube-system/coredns-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by deny-sa[1] Allow'] },
  },
  {
    name: 'a policy selected by service account alone may or may not apply to a pod whose account is unknown',
    objects: [cnp('prod', 'frontends', '{ serviceAccountSelector: role == "frontend", egress: [ { action: Deny, protocol: TCP } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: {
      may: 'all ports',
      must: 'no port',
      pieces: ['all TCP ports: allow by no policy | deny by frontends[0] Deny', 'all UDP ports; all SCTP ports: allow by no policy | deny by tier default Deny'],
    },
  },
  {
    name: 'a Deny on some pod CIDRs may hit a pod whose address is unknown',
    objects: [cnp('prod', 'deny-ten', `{ egress: [ { action: Deny, destination: { nets: [10.0.0.0/8] } }, ${ALLOW_REST} ] }`)],
    from: 'prod/web-1',
    to: 'prod/new-1',
    direction: 'egress',
    expect: { may: 'all ports', must: 'no port' },
  },
  {
    name: 'a Deny on every address surely hits a pod whose address is unknown',
    objects: [cnp('prod', 'deny-any', `{ egress: [ { action: Deny, destination: { nets: [0.0.0.0/0] } }, ${ALLOW_REST} ] }`)],
    from: 'prod/web-1',
    to: 'prod/new-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by deny-any[0] Deny'] },
  },
  {
    name: 'a named port in notPorts may be any port of a witness pod, so the Allow around it is sure of no TCP port',
    objects: [cnp('prod', 'not-http', '{ egress: [ { action: Allow, protocol: TCP, destination: { notPorts: [http] } } ] }')],
    from: 'prod/web-1',
    to: { witnessIn: 'prod', labels: { app: 'web' } },
    direction: 'egress',
    expect: { may: 'all TCP ports', must: 'no port' },
  },
  {
    name: 'a Deny on source ports depends on the port the client picks',
    objects: [cnp('prod', 'low-source', `{ egress: [ { action: Deny, protocol: TCP, source: { ports: ["1:1023"] } }, ${ALLOW_REST} ] }`)],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', must: 'all UDP ports; all SCTP ports' },
  },
  {
    name: 'an Allow with an HTTP match may open the path but does not surely',
    objects: [cnp('prod', 'get-only', '{ ingress: [ { action: Allow, protocol: TCP, http: { methods: [GET] } } ] }')],
    from: 'test/client-1',
    to: 'prod/web-1',
    direction: 'ingress',
    expect: { may: 'all TCP ports', must: 'no port' },
  },

  // Staged policies.
  {
    name: 'a staged policy does not enforce',
    objects: [gnp('deny-all', '{ egress: [ { action: Deny } ] }', 'StagedGlobalNetworkPolicy')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },
  {
    name: 'as if promoted, a staged policy enforces',
    objects: [gnp('deny-all', '{ egress: [ { action: Deny } ] }', 'StagedGlobalNetworkPolicy')],
    promote: 'deny-all',
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by deny-all[0] Deny'] },
  },
  {
    name: 'as if promoted, a staged Set takes the place of the enforced policy of the same name',
    objects: [cnp('prod', 'web-out', '{ egress: [ { action: Allow } ] }'), cnp('prod', 'web-out', '{ egress: [ { action: Deny, protocol: UDP } ] }', 'StagedNetworkPolicy')],
    promote: 'web-out',
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all UDP ports: deny by web-out[0] Deny', 'all TCP ports; all SCTP ports: deny by tier default Deny'] },
  },
  {
    name: 'as if promoted, a staged Delete removes the enforced policy of the same name',
    objects: [cnp('prod', 'web-out', '{ egress: [ { action: Deny } ] }'), cnp('prod', 'web-out', '{ stagedAction: Delete }', 'StagedNetworkPolicy')],
    promote: 'web-out',
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },
];

for (const c of cases) t.test(c.name, async (t) => void runCase(t, c));

t.test('what the selecting policies use and nsguard does not model comes with the verdict', async (t) => {
  const verdict = runCase(t, {
    name: 'not modelled',
    objects: [
      gnp('edge', '{ preDNAT: true, applyOnForward: true, ingress: [ { action: Allow, protocol: ICMP } ] }'),
      gnp('elsewhere', '{ selector: app == "none", doNotTrack: true, applyOnForward: true, ingress: [ { action: Deny } ] }'),
    ],
    from: 'test/client-1',
    to: 'prod/web-1',
    direction: 'ingress',
    expect: { may: 'no port' },
  });
  t.strictSame(
    verdict?.notModelled.map((n) => `${n.policy.name}: ${n.feature} at ${n.path}`),
    ['edge: protocol at spec.ingress[0].protocol', 'edge: preDNAT at spec.preDNAT', 'edge: applyOnForward at spec.applyOnForward'],
    'only the policy that selects the pod is reported',
  );
});

// The property: random tiers and policies whose selectors and rules hang on service accounts, addresses
// and named ports, over pods that know none of these. Each is resolved every way the vocabulary allows;
// the concrete verdict must lie between `must` and `may`, and the pieces must cover each port once.

const ACCOUNTS: readonly ServiceAccount[] = [
  { name: 'a', labels: { role: 'x' } },
  { name: 'b', labels: {} },
];
const ADDRESSES = [['10.0.0.1'], ['192.168.1.1']] as const;
const WITNESS_PORTS: readonly (readonly ContainerPort[])[] = [[], [{ name: 'http', port: 80, protocol: 'TCP' }]];

const selectorArb = fc.constantFrom('', 'all()', 'app == "web"', 'pcsa.role == "x"', 'projectcalico.org/serviceaccount == "b"');
const entityArb = (ports: boolean): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      selector: selectorArb,
      notSelector: fc.constantFrom('app == "db"', 'pcsa.role == "x"'),
      namespaceSelector: fc.constantFrom('all()', 'env == "prod"', 'global()'),
      serviceAccounts: fc.constantFrom({ names: ['a'] }, { selector: 'role == "x"' }),
      nets: fc.constantFrom(['10.0.0.0/8'], ['192.168.0.0/16', '10.0.0.0/9']),
      notNets: fc.constantFrom(['10.0.0.0/16'], ['0.0.0.0/0']),
      ...(ports ? { ports: fc.constantFrom([80], ['http'], ['70:90', 443]), notPorts: fc.constantFrom(['http'], [80]) } : {}),
    },
    { requiredKeys: [] },
  );

const ruleArb = fc.record(
  {
    action: fc.constantFrom('Allow', 'Deny', 'Pass', 'Log'),
    protocol: fc.constantFrom('TCP', 'UDP'),
    source: entityArb(false),
    destination: entityArb(true),
  },
  { requiredKeys: ['action', 'protocol'] },
);

const policyArb = fc.record({
  global: fc.boolean(),
  tier: fc.constantFrom('default', 'first', 'last'),
  order: fc.constantFrom(undefined, 1, 5),
  selector: selectorArb,
  serviceAccountSelector: fc.constantFrom(undefined, 'role == "x"'),
  ingress: fc.array(ruleArb, { maxLength: 3 }),
  egress: fc.array(ruleArb, { maxLength: 3 }),
});

const TIERS: readonly Tier[] = [
  { name: 'first', order: 10, defaultAction: 'Pass' },
  { name: 'last', order: undefined, defaultAction: 'Deny' },
];

function toPolicy(p: typeof policyArb extends fc.Arbitrary<infer P> ? P : never, i: number): CalicoPolicy {
  const spec = { tier: p.tier, order: p.order, selector: p.selector, serviceAccountSelector: p.serviceAccountSelector, ingress: p.ingress, egress: p.egress };
  const name = p.tier === 'default' ? `p${i}` : `${p.tier}.p${i}`;
  const object = p.global
    ? { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec }
    : { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace: 'prod' }, spec };
  return parseCalicoPolicy(JSON.parse(JSON.stringify(object)) as unknown, p.global ? 'GlobalNetworkPolicy' : 'NetworkPolicy', 'property');
}

interface Pod {
  readonly group: PodGroup;
  /** `undefined`: the service account is unknown. */
  readonly account: ServiceAccount | undefined;
}

/** An endpoint that knows nothing: address, ports and service account unknown. */
const unknownPod = (namespace: string, app: string): Pod => ({ group: witnessPod(namespace, { app }), account: undefined });

/** Every way the vocabulary resolves what the pod does not know. */
function resolutions(pod: Pod): Pod[] {
  return ACCOUNTS.flatMap((account) =>
    ADDRESSES.flatMap((ips) => WITNESS_PORTS.map((ports) => ({ group: { ...pod.group, ips, ports, witness: undefined }, account: pod.account ?? account }))),
  );
}

function verdict(tiers: CalicoContext['tiers'], from: Pod, to: Pod): { may: PortSet; must: PortSet; pieces: readonly (readonly { ports: PortSet }[])[] } {
  const accounts = new Map([[from.group, from.account], [to.group, to.account]]);
  const ctx: CalicoContext = { tiers, podCIDRs: configWith().podCIDRs, serviceAccount: (g) => accounts.get(g) };
  const endpoint = (p: Pod): Endpoint => ({ kind: 'pod', group: p.group, namespace: namespaceNamed(p.group.namespace) });
  const v = evaluateCalicoPath(ctx, endpoint(from), endpoint(to));
  return { may: v.may, must: v.must, pieces: [v.egress.pieces, v.ingress.pieces] };
}

const within = (inner: PortSet, outer: PortSet): boolean => isEmpty(difference(inner, outer));

t.test('may and must bound every concrete resolution of what nsguard does not know', async (t) => {
  let uncertain = 0;
  const details = fc.check(
    fc.property(fc.array(policyArb, { minLength: 1, maxLength: 4 }), (generated) => {
      const tiers = orderPolicies(TIERS, generated.map(toPolicy));
      const pods = [unknownPod('prod', 'web'), unknownPod('test', 'db')];
      for (const from of pods) {
        for (const to of pods) {
          const abstract = verdict(tiers, from, to);
          if (!within(abstract.must, abstract.may)) throw new Error(`must ${describePorts(abstract.must)} is not within may ${describePorts(abstract.may)}`);
          if (describePorts(abstract.must) !== describePorts(abstract.may)) uncertain++;
          for (const f of resolutions(from)) {
            for (const g of resolutions(to)) {
              const concrete = verdict(tiers, f, g);
              if (describePorts(concrete.may) !== describePorts(concrete.must)) throw new Error('a concrete resolution is uncertain');
              if (!within(abstract.must, concrete.may) || !within(concrete.may, abstract.may)) {
                throw new Error(`concrete ${describePorts(concrete.may)} is not between must ${describePorts(abstract.must)} and may ${describePorts(abstract.may)}`);
              }
            }
          }
        }
      }
      return true;
    }),
    { numRuns: 120 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? '');
  t.ok(uncertain > 0, `some verdicts were uncertain (${uncertain})`);
});

t.test('the decision pieces of a direction cover every port exactly once', async (t) => {
  const details = fc.check(
    fc.property(fc.array(policyArb, { minLength: 1, maxLength: 4 }), (generated) => {
      const tiers = orderPolicies(TIERS, generated.map(toPolicy));
      const { pieces } = verdict(tiers, unknownPod('prod', 'web'), unknownPod('test', 'db'));
      return pieces.every((direction) => {
        let covered: PortSet = { TCP: [], UDP: [], SCTP: [] };
        for (const p of direction) {
          if (!isEmpty(intersect(covered, p.ports))) return false;
          covered = union(covered, p.ports);
        }
        return describePorts(covered) === describePorts(ALL_PORTS);
      });
    }),
    { numRuns: 120 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? '');
});
