// The controller's queue of keys to reconcile, after client-go's rate-limited workqueue: a key waits
// at most once however often it is added, is never processed by two workers at once (added while it
// runs, it runs once more afterwards), and a failed run is retried after a per-key exponential backoff
// that a success resets. Keys only: the handler reads the current state itself, so a burst of events
// for one object costs one run.
import type { Logger } from 'pino';
import type { BackoffOptions } from '../cluster/backoff.ts';
import { backoffDelay } from '../cluster/backoff.ts';

export interface WorkQueueOptions {
  /** Reconciles one key; a throw or rejection is a failure, retried after a backoff. */
  readonly handler: (key: string) => Promise<void> | void;
  readonly logger: Logger;
  /** Keys processed at once (default 1). */
  readonly concurrency?: number;
  /** Retry delays (default 200 ms doubling to 30 s, see backoff.ts). */
  readonly backoff?: BackoffOptions;
}

export interface WorkQueueStats {
  /** Handler runs finished, failed ones included. */
  readonly processed: number;
  /** Handler runs that failed. */
  readonly failures: number;
  /** Keys waiting for a worker. */
  readonly queued: number;
  readonly running: number;
  /** Keys waiting for their backoff to pass. */
  readonly retrying: number;
}

export interface WorkQueue {
  add(key: string): void;
  stats(): WorkQueueStats;
  /** Resolves when nothing is queued, running or waiting for a retry (at once if so now). */
  idle(): Promise<void>;
  /** Drops waiting keys and retry timers, ignores later adds; resolves once running handlers finished. */
  stop(): Promise<void>;
}

class KeyQueue implements WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #concurrency: number;
  /** Keys ready to run, in the order they were first added; a Set so a key waits once. */
  readonly #queue = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  /** Running keys added again: they go back into the queue when their run ends. */
  readonly #dirty = new Set<string>();
  readonly #retries = new Map<string, NodeJS.Timeout>();
  /** Consecutive failures per key, for its backoff. */
  readonly #failures = new Map<string, number>();
  readonly #idleWaiters: (() => void)[] = [];
  #stopped = false;
  #processed = 0;
  #failed = 0;

  constructor(options: WorkQueueOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`work queue concurrency must be a positive integer, got ${concurrency}`);
    this.#options = options;
    this.#concurrency = concurrency;
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    // Running now makes the pending retry redundant (client-go would run the key twice).
    const retry = this.#retries.get(key);
    if (retry !== undefined) {
      clearTimeout(retry);
      this.#retries.delete(key);
    }
    this.#queue.add(key);
    this.#pump();
  }

  stats(): WorkQueueStats {
    return { processed: this.#processed, failures: this.#failed, queued: this.#queue.size, running: this.#running.size, retrying: this.#retries.size };
  }

  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.clear();
    this.#dirty.clear();
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    await Promise.all(this.#running.values());
    this.#settle();
  }

  #pump(): void {
    for (const key of this.#queue) {
      if (this.#running.size >= this.#concurrency) return;
      this.#queue.delete(key);
      this.#running.set(key, this.#run(key));
    }
  }

  async #run(key: string): Promise<void> {
    // Let #pump record the run before it can end, even when the handler returns at once.
    await Promise.resolve();
    try {
      await this.#options.handler(key);
      this.#failures.delete(key);
    } catch (error) {
      this.#failed++;
      this.#fail(key, error);
    }
    this.#processed++;
    this.#running.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
    this.#pump();
    this.#settle();
  }

  #fail(key: string, error: unknown): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    // Added again while it ran: the new run comes at once, and its own failure will back off longer.
    const retryInMs = this.#stopped || this.#dirty.has(key) ? undefined : backoffDelay(failures, this.#options.backoff);
    this.#options.logger.warn({ key, err: error, failures, retryInMs }, 'processing a key failed');
    if (retryInMs === undefined) return;
    this.#retries.set(
      key,
      setTimeout(() => {
        this.#retries.delete(key);
        this.add(key);
      }, retryInMs),
    );
  }

  #isIdle(): boolean {
    return this.#queue.size === 0 && this.#running.size === 0 && this.#retries.size === 0;
  }

  #settle(): void {
    if (this.#isIdle()) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

export function startWorkQueue(options: WorkQueueOptions): WorkQueue {
  return new KeyQueue(options);
}
