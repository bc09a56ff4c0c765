// The test API server's write semantics over the object table (test-api-table.ts), after the generic
// registry of k8s.io/apiserver: server-set metadata, preconditions, no-op writes that change nothing,
// finalizers, status subresources, and NamespaceLifecycle admission (no creates in a namespace that
// is missing or Terminating).
import { randomUUID } from 'node:crypto';
import type { PatchType } from './test-api-patch.ts';
import { applyJsonPatch, mergePatch } from './test-api-patch.ts';
import type { Writer } from './test-api-field-ownership.ts';
import { applyOwned, recordOwnership } from './test-api-field-ownership.ts';
import type { KubeObject } from './test-api-object.ts';
import { apiTime, copy, isObject, metadataOf, sameJson, stringField } from './test-api-object.ts';
import type { ApiResource } from './test-api-resources.ts';
import { apiVersionOf, resourceKey } from './test-api-resources.ts';
import type { Status } from './test-api-status.ts';
import { ApiError, alreadyExists, badRequest, conflict, invalid, invalidFields, namespaceTerminating, notFound, statusBody, successStatus } from './test-api-status.ts';
import { decodeProblem, qualifiedKind, validateObject } from './test-api-kind-validation.ts';
import { fieldError } from './test-api-validation.ts';
import { ObjectTable } from './test-api-table.ts';

export type { EventType, ListOptions, StoreEvent } from './test-api-table.ts';

export interface WriteOptions {
  readonly dryRun?: boolean;
  /** Run the kind's validation, as for a request (test seeding stores what it is given). */
  readonly validate?: boolean;
  /** The field manager (the API defaults it from the User-Agent); none: ownership is not recorded (seeding). */
  readonly fieldManager?: string;
  /** An apply takes over fields other managers own instead of failing with 409 Conflict. */
  readonly force?: boolean;
  /** `status` for the status subresource. */
  readonly subresource?: string;
}

export interface WriteResult {
  readonly object: KubeObject;
  readonly created: boolean;
}

export interface DeleteResult {
  /** The object, still there with a deletionTimestamp, or a Success Status once it is gone. */
  readonly body: KubeObject | Status;
  readonly deleted: boolean;
}

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

function isTerminating(namespace: KubeObject): boolean {
  const status = namespace['status'];
  return metadataOf(namespace)['deletionTimestamp'] !== undefined || (isObject(status) && status['phase'] === 'Terminating');
}

function hasFinalizers(object: KubeObject): boolean {
  const finalizers = metadataOf(object)['finalizers'];
  return Array.isArray(finalizers) && finalizers.length > 0;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

export class ApiStore extends ObjectTable {
  readonly #now: () => Date;

  constructor(options: { readonly now?: () => Date } = {}) {
    super();
    this.#now = options.now ?? (() => new Date());
  }

  create(resource: ApiResource, namespace: string | undefined, body: unknown, options: WriteOptions = {}, operation: Writer['operation'] = 'Update'): KubeObject {
    const object = this.#incoming(resource, namespace, body);
    const configuration = operation === 'Apply' ? copy(object) : undefined;
    const metadata = metadataOf(object);
    const generateName = stringField(metadata, 'generateName');
    const name = stringField(metadata, 'name') ?? (generateName === undefined ? undefined : generateName + randomSuffix());
    if (name === undefined) throw invalid(resource.kind, resource, '', 'metadata.name: Required value: name or generateName is required');
    if (this.get(resource, namespace, name) !== undefined) throw alreadyExists(resource, name);
    if (resource.namespaced) this.#admitCreate(resource, namespace ?? '', name);
    delete metadata['deletionTimestamp'];
    Object.assign(metadata, { name, uid: randomUUID(), creationTimestamp: apiTime(this.#now()) });
    if (resource.tracksGeneration) metadata['generation'] = 1;
    object['metadata'] = metadata;
    resource.defaults?.(object, name);
    if (options.validate) this.#validate(resource, object);
    this.#record(resource, undefined, object, options, operation, configuration);
    return options.dryRun ? object : this.commit('ADDED', resource, object, undefined);
  }

  /** PUT: 404 when missing, 409 Conflict when the body carries a resourceVersion that is not the stored one. */
  update(resource: ApiResource, namespace: string | undefined, name: string, body: unknown, options: WriteOptions = {}): KubeObject {
    const stored = this.#require(resource, namespace, name);
    const object = this.#incoming(resource, namespace, body);
    const bodyName = stringField(metadataOf(object), 'name');
    if (bodyName !== undefined && bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    const wanted = metadataOf(object)['resourceVersion'];
    if (resource.conditionalUpdate && options.validate && (wanted === undefined || wanted === '')) {
      throw invalidFields(qualifiedKind(resource), resource.group, name, [fieldError.invalid('metadata.resourceVersion', 0, 'must be specified for an update')]);
    }
    this.#precondition(resource, stored, object);
    return this.#replace(resource, stored, object, options, 'Update');
  }

  patch(resource: ApiResource, namespace: string | undefined, name: string, type: PatchType, body: unknown, options: WriteOptions = {}): WriteResult {
    const stored = this.get(resource, namespace, name);
    if (type === 'apply') return this.#apply(resource, namespace, name, stored, body, options);
    if (stored === undefined) throw notFound(resource, name);
    const patched = type === 'json' ? applyJsonPatch(stored, body) : mergePatch(stored, body);
    if (!isObject(patched)) throw badRequest('the patch must leave an object');
    // A resourceVersion in the patch is a precondition (the patched object keeps the stored one otherwise).
    this.#precondition(resource, stored, patched);
    return { object: this.#replace(resource, stored, patched, options, 'Update'), created: false };
  }

  /**
   * Namespaces go Terminating (deletionTimestamp, phase) until `finalizeNamespace`; objects with
   * finalizers get a deletionTimestamp and go when the last finalizer is removed; others go at once,
   * answered with a Success Status. `deleted` is false for the first two (HTTP 202, as the API).
   */
  delete(resource: ApiResource, namespace: string | undefined, name: string, options: WriteOptions = {}): DeleteResult {
    const stored = this.#require(resource, namespace, name);
    const isNamespace = resourceKey(resource) === resourceKey(NAMESPACES);
    if (isNamespace || hasFinalizers(stored)) {
      if (isNamespace ? isTerminating(stored) : metadataOf(stored)['deletionTimestamp'] !== undefined) return { body: stored, deleted: false };
      const next = copy(stored);
      const metadata = metadataOf(next);
      metadata['deletionTimestamp'] = apiTime(this.#now());
      next['metadata'] = metadata;
      if (isNamespace) next['status'] = { ...(isObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
      return { body: options.dryRun ? next : this.commit('MODIFIED', resource, next, stored), deleted: false };
    }
    if (!options.dryRun) this.commit('DELETED', resource, copy(stored), stored);
    const uid = stringField(metadataOf(stored), 'uid');
    return { body: successStatus({ name, ...(resource.group !== '' && { group: resource.group }), kind: resource.resource, ...(uid !== undefined && { uid }) }), deleted: true };
  }

  /** What the namespace controller does once a Terminating namespace is empty: every object in it goes, then the namespace. */
  finalizeNamespace(name: string): void {
    const namespaces = this.namespaceResource();
    const ns = this.#require(namespaces, undefined, name);
    for (const resource of this.resources()) {
      if (!resource.namespaced) continue;
      for (const object of this.list(resource, { namespace: name }).items) this.commit('DELETED', resource, copy(object), object);
    }
    this.commit('DELETED', namespaces, copy(ns), ns);
  }

  /**
   * The namespace controller's last steps on an empty Terminating namespace: `kubernetes` leaves
   * spec.finalizers (PUT namespaces/NAME/finalize), and with no finalizer left the namespace goes.
   */
  finalizeNamespaceSpec(name: string): void {
    const namespaces = this.namespaceResource();
    const ns = this.#require(namespaces, undefined, name);
    const next = copy(ns);
    const spec = isObject(next['spec']) ? next['spec'] : {};
    const finalizers = (Array.isArray(spec['finalizers']) ? (spec['finalizers'] as unknown[]) : []).filter((f) => f !== 'kubernetes');
    next['spec'] = { ...spec, finalizers };
    if (finalizers.length === 0 && !hasFinalizers(next)) this.commit('DELETED', namespaces, next, ns);
    else this.commit('MODIFIED', namespaces, next, ns);
  }

  /** Test seeding: creates the object, or replaces the stored one whatever its resourceVersion. */
  upsert(body: KubeObject): KubeObject {
    const resource = this.#resourceOf(body);
    const metadata = metadataOf(body);
    const namespace = stringField(metadata, 'namespace');
    const name = stringField(metadata, 'name') ?? '';
    if (this.get(resource, namespace, name) === undefined) return this.create(resource, namespace, body);
    const stored = this.get(resource, namespace, name) as KubeObject;
    return this.#replace(resource, stored, this.#incoming(resource, namespace, body), {}, 'Update', true);
  }

  /** Test convenience: DELETE by apiVersion, kind, namespace and name. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): DeleteResult {
    const resource = this.resourceFor(apiVersion, kind);
    if (resource === undefined) throw badRequest(`no resource serves ${apiVersion} ${kind}`);
    return this.delete(resource, namespace, name);
  }

  #resourceOf(body: KubeObject): ApiResource {
    const apiVersion = stringField(body, 'apiVersion') ?? '';
    const kind = stringField(body, 'kind') ?? '';
    const resource = this.resourceFor(apiVersion, kind);
    if (resource === undefined) throw badRequest(`no resource serves ${apiVersion} ${kind}`);
    return resource;
  }

  #apply(resource: ApiResource, namespace: string | undefined, name: string, stored: KubeObject | undefined, body: unknown, options: WriteOptions): WriteResult {
    if (!isObject(body)) throw badRequest('an apply patch must be an object');
    if (stringField(body, 'apiVersion') !== apiVersionOf(resource) || stringField(body, 'kind') !== resource.kind) {
      throw badRequest(`an apply patch must name apiVersion ${apiVersionOf(resource)} and kind ${resource.kind}`);
    }
    const bodyName = stringField(metadataOf(body), 'name');
    if (bodyName !== undefined && bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    const applied = { ...body, metadata: { ...metadataOf(body), name } };
    if (stored === undefined) return { object: this.create(resource, namespace, applied, options, 'Apply'), created: true };
    this.#precondition(resource, stored, applied);
    // The status subresource takes status from the configuration as it stands (#replace).
    if (options.subresource === 'status') return { object: this.#replace(resource, stored, applied, options, 'Apply'), created: false };
    const compare = copy(applied);
    resource.defaults?.(compare, name);
    const merged = applyOwned(stored, applied, compare, this.#writer(resource, options, 'Apply'), options.force ?? false, name);
    return { object: this.#replace(resource, stored, merged, options, 'Apply', false, applied), created: false };
  }

  /**
   * The update path every write shares: fields the client cannot change are kept, a no-op stores
   * nothing. `seeding` (tests only) writes status through the main resource as well.
   */
  #replace(
    resource: ApiResource,
    stored: KubeObject,
    body: KubeObject,
    options: WriteOptions,
    operation: Writer['operation'],
    seeding = false,
    configuration?: KubeObject,
  ): KubeObject {
    let next = copy(body);
    if (options.subresource === 'status') next = { ...copy(stored), status: structuredClone(body['status']) };
    else if (resource.statusSubresource && !seeding) {
      if (stored['status'] === undefined) delete next['status'];
      else next['status'] = structuredClone(stored['status']);
    }
    const before = metadataOf(stored);
    const metadata = metadataOf(next);
    for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'resourceVersion', 'generation']) {
      if (before[key] === undefined) delete metadata[key];
      else metadata[key] = before[key];
    }
    next['metadata'] = metadata;
    next['apiVersion'] = apiVersionOf(resource);
    next['kind'] = resource.kind;
    resource.defaults?.(next, stringField(before, 'name') ?? '');
    if (options.validate) this.#validate(resource, next);
    if (resource.tracksGeneration && !sameJson(next['spec'], stored['spec'])) metadata['generation'] = Number(before['generation'] ?? 0) + 1;
    if (options.subresource === undefined) this.#record(resource, stored, next, options, operation, configuration);
    if (sameJson(next, stored)) return stored;
    // The last finalizer removed from an object being deleted: the deletion completes (namespaces wait for finalizeNamespace).
    const deleting = metadata['deletionTimestamp'] !== undefined && !hasFinalizers(next) && resourceKey(resource) !== resourceKey(NAMESPACES);
    if (options.dryRun) return next;
    return deleting ? this.commit('DELETED', resource, next, stored) : this.commit('MODIFIED', resource, next, stored);
  }

  #writer(resource: ApiResource, options: WriteOptions, operation: Writer['operation']): Writer {
    return { manager: options.fieldManager ?? '', operation, apiVersion: apiVersionOf(resource), time: apiTime(this.#now()) };
  }

  /** managedFields after the write (test-api-field-ownership.ts); a write without a manager (seeding) records none. */
  #record(resource: ApiResource, before: KubeObject | undefined, after: KubeObject, options: WriteOptions, operation: Writer['operation'], configuration: KubeObject | undefined): void {
    if (options.fieldManager === undefined || options.fieldManager === '') return;
    recordOwnership(before, after, this.#writer(resource, options, operation), configuration);
  }

  /** A request body as a writable copy with apiVersion, kind and namespace checked and filled in. */
  #incoming(resource: ApiResource, namespace: string | undefined, body: unknown): KubeObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const object = copy(body);
    const apiVersion = object['apiVersion'] ?? apiVersionOf(resource);
    const kind = object['kind'] ?? resource.kind;
    if (apiVersion !== apiVersionOf(resource) || kind !== resource.kind) {
      throw badRequest(`the API version and kind in the data (${String(apiVersion)} ${String(kind)}) do not match the expected ${apiVersionOf(resource)} ${resource.kind}`);
    }
    object['apiVersion'] = apiVersion;
    object['kind'] = kind;
    const metadata = metadataOf(object);
    if (resource.namespaced) {
      const given = stringField(metadata, 'namespace');
      if (given !== undefined && given !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      metadata['namespace'] = namespace;
    } else delete metadata['namespace'];
    object['metadata'] = metadata;
    return object;
  }

  /** NamespaceLifecycle admission: the namespace must exist and not be terminating. */
  #admitCreate(resource: ApiResource, namespace: string, name: string): void {
    const ns = this.get(this.namespaceResource(), undefined, namespace);
    if (ns === undefined) throw notFound(NAMESPACES, namespace);
    if (isTerminating(ns)) throw namespaceTerminating(resource, name, namespace);
  }

  #validate(resource: ApiResource, object: KubeObject): void {
    const undecodable = decodeProblem(resource, object);
    if (undecodable !== undefined) throw badRequest(undecodable);
    const errors = validateObject(resource, object);
    if (errors.length > 0) throw invalidFields(qualifiedKind(resource), resource.group, stringField(metadataOf(object), 'name') ?? '', errors);
  }

  #precondition(resource: ApiResource, stored: KubeObject, body: KubeObject): void {
    const wanted = metadataOf(body)['resourceVersion'];
    if (wanted !== undefined && wanted !== '' && wanted !== metadataOf(stored)['resourceVersion']) {
      throw conflict(resource, stringField(metadataOf(stored), 'name') ?? '');
    }
  }

  #require(resource: ApiResource, namespace: string | undefined, name: string): KubeObject {
    const stored = this.get(resource, namespace, name);
    if (stored === undefined) throw notFound(resource, name);
    return stored;
  }

  /** The namespaces resource (served by every test API server). */
  namespaceResource(): ApiResource {
    const r = this.resource(NAMESPACES.group, NAMESPACES.version, NAMESPACES.resource);
    if (r === undefined) throw new ApiError(statusBody(500, 'InternalError', 'namespaces are not served'));
    return r;
  }
}
