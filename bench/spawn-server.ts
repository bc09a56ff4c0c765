// `nsguard serve --state FILE` as a separate process, as it runs in a cluster: its start-to-ready time,
// the `durationMs` of its audit lines (server-side latency), and its memory as /metrics reports it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { open, readFile } from 'node:fs/promises';
import { call, metricValue } from './https-client.ts';
import type { MemoryCgroup } from './memory-limit.ts';
import type { TlsFiles } from './tls-files.ts';

export interface NsguardProcess {
  readonly port: number;
  readonly pid: number;
  /** The process ended by itself (a crash, for a server that should run until stopped). */
  exited(): boolean;
  /** Spawn to the first /readyz 200, polled every 10 ms. */
  readonly readyMs: number;
  /** Audit-line durations logged since the last `resetDurations()`. */
  durations(): Promise<readonly number[]>;
  resetDurations(): Promise<void>;
  memory(): Promise<Memory>;
  /** JS heap used after a full GC, through the inspector: what the process keeps. Needs `inspect`. */
  retainedHeapBytes(): Promise<number>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Added to the image's node flags (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Run inside this memory cgroup, as the Deployment's limit does. */
  readonly cgroup?: MemoryCgroup;
  /** Open the inspector on a loopback port, for `retainedHeapBytes()`; only for memory figures. */
  readonly inspect?: boolean;
}

export interface Memory {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

const AUDIT = '"msg":"admission"';
const DURATION = /"durationMs":([0-9.e-]+)/;

/** The Dockerfile's ENTRYPOINT: node, its flags, and the script the image runs. */
function imageEntrypoint(dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')): string[] {
  const line = dockerfile.split('\n').findLast((l) => l.startsWith('ENTRYPOINT '));
  if (line === undefined) throw new Error('the Dockerfile has no ENTRYPOINT');
  return JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
}

/** The node flags between `node` and the script in the Dockerfile's ENTRYPOINT: what the image runs with. */
export function imageNodeFlags(dockerfile?: string): string[] {
  return imageEntrypoint(dockerfile).slice(1).filter((arg) => arg.startsWith('-'));
}

/** The script the image runs (compiled JavaScript under dist/), relative to the repository's root. */
export function imageScript(dockerfile?: string): string {
  const script = imageEntrypoint(dockerfile).slice(1).find((arg) => !arg.startsWith('-'));
  if (script === undefined) throw new Error('the Dockerfile\'s ENTRYPOINT names no script');
  return script;
}

let built: Promise<string> | undefined;

/**
 * The compiler's module, which bin/tsc (the Dockerfile's) only imports: a test runner's module hooks,
 * inherited by child processes, load the extensionless bin/tsc as CommonJS and fail.
 */
export const TSC = 'node_modules/typescript/lib/tsc.js';

/**
 * The image's script, compiled from the current sources once per process (`npm run build`, as the
 * image's build stage does), so the figures are those of the code as it is, run as the image runs it.
 */
export function buildImageScript(): Promise<string> {
  built ??= new Promise((resolve, reject) => {
    const tsc = spawn(process.execPath, [fileURLToPath(new URL(`../${TSC}`, import.meta.url)), '-p', 'tsconfig.build.json'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    tsc.once('error', reject);
    tsc.once('exit', (code) => (code === 0 ? resolve(fileURLToPath(new URL(`../${imageScript()}`, import.meta.url))) : reject(new Error(`the build (tsc -p tsconfig.build.json) exited with ${code}`))));
  });
  return built;
}

/**
 * Runs the image's compiled script with its node flags, so memory is measured as deployed; `--drain-seconds 0` because no
 * load balancer drains here.
 */
export async function spawnNsguard(stateFile: string, tls: TlsFiles, logFile: string, options: SpawnOptions = {}): Promise<NsguardProcess> {
  // stdout goes to a file, read between runs: parsing audit lines during a run would take CPU from the
  // load client (same process, same 2 cores) for nsguard only, not for the floor, and skew the ratio.
  const script = await buildImageScript();
  const log = await open(logFile, 'w');
  const started = performance.now();
  const command = [
    process.execPath,
    ...imageNodeFlags(),
    ...(options.nodeArgs ?? []),
    ...(options.inspect === true ? ['--inspect=127.0.0.1:0'] : []),
    script,
    'serve',
    '--state',
    stateFile,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--tls-cert',
    tls.certFile,
    '--tls-key',
    tls.keyFile,
    '--drain-seconds',
    '0',
  ];
  const [file, ...args] = options.cgroup === undefined ? command : options.cgroup.wrap(command);
  const child = spawn(file as string, args, { stdio: ['ignore', log.fd, 'pipe'] });
  await log.close();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  let port: number | undefined;
  while (port === undefined) {
    if (exited) throw new Error(`nsguard serve exited before listening: ${stderr}`);
    const line = (await readFile(logFile, 'utf8')).split('\n').find((l) => l.includes('"msg":"webhook server listening"'));
    if (line !== undefined) port = (JSON.parse(line) as { port: number }).port;
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (;;) {
    const reply = await call({ port, ca: tls.ca, path: '/readyz' }).catch(() => undefined);
    if (reply?.status === 200) break;
    if (exited) throw new Error(`nsguard serve exited before ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  let mark = 0;
  return {
    port,
    pid: child.pid as number,
    exited: () => exited,
    readyMs,
    durations: async () => {
      const text = (await readFile(logFile)).subarray(mark).toString('utf8');
      const found: number[] = [];
      for (const line of text.split('\n')) {
        if (!line.includes(AUDIT)) continue;
        const match = DURATION.exec(line);
        if (match !== null) found.push(Number(match[1]));
      }
      return found;
    },
    resetDurations: async () => {
      mark = (await readFile(logFile)).length;
    },
    memory: async () => {
      const text = (await call({ port, ca: tls.ca, path: '/metrics' })).text;
      return { rssBytes: metricValue(text, 'process_resident_memory_bytes') ?? NaN, heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes') ?? NaN };
    },
    retainedHeapBytes: async () => {
      const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
      if (url === undefined) throw new Error('nsguard was not started with the inspector');
      const replies = await inspector(url, ['HeapProfiler.collectGarbage', 'Runtime.getHeapUsage']);
      return (replies[1] as { usedSize: number }).usedSize;
    },
    stop: () => stopChild(child),
  };
}

/** Calls Chrome DevTools Protocol methods in turn over one WebSocket; their results in order. */
async function inspector(url: string, methods: readonly string[]): Promise<unknown[]> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), { once: true });
  });
  try {
    const results: unknown[] = [];
    for (const [id, method] of methods.entries()) {
      const reply = new Promise<unknown>((resolve, reject) => {
        const onMessage = (event: MessageEvent): void => {
          const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
          if (message.id !== id) return;
          socket.removeEventListener('message', onMessage);
          if (message.error !== undefined) reject(new Error(`${method}: ${message.error.message}`));
          else resolve(message.result);
        };
        socket.addEventListener('message', onMessage);
      });
      socket.send(JSON.stringify({ id, method }));
      results.push(await reply);
    }
    return results;
  } finally {
    socket.close();
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
