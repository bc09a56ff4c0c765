import t from 'tap';
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
