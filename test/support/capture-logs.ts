// A pino logger whose JSON lines are parsed into an array, so tests assert on what was logged.
import { Writable } from 'node:stream';
import { pino } from 'pino';

export interface LogCapture {
  readonly logger: pino.Logger;
  readonly lines: Record<string, unknown>[];
}

export function captureLogs(level = 'debug'): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
