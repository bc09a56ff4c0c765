import fc from 'fast-check';
import t from 'tap';
import type { Test } from 'tap';
import { needsUpdate } from '../../../src/policy/generate/generation.ts';
import type { Policy } from '../../../src/policy/objects/model.ts';
import { parseNetworkPolicy } from '../../../src/policy/objects/parse-network-policy.ts';
import { policyManifest } from '../../../src/policy/objects/policy-manifest.ts';

// Inherited copies are written from parsed policies: the manifest must read back as the same policy, or
// the controller would rewrite the copy on every pass (or, worse, apply a wider one).

const RUNS = 300;

function holds<Ts extends unknown[]>(t: Test, name: string, property: fc.IProperty<Ts>): void {
  const details = fc.check(property, { numRuns: RUNS });
  t.notOk(details.failed, `${name}\n${fc.defaultReportMessage(details) ?? ''}`);
}

// Keys include ones named like Object.prototype members: label maps are plain objects everywhere.
const KEYS = ['app', 'tier', 'example.com/team', 'kubernetes.io/metadata.name', '__proto__', 'constructor'] as const;
const VALUES = ['web', 'db', '', 'a.b-c_d'] as const;

const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom(...VALUES);
const labels = fc.dictionary(key, value, { maxKeys: 3 }).map((d) => Object.fromEntries(Object.entries(d)));

const requirement = fc.oneof(
  fc.record({ key, operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(value, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
);

const selector = fc.record({ matchLabels: labels, matchExpressions: fc.array(requirement, { maxLength: 3 }) }, { requiredKeys: [] });

const CIDRS = [
  { cidr: '10.0.0.0/8' },
  { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.3.0/24'] },
  { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] },
  { cidr: '192.168.1.7/32' },
  { cidr: 'fd00::/48', except: ['fd00::/64'] },
  { cidr: '::/0' },
] as const;

const peer = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector: selector }),
  fc.record({ namespaceSelector: selector, podSelector: selector }),
  fc.record({ ipBlock: fc.constantFrom(...CIDRS) }),
);

const protocol = fc.constantFrom('TCP', 'UDP', 'SCTP');
const port = fc.oneof(
  fc.record({ protocol }, { requiredKeys: [] }),
  fc.record({ protocol, port: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: ['port'] }),
  fc.record({ protocol, port: fc.constantFrom('http', 'metrics', 'dns-tcp') }, { requiredKeys: ['port'] }),
  fc
    .tuple(protocol, fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 1000 }))
    .map(([protocol, from, width]) => ({ protocol, port: from, endPort: Math.min(65535, from + width) })),
);

const rule = (peersKey: 'from' | 'to') =>
  fc.record({ [peersKey]: fc.array(peer, { maxLength: 3 }), ports: fc.array(port, { maxLength: 3 }) }, { requiredKeys: [] });

const policyTypes = fc.oneof(fc.constant(undefined), fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress'], ['Egress', 'Ingress']));

/** A NetworkPolicy as people write them, through parseNetworkPolicy: the Policies the controller sees. */
const parsedPolicy = fc
  .record({
    podSelector: selector,
    policyTypes,
    ingress: fc.array(rule('from'), { maxLength: 3 }),
    egress: fc.array(rule('to'), { maxLength: 3 }),
    labels,
    annotations: labels,
  })
  .map(({ podSelector, policyTypes, ingress, egress, labels, annotations }) =>
    parseNetworkPolicy(
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'shop', labels, annotations },
        spec: { podSelector, ...(policyTypes !== undefined && { policyTypes }), ingress, egress },
      },
      'generated',
    ),
  );

const roundTrip = (p: Policy): Policy =>
  parseNetworkPolicy(policyManifest(p, { name: p.name, namespace: p.namespace, labels: p.labels, annotations: p.annotations }), 'manifest');

t.test('a policy written back as a manifest reads back as the same policy', async (t) => {
  holds(t, 'needsUpdate(p, back) and needsUpdate(back, p) are false', fc.property(parsedPolicy, (p) => {
    const back = roundTrip(p);
    return !needsUpdate(p, back) && !needsUpdate(back, p);
  }));
  holds(t, 'types, rule counts, labels and annotations survive', fc.property(parsedPolicy, (p) => {
    const back = roundTrip(p);
    return (
      [...back.types].sort().join() === [...p.types].sort().join() &&
      back.ingress.length === p.ingress.length &&
      back.egress.length === p.egress.length &&
      JSON.stringify(Object.entries(back.labels).sort()) === JSON.stringify(Object.entries(p.labels).sort()) &&
      JSON.stringify(Object.entries(back.annotations).sort()) === JSON.stringify(Object.entries(p.annotations).sort())
    );
  }));
  holds(t, 'a selector keeps its number of requirements', fc.property(parsedPolicy, (p) => roundTrip(p).podSelector.requirements.length === p.podSelector.requirements.length));
});

t.test('the manifest reads as people write it', async (t) => {
  const p = parseNetworkPolicy(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-web', namespace: 'shop' },
      spec: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }, { key: 'tier', operator: 'In', values: ['a', 'b'] }] },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: {} }], ports: [{ port: 8080 }, { port: 9000, endPort: 9010, protocol: 'UDP' }, { protocol: 'SCTP' }] }],
      },
    },
    'test',
  );
  const manifest = policyManifest(p, { name: 'nsguard-inherit-allow-web', namespace: 'child', labels: { a: 'b' }, annotations: { c: 'd' } });
  t.strictSame(manifest, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'nsguard-inherit-allow-web', namespace: 'child', labels: { a: 'b' }, annotations: { c: 'd' } },
    spec: {
      podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: {} }],
          ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'UDP', port: 9000, endPort: 9010 }, { protocol: 'SCTP' }],
        },
      ],
    },
  });
});
