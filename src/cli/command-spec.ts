// One definition of a command's flags serves both parsing and `--help`, so the two cannot drift, and
// docs/cli.md is checked against the same definitions. Errors name the command and, for a mistyped
// flag or value, the nearest one that exists.
import { parseArgs } from 'node:util';
import { NsguardError } from '../errors.ts';
import type { CommandIo } from './io.ts';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** A string flag that may be given more than once. */
  readonly multiple?: boolean;
  /** What the value is, in the help: `FILE`, `N`, `FORMAT`. */
  readonly value?: string;
  /** The values a string flag takes; the first is the default when there is no `default`. */
  readonly choices?: readonly string[];
  readonly default?: string;
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<F extends FlagSpecs> {
  /** How the command is started, for usage lines and messages; `nsguard` unless said (`kubectl nsguard`). */
  readonly program?: string;
  readonly name: string;
  /** What follows the options in the usage line: `FILE...`, `FROM TO`. */
  readonly operands: string;
  readonly summary: string;
  readonly flags: F;
  /** What the exit codes mean, one line. */
  readonly exits: string;
}

type Text<S extends FlagSpec> = S extends { readonly choices: readonly (infer C extends string)[] } ? C : string;
type Value<S extends FlagSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : S extends { readonly default: string } ? Text<S> : Text<S> | undefined;

export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: Value<F[K]> };

export type Parsed<F extends FlagSpecs> = { readonly help: true } | { readonly help: false; readonly values: FlagValues<F>; readonly positionals: readonly string[] };

const HELP: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/**
 * The command's flags and operands. `--help` or `-h` anywhere asks for help; `-` is an operand (stdin);
 * a choice outside `choices` is a usage error naming the choices.
 */
export function parseCommand<F extends FlagSpecs>(spec: CommandSpec<F>, args: readonly string[]): Parsed<F> {
  if (args.includes('--help') || args.includes('-h')) return { help: true };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] }> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = {
      type: flag.type,
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple === true ? { multiple: true, default: [] } : {}),
      ...(flag.type === 'boolean' ? { default: false } : {}),
      ...(flag.default === undefined ? {} : { default: flag.default }),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new NsguardError('NSG_USAGE', `${spec.program ?? 'nsguard'} ${spec.name}: ${withSuggestion((err as Error).message, spec.flags)}`, { cause: err });
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value = parsed.values[name];
    if (flag.choices === undefined || typeof value !== 'string' || flag.choices.includes(value)) continue;
    const near = nearest(value, flag.choices);
    throw new NsguardError(
      'NSG_USAGE',
      `${spec.program ?? 'nsguard'} ${spec.name}: --${name} must be one of ${flag.choices.join(', ')}, not ${JSON.stringify(value)}${near === undefined ? '' : `; did you mean ${near}?`}`,
    );
  }
  return { help: false, values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
}

/** `--help`: the help on stdout, exit 0. */
export function printHelp<F extends FlagSpecs>(spec: CommandSpec<F>, io: CommandIo): number {
  io.out(commandHelp(spec));
  return 0;
}

/** A flag the command cannot do without. */
export function required(command: string, name: string, value: string | undefined, what = 'FILE'): string {
  if (value === undefined || value === '') throw new NsguardError('NSG_USAGE', `nsguard ${command}: --${name} ${what} is required`);
  return value;
}

/** The command's help, generated from its flags. */
export function commandHelp<F extends FlagSpecs>(spec: CommandSpec<F>): string {
  const rows = [...Object.entries(spec.flags), ['help', HELP] as const].map(([name, flag]) => {
    const names = `${flag.short === undefined ? '    ' : `-${flag.short}, `}--${name}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
    const extra = [
      flag.choices === undefined ? undefined : `one of ${flag.choices.join(', ')}`,
      flag.default === undefined ? (flag.choices === undefined ? undefined : `default ${flag.choices[0]}`) : `default ${flag.default}`,
      flag.multiple === true ? 'may be given more than once' : undefined,
    ].filter((e) => e !== undefined);
    return [names, `${flag.help}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([names]) => names.length)) + 2;
  return [
    `usage: ${spec.program ?? 'nsguard'} ${spec.name} [options]${spec.operands === '' ? '' : ` ${spec.operands}`}`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map(([names, text]) => `  ${names.padEnd(width)}${text}`),
    '',
    `exit codes: ${spec.exits}`,
  ].join('\n');
}

/** node:util's message for an unknown option, with the nearest flag that exists. */
function withSuggestion(message: string, flags: FlagSpecs): string {
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(message);
  if (unknown === null) return message;
  const near = nearest(unknown[2] as string, [...Object.keys(flags), 'help']);
  return near === undefined ? message : `${message}; did you mean --${near}?`;
}

/**
 * The closest candidate within two edits (or that the text starts), if there is one; the first of equals.
 * Each candidate costs at most a few cells per character (banded edit distance), so a namespace of
 * 100k pod names is searched in well under a second.
 */
export function nearest(text: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(text) && text.length >= 2 ? 1 : editDistance(text, candidate);
    if (distance <= MAX_EDITS && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

const MAX_EDITS = 2;

/**
 * Levenshtein distance with a transposition counted as one edit (`--ouptut`), or MAX_EDITS + 1 when it
 * is larger: only cells within MAX_EDITS of the diagonal can stay under it, so only those are computed,
 * and the rows stop as soon as none does.
 */
function editDistance(a: string, b: string): number {
  const over = MAX_EDITS + 1;
  if (Math.abs(a.length - b.length) > MAX_EDITS) return over;
  if (a.length === 0 || b.length === 0) return a.length + b.length;
  // Three rows, reused: a cell is read only within the band or just outside it, where it is set to `over`.
  let before = new Array<number>(b.length + 1).fill(over);
  let above = Array.from({ length: b.length + 1 }, (_, j) => (j <= MAX_EDITS ? j : over));
  let row = new Array<number>(b.length + 1).fill(over);
  for (let i = 1; i <= a.length; i++) {
    const low = Math.max(1, i - MAX_EDITS);
    const high = Math.min(b.length, i + MAX_EDITS);
    row[low - 1] = low === 1 && i <= MAX_EDITS ? i : over;
    if (high < b.length) row[high + 1] = over;
    let smallest = over;
    for (let j = low; j <= high; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let cell = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cell = Math.min(cell, (before[j - 2] as number) + 1);
      row[j] = Math.min(cell, over);
      smallest = Math.min(smallest, row[j] as number);
    }
    if (smallest >= over) return over;
    [before, above, row] = [above, row, before];
  }
  return above[b.length] as number;
}
