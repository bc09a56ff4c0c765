// Server-side apply's field ownership (sigs.k8s.io/structured-merge-diff as the apiserver uses it), for
// the test API server, on a simplified schema: lists are atomic, maps and structs granular, an empty map
// is a field of its own; in metadata only labels and annotations (key by key), finalizers and
// ownerReferences are owned; status is left out. Each write updates metadata.managedFields:
// - an update (PUT, merge or JSON patch) takes the fields it changed from whoever owned them;
// - an apply owns exactly the fields of its configuration; one whose value differs from a field another
//   manager owns is a conflict (409) unless forced, which takes the field over; a field the applier
//   owned and no longer applies is removed, unless another manager owns it too. Fields no one applies
//   stay as they are, whoever wrote them.
import type { KubeObject } from './test-api-object.ts';
import { copy, isObject, metadataOf, sameJson } from './test-api-object.ts';
import { ApiError, statusBody } from './test-api-status.ts';

type Path = readonly string[];

export interface Writer {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly time: string;
}

interface Entry extends Writer {
  readonly fields: ReadonlySet<string>;
}

const OWNED_METADATA = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);
const GRANULAR_METADATA = new Set(['labels', 'annotations']);

/** Every owned field of the object (its path, JSON-encoded) with its value. */
export function fields(object: KubeObject): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (value: unknown, path: Path): void => {
    if (isObject(value) && Object.keys(value).length > 0) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    else out.set(JSON.stringify(path), value);
  };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    if (key !== 'metadata') walk(value, [key]);
    else {
      for (const [field, inner] of Object.entries(metadataOf(object))) {
        if (!OWNED_METADATA.has(field)) continue;
        if (GRANULAR_METADATA.has(field) && isObject(inner)) for (const [k, v] of Object.entries(inner)) out.set(JSON.stringify(['metadata', field, k]), v);
        else out.set(JSON.stringify(['metadata', field]), inner);
      }
    }
  }
  return out;
}

function setAt(object: KubeObject, path: Path, value: unknown): void {
  let node: Record<string, unknown> = object;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const key = path[path.length - 1] ?? '';
  // An empty map applied asserts the field, not the absence of what others put inside it.
  if (isObject(value) && Object.keys(value).length === 0 && isObject(node[key])) return;
  node[key] = structuredClone(value);
}

/** Removes the field, and the maps it leaves empty (a top-level field and metadata stay). */
function removeAt(object: KubeObject, path: Path): void {
  const parents: Record<string, unknown>[] = [object];
  for (const key of path.slice(0, -1)) {
    const next = parents[parents.length - 1]?.[key];
    if (!isObject(next)) return;
    parents.push(next);
  }
  for (let i = path.length - 1; i >= 0; i--) {
    const parent = parents[i];
    if (parent === undefined) return;
    delete parent[path[i] ?? ''];
    if (i <= 1 || Object.keys(parent).length > 0) return;
  }
}

/** fieldsV1 as the apiserver writes it: `{"f:spec": {"f:podSelector": {}}}`, `k:` items left out (lists are atomic here). */
function toFieldsV1(owned: Iterable<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const encoded of owned) {
    let node = root;
    for (const key of JSON.parse(encoded) as string[]) node = (node[`f:${key}`] ??= {}) as Record<string, unknown>;
  }
  return root;
}

function fromFieldsV1(value: unknown, path: Path = []): string[] {
  if (!isObject(value)) return [];
  const children = Object.entries(value).filter(([k]) => k.startsWith('f:'));
  if (children.length === 0) return path.length === 0 ? [] : [JSON.stringify(path)];
  return children.flatMap(([k, v]) => fromFieldsV1(v, [...path, k.slice(2)]));
}

function entriesOf(object: KubeObject): Entry[] {
  const managed = metadataOf(object)['managedFields'];
  return (Array.isArray(managed) ? managed : []).filter(isObject).filter((e) => e['subresource'] === undefined).map((e) => ({
    manager: String(e['manager']),
    operation: e['operation'] === 'Apply' ? 'Apply' : 'Update',
    apiVersion: String(e['apiVersion']),
    time: String(e['time']),
    fields: new Set(fromFieldsV1(e['fieldsV1'])),
  }));
}

const same = (a: Writer, b: Writer): boolean => a.manager === b.manager && a.operation === b.operation;

/** The path as conflicts name it: `.spec.ingress`, `.metadata.labels.team`. */
const dotted = (encoded: string): string => (JSON.parse(encoded) as string[]).map((k) => `.${k}`).join('');

/**
 * The object an apply makes of `stored` (undefined: it creates), or a 409 naming the conflicts. `compare`
 * is the applied configuration with the API's defaults, so a default is not taken for a difference.
 */
export function applyOwned(stored: KubeObject, applied: KubeObject, compare: KubeObject, writer: Writer, force: boolean, name: string): KubeObject {
  const current = fields(stored);
  const wanted = fields(applied);
  const comparable = fields(compare);
  const entries = entriesOf(stored);
  const changed = [...wanted.keys()].filter((p) => !sameJson(current.get(p), comparable.get(p) ?? wanted.get(p)));
  const conflicts = changed.flatMap((p) => entries.filter((e) => !same(e, writer) && e.fields.has(p)).map((e) => ({ path: p, manager: e })));
  if (conflicts.length > 0 && !force) {
    const lines = conflicts.map((c) => `conflict with "${c.manager.manager}"${c.manager.operation === 'Update' ? ' using ' + c.manager.apiVersion : ''}: ${dotted(c.path)}`);
    const message = `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${lines.join('\n')}`;
    const causes = conflicts.map((c, i) => ({ reason: 'FieldManagerConflict', message: lines[i]?.split(':')[0] ?? '', field: dotted(c.path) }));
    throw new ApiError(statusBody(409, 'Conflict', message, { name, causes }));
  }
  const result = copy(stored);
  const previous = entries.find((e) => same(e, writer))?.fields ?? new Set<string>();
  for (const p of previous) {
    if (!wanted.has(p) && !entries.some((e) => !same(e, writer) && e.fields.has(p))) removeAt(result, JSON.parse(p) as string[]);
  }
  for (const [p, value] of wanted) setAt(result, JSON.parse(p) as string[], value);
  return result;
}

/**
 * managedFields after a write of `before` into `after` by `writer` (`applied`: an apply's configuration):
 * vanished fields leave every set; an apply owns its configuration, an update adds what it changed, and
 * either takes what it changed from the others. Entries keep their order, and their time unless their
 * set changed, so a write that changes nothing stays a no-op.
 */
export function recordOwnership(before: KubeObject | undefined, after: KubeObject, writer: Writer, applied: KubeObject | undefined): void {
  const previous = fields(before ?? {});
  const now = fields(after);
  const changed = new Set([...now.keys()].filter((p) => !previous.has(p) || !sameJson(previous.get(p), now.get(p))));
  const present = (set: Iterable<string>): Set<string> => new Set([...set].filter((p) => now.has(p)));
  const entries = entriesOf(before ?? {});
  const own = entries.find((e) => same(e, writer));
  const mine = present(applied !== undefined ? fields(applied).keys() : [...(own?.fields ?? []), ...changed]);
  const updated = entries.map((e) => (same(e, writer) ? { ...e, fields: mine } : { ...e, fields: present([...e.fields].filter((p) => !changed.has(p))) }));
  if (own === undefined) updated.push({ ...writer, fields: mine });
  const statusEntries = (metadataOf(before ?? {})['managedFields'] as unknown[] | undefined)?.filter((e) => isObject(e) && e['subresource'] !== undefined) ?? [];
  const metadata = metadataOf(after);
  metadata['managedFields'] = [
    ...updated
      .filter((e) => e.fields.size > 0)
      .map((e) => {
        const old = entries.find((o) => same(o, e));
        const kept = old !== undefined && sameJson([...old.fields].sort(), [...e.fields].sort());
        const time = old === undefined || (same(e, writer) && !kept) ? writer.time : old.time;
        return { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(e.fields) };
      }),
    ...statusEntries,
  ];
  after['metadata'] = metadata;
}
