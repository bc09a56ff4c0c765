// What the commands print comes partly from files anyone can write: a control sequence in an object's
// name must reach the terminal or CI log as visible text, never as a command to the terminal.
import t from 'tap';
import { COLOUR_ESCAPE, printedWidth, terminalSafe } from '../../src/terminal-text.ts';
import { EXAMPLE } from '../support/cluster.ts';
import { nsguard } from '../support/cli.ts';

t.test('controls are shown escaped as JSON and YAML write them; newline and tab stay; only nsguard\'s colour codes become codes', async (t) => {
  t.equal(terminalSafe('a\u001b[2Jb\u0007c\nd\te\u009bf\u007f'), 'a\\u001b[2Jb\\u0007c\nd\te\\u009bf\\u007f');
  t.equal(terminalSafe(`${COLOUR_ESCAPE}[31mred${COLOUR_ESCAPE}[0m`), '\u001b[31mred\u001b[0m', 'the colours this program writes');
  t.equal(terminalSafe('\u001b[8mhidden\u001b[0m'), '\\u001b[8mhidden\\u001b[0m', 'a colour code from the data is data');
  t.equal(terminalSafe('plain – ünïcode ✓'), 'plain – ünïcode ✓');
  // JSON.stringify leaves DEL and C1 characters raw: escaped, the JSON still parses to the same value.
  const json = JSON.stringify({ name: 'a\u0085b\u007fc\u001b' });
  t.same(JSON.parse(terminalSafe(json)), { name: 'a\u0085b\u007fc\u001b' });
  t.equal(printedWidth(`${COLOUR_ESCAPE}[31mab\u0007${COLOUR_ESCAPE}[0m`), 8, 'two letters and one escaped control; the colour takes no columns');
});

t.test('check prints a hostile policy name as text, on stdout and stderr', async (t) => {
  const name = 'evil\u001b[2J\u001b]8;;https://example.com\u0007x';
  const dir = t.testdir({
    'policy.json': JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: 'shop-prod' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] },
    }),
  });
  const r = nsguard('check', '--state', EXAMPLE, `${dir}/policy.json`);
  const printed = `${r.stdout}${r.stderr}`;
  t.notMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no control character reaches the output');
  t.match(printed, 'evil\\u001b[2J\\u001b]8;;https://example.com\\u0007x', 'the name is shown, escaped');
});

t.test('check -o json of a name holding DEL and C1 characters is JSON that reads back the name', async (t) => {
  const name = 'odd\u0085\u007f\u009bname';
  const dir = t.testdir({
    'policy.json': JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop-prod' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }),
  });
  const r = nsguard('check', '--state', EXAMPLE, '-o', 'json', `${dir}/policy.json`);
  t.notMatch(r.stdout, /[\u007f-\u009f]/, 'no raw control character');
  t.match(JSON.stringify(JSON.parse(r.stdout)), JSON.stringify(name).slice(1, -1), 'the name as it was written');
});
