#!/usr/bin/env node
// The `nsguard` command: one file per subcommand; this file only dispatches and maps errors to exit
// codes (0 yes, 1 no, 2 bad input), so every failure is a message, never a stack trace. Each command's
// flags are defined once (its `*_SPEC`-like constant), for parsing and for `--help` alike. `kubectl
// nsguard` (kubectl-nsguard.ts) runs the same way with its own command list.
import { NsguardError } from '../errors.ts';
import { AUDIT, audit } from './audit.ts';
import { CERTS, certs } from './certs.ts';
import { CHECK, check } from './check.ts';
import { NSGUARD, type Host } from './cluster-source.ts';
import { nearest, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { EXPLAIN, explain } from './explain.ts';
import { GENERATE, generate } from './generate.ts';
import type { CommandIo } from './io.ts';
import { processIo } from './io.ts';
import { SERVE, serve } from './serve.ts';
import { VERSION } from './version.ts';

export interface Command {
  readonly spec: CommandSpec<FlagSpecs>;
  run(args: readonly string[], io: CommandIo, host?: Host): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  { spec: SERVE, run: serve },
  { spec: CHECK, run: check },
  { spec: EXPLAIN, run: explain },
  { spec: AUDIT, run: audit },
  { spec: GENERATE, run: generate },
  { spec: CERTS, run: certs },
];

/** A way to start the commands: `nsguard`, or `kubectl nsguard` (kubectl-nsguard.ts). */
export interface Program {
  readonly host: Host;
  readonly about: string;
  readonly commands: readonly Command[];
}

const NSGUARD_PROGRAM: Program = {
  host: NSGUARD,
  about: 'Keeps Kubernetes namespaces network-isolated: DNS keeps working, prod is never reachable from test.',
  commands: COMMANDS,
};

/** The program's help, from the commands' own definitions. */
export function usage(program: Program = NSGUARD_PROGRAM): string {
  const { commands, host } = program;
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  return [
    `usage: ${host.program} <command> [options]`,
    '',
    program.about,
    '',
    'commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    `\`${host.program} <command> --help\` shows a command's options; \`${host.program} --version\` the version.`,
  ].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo, program: Program = NSGUARD_PROGRAM): Promise<number> {
  const { host, commands } = program;
  const [name, ...args] = argv;
  if (name === '--version' || name === 'version') {
    io.out(`${host.program} ${VERSION}`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage(program));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.spec.name === name);
  if (command === undefined) {
    const near = nearest(name, commands.map((c) => c.spec.name));
    io.err(`${host.program}: unknown command ${JSON.stringify(name)}${near === undefined ? '' : `; did you mean ${near}?`}\n${usage(program)}`);
    return 2;
  }
  try {
    return await command.run(args, io, host);
  } catch (err) {
    if (err instanceof NsguardError) {
      io.err(`${host.program} ${name}: ${err.code}: ${err.message}`);
      return 2;
    }
    io.err(`${host.program} ${name}: internal error: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2), processIo);
