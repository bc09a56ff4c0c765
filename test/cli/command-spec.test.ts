import t from 'tap';
import fc from 'fast-check';
import { commandHelp, nearest, parseCommand, type CommandSpec, type FlagSpecs } from '../../src/cli/command-spec.ts';

const SPEC = {
  name: 'demo',
  operands: 'FILE...',
  summary: 'Does a demonstration.',
  exits: '0 done, 2 bad input',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'the cluster snapshot' },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: ['text', 'json', 'yaml'], help: 'how to print' },
    delete: { type: 'boolean', help: 'judge deletions' },
    'as-group': { type: 'string', multiple: true, value: 'GROUP', help: 'a group of the requester' },
    namespace: { type: 'string', short: 'n', value: 'NS', default: 'default', help: 'for objects without one' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

t.test('flags, defaults, repeats and operands, with - as an operand', async (t) => {
  const parsed = parseCommand(SPEC, ['--state', 's.yaml', '-o', 'json', '--as-group', 'a', '--as-group', 'b', 'x.yaml', '-']);
  t.same(parsed, {
    help: false,
    values: { state: 's.yaml', output: 'json', delete: false, 'as-group': ['a', 'b'], namespace: 'default' },
    positionals: ['x.yaml', '-'],
  });
});

t.test('--help or -h anywhere asks for help, whatever else is there', async (t) => {
  t.same(parseCommand(SPEC, ['--state', 's', '--help']), { help: true });
  t.same(parseCommand(SPEC, ['-h', '--bogus']), { help: true });
});

t.test('a mistyped flag or value is a usage error that names the nearest one', async (t) => {
  t.throws(() => parseCommand(SPEC, ['--ouput', 'json']), { code: 'NSG_USAGE', message: /^nsguard demo: Unknown option '--ouput'.*; did you mean --output\?$/ });
  t.throws(() => parseCommand(SPEC, ['--sate', 's']), { message: /did you mean --state\?$/ });
  t.throws(() => parseCommand(SPEC, ['-o', 'jsn']), { code: 'NSG_USAGE', message: 'nsguard demo: --output must be one of text, json, yaml, not "jsn"; did you mean json?' });
  t.throws(() => parseCommand(SPEC, ['--zzzzzzzz']), { message: /^nsguard demo: Unknown option '--zzzzzzzz'\. .*[^?]$/ });
});

t.test('the help is generated from the flags: every flag, its value, choices, default and repeat', async (t) => {
  t.equal(
    commandHelp(SPEC),
    [
      'usage: nsguard demo [options] FILE...',
      '',
      'Does a demonstration.',
      '',
      'options:',
      '      --state FILE      the cluster snapshot',
      '  -o, --output FORMAT   how to print (one of text, json, yaml; default text)',
      '      --delete          judge deletions',
      '      --as-group GROUP  a group of the requester (may be given more than once)',
      '  -n, --namespace NS    for objects without one (default default)',
      '  -h, --help            show this help',
      '',
      'exit codes: 0 done, 2 bad input',
    ].join('\n'),
  );
});

t.test('nearest: within two edits, a transposition is one, a prefix counts', async (t) => {
  t.equal(nearest('ouptut', ['output', 'state']), 'output');
  t.equal(nearest('out', ['output', 'state']), 'output');
  t.equal(nearest('mysql', ['mysql-0', 'web-1']), 'mysql-0');
  t.equal(nearest('zzz', ['output']), undefined);
});

/** Damerau-Levenshtein (optimal string alignment) over the whole table: what nearest's banded rows must agree with. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

t.test('nearest picks the first candidate at the least distance within two edits, as the whole table says', async () => {
  const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 8 });
  fc.assert(
    fc.property(word, fc.array(word, { maxLength: 5 }), (text, candidates) => {
      const scored = candidates.map((c) => ({ c, d: c.startsWith(text) && text.length >= 2 ? 1 : distance(text, c) })).filter((s) => s.d <= 2);
      const least = Math.min(...scored.map((s) => s.d));
      return nearest(text, candidates) === scored.find((s) => s.d === least)?.c;
    }),
    { numRuns: 5000 },
  );
});

t.test('nearest over the 100k pod names of one Deployment, all of one length, agrees with the whole table', async (t) => {
  const names = Array.from({ length: 100_000 }, (_, i) => `web-6f7c9d5b8-${i.toString(36).padStart(5, 'k')}`);
  const typo = 'web6f7c9d5b8-k1j4m'; // web-6f7c9d5b8-k1j4m, which is there, less a hyphen
  const least = Math.min(...names.map((n) => distance(typo, n)));
  t.equal(least, 1);
  t.equal(nearest(typo, names), 'web-6f7c9d5b8-k1j4m');
});
