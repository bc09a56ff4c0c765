// The contract between the webhook (HTTP, TLS, AdmissionReview envelopes) and the admission logic
// (what a request means). The webhook validates the envelope once and hands over these values.
import type { Operation as JsonPatchOperation } from 'fast-json-patch';
import type { Decision } from '../policy/checks/decision.ts';

export type { JsonPatchOperation };

/** The two admission paths: `POST /validate` and `POST /mutate`. */
export type WebhookName = 'validate' | 'mutate';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export const ADMISSION_OPERATIONS: readonly AdmissionOperation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** `request` of an `admission.k8s.io/v1` AdmissionReview, shape-checked at the edge. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subResource?: string;
  readonly requestKind?: GroupVersionKind;
  readonly requestResource?: GroupVersionResource;
  readonly requestSubResource?: string;
  /** Empty on CREATE with `generateName`: the apiserver names the object after admission. */
  readonly name: string;
  readonly namespace?: string;
  readonly operation: AdmissionOperation;
  readonly userInfo: UserInfo;
  /** `null` on DELETE. */
  readonly object: unknown;
  /** `null` on CREATE and CONNECT. */
  readonly oldObject: unknown;
  readonly dryRun?: boolean;
  readonly options?: unknown;
}

export interface ValidationOutcome {
  readonly decision: Decision;
  /** Where the judged object lives, when the request alone does not say (Namespace objects, generateName). */
  readonly namespace?: string;
  readonly name?: string;
}

export interface MutationOutcome {
  readonly patch: readonly JsonPatchOperation[];
  readonly warnings: readonly string[];
}

export interface Admission {
  /**
   * Why the apiserver could not have sent `request` to this path (a kind nsguard does not serve, an
   * operation that kind never has, a namespace or name that differs from the object's), or undefined.
   * Such a review is forged or misrouted: the webhook refuses it before judging.
   */
  envelopeProblem(webhook: WebhookName, request: AdmissionRequest): string | undefined;
  /**
   * May throw or reject: the webhook then answers a retryable 500, never an allow. A promise when the
   * answer needs data the view does not hold yet.
   */
  validate(request: AdmissionRequest): ValidationOutcome | Promise<ValidationOutcome>;
  /**
   * May throw or reject: the webhook then allows without a patch and warns (the controller backfills).
   * A promise when a parent the view does not hold must be looked up.
   */
  mutate(request: AdmissionRequest): MutationOutcome | Promise<MutationOutcome>;
  /** The cluster view has synced: decisions are made against real state. */
  ready(): boolean;
}
