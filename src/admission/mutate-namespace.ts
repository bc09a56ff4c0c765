// Namespace CREATE defaults: stamp the isolation annotations and the environment label so that a plain
// `kubectl create namespace x` is isolated with no extra step. Pure: request in, JSON patch out.
import type { ClusterView } from '../policy/cluster-view.ts';
import { isExempt } from '../policy/generation.ts';
import type { Config, Labels, Namespace } from '../policy/model.ts';
import { ISOLATION_ANNOTATION, PARENT_ANNOTATION, TEMPLATE_ANNOTATION } from '../policy/nsguard-metadata.ts';
import type { AdmissionRequest, JsonPatchOperation, MutationOutcome } from './types.ts';

/** The configuration the mutation reads. */
export type NamespaceDefaults = Pick<
  Config,
  'environmentLabel' | 'exemptNamespaces' | 'exemptNamespaceSelector' | 'defaultIsolation' | 'defaultTemplate' | 'environmentFromName'
>;

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

/** The annotations and labels the mutation wants on a namespace being created; keys given already keep their value. */
export interface NamespaceStamp {
  readonly annotations: Labels;
  readonly labels: Labels;
}

/** What Namespace CREATE stamps, as values: the webhook turns it into a patch, `nsguard generate` merges it. */
export function namespaceStamp(namespace: Pick<Namespace, 'name' | 'labels' | 'annotations'>, options: NamespaceDefaults, view: Pick<ClusterView, 'namespace'>): NamespaceStamp {
  const { name } = namespace;
  if (isExempt(namespace, options)) return { annotations: {}, labels: {} };
  const parentName = namespace.annotations[PARENT_ANNOTATION];
  const parent = parentName === undefined ? undefined : view.namespace(parentName);

  const annotations: Record<string, string> = {};
  annotations[ISOLATION_ANNOTATION] = options.defaultIsolation;
  annotations[TEMPLATE_ANNOTATION] = parent?.annotations[TEMPLATE_ANNOTATION] ?? options.defaultTemplate;

  const labels: Record<string, string> = {};
  // With generateName the final name is unknown here, so no environment can be read from it.
  const fromName = name === '' ? undefined : options.environmentFromName.find((rule) => name.endsWith(rule.suffix))?.environment;
  const env = parent?.labels[options.environmentLabel] ?? fromName;
  if (env !== undefined) labels[options.environmentLabel] = env;
  return { annotations, labels };
}

/** The namespace as the apiserver stores it after the mutation: given values win over stamped ones. */
export function withNamespaceDefaults(namespace: Namespace, options: NamespaceDefaults, view: Pick<ClusterView, 'namespace'>): Namespace {
  const wanted = namespaceStamp(namespace, options, view);
  return { ...namespace, labels: { ...wanted.labels, ...namespace.labels }, annotations: { ...wanted.annotations, ...namespace.annotations } };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
