import { NsguardError } from '../errors.ts';

/** Where a command reads and writes: the process streams in use, buffers in tests. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input, for a FILE given as `-`. */
  readStdin(): Promise<string>;
  /** Colour on stdout: only on a terminal, and never with NO_COLOR set (https://no-color.org). */
  readonly colour: boolean;
}

const colour = colourOn(process.stdout.isTTY === true, process.env['NO_COLOR']);

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${terminalSafe(text, colour)}\n`),
  err: (text) => process.stderr.write(`${terminalSafe(text, false)}\n`),
  readStdin: () => readBounded(process.stdin, MAX_STDIN_BYTES),
  colour,
};

const CONTROLS = /\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Text as written to a terminal or a CI log. Names and label values come from files anyone can write
 * (the policy a pull request adds), and a control sequence in one (a cursor move, a cleared line, an OSC
 * title or link, concealed text) would change what the reader sees: every C0 and C1 control but newline
 * and tab is shown escaped, as `\x1b`. With `colour`, the colour codes this program writes stay codes.
 */
export function terminalSafe(text: string, colour: boolean): string {
  // A colour code is matched whole, so only its ESC is escaped when colour is off.
  return text.replace(CONTROLS, (match) => (match.length > 1 && colour ? match : `${escapeControl(match)}${match.slice(1)}`));
}

function escapeControl(char: string): string {
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

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
