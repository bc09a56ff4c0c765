// What judging in a worker thread (with a deadline it could be killed at) would cost, measured for
// docs/checks.md ("Review budget"), which explains why nsguard counts steps instead: every review would
// pay a postMessage round trip, and the worker would need its own copy of the cluster view.
//
// `node bench/worker-round-trip.ts [--state FILE] [--trips N]`
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';

const MiB = 1024 * 1024;

// The worker answers each message with a small verdict, as a judging worker would; given a state file
// first, it loads it as nsguard does, so its memory is what a replicated view costs.
// After loading it collects its garbage (V8's gc, reached through vm as the flag allows at run time) and
// reports the heap it keeps.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  let retained = 0;
  if (workerData.state !== undefined) {
    const { loadStateFile } = await import(workerData.loader);
    globalThis.view = (await loadStateFile(workerData.state)).state;
    require('node:v8').setFlagsFromString('--expose-gc');
    require('node:vm').runInNewContext('gc')();
    retained = process.memoryUsage().heapUsed;
  }
  parentPort.on('message', (review) => parentPort.postMessage({ uid: review.request.uid, allowed: true, violations: [] }));
  parentPort.postMessage(retained);
})();
`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

const { values } = parseArgs({ options: { state: { type: 'string' }, trips: { type: 'string', default: '20000' } } });
const review = JSON.parse(await readFile(new URL('../examples/review-create.json', import.meta.url), 'utf8')) as { request: { uid: string } };
const rssBefore = process.memoryUsage().rss;
const worker = new Worker(WORKER, {
  eval: true,
  workerData: { state: values.state, loader: new URL('../src/cluster/load-state-file.ts', import.meta.url).href },
});
const [retainedBytes] = (await once(worker, 'message')) as [number];
const rssWithView = process.memoryUsage().rss;

const trips = Number(values.trips);
const times = new Float64Array(trips);
for (let i = 0; i < trips; i++) {
  const started = performance.now();
  worker.postMessage(review);
  await once(worker, 'message');
  times[i] = performance.now() - started;
}
await worker.terminate();
const sorted = [...times].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    reviewBytes: JSON.stringify(review).length,
    trips,
    roundTripUs: { median: percentile(sorted, 0.5) * 1000, p99: percentile(sorted, 0.99) * 1000 },
    ...(values.state !== undefined && { state: values.state, workerRssMiB: (rssWithView - rssBefore) / MiB, workerRetainedHeapMiB: retainedBytes / MiB }),
  }),
);
