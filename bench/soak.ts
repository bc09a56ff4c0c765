// `node bench/soak.ts [--minutes N] [--size small|medium|large] [--idle N] [--memory-limit none]`
// A bounded soak (issue 13): nsguard serve on a generated cluster, for N minutes, under a mix of
// honest reviews (bench/reviews.ts), hostile ones (bench/hostile-reviews.ts), and sockets that never
// finish: raw TCP that sends nothing, half a TLS ClientHello, a TLS connection that stops mid-headers.
// It samples RSS, JS heap and open file descriptors every few seconds and prints what was tried, the
// crashes, hangs, wrong answers and wrong allows, the worst answer per kind of input, and whether the
// memory and descriptor figures stayed flat (last minute against the first, after a warm-up).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { parseArgs } from 'node:util';
import { generateCluster } from './generate-cluster.ts';
import { HOSTILE, type HostileReview } from './hostile-reviews.ts';
import { checkAnswer, SCENARIOS } from './reviews.ts';
import { deploymentMemoryLimit, memoryCgroup } from './memory-limit.ts';
import { spawnNsguard } from './spawn-server.ts';
import { writeTlsFiles } from './tls-files.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    size: { type: 'string', default: 'medium' },
    idle: { type: 'string', default: '200' },
    'memory-limit': { type: 'string', default: 'deployment' },
  },
});
const SIZES: Record<string, { namespaces: number; pods: number }> = {
  small: { namespaces: 70, pods: 1_000 },
  medium: { namespaces: 1_000, pods: 15_000 },
  large: { namespaces: 10_000, pods: 150_000 },
};
const size = SIZES[values.size];
if (size === undefined) throw new Error(`--size: one of ${Object.keys(SIZES).join(', ')}`);
const durationMs = Number(values.minutes) * 60_000;
const idleSockets = Number(values.idle);
const HANG_MS = 15_000;
const SAMPLE_MS = 5_000;

const dir = await mkdtemp(join(tmpdir(), 'nsguard-soak-'));
const tls = await writeTlsFiles(join(dir, 'tls'));
const cluster = await generateCluster(size, join(dir, 'cluster.json'));
const logFile = join(dir, 'serve.log');
// Under the Deployment's memory limit where a cgroup can be made: V8 then sizes its heap as deployed.
const made = values['memory-limit'] === 'none' ? { unavailable: '--memory-limit none' } : await memoryCgroup(await deploymentMemoryLimit());
const cgroup = 'wrap' in made ? made : undefined;
if (cgroup === undefined) log(`nsguard runs without a memory limit: ${'unavailable' in made ? made.unavailable : ''}`);
const server = await spawnNsguard(cluster.file, tls, logFile, cgroup === undefined ? {} : { cgroup });
log(`nsguard pid ${server.pid} ready in ${server.readyMs.toFixed(0)} ms on ${cluster.namespaces} namespaces / ${cluster.pods} pods; soaking ${values.minutes} min`);

interface Tally {
  tried: number;
  wrong: number;
  wrongAllows: number;
  hangs: number;
  worstMs: number;
  examples: string[];
}
const tallies = new Map<string, Tally>();
function tally(name: string): Tally {
  let t = tallies.get(name);
  if (t === undefined) tallies.set(name, (t = { tried: 0, wrong: 0, wrongAllows: 0, hangs: 0, worstMs: 0, examples: [] }));
  return t;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: tls.ca });
function post(path: string, body: Buffer | string): Promise<{ status: number; text: string } | 'hang'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', agent, servername: 'localhost', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, text: 'response error' }));
    });
    req.setTimeout(HANG_MS, () => {
      req.destroy();
      resolve('hang');
    });
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(body);
  });
}

async function send(name: string, path: string, body: Buffer | string, judge: (status: number, text: string) => string | undefined, forged: boolean): Promise<void> {
  const t = tally(name);
  t.tried++;
  const started = performance.now();
  const reply = await post(path, body);
  t.worstMs = Math.max(t.worstMs, performance.now() - started);
  if (reply === 'hang') {
    t.hangs++;
    return;
  }
  const problem = judge(reply.status, reply.text);
  if (problem === undefined) return;
  t.wrong++;
  if (forged && reply.status === 200 && /"allowed":true/.test(reply.text)) t.wrongAllows++;
  if (t.examples.length < 3) t.examples.push(problem.slice(0, 200));
}

function hostileJudge(h: HostileReview) {
  return (status: number, text: string): string | undefined => {
    if (h.expect === 'refused') return status >= 400 && status < 500 ? undefined : `expected a 4xx, got ${status}: ${text.slice(0, 120)}`;
    if (status !== 200 || !text.includes('"response"')) return `expected an AdmissionReview, got ${status}: ${text.slice(0, 120)}`;
    if (h.expect === 'denied' && text.includes('"allowed":true')) return `allowed: ${text.slice(0, 120)}`;
    return undefined;
  };
}

const deadline = Date.now() + durationMs;
const running = () => Date.now() < deadline && !server.exited();

async function honestLoop(): Promise<void> {
  for (let i = 0; running(); i++) {
    const scenario = SCENARIOS[i % SCENARIOS.length];
    if (scenario === undefined) continue;
    await send(scenario.name, scenario.path, scenario.body, (status, text) => checkAnswer(scenario, status, text), false);
  }
}

async function hostileLoop(): Promise<void> {
  for (let i = 0; running(); i++) {
    const hostile = HOSTILE[i % HOSTILE.length];
    if (hostile === undefined) continue;
    await send(hostile.name, '/validate', hostile.body, hostileJudge(hostile), hostile.expect !== 'judged');
  }
}

/** Half a ClientHello: a record header announcing 512 bytes, and a few of them. */
const HALF_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array.from({ length: 16 }, () => 0x42)]);

interface IdleStats {
  opened: number;
  closedByServer: number;
  failed: number;
}
const idle: IdleStats = { opened: 0, closedByServer: 0, failed: 0 };

/** Keeps `idleSockets` sockets open that never finish; each one the server closes is replaced. */
async function idleLoop(): Promise<void> {
  const open = new Set<Socket>();
  let ending = false;
  const kinds = ['silent', 'half-hello', 'mid-headers'] as const;
  let next = 0;
  const openOne = (): void => {
    const kind = kinds[next++ % kinds.length];
    idle.opened++;
    const socket: Socket =
      kind === 'mid-headers'
        ? tlsConnect({ host: '127.0.0.1', port: server.port, ca: tls.ca, servername: 'localhost' }, () => socket.write('POST /validate HTTP/1.1\r\nHost: x\r\n'))
        : tcpConnect({ host: '127.0.0.1', port: server.port }, () => {
            if (kind === 'half-hello') socket.write(HALF_HELLO);
          });
    open.add(socket);
    // Read what the server sends (a 408), or a paused socket never sees the server close it.
    socket.resume();
    let failed = false;
    socket.on('error', () => {
      failed = true;
    });
    socket.on('close', () => {
      open.delete(socket);
      if (ending) return;
      if (failed) idle.failed++;
      else idle.closedByServer++;
    });
  };
  while (running()) {
    while (open.size < idleSockets && running()) openOne();
    await sleep(200);
  }
  ending = true;
  for (const socket of open) socket.destroy();
}

interface Sample {
  readonly atS: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly fds: number;
  readonly healthzMs: number;
}
const samples: Sample[] = [];
const start = Date.now();
async function sampleLoop(): Promise<void> {
  while (running()) {
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const fds = (await readdir(`/proc/${server.pid}/fd`).catch(() => [])).length;
    const t0 = performance.now();
    const memory = await server.memory().catch(() => ({ heapUsedBytes: NaN }));
    samples.push({ atS: (Date.now() - start) / 1000, rssMiB: rssKiB / 1024, heapMiB: memory.heapUsedBytes / 2 ** 20, fds, healthzMs: performance.now() - t0 });
    await sleep(SAMPLE_MS);
  }
}

await Promise.all([honestLoop(), honestLoop(), hostileLoop(), idleLoop(), sampleLoop()]);
const crashed = server.exited();
agent.destroy();
await server.stop();
await rm(dir, { recursive: true, force: true });
await cgroup?.remove();

const rows = [...tallies.entries()].map(([name, t]) => `| ${name} | ${t.tried} | ${t.wrong} | ${t.wrongAllows} | ${t.hangs} | ${t.worstMs.toFixed(0)} |`);
const window = (from: number, to: number) => samples.filter((s) => s.atS >= from && s.atS < to);
const mean = (list: readonly Sample[], key: 'rssMiB' | 'heapMiB' | 'fds') => list.reduce((sum, s) => sum + s[key], 0) / Math.max(1, list.length);
const totalS = durationMs / 1000;
// The first minute after a 30 s warm-up against the last minute.
const first = window(30, Math.min(90, totalS / 2));
const last = window(Math.max(totalS - 60, totalS / 2), totalS + 1);
const flat = (key: 'rssMiB' | 'heapMiB' | 'fds') => `${mean(first, key).toFixed(1)} → ${mean(last, key).toFixed(1)}`;
process.stdout.write(
  [
    '',
    `soak: ${values.minutes} min, ${cluster.namespaces} namespaces / ${cluster.pods} pods, ${idleSockets} never-finishing sockets held, ${cgroup === undefined ? 'no memory limit' : `memory limit ${cgroup.limitBytes / 2 ** 20} MiB`}`,
    `crashed: ${crashed ? 'YES' : 'no'}; worst /metrics answer while soaking: ${Math.max(...samples.map((s) => s.healthzMs)).toFixed(0)} ms`,
    '',
    '| input | tried | wrong answers | wrong allows | hangs | worst ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `never-finishing sockets: ${idle.opened} opened, ${idle.closedByServer} closed by nsguard, ${idle.failed} reset or refused, the rest still open at the end`,
    `RSS MiB ${flat('rssMiB')}; heap used MiB ${flat('heapMiB')}; open fds ${flat('fds')} (first minute after warm-up → last minute)`,
    `samples: ${samples.map((s) => `${s.atS.toFixed(0)}s ${s.rssMiB.toFixed(0)}M/${s.heapMiB.toFixed(0)}M/${s.fds}fd`).join(' ')}`,
    ...[...tallies.entries()].flatMap(([name, t]) => t.examples.map((e) => `  ${name}: ${e}`)),
    '',
  ].join('\n'),
);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
