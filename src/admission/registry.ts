// The kinds nsguard serves, one handler each, found by the group/version/kind of a review. A review of
// any other kind did not come from an apiserver using nsguard's manifests.
import type { KindHandler } from './kind-handler.ts';
import { CALICO_POLICY_HANDLERS } from './kinds/calico-policy.ts';
import { NAMESPACE } from './kinds/namespace.ts';
import { NETWORK_POLICY } from './kinds/network-policy.ts';
import type { GroupVersionKind } from './types.ts';

export const HANDLERS: readonly KindHandler[] = [NETWORK_POLICY, NAMESPACE, ...CALICO_POLICY_HANDLERS];

export function handlerFor(kind: GroupVersionKind): KindHandler | undefined {
  return HANDLERS.find((h) => h.kind.group === kind.group && h.kind.version === kind.version && h.kind.kind === kind.kind);
}

/** `NetworkPolicy.networking.k8s.io`, `Namespace`: kubectl's `kind.group`, unambiguous across API groups. */
export function kindName(kind: Pick<GroupVersionKind, 'group' | 'kind'>): string {
  return kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
}
