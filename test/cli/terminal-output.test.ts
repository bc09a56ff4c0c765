// What the commands print comes partly from files anyone can write: a control sequence in an object's
// name must reach the terminal or CI log as visible text, never as a command to the terminal.
import t from 'tap';
import { terminalSafe } from '../../src/cli/io.ts';
import { EXAMPLE } from '../support/cluster.ts';
import { nsguard } from '../support/cli.ts';

t.test('controls are shown escaped; newline and tab stay; colour codes stay only with colour on', async (t) => {
  t.equal(terminalSafe('a\u001b[2Jb\u0007c\nd\te\u009bf\u007f', false), 'a\\x1b[2Jb\\x07c\nd\te\\x9bf\\x7f');
  t.equal(terminalSafe('\u001b[31mred\u001b[0m', true), '\u001b[31mred\u001b[0m', 'the colours this program writes');
  t.equal(terminalSafe('\u001b[31mred\u001b[0m', false), '\\x1b[31mred\\x1b[0m');
  t.equal(terminalSafe('\u001b]0;owned\u0007\u001b[1A', true), '\\x1b]0;owned\\x07\\x1b[1A', 'a title (OSC) and a cursor move are not colours');
  t.equal(terminalSafe('plain – ünïcode ✓', false), 'plain – ünïcode ✓');
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
  t.match(printed, 'evil\\x1b[2J\\x1b]8;;https://example.com\\x07x', 'the name is shown, escaped');
});
