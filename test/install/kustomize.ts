// `kubectl kustomize` for the subset manifests/ uses (resources, components, strategic-merge patches
// with or without a target, `$patch: delete`, and `images`, which `kustomize edit set image` writes,
// under the default load restrictor), read from the kustomization files themselves. Any other
// kustomization key fails the render, so a manifest change that needs more of kustomize also needs
// this renderer taught it.
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type KubeObject = Record<string, unknown> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Record<string, unknown> & { readonly name: string; readonly namespace?: string };
};

export const MANIFESTS = new URL('../../manifests/', import.meta.url).pathname;

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches', 'images']);

interface Target {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

/** Every document of a YAML file, as plain objects; a parse error fails loudly with the file name. */
export function readYamlDocuments(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  return parseAllDocuments(text).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${file} document ${index + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  }).filter((value) => value !== null && value !== undefined);
}

/**
 * kustomize's default load restrictor (LoadRestrictionsRootOnly, the only one `kubectl apply -k` has):
 * a file a kustomization reads must lie under its own directory; other kustomization directories may
 * be anywhere.
 */
function withinRoot(dir: string, file: string): string {
  const path = relative(dir, file);
  if (path.startsWith('..')) throw new Error(`${dir}/kustomization.yaml: ${file} is not in or below ${dir} (kustomize refuses to load it)`);
  return file;
}

export function render(dir: string): KubeObject[] {
  return build(dir, []);
}

/** A Component (kind: Component) applied to objects already rendered, as a kustomization listing it would. */
export function renderComponent(dir: string, objects: readonly KubeObject[]): KubeObject[] {
  return build(dir, [...objects]);
}

/** A kustomization's objects; a Component (kind: Component) works on the objects of its parent. */
function build(dir: string, parent: KubeObject[]): KubeObject[] {
  const [kustomization] = readYamlDocuments(join(dir, 'kustomization.yaml'));
  if (!isRecord(kustomization)) throw new Error(`${dir}/kustomization.yaml is not a mapping`);
  for (const key of Object.keys(kustomization)) {
    if (!KNOWN_KEYS.has(key)) throw new Error(`${dir}/kustomization.yaml: the test renderer does not implement ${JSON.stringify(key)}`);
  }
  let objects: KubeObject[] = [...parent];
  for (const entry of list(kustomization['resources'])) {
    const path = join(dir, String(entry));
    const found = statSync(path).isDirectory() ? render(path) : readYamlDocuments(withinRoot(dir, path)).map((doc) => asObject(doc, path));
    for (const object of found) {
      if (objects.some((o) => sameId(o, object))) throw new Error(`${path}: ${idOf(object)} is defined twice`);
      objects.push(object);
    }
  }
  // Components after the resources, before this kustomization's own patches, as kustomize orders them.
  for (const entry of list(kustomization['components'])) objects = build(join(dir, String(entry)), objects);
  for (const entry of list(kustomization['patches'])) {
    if (!isRecord(entry)) throw new Error(`${dir}: a patch entry is not a mapping`);
    const patches = typeof entry['path'] === 'string' ? readYamlDocuments(withinRoot(dir, join(dir, entry['path']))) : readInline(entry['patch']);
    const target = isRecord(entry['target']) ? (entry['target'] as Target) : undefined;
    for (const patch of patches) {
      if (!isRecord(patch)) throw new Error(`${dir}: a patch is not a mapping`);
      const matches = objects.filter((o) => (target === undefined ? sameId(o, patch) : selects(target, o)));
      if (matches.length === 0) throw new Error(`${dir}: patch ${JSON.stringify(target ?? idOf(patch))} matches no resource`);
      if (patch['$patch'] === 'delete') {
        objects = objects.filter((o) => !matches.includes(o));
        continue;
      }
      for (const object of matches) {
        const merged = mergePatch(object, target === undefined ? patch : withoutId(patch)) as KubeObject;
        objects[objects.indexOf(object)] = merged;
      }
    }
  }
  const images = list(kustomization['images']).filter(isRecord);
  return images.length === 0 ? objects : objects.map((object) => setImages(object, images));
}

/** `images:` entries: a container image whose name (without tag) equals `name` gets newName and newTag. */
function setImages(object: KubeObject, images: readonly Record<string, unknown>[]): KubeObject {
  const spec = isRecord(object['spec']) ? object['spec'] : undefined;
  const template = spec !== undefined && isRecord(spec['template']) ? spec['template'] : undefined;
  const podSpec = template !== undefined && isRecord(template['spec']) ? template['spec'] : undefined;
  if (podSpec === undefined || !Array.isArray(podSpec['containers'])) return object;
  const containers = podSpec['containers'].map((container: unknown) => {
    if (!isRecord(container) || typeof container['image'] !== 'string') return container;
    const [name = '', tag] = container['image'].split(':');
    const rule = images.find((image) => image['name'] === name);
    if (rule === undefined) return container;
    const newName = typeof rule['newName'] === 'string' ? rule['newName'] : name;
    const newTag = typeof rule['newTag'] === 'string' ? rule['newTag'] : tag;
    return { ...container, image: newTag === undefined ? newName : `${newName}:${newTag}` };
  });
  return mergePatch(object, { spec: { template: { spec: { containers } } } }) as KubeObject;
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} among ${objects.map(idOf).join(', ')}`);
  return found;
}

export function idOf(object: Record<string, unknown>): string {
  const metadata = isRecord(object['metadata']) ? object['metadata'] : {};
  return `${String(object['kind'])} ${metadata['namespace'] === undefined ? '' : `${String(metadata['namespace'])}/`}${String(metadata['name'])}`;
}

/**
 * Strategic merge as kustomize applies it to these kinds: mappings merge key by key; lists of mappings
 * that carry `name` (webhooks, containers, volumes, ports) merge by name; other lists are replaced.
 */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (isRecord(base) && isRecord(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = key in base ? mergePatch(base[key], value) : value;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => isRecord(p) && typeof p['name'] === 'string') && base.every(isRecord)) {
    const out: unknown[] = [...base];
    for (const item of patch as Record<string, unknown>[]) {
      const index = out.findIndex((b) => isRecord(b) && b['name'] === item['name']);
      if (index === -1) out.push(item);
      else out[index] = mergePatch(out[index], item);
    }
    return out;
  }
  return patch;
}

function readInline(patch: unknown): unknown[] {
  if (typeof patch !== 'string') throw new Error('a patch entry has neither path nor patch');
  return parseAllDocuments(patch).map((doc) => doc.toJS() as unknown);
}

function withoutId(patch: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = patch;
  const metadata = isRecord(rest['metadata']) ? rest['metadata'] : {};
  const { name: _name, namespace: _namespace, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

function selects(target: Target, object: KubeObject): boolean {
  const [group, version] = splitApiVersion(object.apiVersion);
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata.name) &&
    (target.namespace === undefined || target.namespace === object.metadata.namespace)
  );
}

function sameId(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const [groupA] = splitApiVersion(String(a['apiVersion']));
  const [groupB] = splitApiVersion(String(b['apiVersion']));
  return groupA === groupB && idOf(a) === idOf(b);
}

export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

function asObject(doc: unknown, file: string): KubeObject {
  if (!isRecord(doc) || typeof doc['apiVersion'] !== 'string' || typeof doc['kind'] !== 'string' || !isRecord(doc['metadata']) || typeof doc['metadata']['name'] !== 'string') {
    throw new Error(`${file}: a document without apiVersion, kind and metadata.name`);
  }
  return doc as KubeObject;
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected a list, got ${JSON.stringify(value)}`);
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
