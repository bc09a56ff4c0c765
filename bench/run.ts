// `npm run bench [-- --full] [-- --seconds N] [-- --rounds N] [-- --connections N] [-- --skip-load]
//   [-- --memory-limit MIB|none]`
// Generates the clusters, measures start-up and memory per size, the in-process decision cost, then
// load over HTTPS against nsguard and the no-op floor; prints a table and writes the JSON and the
// docs/benchmarks.md table. Quick by default (1k ns / 15k pods); `--full` is the issue's 10k ns / 150k pods.
// nsguard runs under the Deployment's memory limit where this machine lets the bench make a cgroup.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchAudit, type AuditBench } from './audit.ts';
import { generateCluster, type GeneratedCluster } from './generate-cluster.ts';
import { call } from './https-client.ts';
import { load, type LoadResult } from './load.ts';
import { deploymentMemoryLimit, memoryCgroup, type MemoryCgroup } from './memory-limit.ts';
import { machine, markdown, writeResults, type CostRow, type Goal, type LoadRow, type PolicySizes, type Results, type SizeRow } from './report.ts';
import { checkAnswer, SCENARIOS } from './reviews.ts';
import { spawnFloor } from './spawn-floor.ts';
import { spawnNsguard } from './spawn-server.ts';
import { writeTlsFiles } from './tls-files.ts';

const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '32' },
    'skip-load': { type: 'boolean', default: false },
    readme: { type: 'string', default: '/tmp/nsg/readme-bench.md' },
    'memory-limit': { type: 'string', default: 'deployment' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const connections = Number(values.connections);

interface Size {
  readonly name: string;
  readonly namespaces: number;
  readonly pods: number;
}

const top: Size = values.full ? { name: 'large', namespaces: 10_000, pods: 150_000 } : { name: 'medium', namespaces: 1_000, pods: 15_000 };
const small: Size = { name: 'small', namespaces: 70, pods: 1_000 };
// The same namespaces and policies without pods: what the pods alone add.
const topNoPods: Size = { name: `${top.name}-no-pods`, namespaces: top.namespaces, pods: 0 };
const empty: Size = { name: 'empty', namespaces: 0, pods: 0 };
const sizes = [empty, small, topNoPods, top];

const dir = await mkdtemp(join(tmpdir(), 'nsguard-bench-'));
const limit = values['memory-limit'] === 'none' ? undefined : values['memory-limit'] === 'deployment' ? await deploymentMemoryLimit() : Number(values['memory-limit']) * MiB;
if (limit !== undefined && !(limit > 0)) throw new Error(`--memory-limit: expected MiB, "deployment" or "none", not ${JSON.stringify(values['memory-limit'])}`);
const made = limit === undefined ? { unavailable: '--memory-limit none' } : await memoryCgroup(limit);
const cgroup: MemoryCgroup | undefined = 'wrap' in made ? made : undefined;
if (cgroup === undefined) log(`nsguard runs without a memory limit: ${'unavailable' in made ? made.unavailable : ''}`);
try {
  const tls = await writeTlsFiles(join(dir, 'tls'));
  const files = new Map<string, GeneratedCluster>();
  for (const size of sizes) {
    const generated = await generateCluster(size, join(dir, `${size.name}.json`));
    files.set(size.name, generated);
    log(`generated ${size.name}: ${generated.namespaces} namespaces, ${generated.pods} pods, ${generated.policies} policies, ${(generated.bytes / MiB).toFixed(1)} MiB`);
  }
  const fileOf = (size: Size): GeneratedCluster => files.get(size.name) as GeneratedCluster;

  const sizeRows: SizeRow[] = [];
  for (const size of sizes) {
    const generated = fileOf(size);
    const server = await spawnNsguard(generated.file, tls, join(dir, `${size.name}.log`), { inspect: true, ...(cgroup && { cgroup }) });
    // Memory once the load's garbage had a moment to be collected, as a replica sits between requests.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const memory = await server.memory();
    const retained = await server.retainedHeapBytes();
    await server.stop();
    sizeRows.push({
      size: size.name,
      namespaces: generated.namespaces,
      pods: generated.pods,
      policies: generated.policies,
      readyMs: server.readyMs,
      rssMiB: memory.rssBytes / MiB,
      heapUsedMiB: memory.heapUsedBytes / MiB,
      retainedHeapMiB: retained / MiB,
    });
    log(`${size.name}: ready in ${(server.readyMs / 1000).toFixed(2)} s, RSS ${(memory.rssBytes / MiB).toFixed(1)} MiB, heap ${(memory.heapUsedBytes / MiB).toFixed(1)} MiB, retained ${(retained / MiB).toFixed(1)} MiB`);
  }

  const costs: CostRow[] = [];
  for (const size of [small, top]) {
    const out = execFileSync(process.execPath, ['bench/judge-cost.ts', '--state', fileOf(size).file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const parsed = JSON.parse(out) as { costs: { scenario: string; medianUs: number; p99Us: number }[] };
    for (const c of parsed.costs) costs.push({ size: size.name, scenario: c.scenario, medianUs: c.medianUs, p99Us: c.p99Us });
    log(`judge() at ${size.name}: ${parsed.costs.map((c) => `${c.scenario} ${c.medianUs.toFixed(1)} µs`).join(', ')}`);
  }

  // The cost by policy size, up to the largest the apiserver stores, and the costliest shapes found.
  const bySize = execFileSync(process.execPath, ['bench/judge-size.ts', '--state', fileOf(top).file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 22 });
  const policySizes = JSON.parse(bySize) as PolicySizes;
  const largest = policySizes.sizes.filter((r) => r.kib > 1000);
  log(`judge() by policy size at ${top.name}: ${largest.map((r) => `${r.shape} ${r.rules} rules ${r.ms.toFixed(0)} ms`).join(', ')}`);

  // The whole audit of the largest cluster, under the same memory limit.
  const audit = await benchAudit({ state: fileOf(top).file, runs: 3, cgroup });
  log(`nsguard audit at ${top.name}: ${audit.median.wallSeconds.toFixed(1)} s wall, ${audit.median.cpuSeconds.toFixed(1)} s CPU, peak RSS ${audit.median.peakRssMiB.toFixed(0)} MiB`);

  const rows: LoadRow[] = [];
  let rssAfterLoadMiB = NaN;
  if (!values['skip-load']) {
    const server = await spawnNsguard(fileOf(top).file, tls, join(dir, 'load.log'), cgroup && { cgroup });
    for (const scenario of SCENARIOS) {
      const reply = await call({ port: server.port, ca: tls.ca, path: scenario.path, method: 'POST', body: scenario.body });
      const wrong = checkAnswer(scenario, reply.status, reply.text);
      if (wrong !== undefined) throw new Error(`${scenario.name}: nsguard answered wrongly, so its timing would mean nothing: ${wrong}`);
      const answerFile = join(dir, `${scenario.name}.answer.json`);
      await writeFile(answerFile, reply.text);
      const floor = await spawnFloor(tls, answerFile);
      const run = (port: number, s: number): Promise<LoadResult> => load({ port, path: scenario.path, body: scenario.body, connections, seconds: s });
      await run(floor.port, warmup);
      await run(server.port, warmup);
      await server.resetDurations();
      // Rounds alternate which server goes first (floor-nsguard, nsguard-floor, ...), so a machine that
      // speeds up or slows down during the run (shared VMs do) weighs on both alike; the ratio is the
      // median of the rounds' ratios.
      const measured: { floor: LoadResult; nsguard: LoadResult }[] = [];
      for (let round = 0; round < rounds; round++) {
        const floorFirst = round % 2 === 0;
        const first = await run(floorFirst ? floor.port : server.port, seconds);
        const second = await run(floorFirst ? server.port : floor.port, seconds);
        measured.push(floorFirst ? { floor: first, nsguard: second } : { floor: second, nsguard: first });
      }
      await floor.stop();
      const durations = [...(await server.durations())].sort((a, b) => a - b);
      const of = (which: 'floor' | 'nsguard', value: (r: LoadResult) => number): number => median(measured.map((m) => value(m[which])));
      const worst = (which: 'floor' | 'nsguard', value: (r: LoadResult) => number): number => Math.max(...measured.map((m) => value(m[which])));
      const row: LoadRow = {
        scenario: scenario.name,
        floorRps: of('floor', (r) => r.requestsPerSecond),
        nsguardRps: of('nsguard', (r) => r.requestsPerSecond),
        ratio: median(measured.map((m) => m.nsguard.requestsPerSecond / m.floor.requestsPerSecond)),
        rounds: measured.map((m) => ({ floorRps: m.floor.requestsPerSecond, nsguardRps: m.nsguard.requestsPerSecond })),
        clientP50Ms: { floor: of('floor', (r) => r.p50Ms), nsguard: of('nsguard', (r) => r.p50Ms) },
        clientP99Ms: { floor: worst('floor', (r) => r.p99Ms), nsguard: worst('nsguard', (r) => r.p99Ms) },
        serverP50Ms: percentile(durations, 0.5),
        serverP99Ms: percentile(durations, 0.99),
        errors: measured.reduce((n, m) => n + m.floor.errors + m.floor.non2xx + m.nsguard.errors + m.nsguard.non2xx, 0),
      };
      rows.push(row);
      log(`${scenario.name}: floor ${row.floorRps.toFixed(0)} req/s, nsguard ${row.nsguardRps.toFixed(0)} req/s (${(row.ratio * 100).toFixed(0)}%), client p99 ${row.clientP99Ms.floor} / ${row.clientP99Ms.nsguard} ms, server p99 ${row.serverP99Ms.toFixed(2)} ms`);
    }
    rssAfterLoadMiB = (await server.memory()).rssBytes / MiB;
    await server.stop();
  }

  const results: Results = {
    machine: machine(),
    memoryLimit: cgroup === undefined ? { unavailable: 'unavailable' in made ? made.unavailable : '' } : { mib: cgroup.limitBytes / MiB },
    options: { full: values.full, seconds, rounds, warmup, connections },
    load: { size: `${top.name}: ${top.namespaces} namespaces, ${fileOf(top).pods} pods, ${fileOf(top).policies} NetworkPolicies`, rows, rssAfterLoadMiB },
    sizes: sizeRows,
    costs,
    policySizes,
    audit,
    goals: goals(rows, sizeRows, costs, policySizes, audit, rssAfterLoadMiB, top),
  };
  const file = await writeResults(results, values.readme);
  process.stdout.write(`\n${markdown(results)}\nJSON: ${file}\ndocs/benchmarks.md table: ${values.readme}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
  await cgroup?.remove();
}

function goals(rows: readonly LoadRow[], sizeRows: readonly SizeRow[], costs: readonly CostRow[], policySizes: PolicySizes, audit: AuditBench, rssAfterLoadMiB: number, size: Size): Goal[] {
  const out: Goal[] = [];
  const validate = rows.filter((r) => r.scenario.startsWith('validate'));
  const mutate = rows.filter((r) => r.scenario.startsWith('mutate'));
  if (rows.length > 0) {
    const minValidate = Math.min(...validate.map((r) => r.ratio));
    const minMutate = Math.min(...mutate.map((r) => r.ratio));
    const serverP99 = Math.max(...rows.map((r) => r.serverP99Ms));
    const clientP99 = Math.max(...rows.map((r) => r.clientP99Ms.nsguard));
    out.push({ goal: 'validate throughput >= 70% of floor', measured: `lowest ${(minValidate * 100).toFixed(0)}%`, met: minValidate >= 0.7 });
    out.push({ goal: 'mutation throughput >= 80% of floor', measured: `${(minMutate * 100).toFixed(0)}%`, met: minMutate >= 0.8 });
    out.push({ goal: 'p99 <= 5 ms server-side', measured: `highest ${serverP99.toFixed(2)} ms`, met: serverP99 <= 5 });
    out.push({ goal: 'p99 <= 25 ms client-side', measured: `highest ${clientP99.toFixed(1)} ms`, met: clientP99 <= 25 });
  }
  const topRow = sizeRows.find((s) => s.size === size.name);
  const noPods = sizeRows.find((s) => s.size === `${size.name}-no-pods`);
  if (topRow !== undefined && noPods !== undefined) {
    const rss = Math.max(topRow.rssMiB, Number.isFinite(rssAfterLoadMiB) ? rssAfterLoadMiB : 0);
    out.push({ goal: 'RSS <= 256 MiB', measured: `${rss.toFixed(0)} MiB (loaded ${topRow.rssMiB.toFixed(0)}, after load runs ${Number.isFinite(rssAfterLoadMiB) ? rssAfterLoadMiB.toFixed(0) : '-'})`, met: rss <= 256 });
    // What the pods make the process keep; RSS and heap used 1 s after ready also hold the load's garbage.
    const retainedDelta = topRow.retainedHeapMiB - noPods.retainedHeapMiB;
    const rssDelta = topRow.rssMiB - noPods.rssMiB;
    const heapDelta = topRow.heapUsedMiB - noPods.heapUsedMiB;
    out.push({
      goal: `${topRow.pods} pods add <= 30 MiB (retained heap)`,
      measured: `retained heap +${retainedDelta.toFixed(1)} MiB (RSS +${rssDelta.toFixed(1)}, heap used before GC +${heapDelta.toFixed(1)})`,
      met: retainedDelta <= 30,
    });
    out.push({ goal: 'ready <= 10 s', measured: `${(topRow.readyMs / 1000).toFixed(2)} s`, met: topRow.readyMs <= 10_000 });
  }
  const at = (sizeName: string): number => costs.find((c) => c.size === sizeName && c.scenario === 'validate-allowed')?.medianUs ?? NaN;
  const growth = at(size.name) / at('small');
  out.push({ goal: `judge() at ${size.name} within 20% of small`, measured: `${at('small').toFixed(1)} -> ${at(size.name).toFixed(1)} µs (x${growth.toFixed(2)})`, met: growth <= 1.2 });
  const perRule = (rules: number): number => policySizes.sizes.find((r) => r.shape === 'issue' && r.rules === rules)?.usPerRule ?? NaN;
  const flat = perRule(6000) / perRule(10);
  out.push({ goal: 'cost per rule, 6000 rules vs 10 (issue 13 shape)', measured: `${perRule(10).toFixed(1)} -> ${perRule(6000).toFixed(1)} µs (x${flat.toFixed(2)})`, met: flat <= 1.5 });
  const largest = policySizes.sizes.filter((r) => r.kib > 1000);
  const slowest = Math.max(...largest.map((r) => r.ms));
  out.push({ goal: '1.5 MiB NetworkPolicy judged in <= 1 s, not refused', measured: `slowest ${slowest.toFixed(0)} ms CPU`, met: slowest <= 1000 && largest.every((r) => !r.verdict.includes('review-budget')) });
  const worst = Math.max(...policySizes.hostile.map((r) => r.ms));
  out.push({ goal: 'hostile reviews stopped by the budget well under 1 s', measured: `slowest ${worst.toFixed(0)} ms CPU`, met: worst <= 500 });
  // Issue 16: well under 30 s on 2 cores, under the Deployment's memory limit.
  const { median: m } = audit;
  const limitMiB = audit.memoryLimitMiB;
  out.push({
    goal: `nsguard audit at ${size.name} well under 30 s, under the memory limit`,
    measured: `${m.wallSeconds.toFixed(1)} s wall, peak RSS ${m.peakRssMiB.toFixed(0)} MiB${limitMiB === null ? ' (no limit)' : ` of ${limitMiB}`}`,
    met: m.wallSeconds <= 15 && m.exitCode !== 2 && (limitMiB === null || m.peakRssMiB < limitMiB),
  });
  return out;
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

