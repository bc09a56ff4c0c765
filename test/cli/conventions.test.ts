// The conventions every command keeps (issue 17): --help and -h from the one definition of its flags,
// --version, files from -f and from standard input as `-`, suggestions for what was mistyped, and the
// same exit code whatever the output format.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { EXAMPLE } from '../support/cluster.ts';
import { fixture, nsguard, nsguardWithInput } from '../support/cli.ts';

const COMMANDS = ['serve', 'check', 'explain', 'audit', 'generate', 'certs'];
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

t.test('every command answers --help and -h with its usage and options, exit 0', async (t) => {
  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      const r = nsguard(command, flag);
      t.equal(r.code, 0, `${command} ${flag}: exit 0`);
      t.match(r.stdout, new RegExp(`^usage: nsguard ${command} \\[options\\]`), `${command} ${flag}: usage`);
      t.match(r.stdout, /^ {2}-h, --help +show this help$/m, `${command} ${flag}: lists itself`);
      t.match(r.stdout, /^exit codes: /m);
    }
  }
  const top = nsguard('--help');
  t.equal(top.code, 0);
  for (const command of COMMANDS) t.match(top.stdout, new RegExp(`^ {2}${command} +\\S`, 'm'), `the program's help lists ${command}`);
});

t.test('--version prints the version', async (t) => {
  const r = nsguard('--version');
  t.equal(r.code, 0);
  t.equal(r.stdout, `nsguard ${VERSION}\n`);
});

t.test('check reads objects from -f FILE and from standard input as -', async (t) => {
  const policy = readFileSync(fixture('check/mysql-from-other-envs.yaml'), 'utf8');
  const fromFlag = nsguard('check', '--state', EXAMPLE, '-f', fixture('check/mysql-from-other-envs.yaml'));
  const fromStdin = nsguardWithInput(policy, 'check', '--state', EXAMPLE, '-');
  const fromStdinFlag = nsguardWithInput(policy, 'check', '--state', EXAMPLE, '-f', '-');
  t.equal(fromFlag.code, 1, 'denied');
  t.same([fromStdin.code, fromStdinFlag.code], [1, 1]);
  t.equal(fromStdin.stdout, fromFlag.stdout, 'the same judgement, whatever the way in');
  t.equal(fromStdinFlag.stdout, fromFlag.stdout);
  const twice = nsguardWithInput(policy, 'check', '--state', EXAMPLE, '-', '-f', '-');
  t.equal(twice.code, 2);
  t.match(twice.stderr, /- \(standard input\) can be given once/);
});

t.test('mistyped flags, values and commands get a suggestion', async (t) => {
  t.match(nsguard('check', '--ouput', 'json').stderr, /did you mean --output\?/);
  t.match(nsguard('check', '--state', EXAMPLE, '-o', 'jsn', EXAMPLE).stderr, /--output must be one of text, json, yaml, sarif, junit, not "jsn"; did you mean json\?/);
  const r = nsguard('chek');
  t.equal(r.code, 2);
  t.match(r.stderr, /unknown command "chek"; did you mean check\?/);
});

t.test('the exit code is the same in every output format', async (t) => {
  const dir = t.testdir({ 'tier.yaml': 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: { name: platform }\nspec: { order: 100 }\n' });
  const outcomes: { name: string; args: string[]; code: number }[] = [
    { name: 'denied', args: [fixture('check/mysql-from-other-envs.yaml')], code: 1 },
    { name: 'allowed', args: [fixture('check/new-namespace-dns-first.yaml')], code: 0 },
    { name: 'not judged', args: [`${dir}/tier.yaml`], code: 0 },
    { name: 'not judged, with --fail-on-skipped', args: ['--fail-on-skipped', `${dir}/tier.yaml`], code: 1 },
    { name: 'bad input', args: [`${dir}/missing.yaml`], code: 2 },
  ];
  for (const output of ['text', 'json', 'yaml', 'sarif', 'junit']) {
    for (const o of outcomes) t.equal(nsguard('check', '--state', EXAMPLE, '-o', output, ...o.args).code, o.code, `check -o ${output}, ${o.name}: ${o.code}`);
  }
  for (const output of ['text', 'json', 'yaml']) {
    t.equal(nsguard('explain', '--state', EXAMPLE, '-o', output, 'shop-test/app=web', 'shop-prod/app=mysql', '--port', '3306/TCP').code, 1, `explain -o ${output}: closed is 1`);
  }
});
