import t from 'tap';
import { calicoFromKubernetes } from '../../src/policy/calico/from-kubernetes.ts';
import type { CalicoPolicy, CalicoRule, EntityRule } from '../../src/policy/calico/model.ts';
import { describeCalicoSelector } from '../../src/policy/calico/selector.ts';
import { policy } from '../support/cluster.ts';

// A Kubernetes NetworkPolicy takes part in Calico as the Calico policy Calico's converter makes of it
// (libcalico-go/lib/backend/k8s/conversion/conversion.go). The table pins the conversion.

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
