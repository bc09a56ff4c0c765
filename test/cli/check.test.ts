import { writeFileSync } from 'node:fs';
import t from 'tap';
import { EXAMPLE } from '../support/cluster.ts';
import { fixture, nsguard, nsguardWithInput } from '../support/cli.ts';
import { matchGolden } from '../support/golden.ts';

t.test('the seeds example is denied with exit 1 and names the opened path', async (t) => {
  const r = nsguard('check', '--state', EXAMPLE, fixture('check/mysql-from-other-envs.yaml'));
  t.equal(r.code, 1, r.stderr);
  matchGolden(t, r.stdout, new URL('../fixtures/check/mysql-from-other-envs.golden', import.meta.url));
});

t.test('--output json carries the verdict, rule ids and messages', async (t) => {
  const r = nsguard('check', '--state', EXAMPLE, '--output', 'json', fixture('check/mysql-from-other-envs.yaml'));
  t.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { allowed: boolean; results: { verdict: string; operation: string; violations: { rule: string; message: string }[] }[] };
  t.equal(report.allowed, false);
  t.equal(report.results.length, 1);
  t.equal(report.results[0]?.verdict, 'denied');
  t.equal(report.results[0]?.operation, 'CREATE');
  t.same(report.results[0]?.violations.map((v) => v.rule), ['env-boundary']);
});

t.test('objects are admitted in order, as kubectl apply sends them', async (t) => {
  const denyFirst = nsguard('check', '--state', EXAMPLE, fixture('check/new-namespace-deny-first.yaml'));
  t.equal(denyFirst.code, 1, 'a default deny before its DNS rule is denied');
  t.match(denyFirst.stdout, /NetworkPolicy reports-prod\/default-deny \(CREATE\): denied\n  \[dns-egress\] creating NetworkPolicy reports-prod\/default-deny cuts DNS for any pod in reports-prod/);
  const dnsFirst = nsguard('check', '--state', EXAMPLE, fixture('check/new-namespace-dns-first.yaml'));
  t.equal(dnsFirst.code, 0, dnsFirst.stdout);
  t.match(dnsFirst.stdout, /3 allowed, 0 denied, 0 skipped/);
});

t.test('--delete of the DNS rule under a default deny is denied', async (t) => {
  const dir = t.testdir({
    'allow-dns.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: nsguard-allow-dns, namespace: shop-prod }\nspec: { podSelector: {} }\n',
  });
  // As an admin, so the DNS check and not tamper protection is what denies it.
  const r = nsguard('check', '--state', EXAMPLE, '--as-group', 'system:masters', '--delete', `${dir}/allow-dns.yaml`);
  t.equal(r.code, 1);
  t.match(r.stdout, /NetworkPolicy shop-prod\/nsguard-allow-dns \(DELETE\): denied\n  \[dns-egress\] deleting NetworkPolicy shop-prod\/nsguard-allow-dns cuts DNS for shop-prod\/mysql-0/);
});

t.test('an object without a namespace takes --namespace, as kubectl apply -n does', async (t) => {
  const dir = t.testdir({
    'p.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny-egress }\nspec: { podSelector: {}, policyTypes: [Egress] }\n',
  });
  const r = nsguard('check', '--state', EXAMPLE, '-n', 'shop-prod', `${dir}/p.yaml`);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /NetworkPolicy shop-prod\/deny-egress \(CREATE\): allowed/);
});

t.test('kinds nsguard does not judge are listed as skipped', async (t) => {
  const r = nsguard('check', '--state', EXAMPLE, EXAMPLE);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /Pod shop-prod\/mysql-0: skipped/);
});

t.test('bad input exits 2 with a message naming what is wrong', async (t) => {
  const dir = t.testdir({ 'broken.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n---\nkind: [unclosed\n' });
  const cases: { name: string; args: string[]; stderr: RegExp }[] = [
    { name: 'no --state', args: ['check', fixture('check/mysql-from-other-envs.yaml')], stderr: /NSG_USAGE: nsguard check: --state FILE is required/ },
    { name: 'no FILE', args: ['check', '--state', EXAMPLE], stderr: /NSG_USAGE: nsguard check: name at least one FILE/ },
    { name: 'an unknown flag', args: ['check', '--stat', EXAMPLE], stderr: /NSG_USAGE: nsguard check: Unknown option '--stat'/ },
    { name: 'a bad --output', args: ['check', '--state', EXAMPLE, '-o', 'xml', EXAMPLE], stderr: /--output must be one of text, json, yaml, sarif, junit, not "xml"/ },
    { name: 'a missing state file', args: ['check', '--state', `${dir}/nope.yaml`, EXAMPLE], stderr: /NSG_STATE_READ: .*nope\.yaml/ },
    { name: 'a malformed document', args: ['check', '--state', EXAMPLE, `${dir}/broken.yaml`], stderr: /NSG_STATE_PARSE: .*broken\.yaml document 2/ },
    { name: 'a missing config file', args: ['check', '--state', EXAMPLE, '--config', `${dir}/none.yaml`, EXAMPLE], stderr: /NSG_CONFIG_READ: .*none\.yaml/ },
  ];
  for (const c of cases) {
    const r = nsguard(...c.args);
    t.equal(r.code, 2, `${c.name}: exit 2`);
    t.match(r.stderr, c.stderr, `${c.name}: ${r.stderr}`);
    t.notMatch(r.stderr, /\n\s+at /, `${c.name}: no stack trace`);
  }
});

t.test('a config file changes the verdict: warn mode allows and reports', async (t) => {
  const dir = t.testdir({});
  writeFileSync(`${dir}/nsguard.yaml`, 'mode: warn\n');
  const r = nsguard('check', '--state', EXAMPLE, '--config', `${dir}/nsguard.yaml`, fixture('check/mysql-from-other-envs.yaml'));
  t.equal(r.code, 0);
  t.match(r.stdout, /\(CREATE\): warned\n  \[env-boundary\]/);
});

t.test('a run with no objects (empty standard input, a file of only ---) is bad input, not "all allowed"', async (t) => {
  const empty = nsguardWithInput('', 'check', '--state', EXAMPLE, '-');
  t.equal(empty.code, 2);
  t.match(empty.stderr, /no objects in -: nothing to judge/);
  const dir = t.testdir({ 'separators.yaml': '---\n---\n' });
  const separators = nsguard('check', '--state', EXAMPLE, '-o', 'json', `${dir}/separators.yaml`);
  t.equal(separators.code, 2);
  t.equal(separators.stdout, '', 'no report that CI could read as a pass');
});
