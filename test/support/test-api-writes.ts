// The write verbs of the test API server through dynamic admission, in the apiserver's order:
// mutating webhooks, then the kind's validation (a dry run of the store's write), then validating
// webhooks, then the write itself. DELETECOLLECTION deletes item by item, each admitted on its own
// with an empty name, as the generic registry's DeleteCollection does. Without webhook configurations
// stored, writes go straight to the store.
import type { KubeObject } from './test-api-object.ts';
import { isObject, metadataOf, sameJson, stringField } from './test-api-object.ts';
import type { PatchType } from './test-api-patch.ts';
import type { ApiResource } from './test-api-resources.ts';
import { apiVersionOf } from './test-api-resources.ts';
import type { ObjectFilter } from './test-api-selectors.ts';
import type { AdmissionAttributes, AdmissionOptions, Operation, UserInfo } from './test-api-admission.ts';
import { admit } from './test-api-admission.ts';
import type { ApiStore, DeleteResult, WriteOptions, WriteResult } from './test-api-store.ts';
import { notFound } from './test-api-status.ts';

const CONFIGURATIONS = { mutating: 'mutatingwebhookconfigurations', validating: 'validatingwebhookconfigurations' } as const;

export class AdmittedWrites {
  readonly #store: ApiStore;
  readonly #options: AdmissionOptions;

  constructor(store: ApiStore, options: AdmissionOptions) {
    this.#store = store;
    this.#options = options;
  }

  async create(resource: ApiResource, namespace: string | undefined, body: unknown, options: WriteOptions, user: UserInfo): Promise<KubeObject> {
    if (!this.#hasWebhooks()) return this.#store.create(resource, namespace, body, options);
    const candidate = this.#store.create(resource, namespace, body, { ...options, dryRun: true });
    const attributes = this.#attributes(resource, 'CREATE', candidate, undefined, options, user);
    // The candidate, not the body: a generateName is resolved once, so the webhooks see the stored name.
    const mutated = await this.#mutate(attributes, candidate);
    await this.#validate({ ...attributes, object: this.#store.create(resource, namespace, mutated, { ...options, dryRun: true }) });
    return this.#store.create(resource, namespace, mutated, options);
  }

  async update(resource: ApiResource, namespace: string | undefined, name: string, body: unknown, options: WriteOptions, user: UserInfo): Promise<KubeObject> {
    if (!this.#hasWebhooks()) return this.#store.update(resource, namespace, name, body, options);
    const stored = this.#store.get(resource, namespace, name);
    const candidate = this.#store.update(resource, namespace, name, body, { ...options, dryRun: true });
    const attributes = this.#attributes(resource, 'UPDATE', candidate, stored, options, user);
    const mutated = await this.#mutate(attributes, body);
    await this.#validate({ ...attributes, object: this.#store.update(resource, namespace, name, mutated, { ...options, dryRun: true }) });
    return this.#store.update(resource, namespace, name, mutated, options);
  }

  async patch(resource: ApiResource, namespace: string | undefined, name: string, type: PatchType, body: unknown, options: WriteOptions, user: UserInfo): Promise<WriteResult> {
    if (!this.#hasWebhooks()) return this.#store.patch(resource, namespace, name, type, body, options);
    const stored = this.#store.get(resource, namespace, name);
    const candidate = this.#store.patch(resource, namespace, name, type, body, { ...options, dryRun: true });
    const attributes = this.#attributes(resource, candidate.created ? 'CREATE' : 'UPDATE', candidate.object, stored, options, user);
    const mutated = await this.#mutate(attributes, candidate.object);
    if (isObject(mutated) && !sameJson(mutated, candidate.object)) {
      // A webhook changed the patched object: what is written is that object, as an update of what was read.
      await this.#validate({ ...attributes, object: mutated });
      const object = candidate.created ? this.#store.create(resource, namespace, mutated, options) : this.#store.update(resource, namespace, name, mutated, options);
      return { object, created: candidate.created };
    }
    await this.#validate(attributes);
    return this.#store.patch(resource, namespace, name, type, body, options);
  }

  async delete(resource: ApiResource, namespace: string | undefined, name: string, options: WriteOptions, user: UserInfo): Promise<DeleteResult> {
    const stored = this.#store.get(resource, namespace, name);
    if (stored === undefined) throw notFound(resource, name);
    if (this.#hasWebhooks()) await this.#validate(this.#attributes(resource, 'DELETE', undefined, stored, options, user));
    return this.#store.delete(resource, namespace, name, options);
  }

  /**
   * DELETE on a collection: every selected object is admitted and deleted in turn; the first refusal
   * ends the request (what was deleted before it stays deleted). Answers the deleted objects as a List.
   */
  async deleteCollection(resource: ApiResource, namespace: string | undefined, filter: ObjectFilter, options: WriteOptions, user: UserInfo): Promise<KubeObject> {
    const items: KubeObject[] = [];
    for (const object of this.#store.list(resource, { ...(namespace !== undefined && { namespace }), filter }).items) {
      if (this.#hasWebhooks()) await this.#validate({ ...this.#attributes(resource, 'DELETE', undefined, object, options, user), name: '' });
      const name = stringField(metadataOf(object), 'name') ?? '';
      if (this.#store.get(resource, namespace, name) === undefined) continue;
      const result = this.#store.delete(resource, namespace, name, options);
      items.push(result.deleted ? object : (result.body as KubeObject));
    }
    return { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(this.#store.revision) }, items };
  }

  #configurations(kind: keyof typeof CONFIGURATIONS): readonly KubeObject[] {
    const resource = this.#store.resource('admissionregistration.k8s.io', 'v1', CONFIGURATIONS[kind]);
    return resource === undefined ? [] : this.#store.list(resource).items;
  }

  #hasWebhooks(): boolean {
    return this.#configurations('mutating').length + this.#configurations('validating').length > 0;
  }

  #attributes(resource: ApiResource, operation: Operation, object: KubeObject | undefined, oldObject: KubeObject | undefined, options: WriteOptions, user: UserInfo): AdmissionAttributes {
    const subject = object ?? oldObject ?? {};
    const name = stringField(metadataOf(subject), 'name') ?? '';
    const namespace = resource.namespaced ? stringField(metadataOf(subject), 'namespace') : undefined;
    // For a Namespace, namespaceSelector looks at the namespace itself.
    const holder = resource.namespaced ? this.#store.get(this.#store.namespaceResource(), undefined, namespace ?? '') : subject;
    const labels = metadataOf(holder ?? {})['labels'];
    return { resource, operation, name, namespace, object, oldObject, user, dryRun: options.dryRun ?? false, namespaceLabels: isObject(labels) ? (labels as Record<string, string>) : {} };
  }

  /** The body after the mutating webhooks: unchanged when none applies or none patches. */
  async #mutate(attributes: AdmissionAttributes, body: unknown): Promise<unknown> {
    const mutated = await admit('mutating', this.#configurations('mutating'), attributes, this.#options);
    return mutated === undefined || sameJson(mutated, attributes.object) ? body : mutated;
  }

  async #validate(attributes: AdmissionAttributes): Promise<void> {
    await admit('validating', this.#configurations('validating'), attributes, this.#options);
  }
}
