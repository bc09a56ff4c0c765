import t from 'tap';
import { parseCidr } from '../../../src/policy/netpol/cidr.ts';
import type { Cidr, Direction, Policy, Rule } from '../../../src/policy/objects/model.ts';
import { parseNetworkPolicy } from '../../../src/policy/objects/parse-network-policy.ts';

const WHERE = 'state.yaml document 3';
const networkPolicy = (spec: unknown): unknown => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-db', namespace: 'prod' },
  spec,
});
const cidr = (text: string): Cidr => parseCidr(text) ?? { text, family: 4, first: -1n, last: -1n };
const app = (value: string) => ({ requirements: [{ key: 'app', operator: 'In' as const, values: [value] }] });

t.test('normalisation', async (t) => {
  const cases: { name: string; spec: unknown; expect: Partial<{ types: Direction[]; ingress: Rule[]; egress: Rule[]; podSelector: Policy['podSelector'] }> }[] = [
    { name: 'absent policyTypes without egress rules means Ingress only', spec: { podSelector: {} }, expect: { types: ['ingress'] } },
    {
      name: 'absent policyTypes with egress rules means Ingress and Egress',
      spec: { podSelector: {}, egress: [{}] },
      expect: { types: ['ingress', 'egress'], egress: [{ peers: undefined, ports: undefined }] },
    },
    { name: 'absent policyTypes with an empty egress list means Ingress only', spec: { podSelector: {}, egress: [] }, expect: { types: ['ingress'] } },
    { name: 'an empty policyTypes list is defaulted like an absent one', spec: { podSelector: {}, policyTypes: [], egress: [{}] }, expect: { types: ['ingress', 'egress'] } },
    { name: 'explicit policyTypes are kept', spec: { podSelector: {}, policyTypes: ['Egress'] }, expect: { types: ['egress'], ingress: [], egress: [] } },
    {
      name: 'rules of a direction not in policyTypes are dropped, since they allow nothing',
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}], egress: [{}] },
      expect: { types: ['ingress'], ingress: [{ peers: undefined, ports: undefined }], egress: [] },
    },
    { name: 'spec.podSelector {} selects everything', spec: { podSelector: {} }, expect: { podSelector: { requirements: [] } } },
    { name: 'spec.podSelector matchLabels are read', spec: { podSelector: { matchLabels: { app: 'db' } } }, expect: { podSelector: app('db') } },
    {
      name: 'a rule with from absent, from empty and ports empty matches every peer and port',
      spec: { podSelector: {}, ingress: [{}, { from: [], ports: [] }, { from: null, ports: null }] },
      expect: { ingress: [{ peers: undefined, ports: undefined }, { peers: undefined, ports: undefined }, { peers: undefined, ports: undefined }] },
    },
    {
      name: 'a port entry without protocol is TCP, and without port is every port',
      spec: { podSelector: {}, ingress: [{ ports: [{}] }] },
      expect: { ingress: [{ peers: undefined, ports: [{ protocol: 'TCP', kind: 'all' }] }] },
    },
    {
      name: 'UDP and SCTP are accepted as protocols',
      spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'SCTP' }] }] },
      expect: { ingress: [{ peers: undefined, ports: [{ protocol: 'UDP', kind: 'range', from: 53, to: 53 }, { protocol: 'SCTP', kind: 'all' }] }] },
    },
    {
      name: 'a numeric port is a range of one',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 5432 }] }] },
      expect: { ingress: [{ peers: undefined, ports: [{ protocol: 'TCP', kind: 'range', from: 5432, to: 5432 }] }] },
    },
    {
      name: 'endPort makes a range from port to endPort',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 32000, endPort: 32768 }] }] },
      expect: { ingress: [{ peers: undefined, ports: [{ protocol: 'TCP', kind: 'range', from: 32000, to: 32768 }] }] },
    },
    {
      name: 'endPort equal to port is a range of one',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 80 }] }] },
      expect: { ingress: [{ peers: undefined, ports: [{ protocol: 'TCP', kind: 'range', from: 80, to: 80 }] }] },
    },
    {
      name: 'a string port is a named port',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 'http-metrics' }] }] },
      expect: { ingress: [{ peers: undefined, ports: [{ protocol: 'TCP', kind: 'named', name: 'http-metrics' }] }] },
    },
    {
      name: 'a peer with podSelector only selects pods of the policy namespace',
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] },
      expect: { ingress: [{ peers: [{ kind: 'pods', podSelector: app('web') }], ports: undefined }] },
    },
    {
      name: 'a peer with namespaceSelector only selects every pod of the namespaces',
      spec: { podSelector: {}, egress: [{ to: [{ namespaceSelector: {} }] }] },
      expect: { egress: [{ peers: [{ kind: 'namespaces', namespaceSelector: { requirements: [] }, podSelector: undefined }], ports: undefined }] },
    },
    {
      name: 'a peer with both selectors keeps both, to be ANDed',
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { app: 'ns' } }, podSelector: { matchLabels: { app: 'web' } } }] }] },
      expect: { ingress: [{ peers: [{ kind: 'namespaces', namespaceSelector: app('ns'), podSelector: app('web') }], ports: undefined }] },
    },
    {
      name: 'null selectors in a peer read as absent',
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: null }, { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: null }] }] },
      expect: {
        ingress: [{ peers: [{ kind: 'namespaces', namespaceSelector: { requirements: [] }, podSelector: undefined }, { kind: 'ipBlock', ipBlock: { cidr: cidr('10.0.0.0/8'), except: [] } }], ports: undefined }],
      },
    },
    {
      name: 'an ipBlock peer keeps its cidr and excepts',
      spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }] }] },
      expect: { egress: [{ peers: [{ kind: 'ipBlock', ipBlock: { cidr: cidr('0.0.0.0/0'), except: [cidr('10.0.0.0/8'), cidr('192.168.0.0/16')] } }], ports: undefined }] },
    },
  ];
  for (const c of cases) {
    const policy = parseNetworkPolicy(networkPolicy(c.spec), WHERE);
    const got = {
      ...(c.expect.types && { types: [...policy.types] }),
      ...(c.expect.ingress && { ingress: policy.ingress }),
      ...(c.expect.egress && { egress: policy.egress }),
      ...(c.expect.podSelector && { podSelector: policy.podSelector }),
    };
    t.strictSame(got, c.expect, c.name);
  }
});

t.test('metadata is copied', async (t) => {
  const policy = parseNetworkPolicy(
    {
      metadata: { name: 'deny', namespace: 'prod', labels: { 'app.kubernetes.io/managed-by': 'nsguard' }, annotations: { note: 'x' } },
      spec: { podSelector: {} },
    },
    WHERE,
  );
  t.strictSame(
    { namespace: policy.namespace, name: policy.name, labels: policy.labels, annotations: policy.annotations },
    { namespace: 'prod', name: 'deny', labels: { 'app.kubernetes.io/managed-by': 'nsguard' }, annotations: { note: 'x' } },
    'namespace, name, labels and annotations come from metadata; kind and apiVersion may be left out',
  );
});

t.test('invalid policies', async (t) => {
  const cases: { name: string; spec: unknown; path: string; value: string }[] = [
    { name: 'a missing spec is refused', spec: undefined, path: 'spec', value: 'missing' },
    { name: 'a missing spec.podSelector is refused', spec: { ingress: [] }, path: 'spec.podSelector', value: 'missing' },
    { name: 'an unknown policy type is refused', spec: { podSelector: {}, policyTypes: ['Ingress', 'egress'] }, path: 'spec.policyTypes[1]', value: '"egress"' },
    { name: 'a rule that is not an object is refused', spec: { podSelector: {}, ingress: ['all'] }, path: 'spec.ingress[0]', value: '"all"' },
    { name: 'from that is not a list is refused', spec: { podSelector: {}, ingress: [{ from: { podSelector: {} } }] }, path: 'spec.ingress[0].from', value: '{"podSelector":{}}' },
    { name: 'an unknown protocol is refused', spec: { podSelector: {}, egress: [{ ports: [{ protocol: 'ICMP' }] }] }, path: 'spec.egress[0].ports[0].protocol', value: '"ICMP"' },
    { name: 'a lower-case protocol is refused', spec: { podSelector: {}, egress: [{ ports: [{ protocol: 'udp' }] }] }, path: 'spec.egress[0].ports[0].protocol', value: '"udp"' },
    { name: 'endPort below port is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 8080, endPort: 80 }] }] }, path: 'spec.ingress[0].ports[0].endPort', value: '80' },
    { name: 'endPort with a named port is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }, path: 'spec.ingress[0].ports[0].endPort', value: '90' },
    { name: 'endPort without port is refused', spec: { podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] }, path: 'spec.ingress[0].ports[0].endPort', value: '90' },
    { name: 'a quoted number is refused as a port name', spec: { podSelector: {}, ingress: [{ ports: [{ port: '80' }] }] }, path: 'spec.ingress[0].ports[0].port', value: '"80"' },
    { name: 'a port name over 15 characters is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 'a-very-long-name-x' }] }] }, path: 'spec.ingress[0].ports[0].port', value: '"a-very-long-name-x"' },
    { name: 'port 0 is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] }, path: 'spec.ingress[0].ports[0].port', value: '0' },
    { name: 'a port over 65535 is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 65536 }] }] }, path: 'spec.ingress[0].ports[0].port', value: '65536' },
    { name: 'an endPort over 65535 is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 1, endPort: 70000 }] }] }, path: 'spec.ingress[0].ports[0].endPort', value: '70000' },
    { name: 'a fractional port is refused', spec: { podSelector: {}, ingress: [{ ports: [{ port: 80.5 }] }] }, path: 'spec.ingress[0].ports[0].port', value: '80.5' },
    {
      name: 'a peer with an ipBlock and a podSelector is refused',
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      path: 'spec.ingress[0].from[1]',
      value: '{"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}',
    },
    {
      name: 'a peer with an ipBlock and a namespaceSelector is refused',
      spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, namespaceSelector: {} }] }] },
      path: 'spec.egress[0].to[0]',
      value: '"namespaceSelector":{}',
    },
    { name: 'an empty peer is refused', spec: { podSelector: {}, egress: [{ to: [{}] }] }, path: 'spec.egress[0].to[0]', value: '{}' },
    {
      name: 'an ipBlock with a bad cidr is refused',
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      path: 'spec.ingress[0].from[1].ipBlock.cidr',
      value: '"10.0.0.0/33"',
    },
    { name: 'an ipBlock without a cidr is refused', spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: {} }] }] }, path: 'spec.ingress[0].from[0].ipBlock.cidr', value: 'missing' },
    {
      name: 'an except outside the cidr is refused',
      spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } }] }] },
      path: 'spec.ingress[0].from[0].ipBlock.except[0]',
      value: '"11.0.0.0/16"',
    },
    {
      name: 'an except equal to the cidr is refused',
      spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.0.0.0/8'] } }] }] },
      path: 'spec.ingress[0].from[0].ipBlock.except[1]',
      value: '"10.0.0.0/8"',
    },
    {
      name: 'an except of the other family is refused',
      spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '::/0', except: ['10.0.0.0/8'] } }] }] },
      path: 'spec.ingress[0].from[0].ipBlock.except[0]',
      value: '"10.0.0.0/8"',
    },
    {
      name: 'a bad selector deep in a peer is reported with its full path',
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In' }] } }] }] },
      path: 'spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values',
      value: 'missing',
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseNetworkPolicy(networkPolicy(c.spec), WHERE));
      t.match(error, { code: 'NSG_OBJECT_INVALID' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(`${WHERE}: NetworkPolicy prod/allow-db: `), `names where and which object: ${message}`);
      t.ok(message.includes(`: ${c.path} `), `names the field ${c.path}`);
      t.ok(message.includes(c.value), `shows the value ${c.value}`);
    });
  }
});
