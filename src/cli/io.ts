/** Where a command writes: the process streams in use, buffers in tests. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: text output may use colour. */
  readonly terminal?: boolean;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  terminal: process.stdout.isTTY === true,
};
