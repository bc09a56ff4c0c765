import { NsguardError } from '../errors.ts';
import { terminalSafe } from '../terminal-text.ts';

/** Where a command reads and writes: the process streams in use, buffers in tests. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input, for a FILE given as `-`. */
  readStdin(): Promise<string>;
  /** Colour on stdout: only on a terminal, and never with NO_COLOR set (https://no-color.org). */
  readonly colour: boolean;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${terminalSafe(text)}\n`),
  err: (text) => process.stderr.write(`${terminalSafe(text)}\n`),
  readStdin: () => readBounded(process.stdin, MAX_STDIN_BYTES),
  colour: colourOn(process.stdout.isTTY === true, process.env['NO_COLOR']),
};

/**
 * Standard input is read whole, as a string: well past any state file (10k namespaces and 150k pods are
 * about 100 MiB of JSON) and below V8's longest string (about 512 MiB), which would end in a stack trace.
 */
export const MAX_STDIN_BYTES = 256 * 1024 * 1024;

/** The stream as UTF-8 text, refused with a usage error once it passes `limit` bytes. */
export async function readBounded(stream: AsyncIterable<Buffer | string>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw new NsguardError('NSG_USAGE', `standard input is larger than ${limit} bytes: give the objects as a file, or fewer of them`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** NO_COLOR set to anything but the empty string turns colour off, as https://no-color.org says. */
export function colourOn(terminal: boolean, noColor: string | undefined): boolean {
  return terminal && (noColor ?? '') === '';
}
