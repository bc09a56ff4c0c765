// The core's own small, precise types. Kubernetes objects are converted into these once, at the edge
// (parse-*.ts), so everything below works on validated, normalised values.

export type Labels = Readonly<Record<string, string>>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A label selector as a conjunction of requirements (matchLabels become `In [value]`). */
export interface Selector {
  readonly requirements: readonly Requirement[];
}

export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  /** First and last address as big integers, so v4 and v6 share the range arithmetic. */
  readonly first: bigint;
  readonly last: bigint;
}

export interface IpBlock {
  readonly cidr: Cidr;
  readonly except: readonly Cidr[];
}

/** One entry of `from`/`to`. Both selectors in one peer AND; separate peers OR. */
export type Peer =
  | { readonly kind: 'pods'; readonly podSelector: Selector }
  | { readonly kind: 'namespaces'; readonly namespaceSelector: Selector; readonly podSelector: Selector | undefined }
  | { readonly kind: 'ipBlock'; readonly ipBlock: IpBlock };

/** A port entry: `port` absent means every port of the protocol. */
export type PortSpec =
  | { readonly protocol: Protocol; readonly kind: 'all' }
  | { readonly protocol: Protocol; readonly kind: 'range'; readonly from: number; readonly to: number }
  | { readonly protocol: Protocol; readonly kind: 'named'; readonly name: string };

export type Direction = 'ingress' | 'egress';

export interface Rule {
  /** `undefined`: the rule has no from/to and matches every peer. */
  readonly peers: readonly Peer[] | undefined;
  /** `undefined`: the rule has no ports and matches every port. */
  readonly ports: readonly PortSpec[] | undefined;
}

export interface PolicyRef {
  readonly namespace: string;
  readonly name: string;
}

export interface Policy extends PolicyRef {
  readonly podSelector: Selector;
  /** Normalised: absent policyTypes already resolved per the API's defaulting. */
  readonly types: ReadonlySet<Direction>;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  readonly labels: Labels;
  readonly annotations: Labels;
}

export interface Namespace {
  readonly name: string;
  /** metadata.uid when known: Events about the namespace refer to it (`kubectl describe ns` matches on it). */
  readonly uid?: string;
  /** metadata.resourceVersion when known: the controller's backfill is conditional on it, so it never overwrites a value set meanwhile. */
  readonly resourceVersion?: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly terminating: boolean;
  /** Set on namespaces that stand for "any namespace of this environment" and do not exist. */
  readonly witness?: true;
}

export interface ContainerPort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * Pods with the same namespace, labels and container ports behave identically under NetworkPolicy,
 * so the cluster is kept as groups: a count, a few names and the IPs, never whole Pod objects.
 */
export interface PodGroup {
  readonly namespace: string;
  readonly labels: Labels;
  /** `'unknown'`: a witness pod whose ports could be anything (a named port may resolve to any number). */
  readonly ports: readonly ContainerPort[] | 'unknown';
  readonly count: number;
  /** The first few pod names, for messages. */
  readonly names: readonly string[];
  /** Known pod IPs; empty when unknown (the configured pod CIDRs stand in). */
  readonly ips: readonly string[];
  /** Set on pods that could exist but do not: described in messages as "any pod labelled ...". */
  readonly witness?: true;
}

export type Mode = 'enforce' | 'warn' | 'audit';
export const MODES: readonly Mode[] = ['enforce', 'warn', 'audit'];

export interface DnsConfig {
  readonly namespace: string;
  readonly podLabels: Labels;
  readonly port: number;
  readonly protocols: readonly Protocol[];
  /** NodeLocal DNSCache listen addresses: when set, pods resolve through them, reached only by ipBlock. */
  readonly nodeLocalIPs: readonly string[];
  /** ClusterIPs of the DNS Service: only used to explain why an ipBlock on them does not help. */
  readonly serviceIPs: readonly string[];
}

/** `nsguard.io/isolation`: both directions, ingress only, or opted out. */
export type Isolation = 'strict' | 'ingress' | 'none';
export const ISOLATIONS: readonly Isolation[] = ['strict', 'ingress', 'none'];

/** A namespace named `*-prod` gets `env=prod` when created without an environment label. */
export interface EnvironmentFromName {
  readonly suffix: string;
  readonly environment: string;
}

/** The ingress controller that may reach every isolated namespace (the default template's rule). */
export interface IngressControllerConfig {
  /** Namespaces (by name) the controller's pods run in. */
  readonly namespaces: readonly string[];
  /** Address ranges it connects from when it is outside the pod network (a cloud load balancer). */
  readonly ipBlocks: readonly Cidr[];
  /** The backends' container ports it may reach: numbers or container port names, TCP. */
  readonly ports: readonly (number | string)[];
}

/** The monitoring that may scrape every isolated namespace (the default template's rule). */
export interface MonitoringConfig {
  /** Namespaces carrying these labels (all of them) may reach the metrics ports. */
  readonly namespaceLabels: Labels;
  /** Port numbers or container port names, TCP. */
  readonly ports: readonly (number | string)[];
}

/** A NetworkPolicy manifest as written in a template, placeholders not yet filled. */
export type PolicyManifest = Readonly<Record<string, unknown>>;

/** The policies generated in each namespace that names it, in the order they are created. */
export interface Template {
  readonly name: string;
  readonly policies: readonly PolicyManifest[];
}

/**
 * How the built-in defaults are written: Kubernetes NetworkPolicies only, or (`calico`) DNS granted once
 * for the cluster by a Calico GlobalNetworkPolicy (generate/calico-system.ts) and the rest per namespace.
 */
export type Flavour = 'kubernetes' | 'calico';
export const FLAVOURS: readonly Flavour[] = ['kubernetes', 'calico'];

/** What makes a workload sensitive to `nsguard audit`: listed first when it is not isolated. */
export interface SensitiveWorkloads {
  /** Image names, compared with the last path segment of a container image, without tag or digest. */
  readonly images: readonly string[];
  /** Label key → values: a pod carrying one of them is sensitive. */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  /** Container ports (any protocol). */
  readonly ports: readonly number[];
}

/** nsguard's own webhook pods, which the apiserver must be able to call. */
export interface WebhookPods {
  readonly namespace: string;
  readonly podLabels: Labels;
  readonly port: number;
}

export interface AuditConfig {
  readonly sensitive: SensitiveWorkloads;
  readonly webhook: WebhookPods;
  /** Where the apiserver calls webhooks from; live audits also read the `kubernetes` Service's endpoints. */
  readonly apiserverAddresses: readonly string[];
}

export interface Config {
  readonly mode: Mode;
  readonly flavour: Flavour;
  readonly environmentLabel: string;
  readonly separateEnvironments: readonly (readonly [string, string])[];
  readonly podCIDRs: readonly Cidr[];
  readonly dns: DnsConfig;
  /** Groups whose members may change generated policies, isolation and mode overrides. */
  readonly adminGroups: readonly string[];
  readonly adminUsers: readonly string[];
  /** Namespaces that get no generated policies (their policies are still checked). */
  readonly exemptNamespaces: readonly string[];
  /** Stamped on a namespace created without `nsguard.io/isolation`. */
  readonly defaultIsolation: Isolation;
  /** Stamped as `nsguard.io/template` on a namespace created without one. */
  readonly defaultTemplate: string;
  /** Tried in order on Namespace CREATE without an environment label; the first match labels it. */
  readonly environmentFromName: readonly EnvironmentFromName[];
  /** Namespaces with these labels are exempt too, as if listed in exemptNamespaces. */
  readonly exemptNamespaceSelector: Selector | undefined;
  /** Users nsguard itself runs as: its writes to generated policies and namespaces are not tampering. */
  readonly controllerUsers: readonly string[];
  /**
   * The Calico API server's own identities: it stores each projectcalico.org/v3 write it admitted (its
   * webhooks judged that) as crd.projectcalico.org/v1, and those backend writes are not judged again.
   */
  readonly calicoApiServerUsers: readonly string[];
  readonly ingressController: IngressControllerConfig;
  readonly monitoring: MonitoringConfig;
  /** By name; `default` is built from dns, ingressController and monitoring unless given here. */
  readonly templates: ReadonlyMap<string, Template>;
  /** Steps one review may take (budget.ts); past them the change is refused with `review-budget`. */
  readonly reviewBudget: number;
  /**
   * Live mode: how long a watched kind may stay out of sync (its watch down and not re-established,
   * or its relist failing) before the replica stops being ready and answers reviews with an error.
   */
  readonly maxOutOfSyncSeconds: number;
  /** `nsguard audit` only. */
  readonly audit: AuditConfig;
}

/** One running pod as read from the API or a state file; the cluster index folds these into groups. */
export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  readonly ips: readonly string[];
}

/** A port of a Service: what clients connect to (`port`), and where on an endpoint it arrives. */
export interface ServicePort {
  /** undefined for a Service's one unnamed port. */
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
  /** A number, or the name of a container port, looked up on each endpoint pod (pods may differ). */
  readonly targetPort: number | string;
}

/** What `nsguard explain` needs of a Service: how it is addressed and which endpoints it sends to. */
export interface Service {
  readonly namespace: string;
  readonly name: string;
  /** Every family's ClusterIP; empty for headless and ExternalName Services. */
  readonly clusterIPs: readonly string[];
  /** `clusterIP: None`: the name resolves to the endpoints' own addresses, and ports are not translated. */
  readonly headless: boolean;
  /** `type: ExternalName`: a DNS alias for a host outside the cluster. */
  readonly externalName: string | undefined;
  /** undefined without a selector: someone else keeps its endpoints (EndpointSlices). */
  readonly selector: Labels | undefined;
  readonly ports: readonly ServicePort[];
}

/**
 * The endpoints an EndpointSlice lists for a Service without a selector (those of Services with one are
 * the pods the selector picks, which the view holds already). Only endpoints that take traffic.
 */
export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** The Service it belongs to (its `kubernetes.io/service-name` label), in the same namespace. */
  readonly service: string;
  /** By the Service port's name: the port number on the endpoints. */
  readonly ports: readonly ContainerPort[];
  readonly addresses: readonly string[];
}
