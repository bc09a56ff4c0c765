// Retry delays of the list/watch loops: the schedule, and a pause that a stop cuts short.
import t from 'tap';
import { backoffDelay, pause } from '../../src/cluster/backoff.ts';

t.test('delays double from the initial one up to the cap, half of each step jittered', async (t) => {
  const low = { initialMs: 200, maxMs: 30_000, random: () => 0 };
  const high = { ...low, random: () => 0.999999 };
  t.same([0, 1, 2, 3, 4].map((n) => backoffDelay(n, low)), [0, 100, 200, 400, 800], 'lowest: half the step');
  t.same([1, 2, 3, 4].map((n) => backoffDelay(n, high)), [200, 400, 800, 1600], 'highest: the whole step');
  t.equal(backoffDelay(9, high), 30_000, '200 ms * 2^8 is over the cap');
  t.equal(backoffDelay(1_000, high), 30_000, 'no overflow after many failures');
  const first = backoffDelay(1);
  t.ok(first >= 100 && first <= 200, 'defaults: a first step of 200 ms');
});

t.test('pause ends at once when its signal aborts', async (t) => {
  const abort = new AbortController();
  const paused = pause(60_000, abort.signal);
  abort.abort();
  await paused;
  t.pass('resolved without waiting a minute, and without rejecting');
});
