import t from 'tap';
import type { Case } from '../../support/calico.ts';
import { cnp, gnp, knp, runCase, tier } from '../../support/calico.ts';

// One row per rule of DESIGN.md "Calico semantics the core must get exactly right", Calico policies mixed
// with Kubernetes NetworkPolicies (which run in the default tier at order 1000). Rows judge one direction
// and give its decision pieces: `ports: allow|deny by <policy>[<rule>] <action> > ...`.

const ALL_BUT_UDP_53 = 'all TCP ports; UDP 1-52, 54-65535; all SCTP ports';
const ALL_BUT_TCP_443 = 'TCP 1-442, 444-65535; all UDP ports; all SCTP ports';
const SECURITY = tier('security', '{ order: 100 }');
const WEB_OUT_443 = knp('prod', 'web-out', '{ podSelector: { matchLabels: { app: web } }, policyTypes: [Egress], egress: [ { ports: [ { port: 443 } ] } ] }');
const ALLOW_ALL_OUT = '{ egress: [ { action: Allow } ] }';

const cases: Case[] = [
  // Selection and the end of evaluation.
  {
    name: 'with no policy at all every port is open, since no policy selects the pod',
    objects: [],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },
  {
    name: 'a policy that selects the pod but decides nothing leaves every port to its tier default Deny',
    objects: [cnp('prod', 'web-quiet', '{ selector: app == "web", types: [Egress] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by tier default Deny'] },
  },
  {
    name: 'a policy whose selector misses the pod changes nothing',
    objects: [cnp('prod', 'db-quiet', '{ selector: app == "db", types: [Egress] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },
  {
    name: 'a NetworkPolicy selects pods of its own namespace only',
    objects: [cnp('test', 'everyone-quiet', '{ selector: all(), types: [Egress] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports' },
  },
  {
    name: 'types left out with egress rules only apply to egress and leave ingress open',
    objects: [gnp('egress-only', '{ egress: [ { action: Deny } ] }')],
    from: 'test/client-1',
    to: 'prod/web-1',
    direction: 'ingress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },
  {
    name: "a GlobalNetworkPolicy's namespaceSelector ANDs with its selector",
    objects: [gnp('deny-test-web', '{ selector: app == "web", namespaceSelector: env == "test", egress: [ { action: Deny } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },

  // Tiers.
  {
    name: 'a Deny in an earlier tier wins over a Kubernetes allow in the default tier',
    objects: [SECURITY, gnp('security.deny-test', '{ tier: security, egress: [ { action: Deny, destination: { namespaceSelector: env == "test" } } ] }'), WEB_OUT_443],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by security.deny-test[0] Deny'] },
  },
  {
    name: 'ports an earlier tier selects the pod for but does not decide meet that tier default Deny, whatever later tiers say',
    objects: [SECURITY, gnp('security.dns', '{ tier: security, egress: [ { action: Allow, protocol: UDP, destination: { ports: [53] } } ] }'), gnp('allow-all', ALLOW_ALL_OUT)],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'UDP 53', pieces: ['UDP 53: allow by security.dns[0] Allow', `${ALL_BUT_UDP_53}: deny by tier security Deny`] },
  },
  {
    name: 'a Pass sends the ports it matches to the next tier, where a Kubernetes policy decides them',
    objects: [SECURITY, gnp('security.pass', '{ tier: security, egress: [ { action: Pass } ] }'), WEB_OUT_443],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: {
      may: 'TCP 443',
      pieces: ['TCP 443: allow by security.pass[0] Pass > knp.default.web-out[0] Allow', `${ALL_BUT_TCP_443}: deny by security.pass[0] Pass > tier default Deny`],
    },
  },
  {
    name: 'a Pass skips the rest of its tier, later policies of the tier included',
    objects: [SECURITY, gnp('security.a-pass', '{ tier: security, order: 1, egress: [ { action: Pass, protocol: TCP } ] }'), gnp('security.b-deny', '{ tier: security, order: 2, egress: [ { action: Deny } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: {
      may: 'all TCP ports',
      pieces: ['all TCP ports: allow by security.a-pass[0] Pass > profile', 'all UDP ports; all SCTP ports: deny by security.b-deny[0] Deny'],
    },
  },
  {
    name: 'a Pass out of the last tier that selects the pod reaches the namespace profile, which allows',
    objects: [SECURITY, gnp('security.pass', '{ tier: security, egress: [ { action: Pass } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by security.pass[0] Pass > profile'] },
  },
  {
    name: 'a tier whose default action is Pass sends the ports its policies leave undecided to the next tier',
    objects: [tier('security', '{ order: 100, defaultAction: Pass }'), gnp('security.dns', '{ tier: security, egress: [ { action: Allow, protocol: UDP, destination: { ports: [53] } } ] }'), WEB_OUT_443],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: {
      may: 'TCP 443; UDP 53',
      pieces: [
        'UDP 53: allow by security.dns[0] Allow',
        'TCP 443: allow by tier security Pass > knp.default.web-out[0] Allow',
        'TCP 1-442, 444-65535; UDP 1-52, 54-65535; all SCTP ports: deny by tier security Pass > tier default Deny',
      ],
    },
  },
  {
    name: 'tiers run by order, not by name',
    objects: [
      tier('a-late', '{ order: 500 }'),
      tier('z-early', '{ order: 50 }'),
      gnp('a-late.deny', '{ tier: a-late, egress: [ { action: Deny } ] }'),
      gnp('z-early.allow', '{ tier: z-early, egress: [ { action: Allow } ] }'),
    ],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by z-early.allow[0] Allow'] },
  },
  {
    name: 'tiers of equal order run by name',
    objects: [tier('beta', '{ order: 50 }'), tier('alpha', '{ order: 50 }'), gnp('beta.allow', '{ tier: beta, egress: [ { action: Allow } ] }'), gnp('alpha.deny', '{ tier: alpha, egress: [ { action: Deny } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by alpha.deny[0] Deny'] },
  },
  {
    name: 'a tier without order runs after the default tier',
    objects: [tier('last', '{}'), gnp('last.allow', '{ tier: last, egress: [ { action: Allow } ] }'), knp('prod', 'deny-out', '{ podSelector: {}, policyTypes: [Egress] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by tier default Deny'] },
  },

  // Order within a tier, Kubernetes policies at order 1000.
  {
    name: 'a Calico Allow at order 10 opens what a Kubernetes policy would leave to the tier default Deny',
    objects: [cnp('prod', 'web-open', `{ order: 10, selector: app == "web", ${ALLOW_ALL_OUT.slice(1)}`), WEB_OUT_443],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by web-open[0] Allow'] },
  },
  {
    name: 'a Calico Deny at order 2000 closes what the Kubernetes policies left undecided, not what they allowed',
    objects: [cnp('prod', 'web-closed', '{ order: 2000, egress: [ { action: Deny } ] }'), WEB_OUT_443],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'TCP 443', pieces: ['TCP 443: allow by knp.default.web-out[0] Allow', `${ALL_BUT_TCP_443}: deny by web-closed[0] Deny`] },
  },
  {
    name: 'a policy without order runs after every ordered policy of its tier',
    objects: [cnp('prod', 'a-unordered', '{ egress: [ { action: Allow } ] }'), cnp('prod', 'z-ordered', '{ order: 5000, egress: [ { action: Deny } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by z-ordered[0] Deny'] },
  },
  {
    name: 'policies of equal order run by name',
    objects: [cnp('prod', 'b-allow', '{ order: 10, egress: [ { action: Allow } ] }'), cnp('prod', 'a-deny', '{ order: 10, egress: [ { action: Deny } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by a-deny[0] Deny'] },
  },
  {
    name: 'the first rule that matches decides, and Log goes on to the next rule',
    objects: [cnp('prod', 'web-rules', '{ egress: [ { action: Log }, { action: Deny, protocol: TCP, destination: { ports: [22] } }, { action: Allow } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'TCP 1-21, 23-65535; all UDP ports; all SCTP ports', pieces: ['TCP 22: deny by web-rules[1] Deny', 'TCP 1-21, 23-65535; all UDP ports; all SCTP ports: allow by web-rules[2] Allow'] },
  },

  // What a rule matches.
  {
    name: "a rule's destination without namespaceSelector means the policy's own namespace for a NetworkPolicy",
    objects: [cnp('prod', 'same-ns', '{ egress: [ { action: Allow, destination: { selector: all() } } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by tier default Deny'] },
  },
  {
    name: "a rule's destination without namespaceSelector means every namespace for a GlobalNetworkPolicy",
    objects: [gnp('any-ns', '{ egress: [ { action: Allow, destination: { selector: all() } } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by any-ns[0] Allow'] },
  },
  {
    name: 'global() in a rule namespaceSelector matches no pod',
    objects: [gnp('hosts', '{ egress: [ { action: Deny, destination: { namespaceSelector: global() } }, { action: Allow } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by hosts[1] Allow'] },
  },
  {
    name: 'a notSelector in a NetworkPolicy rule still confines the rule to the policy namespace',
    objects: [cnp('prod', 'not-db', '{ egress: [ { action: Allow, destination: { notSelector: app == "db" } } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port' },
  },
  {
    name: 'a selector never matches an address outside the cluster, a notSelector lets it through',
    objects: [gnp('out', '{ egress: [ { action: Deny, destination: { selector: all() } }, { action: Allow, destination: { notSelector: all() } } ] }')],
    from: 'prod/web-1',
    to: '8.8.8.8',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by out[1] Allow'] },
  },
  {
    name: 'nets and notNets match the address of an endpoint outside the cluster',
    objects: [gnp('google-dns', '{ egress: [ { action: Allow, destination: { nets: [8.8.0.0/16], notNets: [8.8.8.8] } } ] }')],
    from: 'prod/web-1',
    to: '8.8.8.8',
    direction: 'egress',
    expect: { may: 'no port' },
  },
  {
    name: 'ports take numbers, ranges and container port names of the destination, and notPorts carve out of them',
    objects: [cnp('prod', 'db-out', '{ selector: app == "db", egress: [ { action: Allow, protocol: TCP, destination: { ports: [80, "8000:8040", http], notPorts: ["8010:8020"] } } ] }')],
    from: 'prod/db-1',
    to: 'prod/web-1',
    direction: 'egress',
    expect: { may: 'TCP 80, 8000-8009, 8021-8040, 8080' },
  },
  {
    name: 'notProtocol UDP matches every TCP and SCTP port',
    objects: [cnp('prod', 'no-udp', '{ egress: [ { action: Allow, notProtocol: UDP } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all TCP ports; all SCTP ports' },
  },
  {
    name: 'a rule for ICMP opens no TCP, UDP or SCTP port',
    objects: [cnp('prod', 'ping', '{ egress: [ { action: Allow, protocol: ICMP } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by tier default Deny'] },
  },
  {
    name: 'ipVersion 6 matches nothing between IPv4-only pods',
    objects: [cnp('prod', 'v6', '{ egress: [ { action: Allow, ipVersion: 6 } ] }')],
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port' },
  },
  {
    name: 'a serviceAccountSelector selects by the labels of the pod service account',
    objects: [cnp('prod', 'by-sa', '{ serviceAccountSelector: role == "frontend", egress: [ { action: Deny } ] }')],
    serviceAccounts: { 'prod/web-1': { name: 'web', labels: { role: 'frontend' } } },
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'no port', pieces: ['all ports: deny by by-sa[0] Deny'] },
  },
  {
    name: 'serviceAccounts names in a rule match the service account a pod runs as',
    objects: [cnp('prod', 'to-sa', '{ egress: [ { action: Allow, destination: { serviceAccounts: { names: [client] }, namespaceSelector: all() } } ] }')],
    serviceAccounts: { 'test/client-1': { name: 'client', labels: {} } },
    from: 'prod/web-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by to-sa[0] Allow'] },
  },
];

// The two policies the isolation scheme is usually written with (issue 15).
const ALLOW_DNS_AND_SYSTEM = `{ apiVersion: projectcalico.org/v3, kind: GlobalNetworkPolicy, metadata: { name: allow-dns-and-system },
  spec: { namespaceSelector: '!has(kubernetes.io/metadata.name) || kubernetes.io/metadata.name not in {"kube-system"}',
          egress: [ { action: Allow, protocol: UDP, destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } } ] } }`;
const NAMESPACE_ISOLATION = cnp('app-ns', 'namespace-isolation', '{ ingress: [ { action: Allow, source: { selector: all() } } ], egress: [ { action: Allow, destination: { selector: all() } } ] }');

cases.push(
  {
    name: 'the DNS GlobalNetworkPolicy of issue 15 opens DNS over UDP only: TCP 53 is left to the default Deny',
    objects: [ALLOW_DNS_AND_SYSTEM],
    from: 'prod/web-1',
    to: 'kube-system/coredns-1',
    expect: { may: 'UDP 53' },
  },
  {
    name: 'the DNS GlobalNetworkPolicy of issue 15 decides UDP 53 by its rule and every other port by the default tier',
    objects: [ALLOW_DNS_AND_SYSTEM],
    from: 'prod/web-1',
    to: 'kube-system/coredns-1',
    direction: 'egress',
    expect: { may: 'UDP 53', pieces: ['UDP 53: allow by allow-dns-and-system[0] Allow', `${ALL_BUT_UDP_53}: deny by tier default Deny`] },
  },
  {
    name: 'the DNS GlobalNetworkPolicy of issue 15 does not select pods of kube-system',
    objects: [ALLOW_DNS_AND_SYSTEM],
    from: 'kube-system/coredns-1',
    to: 'test/client-1',
    direction: 'egress',
    expect: { may: 'all ports', pieces: ['all ports: allow by no policy'] },
  },
  {
    name: 'the namespace-isolation policy of issue 15 admits pods of its own namespace',
    objects: [NAMESPACE_ISOLATION],
    from: 'app-ns/worker-1',
    to: 'app-ns/api-1',
    expect: { may: 'all ports' },
  },
  {
    name: 'the namespace-isolation policy of issue 15 keeps pods of other namespaces out',
    objects: [NAMESPACE_ISOLATION],
    from: 'test/client-1',
    to: 'app-ns/api-1',
    direction: 'ingress',
    expect: { may: 'no port', pieces: ['all ports: deny by tier default Deny'] },
  },
  {
    name: 'with both policies of issue 15, pods of app-ns reach DNS over UDP 53 and nothing else',
    objects: [ALLOW_DNS_AND_SYSTEM, NAMESPACE_ISOLATION],
    from: 'app-ns/api-1',
    to: 'kube-system/coredns-1',
    direction: 'egress',
    expect: { may: 'UDP 53', pieces: ['UDP 53: allow by allow-dns-and-system[0] Allow', `${ALL_BUT_UDP_53}: deny by tier default Deny`] },
  },
);

for (const c of cases) t.test(c.name, async (t) => void runCase(t, c));
