// The text report of the example cluster, by what it says; colour only on a terminal without NO_COLOR.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { audit } from '../../src/cli/audit.ts';
import { colourOn } from '../../src/cli/io.ts';
import { terminalSafe } from '../../src/terminal-text.ts';
import { nsguard } from '../support/cli.ts';
import { CLUSTER, CONFIG } from './fixture.ts';

const ESC = '\u001b[';

t.test('the text report: summary, matrix, findings, namespaces, webhook', async (t) => {
  const r = nsguard('audit', '--state', CLUSTER, '--config', CONFIG);
  t.equal(r.code, 1, r.stderr);
  t.equal(r.stderr, '', 'no progress lines for a small cluster');
  const out = r.stdout;
  t.notOk(out.includes(ESC), 'no colour when stdout is not a terminal');
  t.match(out, `nsguard audit of state file ${CLUSTER} (Kubernetes NetworkPolicy semantics)`);
  t.match(out, '9 namespaces, 13 pods in 11 groups, 24 NetworkPolicies');
  t.match(out, '13 findings: 9 high, 4 medium, 0 low');
  t.match(out, 'unprotected pods 3 (sensitive 1), pods without DNS 1, separated environments joined 2');
  t.match(out, /from \\ to {3}prod {2}test {2}\(no label\)\n {2}prod {8}open {2}OPEN {2}open\n {2}test {8}OPEN {2}- {5}open/);
  t.match(out, 'prod → test: 2 namespace pairs on all ports');
  t.match(out, /HIGH {3}unprotected-workload {2}legacy-test\/mysql-0 \(sensitive: image mysql:8\.0, label app=mysql, port 3306\/TCP\)/);
  t.match(out, /HIGH {3}webhook-unreachable/);
  t.match(out, /MEDIUM namespace-env-label {3}namespace sandbox has no env label/);
  t.match(out, '  shop-test      test  strict     1     1                 1                1       1 missing, 0 drifted  2');
  t.match(out, 'the apiserver cannot reach the webhook pods in nsguard on TCP 8443 (1 pod)');
});

t.test('colour on a terminal, never with NO_COLOR', async (t) => {
  const outputs: string[] = [];
  const io = (terminal: boolean, noColor: string | undefined) => ({
    // As the process's stdout writes it: nsguard's colour codes become ESC there (terminal-text.ts).
    out: (text: string) => void outputs.push(terminalSafe(text)),
    err: () => undefined,
    readStdin: async () => '',
    colour: colourOn(terminal, noColor),
  });
  t.equal(await audit(['--state', CLUSTER, '--config', CONFIG], io(true, undefined)), 1);
  t.ok(outputs[0]?.includes(`${ESC}31mHIGH`), 'severities in colour on a terminal');
  t.equal(await audit(['--state', CLUSTER, '--config', CONFIG], io(true, '1')), 1);
  t.notOk(outputs[1]?.includes(ESC), 'NO_COLOR turns colour off');
  t.equal(await audit(['--state', CLUSTER, '--config', CONFIG], io(true, '')), 1);
  t.ok(outputs[2]?.includes(ESC), 'an empty NO_COLOR does not');
  t.equal(await audit(['--state', CLUSTER, '--config', CONFIG], io(false, undefined)), 1);
  t.notOk(outputs[3]?.includes(ESC), 'not on a pipe');
});

t.test('--out writes the report to a file; bad input exits 2', async (t) => {
  const dir = t.testdir();
  const out = `${dir}/report.json`;
  const r = nsguard('audit', '--state', CLUSTER, '--config', CONFIG, '-o', 'json', '--out', out);
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  const { readFileSync } = await import('node:fs');
  t.equal((JSON.parse(readFileSync(out, 'utf8')) as { kind: string }).kind, 'AuditReport');
  const cases: { args: string[]; stderr: RegExp }[] = [
    { args: ['-o', 'xml'], stderr: /--output must be one of text, json, yaml, html, policyreport, openreports, not "xml"/ },
    { args: ['--with', CLUSTER], stderr: /--with FILE judges the flows of --flows FILE/ },
    { args: ['--apply'], stderr: /--apply writes reports to the cluster: use it with -o policyreport or -o openreports/ },
    { args: ['extra'], stderr: /unexpected argument "extra"/ },
  ];
  for (const c of cases) {
    const bad = nsguard('audit', '--state', CLUSTER, ...c.args);
    t.equal(bad.code, 2, c.args.join(' '));
    t.match(bad.stderr, c.stderr);
  }
  const missing = nsguard('audit', '--state', `${dir}/nope.yaml`);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /NSG_STATE_READ/);
});

t.test('progress on stderr for a large cluster', async (t) => {
  const dir = t.testdir();
  const { generateCluster } = await import('../../bench/generate-cluster.ts');
  const { file } = await generateCluster({ namespaces: 200, pods: 20_000 }, `${dir}/large.json`);
  const r = nsguard('audit', '--state', file, '-o', 'json', '--out', `${dir}/report.json`);
  t.equal(r.code, 1);
  const stages = r.stderr.trim().split('\n').map((line) => line.replace(/ \(\d+\.\d s\)$/, ''));
  t.same(stages, [
    'nsguard audit: read 20000 pods in 200 namespaces, 1206 NetworkPolicies',
    'nsguard audit: judging workloads',
    'nsguard audit: judging dns',
    'nsguard audit: judging matrix',
    'nsguard audit: judging generated policies',
    'nsguard audit: judging webhook',
    'nsguard audit: writing the report',
    'nsguard audit: done',
  ]);
});

t.test('a report written with --out has no colour, even when stdout is a terminal', async (t) => {
  const dir = t.testdir({});
  const io = { out: () => undefined, err: () => undefined, readStdin: async () => '', colour: true };
  t.equal(await audit(['--state', CLUSTER, '--config', CONFIG, '--out', `${dir}/report.txt`], io), 1);
  const text = await readFile(`${dir}/report.txt`, 'utf8');
  t.match(text, 'HIGH');
  t.notMatch(text, /[\u001b\uE000]/, 'neither colour codes nor their markers');
});
