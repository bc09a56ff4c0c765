// A floor server (noop-server.ts) as its own process, answering with a given body; its stdout goes to a
// file, as nsguard's does, so the audited floor's lines cost what nsguard's cost.
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { imageNodeFlags, stopChild } from './spawn-server.ts';
import type { TlsFiles } from './tls-files.ts';

export interface FloorProcess {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function spawnFloor(tls: TlsFiles, responseFile: string, logFile: string, options: { audit: boolean }): Promise<FloorProcess> {
  const log = await open(logFile, 'w');
  // The image's node flags, as nsguard runs with them: the same heap set-up on both sides of the ratio.
  const args = [...imageNodeFlags(), 'bench/noop-server.ts', '--cert', tls.certFile, '--key', tls.keyFile, '--response', responseFile, ...(options.audit ? ['--audit'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', log.fd, 'inherit'] });
  await log.close();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    const line = (await readFile(logFile, 'utf8')).split('\n').find((l) => l.includes('"msg":"listening"'));
    if (line !== undefined) return { port: (JSON.parse(line) as { port: number }).port, pid: child.pid as number, stop: () => stopChild(child) };
    if (exited) throw new Error('the floor server exited before listening');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
