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

export type Change = PolicyChange | NamespaceChange;
