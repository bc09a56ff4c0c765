import t from 'tap';
import { NsguardError } from '../../../src/errors.ts';
import type { CalicoPolicy, CalicoRule } from '../../../src/policy/calico/model.ts';
import type { CalicoPolicyKind } from '../../../src/policy/calico/parse-calico-policy.ts';
import { parseCalicoPolicy } from '../../../src/policy/calico/parse-calico-policy.ts';
import { parseTier } from '../../../src/policy/calico/parse-calico-tier.ts';
import { backendPolicyName, clientPolicyName, tierFromPolicyName } from '../../../src/policy/calico/policy-names.ts';
import { describeCalicoSelector } from '../../../src/policy/calico/selector.ts';

const WHERE = 'state.yaml document 2';
const V3 = 'projectcalico.org/v3';
const CRD = 'crd.projectcalico.org/v1';

const np = (spec: unknown, metadata: Record<string, unknown> = {}, apiVersion = V3): unknown => ({
  apiVersion,
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-web', namespace: 'prod', ...metadata },
  spec,
});
const gnp = (spec: unknown, metadata: Record<string, unknown> = {}, apiVersion = V3): unknown => ({
  apiVersion,
  kind: 'GlobalNetworkPolicy',
  metadata: { name: 'allow-dns', ...metadata },
  spec,
});

/** The policy as comparable values: selectors as Calico's canonical text. */
function summary(p: CalicoPolicy): Record<string, unknown> {
  return {
    kind: p.kind,
    namespace: p.kind === 'NetworkPolicy' ? p.namespace : undefined,
    name: p.name,
    backendName: p.backendName,
    tier: p.tier,
    order: p.order,
    staged: p.staged,
    selector: describeCalicoSelector(p.selector),
    namespaceSelector: p.kind === 'GlobalNetworkPolicy' && p.namespaceSelector !== undefined ? describeCalicoSelector(p.namespaceSelector) : undefined,
    types: [...p.types].sort(),
    ingress: p.ingress.map(rule),
    egress: p.egress.map(rule),
    unmodelled: p.unmodelled.map((u) => `${u.feature} at ${u.path}`),
    labels: p.labels,
  };
}

function rule(r: CalicoRule): string {
  const ports = (list: CalicoRule['destination']['ports']): string => list.map((p) => (p.kind === 'named' ? p.name : p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(',');
  const parts = [
    r.action,
    r.protocol === undefined ? '' : `proto=${r.protocol.text}${r.protocol.modelled === undefined ? '(other)' : `(${r.protocol.modelled})`}`,
    r.notProtocol === undefined ? '' : `!proto=${r.notProtocol.text}`,
    r.ipVersion === undefined ? '' : `v${r.ipVersion}`,
    r.destination.ports.length === 0 ? '' : `ports=${ports(r.destination.ports)}`,
    r.destination.notPorts.length === 0 ? '' : `!ports=${ports(r.destination.notPorts)}`,
    r.destination.nets.length === 0 ? '' : `nets=${r.destination.nets.map((n) => n.text).join(',')}`,
    r.source.selector === undefined ? '' : `src=${describeCalicoSelector(r.source.selector)}`,
  ];
  return parts.filter((p) => p !== '').join(' ');
}

interface Case {
  readonly name: string;
  readonly kind?: CalicoPolicyKind;
  readonly object: unknown;
  readonly expect: Record<string, unknown>;
}

const ALLOW = { action: 'Allow' };

const cases: Case[] = [
  // types defaulting (clientv3 defaultPolicyTypesField).
  { name: 'types absent with no rules at all means Ingress', object: np({}), expect: { types: ['ingress'] } },
  { name: 'types absent with ingress rules only means Ingress', object: np({ ingress: [ALLOW] }), expect: { types: ['ingress'] } },
  { name: 'types absent with egress rules only means Egress alone, so ingress stays open', object: np({ egress: [ALLOW] }), expect: { types: ['egress'] } },
  { name: 'types absent with both kinds of rules means Ingress and Egress', object: np({ ingress: [ALLOW], egress: [ALLOW] }), expect: { types: ['egress', 'ingress'] } },
  { name: 'an empty types list is defaulted like an absent one', object: np({ types: [], egress: [ALLOW] }), expect: { types: ['egress'] } },
  { name: 'explicit types are kept, rules of other directions too', object: np({ types: ['Ingress'], egress: [ALLOW] }), expect: { types: ['ingress'], egress: ['Allow'] } },

  // Names, tiers and the two API groups.
  {
    name: 'a v3 policy without a tier is in the default tier and stored as default.<name>',
    object: np({}),
    expect: { name: 'allow-web', backendName: 'default.allow-web', tier: 'default', order: undefined, selector: 'all()' },
  },
  { name: 'a v3 name already prefixed with default. is stored as it is', object: np({}, { name: 'default.allow-web' }), expect: { name: 'default.allow-web', backendName: 'default.allow-web' } },
  {
    name: 'a policy in another tier keeps its tier-prefixed name in both groups',
    object: np({ tier: 'security', order: 10.5 }, { name: 'security.allow-web' }),
    expect: { name: 'security.allow-web', backendName: 'security.allow-web', tier: 'security', order: 10.5 },
  },
  {
    name: 'a CRD object without the metadata annotation is named by its stored name less default.',
    object: gnp({}, { name: 'default.allow-dns' }, CRD),
    expect: { kind: 'GlobalNetworkPolicy', name: 'allow-dns', backendName: 'default.allow-dns', tier: 'default' },
  },
  {
    name: 'a CRD object without spec.tier is in the tier its stored name starts with',
    object: gnp({}, { name: 'security.allow-dns' }, CRD),
    expect: { name: 'security.allow-dns', backendName: 'security.allow-dns', tier: 'security' },
  },
  {
    name: 'a CRD object written by the Calico API server takes its v3 name and labels from the metadata annotation',
    object: np(
      { tier: 'default' },
      {
        name: 'default.allow-web',
        labels: { 'projectcalico.org/tier': 'default' },
        annotations: { 'projectcalico.org/metadata': JSON.stringify({ name: 'allow-web', labels: { 'app.kubernetes.io/managed-by': 'nsguard' } }) },
      },
      CRD,
    ),
    expect: { name: 'allow-web', backendName: 'default.allow-web', labels: { 'projectcalico.org/tier': 'default', 'app.kubernetes.io/managed-by': 'nsguard' } },
  },
  { name: 'an empty selector selects everything', object: np({ selector: '' }), expect: { selector: 'all()' } },
  { name: 'a selector is read as Calico parses it', object: np({ selector: "app == 'web' && !has(legacy)" }), expect: { selector: '(app == "web" && !has(legacy))' } },
  { name: 'a missing spec is an empty one: every endpoint, ingress only', object: { apiVersion: V3, kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-all' } }, expect: { selector: 'all()', types: ['ingress'] } },
  {
    name: 'a GlobalNetworkPolicy keeps its namespaceSelector',
    object: gnp({ namespaceSelector: 'kubernetes.io/metadata.name != "kube-system"', egress: [ALLOW] }),
    expect: { namespaceSelector: 'kubernetes.io/metadata.name != "kube-system"', types: ['egress'] },
  },

  // Staged policies.
  { name: 'a staged policy without stagedAction would Set', kind: 'StagedNetworkPolicy', object: { ...(np({ egress: [ALLOW] }) as object), kind: 'StagedNetworkPolicy' }, expect: { staged: 'Set', types: ['egress'] } },
  {
    name: 'a staged Delete carries no types',
    kind: 'StagedGlobalNetworkPolicy',
    object: { ...(gnp({ stagedAction: 'Delete' }) as object), kind: 'StagedGlobalNetworkPolicy' },
    expect: { kind: 'GlobalNetworkPolicy', staged: 'Delete', types: [] },
  },

  // Rules.
  {
    name: 'protocol numbers 6, 17 and 132 are TCP, UDP and SCTP; ICMP and 47 are protocols nsguard does not model',
    object: np({ ingress: [{ action: 'Allow', protocol: 6 }, { action: 'Deny', protocol: '17' }, { action: 'Pass', protocol: 132 }, { action: 'Log', protocol: 'ICMP' }, { action: 'Allow', protocol: 47 }] }),
    expect: {
      ingress: ['Allow proto=6(TCP)', 'Deny proto=17(UDP)', 'Pass proto=132(SCTP)', 'Log proto=ICMP(other)', 'Allow proto=47(other)'],
      unmodelled: ['protocol at spec.ingress[3].protocol', 'protocol at spec.ingress[4].protocol'],
    },
  },
  {
    name: 'ports are numbers, quoted numbers, "from:to" ranges and container port names',
    object: np({ egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [80, '443', '8000:8080', 'http'], notPorts: ['8001:8002'] } }] }),
    expect: { egress: ['Allow proto=TCP(TCP) ports=80,443,8000-8080,http !ports=8001-8002'] },
  },
  {
    name: 'nets take CIDRs and bare addresses; notProtocol and ipVersion are kept',
    object: np({ egress: [{ action: 'Deny', notProtocol: 'UDP', ipVersion: 4, destination: { nets: ['10.0.0.0/8', '8.8.8.8'] } }] }),
    expect: { egress: ['Deny !proto=UDP v4 nets=10.0.0.0/8,8.8.8.8'] },
  },
  {
    name: 'what nsguard does not model is listed with where it is',
    object: gnp({
      doNotTrack: true,
      applyOnForward: true,
      ingress: [
        { action: 'Allow', protocol: 'TCP', http: { methods: ['GET'] } },
        { action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } },
        { action: 'Allow', source: { namespaceSelector: 'global()', selector: 'role == "lb"' } },
        { action: 'Allow', source: { services: { name: 'ingress', namespace: 'ingress-nginx' } } },
      ],
    }),
    expect: {
      unmodelled: [
        'http at spec.ingress[0].http',
        'protocol at spec.ingress[1].protocol',
        'icmp at spec.ingress[1].icmp',
        'hostEndpoints at spec.ingress[2].source.namespaceSelector',
        'services at spec.ingress[3].source.services',
        'doNotTrack at spec.doNotTrack',
        'applyOnForward at spec.applyOnForward',
      ],
    },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const policy = parseCalicoPolicy(c.object, c.kind ?? ((c.object as { kind: CalicoPolicyKind }).kind), WHERE);
    const got = summary(policy);
    t.strictSame(Object.fromEntries(Object.keys(c.expect).map((k) => [k, got[k]])), c.expect);
  });
}

interface ErrorCase {
  readonly name: string;
  readonly object: unknown;
  readonly expect: RegExp;
}

const errors: ErrorCase[] = [
  // Kubernetes NetworkPolicy fields in a Calico policy.
  { name: 'spec.podSelector is a Kubernetes field: Calico expects selector', object: np({ podSelector: {} }), expect: /NetworkPolicy prod\/allow-web: spec\.podSelector is \{\}, expected selector, a Calico selector such as app == "web" \(podSelector is a Kubernetes NetworkPolicy field\)$/ },
  { name: 'spec.policyTypes is a Kubernetes field: Calico expects types', object: np({ policyTypes: ['Egress'] }), expect: /spec\.policyTypes is \["Egress"\], expected types, \[Ingress\], \[Egress\] or both/ },
  { name: 'from under a rule is a Kubernetes field: Calico expects source', object: np({ ingress: [{ action: 'Allow', from: [{ podSelector: {} }] }] }), expect: /spec\.ingress\[0\]\.from is \[\{"podSelector":\{\}\}\], expected source and destination \(from is a Kubernetes NetworkPolicy field/ },
  { name: 'to under a rule is a Kubernetes field: Calico expects destination', object: gnp({ egress: [{ action: 'Allow', to: [] }] }), expect: /GlobalNetworkPolicy allow-dns: spec\.egress\[0\]\.to is \[\], expected source and destination \(to is a Kubernetes/ },
  { name: 'ports directly under a rule are the Kubernetes form: Calico expects destination.ports', object: np({ egress: [{ action: 'Allow', ports: [{ port: 53 }] }] }), expect: /spec\.egress\[0\]\.ports is \[\{"port":53\}\], expected destination\.ports with protocol set on the rule/ },
  { name: 'podSelector under source is a Kubernetes field: Calico expects selector', object: np({ ingress: [{ action: 'Allow', source: { podSelector: { matchLabels: { app: 'web' } } } }] }), expect: /spec\.ingress\[0\]\.source\.podSelector is .*, expected selector, a Calico selector/ },
  { name: 'ipBlock under destination is a Kubernetes field: Calico expects nets', object: np({ egress: [{ action: 'Allow', destination: { ipBlock: { cidr: '10.0.0.0/8' } } }] }), expect: /destination\.ipBlock is .*, expected nets and notNets/ },
  { name: 'a matchLabels object as a selector is refused: Calico selectors are text', object: np({ egress: [{ action: 'Allow', destination: { namespaceSelector: { matchLabels: { env: 'prod' } } } }] }), expect: /destination\.namespaceSelector is \{"matchLabels":\{"env":"prod"\}\}, expected a Calico selector such as app == "web" \(a Calico selector is text/ },

  // Selectors.
  { name: 'a selector that does not parse names the column', object: np({ selector: 'app = "web"' }), expect: /spec\.selector is "app = \\"web\\"", expected a Calico selector such as app == "web": expected == at column 5$/ },
  { name: 'an unterminated string in a rule selector names its column', object: np({ ingress: [{ action: 'Allow', source: { selector: "app == 'web" } }] }), expect: /spec\.ingress\[0\]\.source\.selector is .*: unterminated string: no closing ' at column 8$/ },
  { name: 'global() in the policy selector is refused', object: gnp({ selector: 'global()' }), expect: /spec\.selector is "global\(\)", expected no global\(\)/ },
  { name: 'global() in a rule selector is refused', object: np({ ingress: [{ action: 'Allow', source: { selector: 'global() || app == "x"' } }] }), expect: /spec\.ingress\[0\]\.source\.selector is .*, expected no global\(\) \(it is only valid in a namespaceSelector/ },
  { name: 'global() combined with another selector in a namespaceSelector is refused', object: np({ ingress: [{ action: 'Allow', source: { namespaceSelector: 'global() && has(x)' } }] }), expect: /source\.namespaceSelector is .*, expected global\(\) alone/ },

  // Actions, protocols, ports, nets.
  { name: 'a rule without action is refused', object: np({ ingress: [{}] }), expect: /spec\.ingress\[0\]\.action missing, expected one of Allow, Deny, Pass, Log$/ },
  { name: 'an unknown action is refused', object: np({ ingress: [{ action: 'Accept' }] }), expect: /spec\.ingress\[0\]\.action is "Accept", expected one of Allow, Deny, Pass, Log$/ },
  { name: 'a lower-case protocol name is refused as Calico refuses it', object: np({ ingress: [{ action: 'Allow', protocol: 'tcp' }] }), expect: /protocol is "tcp", expected one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a protocol number from 1 to 255$/ },
  { name: 'protocol 0 is refused', object: np({ ingress: [{ action: 'Allow', protocol: 0 }] }), expect: /protocol is 0, expected one of/ },
  { name: 'protocol 256 is refused', object: np({ ingress: [{ action: 'Allow', notProtocol: 256 }] }), expect: /notProtocol is 256, expected one of/ },
  { name: 'ports without a protocol are refused', object: np({ ingress: [{ action: 'Allow', destination: { ports: [80] } }] }), expect: /destination\.ports is \[80\], expected no ports unless the rule sets protocol to TCP, UDP or SCTP/ },
  { name: 'ports with ICMP are refused', object: np({ ingress: [{ action: 'Allow', protocol: 'ICMP', source: { ports: [80] } }] }), expect: /source\.ports is \[80\], expected no ports unless/ },
  { name: 'ports with UDPLite are refused: Calico only has ports for TCP, UDP and SCTP', object: np({ ingress: [{ action: 'Allow', protocol: 'UDPLite', destination: { ports: [80] } }] }), expect: /destination\.ports is \[80\], expected no ports unless/ },
  { name: 'port 65536 is refused', object: np({ ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [65536] } }] }), expect: /destination\.ports\[0\] is 65536, expected a port number from 0 to 65535, a range such as "8000:8080", or a container port name$/ },
  { name: 'a range running backwards is refused', object: np({ ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['8080:8000'] } }] }), expect: /ports\[0\] is "8080:8000", expected a range whose first port is not above its last$/ },
  { name: 'a range with a dash is refused', object: np({ ingress: [{ action: 'Allow', protocol: 'UDP', destination: { notPorts: ['8000-8080'] } }] }), expect: /notPorts\[0\] is "8000-8080", expected a port number/ },
  { name: 'a port name that is not an IANA service name is refused', object: np({ ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['http_alt'] } }] }), expect: /ports\[0\] is "http_alt", expected a port number/ },
  { name: 'a CIDR with a prefix too long is refused', object: np({ egress: [{ action: 'Allow', destination: { nets: ['10.0.0.0/33'] } }] }), expect: /destination\.nets\[0\] is "10\.0\.0\.0\/33", expected a CIDR such as 10\.0\.0\.0\/8/ },
  { name: 'IPv4 and IPv6 nets in one rule are refused', object: np({ egress: [{ action: 'Allow', destination: { nets: ['10.0.0.0/8'], notNets: ['fd00::/64'] } }] }), expect: /spec\.egress\[0\] is .*, expected nets and notNets of one IP version/ },
  { name: 'ipVersion that contradicts the nets is refused', object: np({ egress: [{ action: 'Allow', ipVersion: 6, destination: { nets: ['10.0.0.0/8'] } }] }), expect: /spec\.egress\[0\]\.ipVersion is 6, expected 4, the version of the rule's CIDRs$/ },
  { name: 'ICMP fields on a TCP rule are refused', object: np({ ingress: [{ action: 'Allow', protocol: 'TCP', icmp: { type: 8 } }] }), expect: /icmp is \{"type":8\}, expected ICMP fields only with protocol ICMP or ICMPv6$/ },
  { name: 'an HTTP match on a Deny rule is refused', object: np({ ingress: [{ action: 'Deny', http: { methods: ['GET'] } }] }), expect: /http is .*, expected an HTTP match only on an Allow rule$/ },
  { name: 'services next to a selector is refused', object: np({ egress: [{ action: 'Allow', destination: { services: { name: 'db' }, selector: 'app == "db"' } }] }), expect: /destination\.services is \{"name":"db"\}, expected services alone, without selector or notSelector in the same destination$/ },

  // Policy fields.
  { name: 'an unknown type is refused', object: np({ types: ['Both'] }), expect: /spec\.types\[0\] is "Both", expected Ingress or Egress$/ },
  { name: 'a repeated type is refused', object: np({ types: ['Ingress', 'Ingress'] }), expect: /spec\.types\[1\] is "Ingress", expected each type once$/ },
  { name: 'an order that is not a number is refused', object: np({ order: '100' }), expect: /spec\.order is "100", expected a number/ },
  { name: 'preDNAT with doNotTrack is refused', object: gnp({ preDNAT: true, doNotTrack: true, applyOnForward: true }), expect: /spec\.preDNAT is true, expected not both preDNAT and doNotTrack$/ },
  { name: 'doNotTrack without applyOnForward is refused', object: gnp({ doNotTrack: true }), expect: /spec\.applyOnForward missing, expected true when preDNAT or doNotTrack is$/ },
  { name: 'an apiVersion of neither group is refused naming both', object: np({}, {}, 'projectcalico.org/v2'), expect: /NetworkPolicy prod\/allow-web: apiVersion is "projectcalico\.org\/v2", expected projectcalico\.org\/v3 or crd\.projectcalico\.org\/v1$/ },
  { name: 'a metadata annotation that is not JSON is refused', object: np({}, { annotations: { 'projectcalico.org/metadata': '{name:' } }, CRD), expect: /metadata\.annotations\["projectcalico\.org\/metadata"\] is "\{name:", expected the JSON of an ObjectMeta/ },
];

for (const c of errors) {
  t.test(c.name, async (t) => {
    const kind = (c.object as { kind: CalicoPolicyKind }).kind;
    const error = t.throws(() => parseCalicoPolicy(c.object, kind, WHERE));
    t.ok(error instanceof NsguardError && error.code === 'NSG_OBJECT_INVALID', 'an NSG_OBJECT_INVALID error');
    t.match(error instanceof Error ? error.message : '', c.expect);
    t.match(error instanceof Error ? error.message : '', new RegExp(`^${WHERE}: `), 'the message names where the object is');
  });
}

t.test('a staged policy parses under its own kind and the staged action is checked', async (t) => {
  const staged = { apiVersion: V3, kind: 'StagedNetworkPolicy', metadata: { name: 'x', namespace: 'prod' }, spec: { stagedAction: 'Promote' } };
  t.throws(() => parseCalicoPolicy(staged, 'StagedNetworkPolicy', WHERE), /spec\.stagedAction is "Promote", expected one of Set, Delete, Learn, Ignore$/);
});

t.test('tiers: order as written, default action Deny unless the Tier says Pass', async (t) => {
  const tier = (spec: unknown, apiVersion = V3): unknown => ({ apiVersion, kind: 'Tier', metadata: { name: 'security' }, spec });
  t.strictSame(parseTier(tier({ order: 100 }), WHERE), { name: 'security', order: 100, defaultAction: 'Deny' });
  t.strictSame(parseTier(tier({ defaultAction: 'Pass' }, CRD), WHERE), { name: 'security', order: undefined, defaultAction: 'Pass' });
  t.strictSame(parseTier({ apiVersion: V3, kind: 'Tier', metadata: { name: 'empty' } }, WHERE), { name: 'empty', order: undefined, defaultAction: 'Deny' });
  t.throws(() => parseTier(tier({ defaultAction: 'Allow' }), WHERE), /Tier security: spec\.defaultAction is "Allow", expected Deny or Pass$/);
  t.throws(() => parseTier(tier({ order: 'first' }), WHERE), /spec\.order is "first", expected a number/);
});

t.test('policy names both ways, as libcalico-go names.TieredPolicyName, ClientTieredPolicyName and TierFromPolicyName', async (t) => {
  const rows: [v3: string, backend: string, client: string, tier: string][] = [
    ['allow-dns', 'default.allow-dns', 'allow-dns', 'default'],
    ['default.allow-dns', 'default.allow-dns', 'allow-dns', 'default'],
    ['security.allow-dns', 'security.allow-dns', 'security.allow-dns', 'security'],
    ['knp.default.allow-dns', 'knp.default.allow-dns', 'knp.default.allow-dns', 'default'],
    ['kcnp.kube-admin.x', 'kcnp.kube-admin.x', 'kcnp.kube-admin.x', 'kube-admin'],
    ['ossg.default.19bed2d3', 'ossg.default.19bed2d3', 'ossg.default.19bed2d3', 'default'],
  ];
  for (const [v3, backend, client, tier] of rows) {
    t.equal(backendPolicyName(v3), backend, `${v3} is stored as ${backend}`);
    t.equal(clientPolicyName(backend), client, `${backend} reads back as ${client}`);
    t.equal(tierFromPolicyName(backend), tier, `${backend} is in tier ${tier}`);
  }
});
