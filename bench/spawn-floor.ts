// The no-op floor server (noop-server.ts) as its own process, answering with a given body.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopChild } from './spawn-server.ts';
import type { TlsFiles } from './tls-files.ts';

export interface FloorProcess {
  readonly port: number;
  stop(): Promise<void>;
}

export async function spawnFloor(tls: TlsFiles, responseFile: string): Promise<FloorProcess> {
  const child = spawn(process.execPath, ['bench/noop-server.ts', '--cert', tls.certFile, '--key', tls.keyFile, '--response', responseFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the floor server exited (${String(code)}) before listening`)));
  });
  return { port, stop: () => stopChild(child) };
}
