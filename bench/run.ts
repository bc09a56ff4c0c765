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
import { cpuSeconds } from './process-cpu.ts';
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

/** The servers each scenario loads: the no-op floor, the audited floor, and nsguard. */
type Contender = 'floor' | 'audited' | 'nsguard';
const CONTENDERS: readonly Contender[] = ['floor', 'audited', 'nsguard'];
type Measured = LoadResult & { readonly cpuUsPerRequest: number };

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
      const floor = await spawnFloor(tls, answerFile, join(dir, `${scenario.name}.floor.log`), { audit: false });
      const audited = await spawnFloor(tls, answerFile, join(dir, `${scenario.name}.audited.log`), { audit: true });
      const servers: Record<Contender, { port: number; pid: number }> = { floor, audited, nsguard: server };
      const run = async (who: Contender, s: number): Promise<Measured> => {
        const before = await cpuSeconds(servers[who].pid);
        const result = await load({ port: servers[who].port, path: scenario.path, body: scenario.body, connections, seconds: s });
        const cpu = (await cpuSeconds(servers[who].pid)) - before;
        return { ...result, cpuUsPerRequest: (cpu * 1e6) / result.requests };
      };
      for (const who of CONTENDERS) await run(who, warmup);
      await server.resetDurations();
      // Rounds rotate which server goes first (floor, audited, nsguard; audited, nsguard, floor; ...), so a
      // machine that speeds up or slows down during the run (shared VMs do) weighs on all alike; ratios
      // are the medians of the rounds' ratios.
      const measured: Record<Contender, Measured>[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length] as Contender);
        const results: Partial<Record<Contender, Measured>> = {};
        for (const who of order) results[who] = await run(who, seconds);
        measured.push(results as Record<Contender, Measured>);
      }
      await floor.stop();
      await audited.stop();
      const durations = [...(await server.durations())].sort((a, b) => a - b);
      const of = (who: Contender, value: (r: Measured) => number): number => median(measured.map((m) => value(m[who])));
      const worst = (who: Contender, value: (r: Measured) => number): number => Math.max(...measured.map((m) => value(m[who])));
      const perContender = (value: (r: Measured) => number, pick: (who: Contender, v: (r: Measured) => number) => number) =>
        ({ floor: pick('floor', value), audited: pick('audited', value), nsguard: pick('nsguard', value) });
      const row: LoadRow = {
        scenario: scenario.name,
        rps: perContender((r) => r.requestsPerSecond, of),
        ratio: median(measured.map((m) => m.nsguard.requestsPerSecond / m.floor.requestsPerSecond)),
        ratioAudited: median(measured.map((m) => m.nsguard.requestsPerSecond / m.audited.requestsPerSecond)),
        rounds: measured.map((m) => ({ floorRps: m.floor.requestsPerSecond, auditedRps: m.audited.requestsPerSecond, nsguardRps: m.nsguard.requestsPerSecond })),
        cpuUsPerRequest: perContender((r) => r.cpuUsPerRequest, of),
        clientP50Ms: perContender((r) => r.p50Ms, of),
        clientP99Ms: perContender((r) => r.p99Ms, worst),
        serverP50Ms: percentile(durations, 0.5),
        serverP99Ms: percentile(durations, 0.99),
        errors: measured.reduce((n, m) => n + CONTENDERS.reduce((e, who) => e + m[who].errors + m[who].non2xx, 0), 0),
      };
      rows.push(row);
      log(
        `${scenario.name}: floor ${row.rps.floor.toFixed(0)}, audited floor ${row.rps.audited.toFixed(0)}, nsguard ${row.rps.nsguard.toFixed(0)} req/s ` +
          `(${(row.ratio * 100).toFixed(0)}% / ${(row.ratioAudited * 100).toFixed(0)}%), CPU per request ${row.cpuUsPerRequest.floor.toFixed(0)} / ${row.cpuUsPerRequest.audited.toFixed(0)} / ${row.cpuUsPerRequest.nsguard.toFixed(0)} µs, server p99 ${row.serverP99Ms.toFixed(2)} ms`,
      );
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
  const allowed = rows.find((r) => r.scenario === 'validate-allowed');
  const mutate = rows.find((r) => r.scenario.startsWith('mutate'));
  if (allowed !== undefined && mutate !== undefined) {
    const times = (ratio: number): string => `${ratio.toFixed(2)}x`;
    out.push({ goal: 'validate (allowed CREATE) throughput >= 1.0x the audited floor', measured: times(allowed.ratioAudited), met: allowed.ratioAudited >= 1 });
    out.push({ goal: 'validate (allowed CREATE) throughput >= 0.60x the no-op floor', measured: times(allowed.ratio), met: allowed.ratio >= 0.6 });
    out.push({ goal: 'namespace mutation >= 1.1x the audited floor / >= 0.70x the no-op floor', measured: `${times(mutate.ratioAudited)} / ${times(mutate.ratio)}`, met: mutate.ratioAudited >= 1.1 && mutate.ratio >= 0.7 });
    const serverP99 = Math.max(...rows.map((r) => r.serverP99Ms));
    out.push({ goal: 'server-side p99 under saturation <= 1 ms', measured: `highest ${serverP99.toFixed(2)} ms`, met: serverP99 <= 1 });
  }
  const topRow = sizeRows.find((s) => s.size === size.name);
  const noPods = sizeRows.find((s) => s.size === `${size.name}-no-pods`);
  if (topRow !== undefined && noPods !== undefined) {
    const rss = Math.max(topRow.rssMiB, Number.isFinite(rssAfterLoadMiB) ? rssAfterLoadMiB : 0);
    out.push({ goal: 'RSS at full size under the limit <= 200 MiB', measured: `${rss.toFixed(0)} MiB (loaded ${topRow.rssMiB.toFixed(0)}, after load runs ${Number.isFinite(rssAfterLoadMiB) ? rssAfterLoadMiB.toFixed(0) : '-'})`, met: rss <= 200 });
    // What the pods make the process keep; RSS and heap used 1 s after ready also hold the load's garbage.
    const retainedDelta = topRow.retainedHeapMiB - noPods.retainedHeapMiB;
    const rssDelta = topRow.rssMiB - noPods.rssMiB;
    const heapDelta = topRow.heapUsedMiB - noPods.heapUsedMiB;
    out.push({
      goal: `${topRow.pods} pods add <= 20 MiB (retained heap)`,
      measured: `retained heap +${retainedDelta.toFixed(1)} MiB (RSS +${rssDelta.toFixed(1)}, heap used before GC +${heapDelta.toFixed(1)})`,
      met: retainedDelta <= 20,
    });
    out.push({ goal: 'start to ready from a state file <= 5 s', measured: `${(topRow.readyMs / 1000).toFixed(2)} s`, met: topRow.readyMs <= 5_000 });
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

