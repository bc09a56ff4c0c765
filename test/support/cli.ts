import { spawnSync } from 'node:child_process';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `nsguard ARGS` as a user runs it: a separate process, exit code and both streams. */
export function nsguard(...args: string[]): CliResult {
  return nsguardWithInput('', ...args);
}

/** The same, with `input` on its standard input (`-f -`, `cat x | nsguard check ... -`). */
export function nsguardWithInput(input: string, ...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000, input });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function fixture(path: string): string {
  return new URL(`../fixtures/${path}`, import.meta.url).pathname;
}
