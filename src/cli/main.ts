#!/usr/bin/env node
// The `nsguard` command: one file per subcommand; this file only dispatches and maps errors to exit
// codes (0 yes, 1 no, 2 bad input), so every failure is a message, never a stack trace.
import { NsguardError } from '../errors.ts';
import { audit } from './audit.ts';
import { certs } from './certs.ts';
import { check } from './check.ts';
import { explain } from './explain.ts';
import { generate } from './generate.ts';
import type { CommandIo } from './io.ts';
import { processIo } from './io.ts';
import { serve } from './serve.ts';

type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = { serve, check, explain, audit, generate, certs };

const USAGE = `usage: nsguard <command> [options]

commands:
  serve   [--state FILE] [--config FILE] [--port N] [--tls-cert F --tls-key F] [--host ADDR]
          [--drain-seconds N] [--log-level LEVEL]
          the admission webhook over HTTPS (without --state: the cluster of KUBECONFIG or in-cluster;
          without TLS files: a self-signed development certificate)
  check   --state FILE [--config FILE] [--delete] [--output text|json] FILE...
          admit the objects in FILE(s) against a cluster snapshot as the webhook would
          (exit 0 allowed, 1 denied, 2 bad input)
  explain --state FILE [--config FILE] FROM TO [--port N/PROTO] [--output text|json]
          is the path FROM → TO open, and which policies and rules decide it
          (exit 0 open, 1 closed, 2 bad input)
  audit   [--state FILE] [--config FILE] [-o text|json|yaml|html|policyreport|openreports] [--out FILE]
          [--flows FILE [--with FILE]] [--apply]
          the whole cluster at a glance (without --state: the live cluster): unprotected workloads, DNS,
          the environment reachability matrix, generated policies, the webhook's reachability
          (exit 0 clean, 1 findings, 2 bad input)
  generate [--state FILE] [--config FILE] [--output yaml|json] FILE...
          the NetworkPolicies nsguard would generate in each Namespace of FILE(s), ready for
          kubectl apply -f - (problems on stderr; exit 0, 2 bad input)
  certs   --out DIR [--service NAME] [--namespace NS]
          a CA (kept across runs) and a serving certificate for the webhook Service, the TLS Secret
          and the caBundle patch for manifests/webhooks; prints the caBundle`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`nsguard: unknown command ${JSON.stringify(name)}\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args, io);
  } catch (err) {
    if (err instanceof NsguardError) {
      io.err(`nsguard ${name}: ${err.code}: ${err.message}`);
      return 2;
    }
    io.err(`nsguard ${name}: internal error: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}

process.exitCode = await run(process.argv.slice(2), processIo);
