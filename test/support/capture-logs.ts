// A pino logger whose JSON lines are parsed into an array, so tests assert on what was logged.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { WRITTEN_AT_ONCE, groupCommit, type Committer } from '../../src/log/group-commit.ts';
import { createLogger } from '../../src/log/logger.ts';

export interface LogCapture {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  /** With `grouped`, what `serve` hands the server: answers wait for their lines' group write. */
  readonly commit: Committer;
}

/** `grouped`: lines reach `lines` at the end of the event-loop turn, in one write, as `serve` writes them. */
export function captureLogs(level = 'debug', { grouped = false }: { readonly grouped?: boolean } = {}): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  // The production logger: tests pin whole lines as nsguard writes them.
  if (!grouped) return { logger: createLogger(level, stream), lines, commit: WRITTEN_AT_ONCE };
  const group = groupCommit(stream);
  return { logger: createLogger(level, group), lines, commit: group };
}
