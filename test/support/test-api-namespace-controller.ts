// The namespace controller of kube-controller-manager, for the test API server
// (pkg/controller/namespace/deletion/namespaced_resources_deleter.go): once a namespace is Terminating
// it empties it with one DELETECOLLECTION per namespaced resource, as its own service account and
// through admission like any client; a refusal is written as the NamespaceDeletionContentFailure
// condition and retried with backoff; once the namespace is empty it removes the `kubernetes`
// finalizer and the namespace goes.
import type { KubeObject } from './test-api-object.ts';
import { apiTime, copy, isObject } from './test-api-object.ts';
import type { ApiResource } from './test-api-resources.ts';
import type { UserInfo } from './test-api-admission.ts';
import type { RequestRecord } from './test-api-server.ts';
import type { ApiStore } from './test-api-store.ts';
import { ApiError } from './test-api-status.ts';
import type { AdmittedWrites } from './test-api-writes.ts';

export const NAMESPACE_CONTROLLER: UserInfo = {
  username: 'system:serviceaccount:kube-system:namespace-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};

/** A DELETECOLLECTION as the server's request log shows the controller's (made in-process, not over HTTP). */
function deletion(resource: ApiResource, namespace: string, status: number): RequestRecord {
  const prefix = resource.group === '' ? '/api' : `/apis/${resource.group}`;
  return {
    method: 'DELETE',
    path: `${prefix}/${resource.version}/namespaces/${namespace}/${resource.resource}`,
    query: {},
    verb: 'deletecollection',
    resource: resource.resource,
    namespace,
    name: undefined,
    subresource: undefined,
    contentType: undefined,
    fieldManager: undefined,
    dryRun: false,
    user: NAMESPACE_CONTROLLER.username,
    status,
  };
}

const BACKOFF = { initialMs: 5, maxMs: 200 } as const;

export class NamespaceController {
  readonly #store: ApiStore;
  readonly #writes: AdmittedWrites;
  readonly #log: (request: RequestRecord) => void;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #running = new Set<string>();
  #stopped = false;

  constructor(store: ApiStore, writes: AdmittedWrites, log: (request: RequestRecord) => void) {
    this.#store = store;
    this.#writes = writes;
    this.#log = log;
  }

  /** Starts deleting the content of a namespace that went Terminating (no-op if already at it). */
  terminate(name: string): void {
    if (this.#running.has(name) || this.#stopped) return;
    this.#running.add(name);
    this.#schedule(name, 0);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(name: string, attempt: number): void {
    const delay = attempt === 0 ? 0 : Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** attempt);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#pass(name).then((done) => {
        if (done) this.#running.delete(name);
        else if (!this.#stopped) this.#schedule(name, attempt + 1);
      });
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  /** One sync of the namespace: true once it is gone (or not being deleted). */
  async #pass(name: string): Promise<boolean> {
    const namespaces = this.#store.namespaceResource();
    if (this.#store.get(namespaces, undefined, name) === undefined) return true;
    const failures: string[] = [];
    for (const resource of this.#store.resources()) {
      if (!resource.namespaced) continue;
      try {
        await this.#writes.deleteCollection(resource, name, () => true, {}, NAMESPACE_CONTROLLER);
        this.#log(deletion(resource, name, 200));
      } catch (error) {
        const status = error instanceof ApiError ? error.code : 500;
        this.#log(deletion(resource, name, status));
        failures.push(`${resource.resource}${resource.group === '' ? '' : `.${resource.group}`}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const stored = this.#store.get(namespaces, undefined, name);
    if (stored === undefined) return true;
    if (failures.length > 0) {
      this.#condition(stored, 'NamespaceDeletionContentFailure', 'ContentDeletionFailed', `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}`);
      return false;
    }
    // Objects held by finalizers of their own: the namespace waits for them.
    if (this.#store.resources().some((r) => r.namespaced && this.#store.list(r, { namespace: name }).items.length > 0)) return false;
    this.#store.finalizeNamespaceSpec(name);
    return this.#store.get(namespaces, undefined, name) === undefined;
  }

  /** Sets one status condition to True, as the controller reports why deletion is stuck. */
  #condition(namespace: KubeObject, type: string, reason: string, message: string): void {
    const status = isObject(namespace['status']) ? namespace['status'] : {};
    const others = (Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]) : []).filter((c) => !isObject(c) || c['type'] !== type);
    const next = copy(namespace);
    next['status'] = { ...status, conditions: [...others, { type, status: 'True', lastTransitionTime: apiTime(new Date()), reason, message }] };
    const previous = (status['conditions'] as unknown[] | undefined)?.find((c) => isObject(c) && c['type'] === type);
    if (isObject(previous) && previous['message'] === message) return;
    this.#store.commit('MODIFIED', this.#store.namespaceResource(), next, namespace);
  }
}
