// Namespace CREATE defaults: stamp the isolation annotations and the environment label so that a plain
// `kubectl create namespace x` is isolated with no extra step. Pure: request in, JSON patch out; the
// rules for what to stamp are the core's (policy/generate/namespace-defaults.ts).
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Labels } from '../policy/objects/model.ts';
import { namespaceStamp, type NamespaceDefaults } from '../policy/generate/namespace-defaults.ts';
import { PARENT_ANNOTATION } from '../policy/objects/nsguard-metadata.ts';
import type { AdmissionRequest, JsonPatchOperation, MutationOutcome } from './types.ts';
import { isRecord } from '../json-value.ts';

const NOTHING: MutationOutcome = { patch: [], warnings: [] };

/**
 * A namespace naming a parent (`nsguard.io/parent`) takes the parent's template and environment: it will
 * receive copies of the parent's policies, which are only safe within one environment.
 */
export function mutateNamespace(request: AdmissionRequest, options: NamespaceDefaults, view: Pick<ClusterView, 'namespace'>): MutationOutcome {
  if (request.operation !== 'CREATE' || request.kind.group !== '' || request.kind.kind !== 'Namespace') return NOTHING;
  const metadata = recordAt(request.object, 'metadata');
  if (metadata === undefined) return NOTHING;
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : request.name;
  const wanted = namespaceStamp({ name, labels: stringsAt(metadata, 'labels'), annotations: stringsAt(metadata, 'annotations') }, options, view);
  const patch = [...stamp(metadata, 'annotations', wanted.annotations), ...stamp(metadata, 'labels', wanted.labels)];
  return { patch, warnings: [] };
}

/** The parent a namespace being created names: the stamp reads it, so a live view looks it up if it lacks it. */
export function parentNamed(request: AdmissionRequest): string | undefined {
  const metadata = recordAt(request.object, 'metadata');
  return metadata === undefined ? undefined : stringsAt(metadata, 'annotations')[PARENT_ANNOTATION];
}

/**
 * `add` for each wanted key the object lacks; a user-given value always wins. When the map itself is
 * absent it is added whole, since JSON patch cannot add a member to a missing parent.
 */
function stamp(metadata: Record<string, unknown>, field: 'annotations' | 'labels', wanted: Record<string, string>): JsonPatchOperation[] {
  const entries = Object.entries(wanted);
  if (entries.length === 0) return [];
  const existing = metadata[field];
  if (!isRecord(existing)) return [{ op: 'add', path: `/metadata/${field}`, value: wanted }];
  return entries
    .filter(([key]) => !Object.hasOwn(existing, key))
    .map(([key, value]) => ({ op: 'add', path: `/metadata/${field}/${escapePointer(key)}`, value }));
}

/** RFC 6901: `~` is `~0` and `/` is `~1`, in that order so `~1` in a key stays literal. */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function stringsAt(metadata: Record<string, unknown>, key: string): Labels {
  const inner = metadata[key];
  return isRecord(inner) ? (Object.fromEntries(Object.entries(inner).filter(([, v]) => typeof v === 'string')) as Labels) : {};
}

function recordAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const inner = value[key];
  return isRecord(inner) ? inner : undefined;
}

