// Waiting on a condition instead of sleeping: polls until the probe holds, and fails with a description
// after a bound, so an asynchronous test is as fast as the code under test and never hangs.
import { setTimeout as delay } from 'node:timers/promises';

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, description: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await delay(5);
  }
}
