import { configWith, create, exampleCluster, existing, policy, remove, update } from '../../support/cluster.ts';
import type { JudgeCase } from '../../support/judge-cases.ts';
import { runJudgeCases } from '../../support/judge-cases.ts';

// A namespace with running pods and no policy at all, as most namespaces start.
const APPS = `
apiVersion: v1
kind: Namespace
metadata: { name: apps, labels: { kubernetes.io/metadata.name: apps } }
---
apiVersion: v1
kind: Pod
metadata: { name: api-7c9d-abcde, namespace: apps, labels: { app: api } }
spec: { containers: [ { name: api, image: api:1, ports: [ { containerPort: 8080, name: http } ] } ] }
status: { phase: Running, podIP: 10.244.9.10 }
`;

// A namespace whose pods already have no DNS: egress denied, nothing allowed.
const LEGACY = `
apiVersion: v1
kind: Namespace
metadata: { name: legacy, labels: { kubernetes.io/metadata.name: legacy } }
---
apiVersion: v1
kind: Pod
metadata: { name: cron-1, namespace: legacy, labels: { app: cron } }
spec: { containers: [ { name: cron, image: cron:1 } ] }
status: { phase: Running, podIP: 10.244.9.20 }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-egress, namespace: legacy }
spec: { podSelector: {}, policyTypes: [Egress] }
`;

const denyEgress = (ns: string, selector = '{}'): string => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-egress, namespace: ${ns} }
spec: { podSelector: ${selector}, policyTypes: [Egress] }
`;

const allowDns = (ns: string, to: string, ports = '[ { port: 53, protocol: UDP }, { port: 53, protocol: TCP } ]'): string => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: nsguard-allow-dns, namespace: ${ns} }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [ { to: ${to}, ports: ${ports} } ]
`;

const KUBE_DNS_PEER = '[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ]';

const cases: JudgeCase[] = [
  {
    name: 'a default deny of egress in a namespace with no DNS rule cuts DNS for its pods',
    state: () => exampleCluster(APPS),
    change: () => create(policy(denyEgress('apps'))),
    verdict: 'denied',
    mentions: ['creating NetworkPolicy apps/deny-egress cuts DNS for apps/api-7c9d-abcde', 'UDP 53 and TCP 53', 'egress-isolated by apps/deny-egress'],
  },
  {
    name: 'deleting allow-dns under default-deny breaks DNS',
    state: () => exampleCluster(),
    change: (s) => remove(existing(s, 'shop-prod', 'nsguard-allow-dns')),
    verdict: 'denied',
    mentions: ['deleting NetworkPolicy shop-prod/nsguard-allow-dns cuts DNS for shop-prod/', 'kube-system/coredns-7db6d8ff4d-2xkqp'],
  },
  {
    name: 'a UDP-only DNS rule breaks DNS over TCP and says so',
    state: () => exampleCluster(),
    change: (s) => update(existing(s, 'shop-prod', 'nsguard-allow-dns'), policy(allowDns('shop-prod', KUBE_DNS_PEER, '[ { port: 53, protocol: UDP } ]'))),
    verdict: 'denied',
    mentions: ['on TCP 53 is not allowed', 'allows UDP 53 but not TCP 53', 'retry over TCP'],
  },
  {
    name: 'a policy of many UDP-only DNS rules names the first five and counts the rest, not a hint per rule',
    state: () => exampleCluster(),
    change: (s) =>
      update(
        existing(s, 'shop-prod', 'nsguard-allow-dns'),
        policy(allowDns('shop-prod', KUBE_DNS_PEER, '[ { port: 53, protocol: UDP } ]').replace(/egress: \[ (.*) \]/, (_all, rule: string) => `egress: [ ${Array(8).fill(rule).join(', ')} ]`)),
      ),
    verdict: 'denied',
    mentions: ['nsguard-allow-dns egress rule 4 allows UDP 53 but not TCP 53: resolvers retry over TCP when an answer is too large for UDP, so allow both (and 4 more like these)'],
  },
  {
    name: 'selecting kube-system by a name label it does not carry breaks DNS and names the right label',
    state: () => exampleCluster(),
    change: (s) =>
      update(
        existing(s, 'shop-prod', 'nsguard-allow-dns'),
        policy(allowDns('shop-prod', '[ { namespaceSelector: { matchLabels: { name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ]')),
      ),
    verdict: 'denied',
    mentions: ['selects namespaces by name=kube-system', 'kubernetes.io/metadata.name=kube-system'],
  },
  {
    name: 'separate peers (OR) for namespace and pods still reach DNS through the namespace peer',
    state: () => exampleCluster(),
    change: (s) =>
      update(
        existing(s, 'shop-prod', 'nsguard-allow-dns'),
        policy(allowDns('shop-prod', '[ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } }, { podSelector: { matchLabels: { k8s-app: kube-dns } } } ]')),
      ),
    verdict: 'allowed',
  },
  {
    name: 'a kube-dns podSelector standing alone selects pods of the own namespace and breaks DNS',
    state: () => exampleCluster(),
    change: (s) => update(existing(s, 'shop-prod', 'nsguard-allow-dns'), policy(allowDns('shop-prod', '[ { podSelector: { matchLabels: { k8s-app: kube-dns } } } ]'))),
    verdict: 'denied',
    mentions: ['stands alone, so it selects pods in shop-prod, not in kube-system', 'same peer'],
  },
  {
    name: 'an ipBlock on the DNS Service ClusterIP does not count as DNS access',
    state: () => exampleCluster(),
    config: configWith({ dns: { serviceIPs: ['10.96.0.10'] } }),
    change: (s) => update(existing(s, 'shop-prod', 'nsguard-allow-dns'), policy(allowDns('shop-prod', '[ { ipBlock: { cidr: 10.96.0.10/32 } } ]'))),
    verdict: 'denied',
    mentions: ['DNS Service ClusterIP 10.96.0.10', 'DNAT'],
  },
  {
    name: 'an ipBlock holding every DNS pod address reaches DNS',
    state: () => exampleCluster(),
    change: (s) => update(existing(s, 'shop-prod', 'nsguard-allow-dns'), policy(allowDns('shop-prod', '[ { ipBlock: { cidr: 10.244.0.0/16 } } ]'))),
    verdict: 'allowed',
  },
  {
    name: 'an ipBlock holding only one of two DNS pods does not give DNS',
    state: () => exampleCluster(),
    change: (s) => update(existing(s, 'shop-prod', 'nsguard-allow-dns'), policy(allowDns('shop-prod', '[ { ipBlock: { cidr: 10.244.0.11/32 } } ]'))),
    verdict: 'denied',
  },
  {
    name: 'with NodeLocal DNSCache a rule selecting the DNS pods is not enough',
    state: () => exampleCluster(APPS),
    config: configWith({ dns: { nodeLocalIPs: ['169.254.20.10'] } }),
    change: () => create(policy(denyEgress('apps'))),
    verdict: 'denied',
    mentions: ['NodeLocal DNSCache at 169.254.20.10', 'only an ipBlock such as 169.254.20.10/32'],
  },
  {
    name: 'with NodeLocal DNSCache an ipBlock on the node-local address keeps DNS',
    state: () => exampleCluster(APPS, allowDns('apps', '[ { ipBlock: { cidr: 169.254.20.10/32 } } ]')),
    config: configWith({ dns: { nodeLocalIPs: ['169.254.20.10'] } }),
    change: () => create(policy(denyEgress('apps'))),
    verdict: 'allowed',
  },
  {
    name: 'a kube-system policy cutting ingress to kube-dns breaks DNS for every namespace',
    state: () => exampleCluster(),
    change: () =>
      create(
        policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: lockdown, namespace: kube-system }
spec:
  podSelector: { matchLabels: { k8s-app: kube-dns } }
  policyTypes: [Ingress]
  ingress: [ { from: [ { podSelector: {} } ] } ]
`),
      ),
    verdict: 'denied',
    mentions: ['creating NetworkPolicy kube-system/lockdown cuts DNS for ingress-nginx/ingress-nginx-controller-5c6b9f8d7-qm4tx; monitoring/prometheus-k8s-0; payments-prod/api-8d4f7b6c9-x7p2q and 14 more pods', 'ingress of kube-system/coredns', 'ingress-isolated by kube-system/lockdown'],
  },
  {
    name: 'a kube-system policy that admits DNS from everywhere keeps DNS',
    state: () => exampleCluster(),
    change: () =>
      create(
        policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: dns-only, namespace: kube-system }
spec:
  podSelector: { matchLabels: { k8s-app: kube-dns } }
  policyTypes: [Ingress]
  ingress: [ { ports: [ { port: dns, protocol: UDP }, { port: dns-tcp, protocol: TCP } ] } ]
`),
      ),
    verdict: 'allowed',
  },
  {
    name: 'the system-namespace exemption does not leave kube-system unchecked',
    state: () => exampleCluster(),
    change: () => create(policy(denyEgress('kube-system'))),
    verdict: 'denied',
    mentions: ['any pod in kube-system'],
  },
  {
    name: 'a policy whose pods do not run yet is judged on a witness pod',
    state: () => exampleCluster(APPS),
    change: () => create(policy(denyEgress('apps', '{ matchLabels: { app: batch } }'))),
    verdict: 'denied',
    mentions: ['any pod labelled app=batch in apps'],
  },
  {
    name: 'an ingress-only policy never touches DNS',
    state: () => exampleCluster(APPS),
    change: () => create(policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-ingress, namespace: apps }
spec: { podSelector: {} }
`)),
    verdict: 'allowed',
  },
  {
    name: 'DNS that was already broken is a warning and never blocks an unrelated change',
    state: () => exampleCluster(LEGACY),
    change: () => create(policy(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: egress-to-peers, namespace: legacy }
spec: { podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { podSelector: {} } ] } ] }
`)),
    verdict: 'allowed',
    warning: ['DNS is already broken for legacy/cron-1'],
  },
  {
    name: 'broken DNS can be fixed one protocol at a time',
    state: () => exampleCluster(LEGACY),
    change: () => create(policy(allowDns('legacy', KUBE_DNS_PEER, '[ { port: 53, protocol: UDP } ]'))),
    verdict: 'allowed',
    warning: ['DNS is already broken for legacy/cron-1', 'TCP 53'],
  },
  {
    name: 'removing the deny that broke DNS is allowed',
    state: () => exampleCluster(LEGACY),
    change: (s) => remove(existing(s, 'legacy', 'deny-egress')),
    verdict: 'allowed',
  },
];

runJudgeCases('dns-egress', cases);
