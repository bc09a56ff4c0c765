#!/usr/bin/env node
// The `nsguard` command: one file per subcommand; this file only dispatches and maps errors to exit
// codes (0 yes, 1 no, 2 bad input), so every failure is a message, never a stack trace. Each command's
// flags are defined once (its `*_SPEC`-like constant), for parsing and for `--help` alike.
import { NsguardError } from '../errors.ts';
import { AUDIT, audit } from './audit.ts';
import { CERTS, certs } from './certs.ts';
import { CHECK, check } from './check.ts';
import { nearest, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { EXPLAIN, explain } from './explain.ts';
import { GENERATE, generate } from './generate.ts';
import type { CommandIo } from './io.ts';
import { processIo } from './io.ts';
import { SERVE, serve } from './serve.ts';
import { VERSION } from './version.ts';

interface Command {
  readonly spec: CommandSpec<FlagSpecs>;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  { spec: SERVE, run: serve },
  { spec: CHECK, run: check },
  { spec: EXPLAIN, run: explain },
  { spec: AUDIT, run: audit },
  { spec: GENERATE, run: generate },
  { spec: CERTS, run: certs },
];

/** The program's help, from the commands' own definitions. */
export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return [
    'usage: nsguard <command> [options]',
    '',
    'Keeps Kubernetes namespaces network-isolated: DNS keeps working, prod is never reachable from test.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    "`nsguard <command> --help` shows a command's options; `nsguard --version` the version.",
  ].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === 'version') {
    io.out(`nsguard ${VERSION}`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (command === undefined) {
    const near = nearest(name, COMMANDS.map((c) => c.spec.name));
    io.err(`nsguard: unknown command ${JSON.stringify(name)}${near === undefined ? '' : `; did you mean ${near}?`}\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof NsguardError) {
      io.err(`nsguard ${name}: ${err.code}: ${err.message}`);
      return 2;
    }
    io.err(`nsguard ${name}: internal error: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2), processIo);
