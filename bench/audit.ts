// `node bench/audit.ts [--state FILE | --namespaces N --pods N] [--runs N] [--memory-limit MIB|deployment|none] [--json]`,
// and a step of `npm run bench` (bench/run.ts) on the cluster it generates.
// The whole `nsguard audit` of a cluster as a user runs it (a spawned process, JSON report to a file),
// inside the Deployment's memory limit where this machine lets the bench make a cgroup: wall time and
// CPU time per run (median), peak RSS, and the report's size. Without --state it generates the issue's
// cluster (10k namespaces, 150k pods) with bench/generate-cluster.ts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCluster } from './generate-cluster.ts';
import { deploymentMemoryLimit, memoryCgroup, type MemoryCgroup } from './memory-limit.ts';

const MiB = 1024 * 1024;
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;
const MAX_RSS = new URL('./max-rss.ts', import.meta.url).pathname;

export interface AuditRun {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly exitCode: number | null;
}

export interface AuditBench {
  readonly state: string;
  readonly stateMiB: number;
  readonly cores: number;
  readonly memoryLimitMiB: number | null;
  readonly runs: readonly AuditRun[];
  readonly median: AuditRun;
  readonly reportMiB: number;
}

/** One audit in a child process; the child reports its own peak RSS and CPU time as it exits (max-rss.ts). */
async function runOnce(state: string, out: string, cgroup: MemoryCgroup | undefined): Promise<AuditRun> {
  const command = [process.execPath, '--max-semi-space-size=8', '--import', MAX_RSS, MAIN, 'audit', '--state', state, '-o', 'json', '--out', out];
  const [file, ...args] = cgroup === undefined ? command : cgroup.wrap(command);
  const started = performance.now();
  const child = spawn(file as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  const wallSeconds = (performance.now() - started) / 1000;
  const usage = /max-rss-kib (\d+) cpu-us (\d+)/.exec(stderr);
  if (usage === null) throw new Error(`the audit reported no resource usage (exit ${exitCode}):\n${stderr}`);
  return { wallSeconds, cpuSeconds: Number(usage[2]) / 1e6, peakRssMiB: Number(usage[1]) / 1024, exitCode };
}

/** `cgroup`: run inside it (the Deployment's limit); undefined: without a limit. */
export async function benchAudit(options: { state: string; runs: number; cgroup: MemoryCgroup | undefined }): Promise<AuditBench> {
  const { cgroup } = options;
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-audit-bench-'));
  const out = join(dir, 'report.json');
  try {
    const runs: AuditRun[] = [];
    for (let i = 0; i < options.runs; i++) runs.push(await runOnce(options.state, out, cgroup));
    const byWall = runs.toSorted((a, b) => a.wallSeconds - b.wallSeconds);
    return {
      state: options.state,
      stateMiB: (await stat(options.state)).size / MiB,
      cores: cpus().length,
      memoryLimitMiB: cgroup === undefined ? null : cgroup.limitBytes / MiB,
      runs,
      median: byWall[Math.floor(byWall.length / 2)] as AuditRun,
      reportMiB: (await stat(out)).size / MiB,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The docs/benchmarks.md row. */
export function auditMarkdown(b: AuditBench): string {
  const m = b.median;
  return [
    '| cluster file | cores | memory limit | wall time (median) | CPU time | peak RSS | report (JSON) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${b.stateMiB.toFixed(0)} MiB | ${b.cores} | ${b.memoryLimitMiB === null ? 'none' : `${b.memoryLimitMiB} MiB`} | ${m.wallSeconds.toFixed(1)} s | ${m.cpuSeconds.toFixed(1)} s | ${m.peakRssMiB.toFixed(0)} MiB | ${b.reportMiB.toFixed(1)} MiB |`,
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      state: { type: 'string' },
      namespaces: { type: 'string', default: '10000' },
      pods: { type: 'string', default: '150000' },
      runs: { type: 'string', default: '3' },
      'memory-limit': { type: 'string', default: 'deployment' },
      json: { type: 'boolean', default: false },
    },
  });
  const limitText = values['memory-limit'];
  const limitBytes = limitText === 'none' ? undefined : limitText === 'deployment' ? await deploymentMemoryLimit() : Number(limitText) * MiB;
  let state = values.state;
  let generated: string | undefined;
  if (state === undefined) {
    generated = await mkdtemp(join(tmpdir(), 'nsguard-audit-cluster-'));
    state = (await generateCluster({ namespaces: Number(values.namespaces), pods: Number(values.pods) }, join(generated, 'cluster.json'))).file;
  }
  const made = limitBytes === undefined ? { unavailable: '--memory-limit none' } : await memoryCgroup(limitBytes);
  const cgroup = 'wrap' in made ? made : undefined;
  try {
    const result = await benchAudit({ state, runs: Number(values.runs), cgroup });
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      for (const [i, r] of result.runs.entries()) process.stdout.write(`run ${i + 1}: ${r.wallSeconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU, peak RSS ${r.peakRssMiB.toFixed(0)} MiB, exit ${r.exitCode}\n`);
      if ('unavailable' in made) process.stdout.write(`without a memory limit: ${made.unavailable}\n`);
      process.stdout.write(`${auditMarkdown(result)}\n`);
    }
  } finally {
    await cgroup?.remove();
    if (generated !== undefined) await rm(generated, { recursive: true, force: true });
  }
}
