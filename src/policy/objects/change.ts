import type { CalicoPolicy } from '../calico/model.ts';
import type { CalicoApiGroup } from '../calico/parse-calico-head.ts';
import type { CalicoPolicyKind } from '../calico/parse-calico-policy.ts';
import type { Namespace, Policy } from './model.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Who asked: admission `userInfo`, reduced to what the checks read. */
export interface Requester {
  readonly username: string;
  readonly groups: readonly string[];
}

/** A NetworkPolicy write: `before` is absent on CREATE, `after` on DELETE. */
export interface PolicyChange {
  readonly kind: 'NetworkPolicy';
  readonly operation: Operation;
  readonly namespace: string;
  readonly name: string;
  readonly before: Policy | undefined;
  readonly after: Policy | undefined;
}

/** A Namespace write (create or relabel); deletes are not judged here. */
export interface NamespaceChange {
  readonly kind: 'Namespace';
  readonly operation: Operation;
  readonly name: string;
  readonly before: Namespace | undefined;
  readonly after: Namespace | undefined;
}

/**
 * A Calico policy write, from either API group (projectcalico.org/v3 or crd.projectcalico.org/v1): `before`
 * is absent on CREATE, `after` on DELETE. A staged kind is judged as if promoted, and only warns.
 */
export interface CalicoPolicyChange {
  readonly kind: 'CalicoPolicy';
  readonly operation: Operation;
  readonly policyKind: CalicoPolicyKind;
  /** `crd`: a crd.projectcalico.org/v1 write (calicoctl, or the Calico API server storing a v3 write). */
  readonly group: CalicoApiGroup;
  readonly staged: boolean;
  /** Undefined for the global kinds. */
  readonly namespace: string | undefined;
  /** The v3 name (`allow-dns`), and the stored one (`default.allow-dns`) that identifies the object. */
  readonly name: string;
  readonly backendName: string;
  readonly before: CalicoPolicy | undefined;
  readonly after: CalicoPolicy | undefined;
}

export type Change = PolicyChange | NamespaceChange | CalicoPolicyChange;
