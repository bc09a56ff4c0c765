import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NsguardError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its errors turned into usage errors (exit 2) that name the command. */
export function parseCommandArgs<T extends Options>(command: string, args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new NsguardError('NSG_USAGE', `nsguard ${command}: ${(err as Error).message}`, { cause: err });
  }
}

export function requireOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new NsguardError('NSG_USAGE', `nsguard ${command}: --${name} FILE is required`);
  return value;
}

/** `--output`: one of `formats`, the first when not given. */
export function outputFormat<F extends string>(command: string, value: string | undefined, formats: readonly [F, ...F[]]): F {
  if (value === undefined) return formats[0];
  if ((formats as readonly string[]).includes(value)) return value as F;
  throw new NsguardError('NSG_USAGE', `nsguard ${command}: --output must be ${formats.join(' or ')}, not ${JSON.stringify(value)}`);
}
