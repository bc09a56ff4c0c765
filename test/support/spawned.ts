// A process under test that logs pino JSON lines to stdout: its lines, a way to wait for one, its exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';

export interface Spawned {
  readonly child: ChildProcess;
  /** Every JSON line logged so far. */
  readonly lines: Record<string, unknown>[];
  /** The first line with this msg (and matching the predicate): one already logged, or the next one. */
  logged(msg: string, match?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

export function spawnLogging(t: Test, script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Spawned {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.msg === line['msg'] && w.match(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const logged = (msg: string, match: (line: Record<string, unknown>) => boolean = () => true) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const past = lines.find((line) => line['msg'] === msg && match(line));
      if (past !== undefined) return resolve(past);
      waiters.push({ msg, match, resolve });
      void exited.then((code) => reject(new Error(`the process exited (${code}) before logging ${JSON.stringify(msg)}; stderr: ${stderr}`)));
    });
  return { child, lines, logged, exited };
}
