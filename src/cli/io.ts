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
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  colour: colourOn(process.stdout.isTTY === true, process.env['NO_COLOR']),
};

/** NO_COLOR set to anything but the empty string turns colour off, as https://no-color.org says. */
export function colourOn(terminal: boolean, noColor: string | undefined): boolean {
  return terminal && (noColor ?? '') === '';
}
