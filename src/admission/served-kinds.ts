// The kinds nsguard's webhook configurations register, as the apiserver describes them in a review:
// the resource a rule names, the kind it is served as, its scope, and the operations the apiserver
// sends for it. A review outside this table did not come from an apiserver using nsguard's manifests.
import type { AdmissionOperation, GroupVersionKind, WebhookName } from './types.ts';

export interface ServedKind {
  readonly kind: GroupVersionKind;
  /** Plural resource name, as in `request.resource.resource`. */
  readonly resource: string;
  readonly namespaced: boolean;
  /** The webhook paths nsguard's configurations send it to. */
  readonly paths: readonly WebhookName[];
  /** What the apiserver sends for it. CONNECT exists only for subresources such as pods/exec. */
  readonly operations: readonly AdmissionOperation[];
}

const WRITES: readonly AdmissionOperation[] = ['CREATE', 'UPDATE', 'DELETE'];

export const SERVED_KINDS: readonly ServedKind[] = [
  {
    kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
    resource: 'networkpolicies',
    namespaced: true,
    paths: ['validate'],
    operations: WRITES,
  },
  {
    kind: { group: '', version: 'v1', kind: 'Namespace' },
    resource: 'namespaces',
    namespaced: false,
    paths: ['validate', 'mutate'],
    operations: WRITES,
  },
];

/** `NetworkPolicy.networking.k8s.io`, `Namespace`: kubectl's `kind.group`, unambiguous across API groups. */
export function kindName(kind: Pick<GroupVersionKind, 'group' | 'kind'>): string {
  return kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
}

export function servedKind(kind: GroupVersionKind): ServedKind | undefined {
  return SERVED_KINDS.find((served) => served.kind.group === kind.group && served.kind.version === kind.version && served.kind.kind === kind.kind);
}
