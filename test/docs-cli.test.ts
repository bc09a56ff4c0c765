// docs/cli.md ends with every command's options as `--help` prints them: generated from the one
// definition of each command's flags, so the reference cannot drift from the code. Rewrite it with
// NSGUARD_UPDATE_GOLDENS=1 npm test after a change to a command's flags, and read the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { commandHelp } from '../src/cli/command-spec.ts';
import { PLUGIN } from '../src/cli/kubectl-nsguard.ts';
import { COMMANDS } from '../src/cli/main.ts';

const FILE = new URL('../docs/cli.md', import.meta.url);
const HEADING = '## Reference: every command and its options';

function reference(): string {
  return [
    HEADING,
    '',
    'Generated from the commands\' own definitions (`nsguard COMMAND --help` and `kubectl nsguard COMMAND',
    '--help` print the same); `test/docs-cli.test.ts` keeps this section in step with the code.',
    '',
    ...COMMANDS.flatMap((c) => [`### \`nsguard ${c.spec.name}\``, '', '```text', commandHelp(c.spec), '```', '']),
    ...PLUGIN.commands.flatMap((c) => [`### \`kubectl nsguard ${c.spec.name}\``, '', '```text', commandHelp(PLUGIN.host.spec(c.spec)), '```', '']),
  ].join('\n');
}

t.test('docs/cli.md ends with the reference the code generates', async (t) => {
  const text = readFileSync(FILE, 'utf8');
  const start = text.indexOf(HEADING);
  const wanted = reference();
  if (process.env['NSGUARD_UPDATE_GOLDENS'] === '1') {
    writeFileSync(FILE, `${(start === -1 ? text : text.slice(0, start)).trimEnd()}\n\n${wanted}`);
    return;
  }
  t.not(start, -1, `docs/cli.md has a section "${HEADING}"`);
  t.equal(text.slice(start), wanted, 'the reference is what the commands define');
});
