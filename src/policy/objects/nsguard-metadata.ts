// The labels and annotations nsguard reads and writes: a contract with users (they set the namespace
// annotations, `kubectl get netpol -l app.kubernetes.io/managed-by=nsguard` finds what it generated).
import type { Isolation, Labels, Policy } from './model.ts';
import { ISOLATIONS } from './model.ts';

export const ANNOTATION_PREFIX = 'nsguard.io/';
export const ISOLATION_ANNOTATION = 'nsguard.io/isolation';
export const TEMPLATE_ANNOTATION = 'nsguard.io/template';
export const PARENT_ANNOTATION = 'nsguard.io/parent';
/** Set by the controller once every generated policy of the namespace exists: when isolation began. */
export const READY_ANNOTATION = 'nsguard.io/isolation-ready';
/** Set by the controller while something keeps it from generating as asked (a missing parent...). */
export const PROBLEM_ANNOTATION = 'nsguard.io/problem';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'nsguard';
/** On generated policies: the template they came from, so a leftover can be removed in a safe order. */
export const TEMPLATE_LABEL = 'nsguard.io/template';
/** On copies of a parent namespace's policies. */
export const INHERIT_LABEL = 'nsguard.io/inherit';
export const INHERITED_FROM_ANNOTATION = 'nsguard.io/inherited-from';
export const GENERATED_PREFIX = 'nsguard-';
export const INHERITED_PREFIX = 'nsguard-inherit-';

export function isGenerated(policy: { readonly labels: Labels }): boolean {
  return policy.labels[MANAGED_BY_LABEL] === MANAGED_BY;
}

export function isInheritedCopy(policy: Policy): boolean {
  return isGenerated(policy) && policy.labels[INHERIT_LABEL] === 'true';
}

export function isIsolation(value: string | undefined): value is Isolation {
  return ISOLATIONS.includes(value as Isolation);
}

/** How much a namespace is isolated, for "was it weakened?": strict > ingress > none. */
export function isolationStrength(isolation: Isolation): number {
  return ISOLATIONS.length - 1 - ISOLATIONS.indexOf(isolation);
}
