// kind, apiVersion and metadata of a Calico object in either API group. The Calico API server stores a
// projectcalico.org/v3 object as crd.projectcalico.org/v1 and keeps its v3 metadata (name, labels,
// annotations) as JSON in one annotation (libcalico-go/lib/backend/k8s/resources/resources.go).
import type { Labels } from '../objects/model.ts';
import type { Fields, ObjectContext } from '../objects/parse-fields.ts';
import { invalidField, isFields } from '../objects/parse-fields.ts';
import { parseObjectHead } from '../objects/parse-object-head.ts';
import { parseLabels } from '../objects/parse-selector.ts';

export const CALICO_API_VERSION = 'projectcalico.org/v3';
export const CALICO_CRD_API_VERSION = 'crd.projectcalico.org/v1';
const METADATA_ANNOTATION = 'projectcalico.org/metadata';

export type CalicoApiGroup = 'v3' | 'crd';

export interface CalicoHead {
  readonly ctx: ObjectContext;
  readonly fields: Fields;
  readonly group: CalicoApiGroup;
  /** `metadata.name` as stored: the backend name for a CRD object. */
  readonly name: string;
  /** The v3 name a CRD object's metadata annotation keeps, when the Calico API server wrote it. */
  readonly v3Name: string | undefined;
  readonly namespace: string | undefined;
  /** The v3 labels and annotations (the CRD object's own merged with those in its metadata annotation). */
  readonly labels: Labels;
  readonly annotations: Labels;
}

export function parseCalicoHead(raw: unknown, kind: string, namespaced: boolean, where: string): CalicoHead {
  const apiVersion = isFields(raw) ? raw['apiVersion'] : undefined;
  if (apiVersion !== undefined && apiVersion !== CALICO_API_VERSION && apiVersion !== CALICO_CRD_API_VERSION) {
    // Read the head without the apiVersion only to name the object in the message.
    const { ctx } = parseObjectHead({ ...(raw as Fields), apiVersion: undefined }, { kind, apiVersion: CALICO_API_VERSION, namespaced }, where);
    throw invalidField(ctx, 'apiVersion', apiVersion, `${CALICO_API_VERSION} or ${CALICO_CRD_API_VERSION}`);
  }
  const group: CalicoApiGroup = apiVersion === CALICO_CRD_API_VERSION ? 'crd' : 'v3';
  const head = parseObjectHead(raw, { kind, apiVersion: group === 'crd' ? CALICO_CRD_API_VERSION : CALICO_API_VERSION, namespaced }, where);
  const common = { ctx: head.ctx, fields: head.fields, group, name: head.name, namespace: head.namespace };
  const stored = head.annotations[METADATA_ANNOTATION];
  if (group === 'v3' || stored === undefined) return { ...common, v3Name: undefined, labels: head.labels, annotations: head.annotations };
  const path = `metadata.annotations["${METADATA_ANNOTATION}"]`;
  let meta: unknown;
  try {
    meta = JSON.parse(stored);
  } catch {
    throw invalidField(head.ctx, path, stored, 'the JSON of an ObjectMeta, as the Calico API server writes it');
  }
  if (!isFields(meta)) throw invalidField(head.ctx, path, stored, 'the JSON of an ObjectMeta, as the Calico API server writes it');
  const v3Name = meta['name'];
  if (v3Name !== undefined && (typeof v3Name !== 'string' || v3Name === '')) throw invalidField(head.ctx, `${path}.name`, v3Name, 'a non-empty string');
  const { [METADATA_ANNOTATION]: _stored, ...ownAnnotations } = head.annotations;
  // The stored values win, as they do when Calico reads the object back (ConvertK8sResourceToCalicoResource).
  return {
    ...common,
    v3Name,
    labels: { ...head.labels, ...parseLabels(meta['labels'], `${path}.labels`, head.ctx) },
    annotations: { ...ownAnnotations, ...parseLabels(meta['annotations'], `${path}.annotations`, head.ctx) },
  };
}
