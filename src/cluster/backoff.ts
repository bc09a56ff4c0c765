// Retry delays for the list/watch loops: exponential with jitter, capped, and a wait that a stop cuts
// short so no timer outlives the loop.
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** Delay after the first failure (default 200 ms); doubles with each further one. */
  readonly initialMs?: number;
  /** Cap (default 30 s). */
  readonly maxMs?: number;
  /** Source of jitter in [0, 1); tests pin it. */
  readonly random?: () => number;
}

const DEFAULT_INITIAL_MS = 200;
const DEFAULT_MAX_MS = 30_000;

/**
 * Equal jitter: half the step fixed, half random, so replicas that failed together retry apart, and
 * no delay exceeds the cap. 0 when nothing failed.
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  if (failures <= 0) return 0;
  const initial = options.initialMs ?? DEFAULT_INITIAL_MS;
  const max = options.maxMs ?? DEFAULT_MAX_MS;
  const step = Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
  return Math.round(step / 2 + ((options.random ?? Math.random)() * step) / 2);
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks the signal and stops.
  }
}
