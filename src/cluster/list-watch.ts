// One resource kept in step with the API: list (paged), then watch from the list's resourceVersion,
// as client-go's Reflector does, but handing each raw object to a sink instead of caching it
// (client-node's informer keeps whole objects, which the design rules out for pods).
//  - ADDED/MODIFIED/DELETED go to the sink; they and BOOKMARKs advance the resourceVersion.
//  - 410 (an ERROR event with a Status of code 410, or HTTP 410): the version left the server's
//    history, so list again; the sink drops what the new list no longer holds.
//  - A stream that ends or breaks: watch again from the last resourceVersion, at once if it had
//    delivered events, else after a growing delay (see backoff.ts); failed lists retry the same way.
// The loop is in sync while a watch is open or a list has just landed; from the moment a watch ends
// (or the loop starts) until the next watch opens or list lands, it is out of sync.
import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BackoffOptions } from './backoff.ts';
import { backoffDelay, pause } from './backoff.ts';
import { ApiRequestError, getJson } from './kube-request.ts';
import { isRecord } from '../json-value.ts';
import { PageTokens } from './page-tokens.ts';

/** Where a resource's objects go. Objects arrive raw (JSON as the API serves it), unvalidated. */
export interface ListWatchSink {
  /** A list starts: the objects it returns are the whole truth once `endList` is called. */
  beginList(): void;
  /** A list item, or the object of an ADDED or MODIFIED event. */
  put(raw: unknown, where: string): void;
  /** The object of a DELETED event (its last state). */
  remove(raw: unknown, where: string): void;
  endList(): void;
}

export interface ListWatchOptions {
  readonly kubeConfig: KubeConfig;
  /** Collection path across namespaces, e.g. `/api/v1/pods`. */
  readonly path: string;
  /** Name in logs and stats, e.g. `pods`. */
  readonly resource: string;
  readonly sink: ListWatchSink;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /** Items per list page (default 500, client-go's pager default). */
  readonly pageSize?: number;
  /** Server-side watch timeout; default a random 20-27 s, see WATCH_TIMEOUT. */
  readonly watchTimeoutSeconds?: number;
  /** Called after every complete list. */
  readonly onListed?: () => void;
  /** Clock for outOfSyncSince, in ms (default Date.now); tests pass a fake one. */
  readonly now?: () => number;
}

export interface ListWatchStats {
  readonly resourceVersion: string | undefined;
  /** Complete lists (the first one and every relist). */
  readonly lists: number;
  readonly watches: number;
  /** ADDED, MODIFIED and DELETED events applied. */
  readonly events: number;
  readonly bookmarks: number;
  /** 410s: resourceVersions the server no longer had. */
  readonly expired: number;
  /** Lists and watches that failed (errors, or streams that ended without delivering anything). */
  readonly failures: number;
  /** Since when (ms) no watch has been open and no list has landed; undefined while in sync. */
  readonly outOfSyncSince: number | undefined;
}

export interface ListWatch {
  stats(): ListWatchStats;
  /** stats().outOfSyncSince without building the stats: readiness asks on every review. */
  outOfSyncSince(): number | undefined;
  /** Aborts the list or watch in flight and any retry delay; resolves once the loop has ended. */
  stop(): Promise<void>;
}

const DEFAULT_PAGE_SIZE = 500;

/**
 * client-node's Watch aborts a stream after 30 s without data
 * (https://github.com/kubernetes-client/javascript/blob/main/src/watch.ts, `requestTimeoutMs`), while
 * the apiserver sends periodic bookmarks only every minute. Asking the server to end the watch
 * before 30 s makes quiet watches end cleanly, and the apiserver sends a bookmark 2 s before that
 * deadline (cacher/cache_watcher.go, `nextBookmarkTime`), so each one resumes from a fresh version.
 * Randomised, as client-go does, so replicas do not re-watch in step.
 */
const WATCH_TIMEOUT = { minSeconds: 20, spreadSeconds: 8 };

type WatchEnd = { readonly kind: 'closed' | 'expired' | 'failed'; readonly progressed: boolean; readonly error?: unknown };

class ListWatchLoop implements ListWatch {
  readonly #options: ListWatchOptions;
  readonly #watch: Watch;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;
  #resourceVersion: string | undefined;
  #lists = 0;
  #watches = 0;
  #events = 0;
  #bookmarks = 0;
  #expired = 0;
  #failures = 0;
  #outOfSyncSince: number | undefined;

  constructor(options: ListWatchOptions) {
    this.#options = options;
    this.#outOfSyncSince = this.#now();
    this.#watch = new Watch(options.kubeConfig);
    // #run handles its own errors; this catch only keeps a bug from becoming an unhandled rejection.
    this.#done = this.#run().catch((error: unknown) => options.logger.error({ resource: options.resource, err: error }, 'list/watch loop ended by an error'));
  }

  stats(): ListWatchStats {
    return {
      resourceVersion: this.#resourceVersion,
      lists: this.#lists,
      watches: this.#watches,
      events: this.#events,
      bookmarks: this.#bookmarks,
      expired: this.#expired,
      failures: this.#failures,
      outOfSyncSince: this.#outOfSyncSince,
    };
  }

  outOfSyncSince(): number | undefined {
    return this.#outOfSyncSince;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  async #run(): Promise<void> {
    const { logger, resource, backoff } = this.#options;
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      if (this.#resourceVersion === undefined) {
        try {
          this.#resourceVersion = await this.#list(signal);
          this.#lists++;
          this.#outOfSyncSince = undefined;
          this.#options.onListed?.();
        } catch (error) {
          if (signal.aborted) break;
          failures++;
          this.#failures++;
          const retryInMs = backoffDelay(failures, backoff);
          logger.warn({ resource, err: error, retryInMs }, 'listing failed; retrying');
          await pause(retryInMs, signal);
          continue;
        }
      }
      const end = await this.#watchOnce(this.#resourceVersion, signal);
      if (signal.aborted) break;
      this.#outOfSyncSince ??= this.#now();
      failures = end.progressed ? 0 : failures + 1;
      if (!end.progressed) this.#failures++;
      const retryInMs = backoffDelay(failures, backoff);
      if (end.kind === 'expired') {
        this.#expired++;
        logger.info({ resource, resourceVersion: this.#resourceVersion, retryInMs }, 'resourceVersion expired; listing again');
        this.#resourceVersion = undefined;
      } else if (end.kind === 'failed') {
        // A stream that broke after delivering events is routine (apiserver restarts, load balancers); one that never started is not.
        const level = end.progressed ? 'info' : 'warn';
        logger[level]({ resource, resourceVersion: this.#resourceVersion, err: end.error, retryInMs }, 'watch broke; watching again');
      } else {
        logger.debug({ resource, resourceVersion: this.#resourceVersion, retryInMs }, 'watch ended; watching again');
      }
      await pause(retryInMs, signal);
    }
  }

  /** Every page, then the list's resourceVersion (the same on every page: the first page's snapshot). */
  async #list(signal: AbortSignal): Promise<string> {
    const { kubeConfig, path, sink } = this.#options;
    const where = `list ${path}`;
    sink.beginList();
    const tokens = new PageTokens(path);
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = readPage(await getJson(kubeConfig, path, { limit: this.#options.pageSize ?? DEFAULT_PAGE_SIZE, continue: token }, signal), path);
      for (const item of page.items) sink.put(item, where);
      resourceVersion = page.resourceVersion;
      token = tokens.next(page.continue);
    } while (token !== undefined && !signal.aborted);
    signal.throwIfAborted();
    sink.endList();
    return resourceVersion;
  }

  /** One watch, from `resourceVersion` until it ends; never rejects. */
  #watchOnce(resourceVersion: string, signal: AbortSignal): Promise<WatchEnd> {
    const { path, resource, logger } = this.#options;
    const where = `watch ${path}`;
    this.#watches++;
    return new Promise<WatchEnd>((resolve) => {
      let progressed = false;
      let ended = false;
      let controller: AbortController | undefined;
      const finish = (kind: WatchEnd['kind'], error?: unknown): void => {
        if (ended) return;
        ended = true;
        signal.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve({ kind, progressed, error });
      };
      const onAbort = (): void => finish('closed');
      signal.addEventListener('abort', onAbort, { once: true });
      const onEvent = (type: string, object: unknown): void => {
        if (ended) return;
        // client-node swallows whatever this callback throws; catch it here so it is seen and the watch restarts.
        try {
          const outcome = this.#apply(type, object, where);
          if (outcome === 'applied') progressed = true;
          else if (outcome === 'expired') finish('expired');
          else if (outcome !== 'ignored') finish('failed', outcome.error);
        } catch (error) {
          logger.error({ resource, err: error }, 'applying a watch event failed');
          finish('failed', error);
        }
      };
      const onDone = (error: unknown): void => {
        if (error === null || error === undefined) finish('closed');
        else finish(statusCodeOf(error) === 410 ? 'expired' : 'failed', error);
      };
      const query = { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.#timeoutSeconds() };
      this.#watch.watch(path, query, onEvent, onDone).then(
        // client-node hands out the stream's AbortController only once the response has started.
        (c) => {
          controller = c;
          if (ended) c.abort();
          // The stream is open: every change from here on reaches the sink.
          else this.#outOfSyncSince = undefined;
        },
        (error: unknown) => finish('failed', error),
      );
    });
  }

  #apply(type: string, object: unknown, where: string): 'applied' | 'ignored' | 'expired' | { readonly error: Error } {
    const { sink, resource, logger } = this.#options;
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        sink.put(object, where);
        this.#events++;
        this.#advance(object);
        return 'applied';
      case 'DELETED':
        sink.remove(object, where);
        this.#events++;
        this.#advance(object);
        return 'applied';
      case 'BOOKMARK':
        this.#bookmarks++;
        this.#advance(object);
        return 'applied';
      case 'ERROR': {
        // The object is a metav1.Status; 410 Gone/Expired means "too old resource version".
        const status = isRecord(object) ? object : {};
        if (status['code'] === 410) return 'expired';
        return { error: new Error(`${where}: ERROR event: ${String(status['reason'] ?? '')} ${String(status['message'] ?? JSON.stringify(object))}`.trim()) };
      }
      default:
        logger.debug({ resource, type }, 'ignored a watch event of unknown type');
        return 'ignored';
    }
  }

  #advance(object: unknown): void {
    const metadata = isRecord(object) ? object['metadata'] : undefined;
    const version = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
    if (typeof version === 'string' && version !== '') this.#resourceVersion = version;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #timeoutSeconds(): number {
    return this.#options.watchTimeoutSeconds ?? WATCH_TIMEOUT.minSeconds + Math.floor(Math.random() * WATCH_TIMEOUT.spreadSeconds);
  }
}

export function startListWatch(options: ListWatchOptions): ListWatch {
  return new ListWatchLoop(options);
}


/** HTTP status of a failed watch start (client-node sets `statusCode`) or list (ApiRequestError). */
function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof ApiRequestError) return error.statusCode;
  const code = isRecord(error) ? error['statusCode'] : undefined;
  return typeof code === 'number' ? code : undefined;
}

interface Page {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continue: string | undefined;
}

/** The shape of a list response, checked: a list the loop cannot read is a failed list, not a crash. */
function readPage(body: unknown, path: string): Page {
  const metadata = isRecord(body) ? body['metadata'] : undefined;
  const items = isRecord(body) ? body['items'] : undefined;
  const resourceVersion = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
  if (!isRecord(metadata) || typeof resourceVersion !== 'string' || resourceVersion === '' || !(Array.isArray(items) || items === null || items === undefined)) {
    throw new Error(`GET ${path}: not a list (no items or metadata.resourceVersion)`);
  }
  const token = metadata['continue'];
  return { items: items ?? [], resourceVersion, continue: typeof token === 'string' && token !== '' ? token : undefined };
}
