// One open watch of the test API server: newline-delimited JSON events on a chunked 200 response, as
// the kube-apiserver streams them. A resourceVersion older than the retained history gets a single
// ERROR event carrying a 410 Expired Status rather than an HTTP error, as the watch cache answers
// (k8s.io/apiserver/pkg/storage/cacher/cacher.go, `newErrWatcher`).
import type { ServerResponse } from 'node:http';
import type { KubeObject } from './test-api-object.ts';
import { metadataOf } from './test-api-object.ts';
import type { ApiResource } from './test-api-resources.ts';
import { apiVersionOf, resourceKey } from './test-api-resources.ts';
import type { ObjectFilter } from './test-api-selectors.ts';
import { ApiError } from './test-api-status.ts';
import type { ObjectTable, StoreEvent } from './test-api-table.ts';

export interface WatchRequest {
  readonly resource: ApiResource;
  readonly namespace: string | undefined;
  readonly filter: ObjectFilter;
  readonly bookmarks: boolean;
  /** Unset, "" or "0": synthetic ADDED events for what exists now, then changes. */
  readonly resourceVersion: number | undefined;
  readonly timeoutSeconds: number | undefined;
}

/** How `dropWatches` cuts a stream: a reset socket (the client sees an error) or a clean end of the body. */
export type DropMode = 'reset' | 'end';

export class WatchStream {
  readonly #store: ObjectTable;
  readonly #res: ServerResponse;
  readonly #request: WatchRequest;
  readonly #key: string;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onClose: () => void;

  constructor(store: ObjectTable, res: ServerResponse, request: WatchRequest, onClose: () => void) {
    this.#store = store;
    this.#res = res;
    this.#request = request;
    this.#key = resourceKey(request.resource);
    this.#onClose = onClose;
    res.on('close', () => this.#cleanUp());
  }

  /** Replays, then follows the store; all in one tick, so no write can fall between the two. */
  start(): void {
    this.#res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.#res.flushHeaders();
    const { resource, namespace, filter, resourceVersion } = this.#request;
    if (resourceVersion === undefined) {
      for (const object of this.#store.list(resource, { namespace, filter }).items) this.#send('ADDED', object);
    } else {
      let history: readonly StoreEvent[];
      try {
        history = this.#store.eventsSince(resourceVersion);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.#send('ERROR', error.status as unknown as KubeObject);
        this.#res.end();
        return;
      }
      for (const event of history) this.#deliver(event);
    }
    this.#unsubscribe = this.#store.subscribe((event) => this.#deliver(event));
    const timeout = this.#request.timeoutSeconds;
    if (timeout !== undefined && timeout > 0) {
      // The apiserver sends a bookmark just before a watch's deadline, so the client resumes from "now".
      this.#timer = setTimeout(() => {
        this.bookmark();
        this.#res.end();
      }, timeout * 1000);
    }
  }

  get bookmarks(): boolean {
    return this.#request.bookmarks;
  }

  /** A BOOKMARK: an object of the watched kind carrying only the resourceVersion everything before was sent at. */
  bookmark(): void {
    if (!this.#request.bookmarks || this.#closed) return;
    const { resource } = this.#request;
    this.#send('BOOKMARK', { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(this.#store.revision) } });
  }

  drop(mode: DropMode): void {
    this.#cleanUp();
    if (mode === 'reset') this.#res.destroy();
    else this.#res.end();
  }

  #deliver(event: StoreEvent): void {
    if (resourceKey(event.resource) !== this.#key) return;
    const inScope = (o: KubeObject): boolean =>
      (this.#request.namespace === undefined || metadataOf(o)['namespace'] === this.#request.namespace) && this.#request.filter(o);
    const now = event.type !== 'DELETED' && inScope(event.object);
    const before = event.previous !== undefined && inScope(event.previous);
    // As the watch cache does: an object entering the selection is ADDED, one leaving it DELETED.
    if (now) this.#send(before ? event.type : 'ADDED', event.object);
    else if (before) this.#send('DELETED', event.object);
  }

  #send(type: string, object: KubeObject): void {
    if (this.#closed) return;
    this.#res.write(`${JSON.stringify({ type, object })}\n`);
  }

  #cleanUp(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#onClose();
  }
}
