// The Calico kinds nsguard reads, in either API group, and what each one is in the core.
import type { CalicoPolicy, Tier } from './model.ts';
import { CALICO_API_VERSION, CALICO_CRD_API_VERSION } from './parse-calico-head.ts';
import type { CalicoPolicyKind } from './parse-calico-policy.ts';
import { CALICO_POLICY_KINDS, parseCalicoPolicy } from './parse-calico-policy.ts';
import { parseTier } from './parse-calico-tier.ts';

export type CalicoKind = CalicoPolicyKind | 'Tier';
export const CALICO_KINDS: readonly CalicoKind[] = [...CALICO_POLICY_KINDS, 'Tier'];

/** The plural resource of each kind, as URLs and admission requests name it (the same in both groups). */
export const CALICO_RESOURCES: Readonly<Record<CalicoKind, string>> = {
  Tier: 'tiers',
  NetworkPolicy: 'networkpolicies',
  GlobalNetworkPolicy: 'globalnetworkpolicies',
  StagedNetworkPolicy: 'stagednetworkpolicies',
  StagedGlobalNetworkPolicy: 'stagedglobalnetworkpolicies',
};

export type CalicoObject = { readonly kind: 'policy'; readonly policy: CalicoPolicy } | { readonly kind: 'tier'; readonly tier: Tier };

/** The Calico kind of an object with this apiVersion and kind, or undefined when it is none nsguard reads. */
export function calicoKind(apiVersion: unknown, kind: unknown): CalicoKind | undefined {
  if (apiVersion !== CALICO_API_VERSION && apiVersion !== CALICO_CRD_API_VERSION) return undefined;
  return CALICO_KINDS.find((k) => k === kind);
}

export function parseCalicoObject(raw: unknown, kind: CalicoKind, where: string): CalicoObject {
  return kind === 'Tier' ? { kind: 'tier', tier: parseTier(raw, where) } : { kind: 'policy', policy: parseCalicoPolicy(raw, kind, where) };
}

/** Whether a policy kind is one of the staged ones, which never enforce. */
export function isStagedKind(kind: CalicoPolicyKind): boolean {
  return kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
}

/** The enforced kind a staged kind becomes when promoted. */
export function enforcedKind(kind: CalicoPolicyKind): CalicoPolicy['kind'] {
  return kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy' ? 'NetworkPolicy' : 'GlobalNetworkPolicy';
}
