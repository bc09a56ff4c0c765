// The controller's work queue: a key waits once however often it is added, a key added while it runs
// runs once more afterwards (never twice at once), failures retry after a backoff that a success
// resets, concurrency, and a stop that waits for running work and leaves no timer behind.
import t from 'tap';
import type { WorkQueue, WorkQueueOptions } from '../../src/controller/work-queue.ts';
import { startWorkQueue } from '../../src/controller/work-queue.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { waitFor } from '../support/wait-for.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** A promise the test resolves when it chooses, to hold a handler mid-run. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { opened: promise, open: () => resolve() };
}

interface Setup {
  readonly queue: WorkQueue;
  /** Keys in the order their runs started. */
  readonly runs: string[];
  readonly lines: Record<string, unknown>[];
}

/** A queue whose handler records each run, then does what `work` says for that key (nothing by default). */
function setup(tap: Tap, work: (key: string, run: number) => Promise<void> | void = () => {}, options: Partial<WorkQueueOptions> = {}): Setup {
  const runs: string[] = [];
  const { logger, lines } = captureLogs();
  const queue = startWorkQueue({
    logger,
    backoff: { initialMs: 2, maxMs: 10, random: () => 0 },
    ...options,
    handler: (key) => {
      runs.push(key);
      return work(key, runs.filter((k) => k === key).length);
    },
  });
  tap.teardown(() => queue.stop());
  return { queue, runs, lines };
}

t.test('a key added many times while it waits runs once, in the order keys were first added', async (t) => {
  const first = gate();
  const { queue, runs } = setup(t, (key) => (key === 'a' ? first.opened : undefined));
  queue.add('a');
  await waitFor(() => runs.length === 1, 'a to start');
  for (const key of ['b', 'b', 'c', 'b', 'c']) queue.add(key);
  t.match(queue.stats(), { queued: 2, running: 1 });
  first.open();
  await queue.idle();
  t.same(runs, ['a', 'b', 'c']);
  t.match(queue.stats(), { processed: 3, failures: 0, queued: 0, running: 0, retrying: 0 });
});

t.test('a key added while it runs runs once more afterwards, never alongside itself', async (t) => {
  const first = gate();
  let running = 0;
  let overlapped = false;
  const { queue, runs } = setup(
    t,
    async (_key, run) => {
      running++;
      overlapped ||= running > 1;
      if (run === 1) await first.opened;
      running--;
    },
    { concurrency: 4 },
  );
  queue.add('a');
  await waitFor(() => runs.length === 1, 'the first run');
  queue.add('a');
  queue.add('a');
  t.match(queue.stats(), { queued: 0, running: 1 }, 'not queued beside its own run');
  first.open();
  await queue.idle();
  t.same(runs, ['a', 'a'], 'one more run for both adds');
  t.equal(overlapped, false);
});

t.test('concurrency: that many keys run at once, no more', async (t) => {
  const held = gate();
  const { queue, runs } = setup(t, () => held.opened, { concurrency: 2 });
  for (const key of ['a', 'b', 'c']) queue.add(key);
  await waitFor(() => runs.length === 2, 'two runs');
  t.match(queue.stats(), { running: 2, queued: 1 });
  held.open();
  await queue.idle();
  t.same(runs, ['a', 'b', 'c']);
  t.throws(() => startWorkQueue({ handler: () => {}, logger: captureLogs().logger, concurrency: 0 }), RangeError);
});

t.test('a failing key is retried after a growing backoff until it succeeds, which resets its failures', async (t) => {
  let failUntil = 3;
  const { queue, runs, lines } = setup(t, (key, run) => {
    if (run < failUntil) throw new Error(`${key} failed on run ${run}`);
    return Promise.resolve();
  });
  queue.add('a');
  queue.add('b');
  await queue.idle();
  t.same(runs.filter((k) => k === 'a'), ['a', 'a', 'a'], 'two failures, then success');
  t.match(queue.stats(), { processed: 6, failures: 4, retrying: 0 });
  const failed = lines.filter((l) => l['msg'] === 'processing a key failed' && l['key'] === 'a');
  t.match(failed, [
    { level: 40, key: 'a', failures: 1, retryInMs: 1, err: { message: 'a failed on run 1' } },
    { level: 40, key: 'a', failures: 2, retryInMs: 2, err: { message: 'a failed on run 2' } },
  ]);

  // After the success the count starts again: the next failure backs off as little as the first did.
  failUntil = 5;
  queue.add('a');
  await waitFor(() => runs.filter((k) => k === 'a').length === 5, 'the failing run and its retry');
  await queue.idle();
  t.match(
    lines.filter((l) => l['msg'] === 'processing a key failed' && l['key'] === 'a').slice(2),
    [{ failures: 1, retryInMs: 1, err: { message: 'a failed on run 4' } }],
  );
});

t.test('a rejected promise counts as a failure as a throw does, and an add during the backoff runs at once', async (t) => {
  const { queue, runs } = setup(t, (_key, run) => (run === 1 ? Promise.reject(new Error('not yet')) : undefined), { backoff: { initialMs: 600_000, maxMs: 600_000 } });
  queue.add('a');
  await waitFor(() => queue.stats().retrying === 1, 'a retry to be scheduled');
  t.match(queue.stats(), { failures: 1, queued: 0, running: 0 });
  queue.add('a');
  await queue.idle();
  t.same(runs, ['a', 'a'], 'no ten-minute wait, and no second run when the backoff would have ended');
  t.equal(queue.stats().retrying, 0);
});

t.test('stop waits for running work, drops waiting keys and retries, and ignores later adds', async (t) => {
  const held = gate();
  const { queue, runs } = setup(
    t,
    (key) => {
      if (key === 'fails') throw new Error('retry me later');
      return key === 'slow' ? held.opened : undefined;
    },
    // A pending retry this long would keep the test process alive if stop left its timer.
    { backoff: { initialMs: 600_000, maxMs: 600_000 } },
  );
  queue.add('fails');
  await waitFor(() => queue.stats().retrying === 1, 'the retry of the failed key');
  queue.add('slow');
  await waitFor(() => runs.includes('slow'), 'the slow key to run');
  queue.add('other');
  queue.add('slow');
  t.match(queue.stats(), { queued: 1, running: 1, retrying: 1 });

  let stopped = false;
  const stopping = queue.stop().then(() => (stopped = true));
  await waitFor(() => queue.stats().queued === 0 && queue.stats().retrying === 0, 'stop to drop waiting keys and retries');
  t.equal(stopped, false, 'still running: stop has not resolved');
  held.open();
  await stopping;
  t.same(runs, ['fails', 'slow'], 'nothing ran after stop, not even the re-added slow key');
  queue.add('late');
  t.match(queue.stats(), { queued: 0, running: 0, retrying: 0 });
  await queue.idle();
  t.same(runs, ['fails', 'slow']);
});
