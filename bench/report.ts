// Output of a run: a table on stdout, the JSON in bench/results/<timestamp>.json, and a Markdown table
// for docs/benchmarks.md (written to a file for a person to paste; the bench never edits the docs).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { auditMarkdown, type AuditBench } from './audit.ts';

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly date: string;
}

/** One figure for each server of a scenario: the no-op floor, the audited floor, nsguard. */
export interface PerServer {
  readonly floor: number;
  readonly audited: number;
  readonly nsguard: number;
}

export interface LoadRow {
  readonly scenario: string;
  /** Medians of the rounds. */
  readonly rps: PerServer;
  /** nsguard over the no-op floor, median of the rounds' ratios. */
  readonly ratio: number;
  /** nsguard over the audited floor, median of the rounds' ratios. */
  readonly ratioAudited: number;
  readonly rounds: readonly { readonly floorRps: number; readonly auditedRps: number; readonly nsguardRps: number }[];
  /** Process CPU (user + system) over requests served, median of the rounds. */
  readonly cpuUsPerRequest: PerServer;
  /** Medians of the rounds' p50s; the p99s are the worst round's. */
  readonly clientP50Ms: PerServer;
  readonly clientP99Ms: PerServer;
  readonly serverP50Ms: number;
  readonly serverP99Ms: number;
  readonly errors: number;
}

export interface SizeRow {
  readonly size: string;
  readonly namespaces: number;
  readonly pods: number;
  readonly policies: number;
  readonly readyMs: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  /** Heap used after a full GC: what the process keeps, without the load's garbage. */
  readonly retainedHeapMiB: number;
}

export interface CostRow {
  readonly size: string;
  readonly scenario: string;
  readonly medianUs: number;
  readonly p99Us: number;
}

/** One NetworkPolicy judged at the top size (bench/judge-size.ts). */
export interface PolicySizeRow {
  readonly shape: string;
  readonly rules: number;
  readonly kib: number;
  /** Mean CPU time of the thread that judged: this machine is shared, and wall time counts the neighbours. */
  readonly ms: number;
  readonly wallMs: number;
  readonly usPerRule: number;
  /** Steps counted against the review budget; past the budget, where the review stopped. */
  readonly steps: number;
  readonly verdict: string;
}

export interface PolicySizes {
  readonly budget: number;
  readonly sizes: readonly PolicySizeRow[];
  readonly hostile: readonly PolicySizeRow[];
}

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface Results {
  readonly machine: Machine;
  /** The memory limit nsguard ran under (the Deployment's), or why it ran without one. */
  readonly memoryLimit: { readonly mib: number } | { readonly unavailable: string };
  readonly options: Readonly<Record<string, unknown>>;
  readonly load: { readonly size: string; readonly rows: readonly LoadRow[]; readonly rssAfterLoadMiB: number };
  readonly sizes: readonly SizeRow[];
  readonly costs: readonly CostRow[];
  readonly policySizes: PolicySizes;
  /** `nsguard audit` of the largest cluster (bench/audit.ts). */
  readonly audit: AuditBench;
  readonly goals: readonly Goal[];
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() already named it.
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // No coreutils: os.cpus() counts the same CPUs, ignoring affinity.
  }
  return { nproc, cpu, node: process.version, date: new Date().toISOString() };
}

const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdown(results: Results): string {
  const { machine: m } = results;
  return [
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}, Node ${m.node}, ${m.date.slice(0, 10)}. Client, server and floor share these cores, so figures are indicative.`,
    '',
    'mib' in results.memoryLimit
      ? `nsguard ran in a memory cgroup limited to ${results.memoryLimit.mib} MiB, the Deployment's limit, so V8 sized its heap as in the cluster.`
      : `nsguard ran without a memory limit (${results.memoryLimit.unavailable}): V8 sized its heap for the whole machine.`,
    '',
    `Load (${results.load.size}, ${String(results.options['connections'])} keep-alive HTTPS connections; ${String(results.options['rounds'])} rounds of ${String(results.options['seconds'])} s per server, in rotating order; floor = no-op fastify HTTPS server, same TLS and response; audited floor = the same, parsing each review and writing one synchronous pino line with the audit fields; ratios = medians of the rounds' ratios; CPU per request = the server process's user + system CPU over the requests it served; client p99 = worst round):`,
    '',
    table(
      ['scenario', 'req/s floor / audited / nsguard', 'nsguard vs floor (rounds)', 'nsguard vs audited (rounds)', 'CPU µs/request floor / audited / nsguard', 'client p99 floor / audited / nsguard (ms)', 'server p50 / p99 (ms)', 'errors'],
      results.load.rows.map((r) => [
        r.scenario,
        `${f(r.rps.floor, 0)} / ${f(r.rps.audited, 0)} / ${f(r.rps.nsguard, 0)}`,
        `${f(r.ratio * 100, 0)}% (${r.rounds.map((x) => f((x.nsguardRps / x.floorRps) * 100, 0)).join(', ')})`,
        `${f(r.ratioAudited * 100, 0)}% (${r.rounds.map((x) => f((x.nsguardRps / x.auditedRps) * 100, 0)).join(', ')})`,
        `${f(r.cpuUsPerRequest.floor, 0)} / ${f(r.cpuUsPerRequest.audited, 0)} / ${f(r.cpuUsPerRequest.nsguard, 0)}`,
        `${f(r.clientP99Ms.floor)} / ${f(r.clientP99Ms.audited)} / ${f(r.clientP99Ms.nsguard)}`,
        `${f(r.serverP50Ms, 2)} / ${f(r.serverP99Ms, 2)}`,
        String(r.errors),
      ]),
    ),
    '',
    'Start-up and memory after loading the state file (RSS and heap used from /metrics 1 s after ready; retained = heap used after a full GC, through the inspector):',
    '',
    table(
      ['size', 'namespaces', 'pods', 'NetworkPolicies', 'ready (s)', 'RSS (MiB)', 'heap used (MiB)', 'retained heap (MiB)'],
      results.sizes.map((s) => [s.size, String(s.namespaces), String(s.pods), String(s.policies), f(s.readyMs / 1000, 2), f(s.rssMiB), f(s.heapUsedMiB), f(s.retainedHeapMiB)]),
    ),
    '',
    'One decision in-process (judge(), median and p99 of 5000 calls):',
    '',
    table(['size', 'scenario', 'median (µs)', 'p99 (µs)'], results.costs.map((c) => [c.size, c.scenario, f(c.medianUs), f(c.p99Us)])),
    '',
    `One NetworkPolicy by its size (judge() at ${results.load.size.split(':')[0] ?? ''}, mean thread CPU time; review budget ${results.policySizes.budget} steps):`,
    '',
    table(['shape', 'rules', 'KiB', 'CPU (ms)', 'µs per rule', 'steps', 'verdict'], [...results.policySizes.sizes, ...results.policySizes.hostile].map((r) => [r.shape, String(r.rules), f(r.kib, 0), f(r.ms), f(r.usPerRule), String(r.steps), r.verdict])),
    '',
    `\`nsguard audit -o json\` of ${results.load.size.split(':')[0] ?? ''} (a spawned process, median of ${results.audit.runs.length} runs):`,
    '',
    auditMarkdown(results.audit),
    '',
    'Goals (issues 7, 13, 16 and 18):',
    '',
    table(['goal', 'measured', 'met'], results.goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : 'no'])),
    '',
  ].join('\n');
}

export async function writeResults(results: Results, readmeFile: string): Promise<string> {
  const file = join('bench', 'results', `${results.machine.date.replaceAll(':', '-')}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await mkdir(dirname(readmeFile), { recursive: true });
  await writeFile(readmeFile, markdown(results));
  return file;
}
