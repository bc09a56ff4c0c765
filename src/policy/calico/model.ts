// Calico policies (projectcalico.org/v3, or their crd.projectcalico.org/v1 storage) as the core's values:
// validated and defaulted once by parse-calico-*.ts, or made from a Kubernetes NetworkPolicy by
// from-kubernetes.ts, so evaluate.ts works on these alone.
import type { Cidr, Direction, Labels, Protocol } from '../objects/model.ts';
import type { CalicoSelector } from './selector.ts';

export type CalicoAction = 'Allow' | 'Deny' | 'Pass' | 'Log';
export const CALICO_ACTIONS: readonly CalicoAction[] = ['Allow', 'Deny', 'Pass', 'Log'];

/** What a tier does with the traffic of an endpoint that its policies select but none decides. */
export type TierDefaultAction = 'Deny' | 'Pass';

export interface Tier {
  readonly name: string;
  /** Lowest first; `undefined` runs after every ordered tier. */
  readonly order: number | undefined;
  readonly defaultAction: TierDefaultAction;
}

/** As Calico creates it when no Tier object says otherwise (api/.../v3/tier.go DefaultTierOrder). */
export const DEFAULT_TIER: Tier = { name: 'default', order: 1_000_000, defaultAction: 'Deny' };

/**
 * A rule's `protocol` or `notProtocol`, by name (`TCP`, `ICMPv6`, ...) or number (1-255). Only TCP, UDP and
 * SCTP carry the ports nsguard reasons about: any other protocol matches none of those ports, so a rule
 * on ICMP or UDPLite opens or closes nothing a check asks about (and is listed as not modelled).
 */
export interface CalicoProtocol {
  /** As written: `TCP`, `ICMP`, `6`. */
  readonly text: string;
  /** TCP, UDP or SCTP, by name or by number (6, 17, 132); `undefined` for every other protocol. */
  readonly modelled: Protocol | undefined;
}

/** An entry of `ports` / `notPorts`: a range (a single port is a range of one) or a container port name. */
export type CalicoPort = { readonly kind: 'range'; readonly from: number; readonly to: number } | { readonly kind: 'named'; readonly name: string };

export interface ServiceAccountMatch {
  /** Empty: any name. */
  readonly names: readonly string[];
  readonly selector: CalicoSelector | undefined;
}

/** A rule's `source` or `destination`. Empty lists and absent selectors constrain nothing. */
export interface EntityRule {
  readonly selector: CalicoSelector | undefined;
  readonly notSelector: CalicoSelector | undefined;
  readonly namespaceSelector: CalicoSelector | undefined;
  readonly serviceAccounts: ServiceAccountMatch | undefined;
  readonly nets: readonly Cidr[];
  readonly notNets: readonly Cidr[];
  readonly ports: readonly CalicoPort[];
  readonly notPorts: readonly CalicoPort[];
  /** `services`: endpoints of a Kubernetes Service, not modelled (the rule may match anyone). */
  readonly services: boolean;
}

export interface CalicoRule {
  readonly action: CalicoAction;
  readonly ipVersion: 4 | 6 | undefined;
  readonly protocol: CalicoProtocol | undefined;
  readonly notProtocol: CalicoProtocol | undefined;
  readonly source: EntityRule;
  readonly destination: EntityRule;
  /** An `http` match: application layer, not modelled (the rule may match any request). */
  readonly http: boolean;
  /** Made from a Kubernetes NetworkPolicy: the index of its rule this one came from (messages name that). */
  readonly origin?: number;
}

/** Set on StagedNetworkPolicy and StagedGlobalNetworkPolicy: what promoting it would do. */
export type StagedAction = 'Set' | 'Delete' | 'Learn' | 'Ignore';
export const STAGED_ACTIONS: readonly StagedAction[] = ['Set', 'Delete', 'Learn', 'Ignore'];

/** What a policy uses that nsguard does not evaluate: each is reported, never judged in silence. */
export type UnmodelledFeature =
  | 'doNotTrack'
  | 'preDNAT'
  | 'applyOnForward'
  /** `global()` in a rule's namespaceSelector: host endpoints and global network sets. */
  | 'hostEndpoints'
  | 'services'
  | 'http'
  | 'icmp'
  /** A protocol other than TCP, UDP and SCTP. */
  | 'protocol';

export interface Unmodelled {
  readonly feature: UnmodelledFeature;
  /** Where in the object: `spec.doNotTrack`, `spec.egress[0].protocol`. */
  readonly path: string;
}

interface PolicyCommon {
  /** `metadata.name` as the user wrote it in projectcalico.org/v3 (`allow-dns`, `security.allow-dns`). */
  readonly name: string;
  /** The name as stored in crd.projectcalico.org/v1 (`default.allow-dns`); policies are the same object iff
   * kind, namespace and this name are equal. */
  readonly backendName: string;
  readonly tier: string;
  /** Lowest first within the tier; `undefined` runs after every ordered policy. */
  readonly order: number | undefined;
  /** `undefined` for an enforced policy. */
  readonly staged: StagedAction | undefined;
  readonly selector: CalicoSelector;
  readonly serviceAccountSelector: CalicoSelector | undefined;
  /** Defaulted as Calico does when absent: see parse-calico-policy.ts. */
  readonly types: ReadonlySet<Direction>;
  /** As written, so rule indexes in messages match the object; a direction missing from `types` is not evaluated. */
  readonly ingress: readonly CalicoRule[];
  readonly egress: readonly CalicoRule[];
  readonly unmodelled: readonly Unmodelled[];
  readonly labels: Labels;
  readonly annotations: Labels;
}

export type CalicoPolicy =
  | (PolicyCommon & { readonly kind: 'NetworkPolicy'; readonly namespace: string })
  | (PolicyCommon & { readonly kind: 'GlobalNetworkPolicy'; readonly namespaceSelector: CalicoSelector | undefined });

/** Enough to name a policy in a message or a decision chain. */
export interface CalicoPolicyRef {
  readonly kind: CalicoPolicy['kind'];
  /** `undefined` for a GlobalNetworkPolicy. */
  readonly namespace: string | undefined;
  readonly name: string;
  readonly tier: string;
}

export function policyRef(policy: CalicoPolicy): CalicoPolicyRef {
  return { kind: policy.kind, namespace: policy.kind === 'NetworkPolicy' ? policy.namespace : undefined, name: policy.name, tier: policy.tier };
}

/** The service account a pod runs as, as Calico matches it (`serviceAccounts`, `serviceAccountSelector`). */
export interface ServiceAccount {
  readonly name: string;
  readonly labels: Labels;
}
