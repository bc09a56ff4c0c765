// The test API server's storage layer: objects keyed by group/version/resource, namespace and name,
// one global resourceVersion counter stamped on every write (etcd's revision), and the event history
// watches replay from until `compact()` drops it. No API semantics here: test-api-store.ts has them.
import type { KubeObject } from './test-api-object.ts';
import { deepFreeze, metadataOf, stringField } from './test-api-object.ts';
import type { ListPage } from './test-api-paging.ts';
import { ListPager } from './test-api-paging.ts';
import type { ApiResource } from './test-api-resources.ts';
import { BUILTIN_RESOURCES, apiVersionOf, resourceKey } from './test-api-resources.ts';
import type { ObjectFilter } from './test-api-selectors.ts';
import { tooOldResourceVersion } from './test-api-status.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly revision: number;
  readonly type: EventType;
  readonly resource: ApiResource;
  /** The object as stored by this write; for DELETED, its last state stamped with the delete's revision. */
  readonly object: KubeObject;
  /** The object before this write, so watches with a selector can turn "stopped matching" into DELETED. */
  readonly previous: KubeObject | undefined;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly filter?: ObjectFilter;
  readonly limit?: number;
  readonly continue?: string;
}

/** etcd's key order (`/registry/pods/NAMESPACE/NAME`): namespace, then name. */
function compareKeys(a: KubeObject, b: KubeObject): number {
  const ka = `${String(metadataOf(a)['namespace'] ?? '')}/${String(metadataOf(a)['name'] ?? '')}`;
  const kb = `${String(metadataOf(b)['namespace'] ?? '')}/${String(metadataOf(b)['name'] ?? '')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export class ObjectTable {
  /** Starts above 0: "0" means "any version" to the API, and no real list ever returns it. */
  #revision = 1;
  #compacted = 0;
  readonly #resources = new Map<string, ApiResource>();
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  #history: StoreEvent[] = [];
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #pager = new ListPager();

  constructor() {
    for (const r of BUILTIN_RESOURCES) this.register(r);
  }

  /** Serves one more kind (a CRD, say). */
  register(resource: ApiResource): void {
    this.#resources.set(resourceKey(resource), resource);
  }

  resources(): readonly ApiResource[] {
    return [...this.#resources.values()];
  }

  resource(group: string, version: string, plural: string): ApiResource | undefined {
    return this.#resources.get(resourceKey({ group, version, resource: plural }));
  }

  resourceFor(apiVersion: string, kind: string): ApiResource | undefined {
    return this.resources().find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  }

  /** The resourceVersion of the latest write. */
  get revision(): number {
    return this.#revision;
  }

  /** Watches from before this revision get 410 Expired. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(resource: ApiResource, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#map(resource).get(this.#key(resource, namespace, name));
  }

  list(resource: ApiResource, options: ListOptions = {}): ListPage {
    if (options.continue !== undefined) return this.#pager.next(options.continue, options.limit, this.#compacted);
    const items = [...this.#map(resource).values()]
      .filter((o) => options.namespace === undefined || metadataOf(o)['namespace'] === options.namespace)
      .filter((o) => options.filter === undefined || options.filter(o))
      .sort(compareKeys);
    return this.#pager.first(items, this.#revision, options.limit);
  }

  /** Events after `revision`, or 410 Expired when compaction dropped some of them. */
  eventsSince(revision: number): readonly StoreEvent[] {
    if (revision < this.#compacted) throw tooOldResourceVersion(revision, this.#compacted);
    return this.#history.filter((e) => e.revision > revision);
  }

  /** Forgets the history up to `revision` (default: all of it), as etcd compaction does. */
  compact(revision = this.#revision): void {
    this.#compacted = Math.max(this.#compacted, revision);
    this.#history = this.#history.filter((e) => e.revision > this.#compacted);
    this.#pager.compact(this.#compacted);
  }

  /**
   * Stores (or removes, for DELETED) the object under the next revision, freezes it, records the
   * event and tells the watches. A raw write: the API's checks are the caller's.
   */
  commit(type: EventType, resource: ApiResource, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    const revision = ++this.#revision;
    const metadata = metadataOf(object);
    metadata['resourceVersion'] = String(revision);
    object['metadata'] = metadata;
    deepFreeze(object);
    const key = this.#key(resource, stringField(metadata, 'namespace'), stringField(metadata, 'name') ?? '');
    if (type === 'DELETED') this.#map(resource).delete(key);
    else this.#map(resource).set(key, object);
    const event: StoreEvent = { revision, type, resource, object, previous };
    this.#history.push(event);
    for (const listener of this.#listeners) listener(event);
    return object;
  }

  #map(resource: ApiResource): Map<string, KubeObject> {
    let map = this.#objects.get(resourceKey(resource));
    if (map === undefined) this.#objects.set(resourceKey(resource), (map = new Map()));
    return map;
  }

  #key(resource: ApiResource, namespace: string | undefined, name: string): string {
    return `${resource.namespaced ? (namespace ?? '') : ''}/${name}`;
  }
}
