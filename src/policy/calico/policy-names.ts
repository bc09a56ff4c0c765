// How Calico names policies in its two API groups (libcalico-go/lib/names/policy.go; the backend write in
// lib/backend/k8s/resources/resources.go ConvertCalicoResourceToK8sResource):
// - projectcalico.org/v3: the name as written; a default-tier policy may leave out `default.`.
// - crd.projectcalico.org/v1: TieredPolicyName of it: `default.` is prepended to a name with no dot;
//   `tier.name` and the reserved prefixes (`knp.default.`, `kcnp.kube-admin.`, ...) stay as they are.
//   The v3 name is kept in the `projectcalico.org/metadata` annotation when the API server wrote it.
import type { PolicyRef } from '../objects/model.ts';
import type { CalicoPolicy, CalicoPolicyRef } from './model.ts';

const DEFAULT_TIER_NAME = 'default';

/** How Calico names the policy it makes of a Kubernetes NetworkPolicy (conversion.go). */
export const KUBERNETES_POLICY_PREFIX = 'knp.default.';

/** The Kubernetes NetworkPolicy Calico made `ref` of, if it did: messages name that policy. */
export function kubernetesOrigin(ref: CalicoPolicyRef): PolicyRef | undefined {
  if (ref.kind !== 'NetworkPolicy' || !ref.name.startsWith(KUBERNETES_POLICY_PREFIX)) return undefined;
  return { namespace: ref.namespace ?? '', name: ref.name.slice(KUBERNETES_POLICY_PREFIX.length) };
}

/** Names that carry their tier already and are never rewritten (policyNameIsFormatted). */
const FORMATTED_PREFIXES: readonly (readonly [prefix: string, tier: string])[] = [
  [KUBERNETES_POLICY_PREFIX, DEFAULT_TIER_NAME],
  ['kcnp.kube-admin.', 'kube-admin'],
  ['kcnp.kube-baseline.', 'kube-baseline'],
  ['ossg.', DEFAULT_TIER_NAME],
];

function formattedTier(name: string): string | undefined {
  return FORMATTED_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1];
}

/** v3 name -> crd.projectcalico.org/v1 name (TieredPolicyName): `allow-dns` -> `default.allow-dns`. */
export function backendPolicyName(name: string): string {
  if (formattedTier(name) !== undefined || name.includes('.')) return name;
  return `${DEFAULT_TIER_NAME}.${name}`;
}

/** crd.projectcalico.org/v1 name -> v3 name (ClientTieredPolicyName): `default.allow-dns` -> `allow-dns`. */
export function clientPolicyName(backendName: string): string {
  if (formattedTier(backendName) !== undefined) return backendName;
  const prefix = `${DEFAULT_TIER_NAME}.`;
  return backendName.startsWith(prefix) ? backendName.slice(prefix.length) : backendName;
}

/** The tier a stored name says, for a CRD object without `spec.tier` (TierFromPolicyName). */
export function tierFromPolicyName(backendName: string): string {
  const formatted = formattedTier(backendName);
  if (formatted !== undefined) return formatted;
  const dot = backendName.indexOf('.');
  return dot === -1 ? DEFAULT_TIER_NAME : backendName.slice(0, dot);
}

/**
 * Felix's name for the policy, which breaks ties between policies of equal order
 * (model.PolicyNameLessThan): `namespace/default.name` for a NetworkPolicy, `default.name` for a global one.
 */
export function felixPolicyName(policy: CalicoPolicy): string {
  return policy.kind === 'NetworkPolicy' ? `${policy.namespace}/${policy.backendName}` : policy.backendName;
}
