import t from 'tap';
import type { ClusterState } from '../../../src/cluster/cluster-state.ts';
import type { Endpoint, Reading } from '../../../src/policy/netpol/endpoint.ts';
import { podEndpoint } from '../../../src/policy/netpol/endpoint.ts';
import type { Labels, Protocol } from '../../../src/policy/objects/model.ts';
import { describePorts, hasPort } from '../../../src/policy/netpol/port-set.ts';
import type { DirectionVerdict } from '../../../src/policy/netpol/reachability.ts';
import { evaluatePath } from '../../../src/policy/netpol/reachability.ts';
import { witnessPod } from '../../../src/policy/netpol/witness.ts';
import { clusterFrom, configWith } from '../../support/cluster.ts';

// One table row per rule of DESIGN.md "NetworkPolicy semantics the core must get exactly right": each row
// evaluates one path and asserts both the open ports and which policies and rules decide each side.

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: prod, labels: { env: prod, team: a } }
---
apiVersion: v1
kind: Namespace
metadata: { name: test, labels: { env: test } }
---
apiVersion: v1
kind: Namespace
metadata: { name: misc }
---
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: prod, labels: { app: web } }
spec: { containers: [ { name: web, image: web:1, ports: [ { containerPort: 8080, name: http } ] } ] }
status: { phase: Running, podIP: 10.1.0.10 }
---
apiVersion: v1
kind: Pod
metadata: { name: db-1, namespace: prod, labels: { app: db } }
spec:
  containers:
    - name: db
      image: db:1
      ports: [ { containerPort: 3306, name: mysql }, { containerPort: 9000, name: metrics, protocol: UDP } ]
status: { phase: Running, podIP: 10.1.0.20 }
---
apiVersion: v1
kind: Pod
metadata: { name: sig-1, namespace: prod, labels: { app: sig } }
spec: { containers: [ { name: sig, image: sig:1, ports: [ { containerPort: 3868, name: diameter, protocol: SCTP } ] } ] }
status: { phase: Running, podIP: 10.1.0.30 }
---
apiVersion: v1
kind: Pod
metadata: { name: new-1, namespace: prod, labels: { app: new } }
spec: { containers: [ { name: new, image: new:1 } ] }
status: { phase: Pending }
---
apiVersion: v1
kind: Pod
metadata: { name: dual-1, namespace: prod, labels: { app: dual } }
spec: { containers: [ { name: dual, image: dual:1 } ] }
status: { phase: Running, podIP: 10.1.0.40, podIPs: [ { ip: 10.1.0.40 }, { ip: 'fd00::40' } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: client-1, namespace: test, labels: { app: client } }
spec: { containers: [ { name: client, image: client:1 } ] }
status: { phase: Running, podIP: 10.2.0.10 }
---
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: test, labels: { app: web } }
spec: { containers: [ { name: web, image: web:1, ports: [ { containerPort: 8080, name: http } ] } ] }
status: { phase: Running, podIP: 10.2.0.20 }
---
apiVersion: v1
kind: Pod
metadata: { name: tool-1, namespace: misc, labels: { app: tool } }
spec: { containers: [ { name: tool, image: tool:1 } ] }
status: { phase: Running, podIP: 10.3.0.10 }
`;

const np = (namespace: string, name: string, spec: string): string => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${namespace} }
spec: ${spec}
`;

/** Ingress to prod/db-1 from the given peers (flow YAML), with optional ports. */
const dbIngress = (name: string, rule: string): string => np('prod', name, `{ podSelector: { matchLabels: { app: db } }, policyTypes: [Ingress], ingress: [ ${rule} ] }`);
const webEgress = (name: string, rule: string): string => np('prod', name, `{ podSelector: { matchLabels: { app: web } }, policyTypes: [Egress], egress: [ ${rule} ] }`);
const DENY_DB = np('prod', 'deny-db', '{ podSelector: { matchLabels: { app: db } }, policyTypes: [Ingress] }');

/** `ns/pod` names a running pod, a bare address an endpoint outside the cluster, an object a witness pod. */
type Ref = string | { readonly witnessIn: string; readonly labels: Labels };

interface Side {
  /** `ns/name` of each policy isolating this side. */
  readonly isolatedBy: readonly string[];
  /** `ns/name direction index: ports` of each rule that allows something. */
  readonly allowedBy: readonly string[];
}

const OPEN: Side = { isolatedBy: [], allowedBy: [] };

interface Case {
  readonly name: string;
  /** Policies (kubectl-shaped YAML) added to CLUSTER. */
  readonly state: readonly string[];
  readonly from: Ref;
  readonly to: Ref;
  readonly reading?: Reading;
  readonly podCIDRs?: string[];
  readonly expect: {
    readonly ports: string;
    readonly egress?: Side;
    readonly ingress?: Side;
    readonly open?: readonly (readonly [Protocol, number])[];
    readonly closed?: readonly (readonly [Protocol, number])[];
  };
}

const cases: Case[] = [
  // Additive policies and isolation.
  {
    name: 'with no policy every path is open on every port',
    state: [],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', open: [['TCP', 1], ['UDP', 65535], ['SCTP', 3868]] },
  },
  {
    name: 'policies are additive: two ingress policies on one pod open the union of their ports',
    state: [
      dbIngress('allow-mysql', '{ from: [ { podSelector: { matchLabels: { app: web } } } ], ports: [ { port: 3306 } ] }'),
      dbIngress('allow-metrics', '{ from: [ { podSelector: { matchLabels: { app: web } } } ], ports: [ { port: 9000, protocol: UDP } ] }'),
    ],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: {
      ports: 'TCP 3306; UDP 9000',
      ingress: { isolatedBy: ['prod/allow-metrics', 'prod/allow-mysql'], allowedBy: ['prod/allow-metrics ingress 0: UDP 9000', 'prod/allow-mysql ingress 0: TCP 3306'] },
    },
  },
  {
    name: 'a deny-all next to an allow policy takes nothing away from the allow',
    state: [DENY_DB, dbIngress('allow-mysql', '{ from: [ { podSelector: { matchLabels: { app: web } } } ], ports: [ { port: 3306 } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'TCP 3306', ingress: { isolatedBy: ['prod/allow-mysql', 'prod/deny-db'], allowedBy: ['prod/allow-mysql ingress 0: TCP 3306'] } },
  },
  {
    name: 'a policy that does not select the pod does not isolate it',
    state: [np('prod', 'deny-other', '{ podSelector: { matchLabels: { app: other } }, policyTypes: [Ingress, Egress] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports' },
  },
  {
    name: 'a policy in another namespace does not isolate the pod even when its selector matches',
    state: [np('test', 'deny-db', '{ podSelector: { matchLabels: { app: db } }, policyTypes: [Ingress] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports' },
  },
  {
    name: 'an Egress-only deny leaves ingress of the pods it selects open',
    state: [np('prod', 'deny-egress', '{ podSelector: { matchLabels: { app: db } }, policyTypes: [Egress] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports' },
  },
  {
    name: 'ingress rules of a policy whose policyTypes lists only Egress neither isolate nor allow ingress',
    state: [np('prod', 'egress-only', '{ podSelector: { matchLabels: { app: db } }, policyTypes: [Egress], ingress: [ { from: [ { podSelector: { matchLabels: { app: sig } } } ] } ], egress: [ {} ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports' },
  },
  {
    name: 'an Egress-only deny closes egress of the pods it selects',
    state: [np('prod', 'deny-egress', '{ podSelector: { matchLabels: { app: db } }, policyTypes: [Egress] }')],
    from: 'prod/db-1',
    to: 'prod/web-1',
    expect: { ports: 'no port', egress: { isolatedBy: ['prod/deny-egress'], allowedBy: [] } },
  },

  // policyTypes defaulting.
  {
    name: 'policyTypes absent and no egress rules isolate ingress',
    state: [np('prod', 'deny', '{ podSelector: {} }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/deny'], allowedBy: [] } },
  },
  {
    name: 'policyTypes absent and no egress rules leave egress open',
    state: [np('prod', 'deny', '{ podSelector: {} }')],
    from: 'prod/db-1',
    to: 'test/client-1',
    expect: { ports: 'all ports' },
  },
  {
    name: 'policyTypes absent with egress rules isolates egress',
    state: [np('prod', 'db-out', '{ podSelector: { matchLabels: { app: db } }, egress: [ { to: [ { podSelector: { matchLabels: { app: web } } } ] } ] }')],
    from: 'prod/db-1',
    to: 'test/client-1',
    expect: { ports: 'no port', egress: { isolatedBy: ['prod/db-out'], allowedBy: [] } },
  },
  {
    name: 'policyTypes absent with egress rules isolates ingress too',
    state: [np('prod', 'db-out', '{ podSelector: { matchLabels: { app: db } }, egress: [ { to: [ { podSelector: { matchLabels: { app: web } } } ] } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-out'], allowedBy: [] } },
  },
  {
    name: 'policyTypes absent with egress rules allows what the egress rules allow',
    state: [np('prod', 'db-out', '{ podSelector: { matchLabels: { app: db } }, egress: [ { to: [ { podSelector: { matchLabels: { app: web } } } ] } ] }')],
    from: 'prod/db-1',
    to: 'prod/web-1',
    expect: { ports: 'all ports', egress: { isolatedBy: ['prod/db-out'], allowedBy: ['prod/db-out egress 0: all ports'] } },
  },
  {
    name: 'an egress-only policy with an empty egress list and no policyTypes leaves egress open',
    state: [np('prod', 'empty-egress', '{ podSelector: { matchLabels: { app: db } }, egress: [] }')],
    from: 'prod/db-1',
    to: 'test/client-1',
    expect: { ports: 'all ports' },
  },
  {
    name: 'an egress-only policy with an empty egress list and no policyTypes isolates ingress',
    state: [np('prod', 'empty-egress', '{ podSelector: { matchLabels: { app: db } }, egress: [] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/empty-egress'], allowedBy: [] } },
  },

  // Both directions.
  {
    name: 'both directions must allow: the path opens only the ports both sides allow',
    state: [
      webEgress('web-out', '{ ports: [ { port: 3000, endPort: 3400 } ] }'),
      dbIngress('db-in', '{ ports: [ { port: 3306 }, { port: 5432 } ] }'),
    ],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: {
      ports: 'TCP 3306',
      egress: { isolatedBy: ['prod/web-out'], allowedBy: ['prod/web-out egress 0: TCP 3000-3400'] },
      ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 3306, 5432'] },
      closed: [['TCP', 5432], ['TCP', 3000]],
    },
  },
  {
    name: 'an egress allow does not open a path the destination denies',
    state: [webEgress('web-out', '{}'), DENY_DB],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: {
      ports: 'no port',
      egress: { isolatedBy: ['prod/web-out'], allowedBy: ['prod/web-out egress 0: all ports'] },
      ingress: { isolatedBy: ['prod/deny-db'], allowedBy: [] },
    },
  },

  // Rules with no peers or no ports, port entries.
  {
    name: 'a rule with no from matches every peer, in any namespace',
    state: [dbIngress('db-in', '{ ports: [ { port: 3306 } ] }')],
    from: 'misc/tool-1',
    to: 'prod/db-1',
    expect: { ports: 'TCP 3306', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 3306'] } },
  },
  {
    name: 'a rule with no from matches an address outside the cluster',
    state: [dbIngress('db-in', '{ ports: [ { port: 3306 } ] }')],
    from: '8.8.8.8',
    to: 'prod/db-1',
    expect: { ports: 'TCP 3306', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 3306'] } },
  },
  {
    name: 'a rule with no ports matches every port',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: {} } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'a port entry with no port matches every port of its protocol',
    state: [dbIngress('db-in', '{ ports: [ { protocol: UDP } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: {
      ports: 'all UDP ports',
      ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all UDP ports'] },
      open: [['UDP', 1], ['UDP', 65535]],
      closed: [['TCP', 53], ['SCTP', 53]],
    },
  },
  {
    name: 'a port entry without protocol means TCP',
    state: [dbIngress('db-in', '{ ports: [ { port: 53 } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'TCP 53', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 53'] }, closed: [['UDP', 53]] },
  },
  {
    name: 'endPort makes a range that includes both ends',
    state: [dbIngress('db-in', '{ ports: [ { port: 8000, endPort: 8080 } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: {
      ports: 'TCP 8000-8080',
      ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 8000-8080'] },
      open: [['TCP', 8000], ['TCP', 8080]],
      closed: [['TCP', 7999], ['TCP', 8081]],
    },
  },

  // Named ports.
  {
    name: "a named port resolves against the destination pod's container port",
    state: [dbIngress('db-in', '{ ports: [ { port: mysql } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'TCP 3306', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 3306'] } },
  },
  {
    name: 'a named port in an egress rule resolves against the destination, not the source',
    state: [webEgress('web-out', '{ ports: [ { port: mysql }, { port: http } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'TCP 3306', egress: { isolatedBy: ['prod/web-out'], allowedBy: ['prod/web-out egress 0: TCP 3306'] }, closed: [['TCP', 8080]] },
  },
  {
    name: 'a named port matches only a container port of the same protocol',
    state: [dbIngress('db-in', '{ ports: [ { port: metrics } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] }, closed: [['TCP', 9000], ['UDP', 9000]] },
  },
  {
    name: 'a named port with the protocol of the container port matches it',
    state: [dbIngress('db-in', '{ ports: [ { port: metrics, protocol: UDP } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'UDP 9000', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: UDP 9000'] } },
  },
  {
    name: 'a named port matches nothing on an address outside the cluster',
    state: [webEgress('web-out', '{ to: [ { ipBlock: { cidr: 0.0.0.0/0 } } ], ports: [ { port: http }, { port: 443 } ] }')],
    from: 'prod/web-1',
    to: '8.8.8.8',
    expect: { ports: 'TCP 443', egress: { isolatedBy: ['prod/web-out'], allowedBy: ['prod/web-out egress 0: TCP 443'] }, closed: [['TCP', 8080]] },
  },
  {
    name: "a named port may be any port on a witness pod whose ports are unknown ('may')",
    state: [dbIngress('db-in', '{ ports: [ { port: mysql } ] }')],
    from: 'prod/web-1',
    to: { witnessIn: 'prod', labels: { app: 'db' } },
    reading: 'may',
    expect: { ports: 'all TCP ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all TCP ports'] } },
  },
  {
    name: "a named port is no port that surely opens on a witness pod whose ports are unknown ('must')",
    state: [dbIngress('db-in', '{ ports: [ { port: mysql } ] }')],
    from: 'prod/web-1',
    to: { witnessIn: 'prod', labels: { app: 'db' } },
    reading: 'must',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },

  // SCTP.
  {
    name: 'an SCTP port opens SCTP only',
    state: [np('prod', 'sig-in', '{ podSelector: { matchLabels: { app: sig } }, ingress: [ { ports: [ { port: 3868, protocol: SCTP } ] } ] }')],
    from: 'prod/web-1',
    to: 'prod/sig-1',
    expect: { ports: 'SCTP 3868', ingress: { isolatedBy: ['prod/sig-in'], allowedBy: ['prod/sig-in ingress 0: SCTP 3868'] }, closed: [['TCP', 3868]] },
  },
  {
    name: 'a named SCTP port resolves against an SCTP container port',
    state: [np('prod', 'sig-in', '{ podSelector: { matchLabels: { app: sig } }, ingress: [ { ports: [ { port: diameter, protocol: SCTP } ] } ] }')],
    from: 'prod/web-1',
    to: 'prod/sig-1',
    expect: { ports: 'SCTP 3868', ingress: { isolatedBy: ['prod/sig-in'], allowedBy: ['prod/sig-in ingress 0: SCTP 3868'] } },
  },

  // Peers.
  {
    name: "a podSelector alone matches pods of the policy's own namespace",
    state: [dbIngress('db-in', '{ from: [ { podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'a podSelector alone does not match pods with the same labels in another namespace',
    state: [dbIngress('db-in', '{ from: [ { podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'test/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'a namespaceSelector alone matches every pod of the matched namespaces',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } } } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: "a namespaceSelector alone does not match the policy's own namespace unless it selects it",
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } } } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'namespaceSelector and podSelector in one peer match a pod that satisfies both',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } }, podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'test/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'namespaceSelector and podSelector in one peer do not match a pod of the namespace with other labels',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } }, podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'namespaceSelector and podSelector in one peer do not match a pod with the labels in another namespace',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } }, podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'separate peers OR: the namespace peer matches a pod the pod peer does not',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } } }, { podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'separate peers OR: the pod peer matches a pod the namespace peer does not',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } } }, { podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'separate peers OR: a pod neither peer matches stays out',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchLabels: { env: test } } }, { podSelector: { matchLabels: { app: web } } } ] }')],
    from: 'misc/tool-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'namespaceSelector {} matches a pod of a namespace without labels',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: {} } ], ports: [ { port: 3306 } ] }')],
    from: 'misc/tool-1',
    to: 'prod/db-1',
    expect: { ports: 'TCP 3306', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: TCP 3306'] } },
  },
  {
    name: 'namespaceSelector {} does not match an address outside the cluster',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: {} } ] }')],
    from: '8.8.8.8',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'podSelector {} matches every pod of the own namespace',
    state: [dbIngress('db-in', '{ from: [ { podSelector: {} } ] }')],
    from: 'prod/sig-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },

  // ipBlock.
  {
    name: 'an ipBlock matches a pod whose IP is inside it',
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.2.0.0/16 ] } } ] }')],
    from: 'misc/tool-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'an ipBlock does not match a pod whose IP is in an except range',
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.2.0.0/16 ] } } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'an ipBlock does not match an outside address in an except range',
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.2.0.0/16 ] } } ] }')],
    from: '10.2.99.99',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'an ipBlock does not match an address outside its CIDR',
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.2.0.0/16 ] } } ] }')],
    from: '192.168.1.1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: "an ipBlock over part of the pod CIDRs may match a pod whose IP is unknown ('may')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/9 } } ] }')],
    podCIDRs: ['10.0.0.0/8'],
    reading: 'may',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: "an ipBlock over part of the pod CIDRs does not surely match a pod whose IP is unknown ('must')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/9 } } ] }')],
    podCIDRs: ['10.0.0.0/8'],
    reading: 'must',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: "an ipBlock covering every pod CIDR surely matches a pod whose IP is unknown ('must')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8 } } ] }')],
    podCIDRs: ['10.0.0.0/8'],
    reading: 'must',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: "an ipBlock covering one of two pod CIDRs does not surely match a pod whose IP is unknown ('must')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8 } } ] }')],
    podCIDRs: ['10.0.0.0/8', '192.168.0.0/16'],
    reading: 'must',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: "an ipBlock whose except leaves part of the pod CIDRs out does not surely match a pod whose IP is unknown ('must')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8, except: [ 10.128.0.0/9 ] } } ] }')],
    podCIDRs: ['10.0.0.0/8'],
    reading: 'must',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: "with no pod CIDRs configured an ipBlock never surely matches a pod whose IP is unknown ('must')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 0.0.0.0/0 } } ] }')],
    podCIDRs: [],
    reading: 'must',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: "an ipBlock outside every pod CIDR cannot match a pod whose IP is unknown ('may')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 172.16.0.0/12 } } ] }')],
    podCIDRs: ['10.0.0.0/8'],
    reading: 'may',
    from: 'prod/new-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: "an egress ipBlock to a destination whose IP is unknown reads the pod CIDRs the same way ('must')",
    state: [webEgress('web-out', '{ to: [ { ipBlock: { cidr: 10.0.0.0/8 } } ], ports: [ { port: 443 } ] }')],
    podCIDRs: ['10.0.0.0/8'],
    reading: 'must',
    from: 'prod/web-1',
    to: 'prod/new-1',
    expect: { ports: 'TCP 443', egress: { isolatedBy: ['prod/web-out'], allowedBy: ['prod/web-out egress 0: TCP 443'] } },
  },
  {
    name: "an IPv4 ipBlock may match a dual-stack pod ('may')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8 } } ] }')],
    reading: 'may',
    from: 'prod/dual-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: "an IPv4 ipBlock does not surely match a dual-stack pod, whose IPv6 traffic it leaves out ('must')",
    state: [dbIngress('db-in', '{ from: [ { ipBlock: { cidr: 10.0.0.0/8 } } ] }')],
    reading: 'must',
    from: 'prod/dual-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },

  // Selectors on missing keys.
  {
    name: 'a NotIn namespaceSelector matches a namespace that lacks the key',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchExpressions: [ { key: env, operator: NotIn, values: [prod] } ] } } ] }')],
    from: 'misc/tool-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'a NotIn namespaceSelector matches a namespace with another value',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchExpressions: [ { key: env, operator: NotIn, values: [prod] } ] } } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'a NotIn namespaceSelector does not match a namespace with a listed value',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchExpressions: [ { key: env, operator: NotIn, values: [prod] } ] } } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'a DoesNotExist namespaceSelector matches a namespace that lacks the key',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchExpressions: [ { key: env, operator: DoesNotExist } ] } } ] }')],
    from: 'misc/tool-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'a DoesNotExist namespaceSelector does not match a namespace that has the key',
    state: [dbIngress('db-in', '{ from: [ { namespaceSelector: { matchExpressions: [ { key: env, operator: DoesNotExist } ] } } ] }')],
    from: 'test/client-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/db-in'], allowedBy: [] } },
  },
  {
    name: 'a NotIn podSelector matches a pod that lacks the key',
    state: [dbIngress('db-in', '{ from: [ { podSelector: { matchExpressions: [ { key: tier, operator: NotIn, values: [db] } ] } } ] }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'all ports', ingress: { isolatedBy: ['prod/db-in'], allowedBy: ['prod/db-in ingress 0: all ports'] } },
  },
  {
    name: 'a NotIn policy podSelector isolates a pod that lacks the key',
    state: [np('prod', 'deny-untiered', '{ podSelector: { matchExpressions: [ { key: tier, operator: NotIn, values: [front] } ] } }')],
    from: 'prod/web-1',
    to: 'prod/db-1',
    expect: { ports: 'no port', ingress: { isolatedBy: ['prod/deny-untiered'], allowedBy: [] } },
  },
];

function endpoint(state: ClusterState, ref: Ref): Endpoint {
  if (typeof ref !== 'string') {
    const namespace = state.namespace(ref.witnessIn);
    if (namespace === undefined) throw new Error(`no namespace ${ref.witnessIn} in the fixture`);
    return { kind: 'pod', group: witnessPod(ref.witnessIn, ref.labels), namespace };
  }
  const [ns, name] = ref.split('/');
  if (name === undefined) return { kind: 'external', ip: ref };
  const group = state.findPod(ns ?? '', name);
  if (group === undefined) throw new Error(`no pod ${ref} in the fixture`);
  return podEndpoint(state, group);
}

function side(verdict: DirectionVerdict): Side {
  return {
    isolatedBy: verdict.isolatedBy.map((p) => `${p.namespace}/${p.name}`),
    allowedBy: verdict.allowedBy.map((a) => `${a.policy.namespace}/${a.policy.name} ${a.direction} ${a.index}: ${describePorts(a.ports)}`),
  };
}

for (const c of cases) {
  t.test(c.name, async (t) => {
    const state = clusterFrom(CLUSTER, ...c.state);
    const config = configWith(c.podCIDRs === undefined ? {} : { podCIDRs: c.podCIDRs });
    const ctx = { policies: (ns: string) => state.policies(ns), podCIDRs: config.podCIDRs, reading: c.reading ?? 'must' };
    const verdict = evaluatePath(ctx, endpoint(state, c.from), endpoint(state, c.to));
    t.equal(describePorts(verdict.ports), c.expect.ports, 'open ports');
    t.same(side(verdict.egress), c.expect.egress ?? OPEN, 'egress side');
    t.same(side(verdict.ingress), c.expect.ingress ?? OPEN, 'ingress side');
    for (const [protocol, port] of c.expect.open ?? []) t.ok(hasPort(verdict.ports, protocol, port), `${protocol} ${port} is open`);
    for (const [protocol, port] of c.expect.closed ?? []) t.notOk(hasPort(verdict.ports, protocol, port), `${protocol} ${port} is closed`);
  });
}

t.test('one rule naming ports resolves against each destination in turn, whatever it resolved before', async (t) => {
  const state = clusterFrom(CLUSTER, webEgress('web-out', '{ ports: [ { port: mysql }, { port: http }, { port: 443 } ] }'));
  const ctx = { policies: (ns: string) => state.policies(ns), podCIDRs: configWith().podCIDRs, reading: 'must' as const };
  const web = endpoint(state, 'prod/web-1');
  for (let round = 0; round < 2; round++) {
    t.equal(describePorts(evaluatePath(ctx, web, endpoint(state, 'prod/db-1')).ports), 'TCP 443, 3306', `to db-1 (round ${round + 1})`);
    t.equal(describePorts(evaluatePath(ctx, web, endpoint(state, 'test/web-1')).ports), 'TCP 443, 8080', `to test/web-1 (round ${round + 1})`);
    t.equal(describePorts(evaluatePath(ctx, web, endpoint(state, '8.8.8.8')).ports), 'TCP 443', `outside the cluster (round ${round + 1})`);
  }
});
