// One handler per kind nsguard serves: how the apiserver sends it (resource, scope, paths, operations),
// what a review of it asks the core (a Change), and, for kinds nsguard mutates, the patch. The registry
// (registry.ts) finds the handler by group/version/kind; the webhook knows only the registry.
import type { Change } from '../policy/objects/change.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config } from '../policy/objects/model.ts';
import type { AdmissionOperation, AdmissionRequest, GroupVersionKind, MutationOutcome, WebhookName } from './types.ts';

export interface ServedKind {
  readonly kind: GroupVersionKind;
  /** Plural resource name, as in `request.resource.resource`. */
  readonly resource: string;
  readonly namespaced: boolean;
  /** The webhook paths nsguard's configurations send it to. */
  readonly paths: readonly WebhookName[];
  /** What the apiserver sends for it. CONNECT exists only for subresources such as pods/exec. */
  readonly operations: readonly AdmissionOperation[];
  /** Whether the object's metadata.name is the request's name; equality unless the kind has two spellings. */
  readonly sameName?: (requested: string, stored: string) => boolean;
}

export interface KindHandler extends ServedKind {
  /** The change a review asks for, from its objects; the view stands in for an old object the review lacks. */
  change(request: AdmissionRequest, view: ClusterView): Change;
  /** The patch for a review at /mutate; only kinds whose `paths` include it have one. */
  mutate?(request: AdmissionRequest, config: Config, view: Pick<ClusterView, 'namespace'>): MutationOutcome;
  /** Namespaces the mutation reads that a live view may not hold yet (looked up first). */
  mutationReads?(request: AdmissionRequest): readonly string[];
}

/** The operations the apiserver sends for a resource without a connect subresource. */
export const WRITES: readonly AdmissionOperation[] = ['CREATE', 'UPDATE', 'DELETE'];
