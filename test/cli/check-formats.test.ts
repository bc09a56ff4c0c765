// `nsguard check` for CI: -o json against its published schema, -o sarif against the SARIF 2.1.0 schema
// (test/fixtures/schemas/README.md says where it comes from), -o junit read back by a strict XML reader;
// each finding placed at the file, document and line of its object.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { ORDER_NOTE_TRIES } from '../../src/cli/check-order.ts';
import { MAX_LOCATED_CHARS } from '../../src/cli/inputs.ts';
import { attribute, text } from '../../src/cli/check-junit.ts';
import { EXAMPLE } from '../support/cluster.ts';
import { fixture, nsguard, nsguardWithInput } from '../support/cli.ts';
import type { XmlElement } from '../support/xml.ts';
import { childElements, parseXml, textOf } from '../support/xml.ts';

const schemaFile = (path: string): object => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as object;

// Ours is held to every strict rule; the SARIF schema lists `required` properties inside anyOf branches
// that define none there, which strictRequired refuses, so that one check is off for it alone.
const checkAjv = new Ajv2020({ allErrors: true, strict: true });
const sarifAjv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(checkAjv);
addFormats.default(sarifAjv);
const checkSchema = checkAjv.compile(schemaFile('../../schemas/check-report.schema.json'));
const sarifSchema = sarifAjv.compile(schemaFile('../fixtures/schemas/sarif-2.1.0.json'));

const errors = (validate: typeof checkSchema): string => JSON.stringify(validate.errors, null, 1);

// Lines matter: each object's first key is where its findings point.
const INPUT = [
  '# reports-prod, its default deny (before its DNS policy), and a List with a database opening and a Tier',
  'apiVersion: v1',
  'kind: Namespace',
  'metadata: { name: reports-prod, labels: { env: prod } }',
  '---',
  '# line 7 holds the deny',
  'apiVersion: networking.k8s.io/v1',
  'kind: NetworkPolicy',
  'metadata: { name: default-deny, namespace: reports-prod }',
  'spec: { podSelector: {}, policyTypes: [Ingress, Egress] }',
  '---',
  'apiVersion: v1',
  'kind: List',
  'items:',
  '  - apiVersion: networking.k8s.io/v1',
  '    kind: NetworkPolicy',
  '    metadata: { name: mysql-from-others, namespace: shop-prod }',
  '    spec:',
  '      podSelector: { matchLabels: { app: mysql } }',
  '      ingress: [ { from: [ { namespaceSelector: { matchExpressions: [ { key: env, operator: NotIn, values: [prod] } ] } } ], ports: [ { port: 3306 } ] } ]',
  '  - apiVersion: projectcalico.org/v3',
  '    kind: Tier',
  '    metadata: { name: platform }',
  '    spec: { order: 100 }',
  '',
].join('\n');

interface Finding {
  file: string;
  document: number;
  item: number | null;
  line: number | null;
  column: number | null;
  kind: string;
  namespace: string | null;
  name: string;
  rule: string;
  severity: string;
  message: string;
  pods: unknown[];
  ports: unknown[];
  policies: unknown[];
}

t.test('-o json fits its schema and places each finding at its object', async (t) => {
  const dir = t.testdir({ 'input.yaml': INPUT });
  const r = nsguard('check', '--state', EXAMPLE, '-o', 'json', `${dir}/input.yaml`);
  t.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { results: { source: unknown }[]; skipped: { source: unknown }[]; findings: Finding[] };
  t.ok(checkSchema(report), errors(checkSchema));
  const deny = report.findings.find((f) => f.rule === 'dns-egress');
  t.match(deny, { file: `${dir}/input.yaml`, document: 1, item: null, line: 7, column: 1, kind: 'NetworkPolicy', namespace: 'reports-prod', name: 'default-deny', severity: 'deny' });
  t.match(deny?.ports, [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
  const opening = report.findings.find((f) => f.rule === 'env-boundary' && f.severity === 'deny');
  t.match(opening, { document: 2, item: 0, line: 15, column: 5, name: 'mysql-from-others', message: /its ingress rule 0 allows it$/ });
  t.match(opening?.policies, [{ kind: 'NetworkPolicy', namespace: 'shop-prod', name: 'mysql-from-others', direction: 'ingress', rule: 0, role: 'allows' }]);
  t.match(opening?.pods, [{ kind: 'pods', side: 'to', namespace: 'shop-prod', names: ['mysql-0'] }, { kind: 'any-namespace', side: 'from', namespaceLabels: { env: 'test' } }]);
  t.same(report.skipped[0]?.source, { file: `${dir}/input.yaml`, document: 2, item: 1, line: 21, column: 5 });
  t.same(report.results[0]?.source, { file: `${dir}/input.yaml`, document: 0, item: null, line: 2, column: 1 });
});

t.test('-o json in warn mode: the same findings, none of them denying', async (t) => {
  const dir = t.testdir({ 'nsguard.yaml': 'mode: warn\n' });
  const r = nsguard('check', '--state', EXAMPLE, '--config', `${dir}/nsguard.yaml`, '-o', 'json', fixture('check/mysql-from-other-envs.yaml'));
  t.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: Finding[] };
  t.ok(checkSchema(report), errors(checkSchema));
  t.match(report.findings, [{ rule: 'env-boundary', severity: 'warn', line: 1, document: 0 }]);
});

t.test('a text past MAX_LOCATED_CHARS is judged as any other; its objects keep document and item, their line unknown', async (t) => {
  const [policy] = parseAllDocuments(readFileSync(fixture('check/mysql-from-other-envs.yaml'), 'utf8')).map((d) => d.toJS() as { metadata: Record<string, unknown> });
  // One List document of JSON, as `kubectl get -o json` prints it, made large by an annotation.
  const big = { ...policy, metadata: { ...policy?.metadata, annotations: { note: 'x'.repeat(MAX_LOCATED_CHARS) } } };
  const r = nsguardWithInput(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [big] }), 'check', '--state', EXAMPLE, '-o', 'json', '-');
  t.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: Finding[] };
  t.ok(checkSchema(report), errors(checkSchema));
  t.match(report.findings, [{ rule: 'env-boundary', file: '-', document: 0, item: 0, line: null, column: null }]);
});

t.test('-o json of standard input names the file -', async (t) => {
  const r = nsguardWithInput(readFileSync(fixture('check/mysql-from-other-envs.yaml'), 'utf8'), 'check', '--state', EXAMPLE, '-o', 'json', '-');
  const report = JSON.parse(r.stdout) as { findings: Finding[] };
  t.ok(checkSchema(report), errors(checkSchema));
  t.match(report.findings, [{ file: '-', document: 0, line: 1 }]);
});

t.test('a denial whose fix comes later in the same run says so, and the later object is judged as before', async (t) => {
  const r = nsguard('check', '--state', EXAMPLE, '-o', 'json', fixture('check/new-namespace-deny-first.yaml'));
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as { results: { name: string; operation: string; verdict: string; violations: { message: string }[] }[] };
  t.match(
    report.results[1]?.violations[0]?.message,
    /To keep DNS, apply this NetworkPolicy .*\. NetworkPolicy reports-prod\/allow-dns, later in .*new-namespace-deny-first\.yaml document 3, would have kept DNS had it come first: kubectl apply sends objects in file order, so move it before this one$/,
  );
  t.match(report.results[2], { name: 'allow-dns', operation: 'CREATE', verdict: 'allowed' }, 'trying it first left the snapshot as it was');
  const alone = nsguard('check', '--state', EXAMPLE, fixture('check/new-namespace-deny-first.yaml').replace('deny-first', 'dns-first'));
  t.notMatch(alone.stdout, /would have kept DNS/);
});

t.test('the order note looks only as far as the next ORDER_NOTE_TRIES egress policies of the namespace', async (t) => {
  const deny = readFileSync(fixture('check/new-namespace-deny-first.yaml'), 'utf8');
  const [head = '', fix = ''] = deny.split(/^---\n(?=apiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata: \{ name: allow-dns)/m);
  // Egress policies that keep no DNS (they reach only their own namespace), between the deny and its fix.
  const decoy = (i: number) =>
    `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: same-ns-${i}, namespace: reports-prod }\nspec: { podSelector: { matchLabels: { app: a${i} } }, policyTypes: [Egress], egress: [ { to: [ { podSelector: {} } ] } ] }\n`;
  const run = (decoys: number) => {
    const dir = t.testdir({ 'run.yaml': `${head}${Array.from({ length: decoys }, (_, i) => decoy(i)).join('')}---\n${fix}` });
    const r = nsguard('check', '--state', EXAMPLE, '-o', 'json', `${dir}/run.yaml`);
    return (JSON.parse(r.stdout) as { results: { violations: { message: string }[] }[] }).results[1]?.violations[0]?.message ?? '';
  };
  t.match(run(ORDER_NOTE_TRIES - 1), /reports-prod\/allow-dns, later in .* would have kept DNS/, 'found within the tries');
  t.notMatch(run(ORDER_NOTE_TRIES), /would have kept DNS/, 'not looked for beyond them');
});

interface Sarif {
  runs: {
    tool: { driver: { rules: { id: string; helpUri?: string; shortDescription: { text: string } }[] } };
    invocations: { toolExecutionNotifications: { level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } }; logicalLocations: { fullyQualifiedName: string }[] }[];
    }[];
  }[];
}

t.test('-o sarif is SARIF 2.1.0 that points at the file and line of each finding', async (t) => {
  const dir = t.testdir({ 'input.yaml': INPUT });
  const r = nsguard('check', '--state', EXAMPLE, '-o', 'sarif', `${dir}/input.yaml`);
  t.equal(r.code, 1, r.stderr);
  const log = JSON.parse(r.stdout) as Sarif;
  t.ok(sarifSchema(log), errors(sarifSchema));
  const [run] = log.runs;
  const rules = run?.tool.driver.rules ?? [];
  t.same(
    rules.map((rule) => rule.id),
    ['dns-egress', 'env-boundary', 'isolation-tamper', 'review-budget', 'not-modelled'],
  );
  t.ok(rules.every((rule) => rule.shortDescription.text.length > 20 && rule.helpUri === undefined));
  const deny = run?.results.find((res) => res.ruleId === 'dns-egress');
  t.match(deny, { level: 'error', ruleIndex: 0, message: { text: /^creating NetworkPolicy reports-prod\/default-deny cuts DNS/ } });
  t.same(deny?.locations[0]?.physicalLocation, { artifactLocation: { uri: relative(process.cwd(), `${dir}/input.yaml`), uriBaseId: 'SRCROOT' }, region: { startLine: 7, startColumn: 1 } });
  t.same(deny?.locations[0]?.logicalLocations, [{ fullyQualifiedName: 'NetworkPolicy reports-prod/default-deny', kind: 'object' }]);
  const opening = run?.results.find((res) => res.ruleId === 'env-boundary' && res.level === 'error');
  t.match(opening?.locations[0]?.physicalLocation, { region: { startLine: 15, startColumn: 5 } });
  t.match(run?.results.filter((res) => res.level === 'warning').length, Number, 'warnings are results too');
  t.match(run?.invocations[0]?.toolExecutionNotifications, [{ level: 'warning', locations: [{ physicalLocation: { region: { startLine: 21 } } }] }], 'the Tier is said not to be judged');
  const strict = JSON.parse(nsguard('check', '--state', EXAMPLE, '-o', 'sarif', '--fail-on-skipped', `${dir}/input.yaml`).stdout) as Sarif;
  t.match(strict.runs[0]?.invocations[0]?.toolExecutionNotifications, [{ level: 'error' }], 'an error where it fails the run');
});

t.test('-o sarif with --docs-url links every rule to its heading in docs/checks.md', async (t) => {
  const r = nsguard('check', '--state', EXAMPLE, '-o', 'sarif', '--docs-url', 'https://docs.example.com/nsguard/docs', fixture('check/mysql-from-other-envs.yaml'));
  const log = JSON.parse(r.stdout) as Sarif;
  t.ok(sarifSchema(log), errors(sarifSchema));
  const headings = [...readFileSync(new URL('../../docs/checks.md', import.meta.url), 'utf8').matchAll(/^#{1,6} `([a-z-]+)`$/gm)].map((m) => m[1]);
  for (const rule of log.runs[0]?.tool.driver.rules ?? []) {
    t.equal(rule.helpUri, `https://docs.example.com/nsguard/docs/checks.md#${rule.id}`);
    t.ok(headings.includes(rule.id), `docs/checks.md has a heading for ${rule.id}`);
  }
  const bad = nsguard('check', '--state', EXAMPLE, '-o', 'sarif', '--docs-url', 'docs/', fixture('check/mysql-from-other-envs.yaml'));
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--docs-url must be an absolute http\(s\) URL, not "docs\/"/);
});

t.test('-o sarif of standard input names the object only: there is no file to point at', async (t) => {
  const r = nsguardWithInput(readFileSync(fixture('check/mysql-from-other-envs.yaml'), 'utf8'), 'check', '--state', EXAMPLE, '-o', 'sarif', '-');
  const log = JSON.parse(r.stdout) as Sarif;
  t.ok(sarifSchema(log), errors(sarifSchema));
  t.same(log.runs[0]?.results[0]?.locations, [{ logicalLocations: [{ fullyQualifiedName: 'NetworkPolicy shop-prod/mysql-from-others', kind: 'object' }] }]);
});

const cases = (suite: XmlElement): XmlElement[] => childElements(suite, 'testcase');

t.test('-o junit: a suite per file, a failing case per denied object, warnings as output, skipped kinds skipped', async (t) => {
  const dir = t.testdir({ 'input.yaml': INPUT });
  const r = nsguard('check', '--state', EXAMPLE, '-o', 'junit', `${dir}/input.yaml`);
  t.equal(r.code, 1, r.stderr);
  const root = parseXml(r.stdout);
  t.match(root, { name: 'testsuites', attributes: { name: 'nsguard check', tests: '4', failures: '2', errors: '0', skipped: '1' } });
  const [suite] = childElements(root, 'testsuite');
  t.match(suite?.attributes, { name: `${dir}/input.yaml`, tests: '4', failures: '2', skipped: '1' });
  const byName = new Map(cases(suite as XmlElement).map((c) => [c.attributes['name'], c]));
  const deny = byName.get('NetworkPolicy reports-prod/default-deny (CREATE)') as XmlElement;
  t.match(deny.attributes, { classname: `${dir}/input.yaml`, file: `${dir}/input.yaml`, line: '7' });
  const [failure] = childElements(deny, 'failure');
  t.match(failure?.attributes, { type: 'dns-egress', message: /^\[dns-egress\] creating NetworkPolicy reports-prod\/default-deny cuts DNS/ });
  t.match(textOf(failure as XmlElement), /^\[dns-egress\] creating NetworkPolicy reports-prod\/default-deny cuts DNS/);
  const allowed = byName.get('NetworkPolicy reports-prod/allow-dns (CREATE)');
  t.equal(allowed, undefined, 'not in this input');
  t.same(childElements(byName.get('Namespace reports-prod (CREATE)') as XmlElement, 'failure'), [], 'an allowed object passes');
  const tier = byName.get('Tier platform') as XmlElement;
  t.match(childElements(tier, 'skipped'), [{ attributes: { message: /^not judged: nsguard judges Namespace/ } }]);
  t.match(tier.attributes, { line: '21' });

  const strict = parseXml(nsguard('check', '--state', EXAMPLE, '-o', 'junit', '--fail-on-skipped', `${dir}/input.yaml`).stdout);
  t.match(strict.attributes, { failures: '3', skipped: '0' }, 'with --fail-on-skipped the Tier fails, as the exit code does');
});

t.test('-o junit in warn mode: nothing fails, the violations are in the output', async (t) => {
  const dir = t.testdir({ 'nsguard.yaml': 'mode: warn\n' });
  const r = nsguard('check', '--state', EXAMPLE, '--config', `${dir}/nsguard.yaml`, '-o', 'junit', fixture('check/mysql-from-other-envs.yaml'));
  t.equal(r.code, 0);
  const root = parseXml(r.stdout);
  t.match(root.attributes, { tests: '1', failures: '0' });
  const [testCase] = cases(childElements(root, 'testsuite')[0] as XmlElement);
  t.match(textOf(childElements(testCase as XmlElement, 'system-out')[0] as XmlElement), /^warning: \[env-boundary\] creating NetworkPolicy shop-prod\/mysql-from-others opens/);
});

t.test('-o junit escapes what an input may hold: markup, ]]>, quotes, newlines and characters XML forbids', async (t) => {
  const hostile = 'a<b>&c]]>"d\'e\u0001f\u0000g\uD800h\uFFFEi';
  // A kind nsguard does not judge is named as written (a test case's name), and a mode annotation it
  // cannot read is quoted in a warning (system-out).
  const input = [
    JSON.stringify({ apiVersion: 'example.com/v1', kind: `Odd${hostile}`, metadata: { name: `x\n${hostile}` } }),
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'odd-ns', annotations: { 'nsguard.io/mode': hostile } } }),
  ].join('\n---\n');
  const r = nsguardWithInput(input, 'check', '--state', EXAMPLE, '-o', 'junit', '-');
  t.equal(r.code, 1, 'setting the mode annotation is tamper: denied');
  const root = parseXml(r.stdout);
  const [suite] = childElements(root, 'testsuite');
  t.equal(suite?.attributes['name'], '(stdin)');
  const readBack = hostile.replace(/[\u0000\u0001\uD800\uFFFE]/g, '\uFFFD');
  const [odd, namespace] = cases(suite as XmlElement);
  t.equal(odd?.attributes['name'], `Odd${readBack} x\n${readBack}`, 'the attribute keeps its newline and every allowed character');
  const [failure] = childElements(namespace as XmlElement, 'failure');
  t.match(failure?.attributes['message'], `sets annotation nsguard.io/mode=${readBack} on namespace odd-ns`);
  t.match(textOf(failure as XmlElement), `sets annotation nsguard.io/mode=${readBack} on namespace odd-ns`);
  t.match(textOf(childElements(namespace as XmlElement, 'system-out')[0] as XmlElement), `annotation nsguard.io/mode=${readBack} on namespace odd-ns is not one of`);
  t.notMatch(r.stdout, /]]>/, 'no ]]> anywhere, so nothing ends early');
});

t.test('the XML escapes and the strict reader the tests rely on', async (t) => {
  t.equal(text('a<b>&c]]>d\u0007e'), 'a&lt;b&gt;&amp;c]]&gt;d\uFFFDe');
  t.equal(attribute('"x"\n\ty\r'), '&quot;x&quot;&#10;&#9;y&#13;');
  t.equal(text('\uDC00\uD83D\uDE00'), '\uFFFD\uD83D\uDE00', 'a lone surrogate is replaced, a pair is kept');
  for (const bad of ['<a>&</a>', '<a>]]></a>', '<a>\u0001</a>', '<a>&#1;</a>', '<a b="<"/>', '<a></b>', '<a><b></a>', '<a b="1" b="2"/>', '<a>&nbsp;</a>', '<a/><b/>', '<a><!-- x --></a>']) {
    t.throws(() => parseXml(bad), `refused: ${JSON.stringify(bad)}`);
  }
  t.same(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1&#10;2 3"><b>t&amp;u</b></a>'), {
    name: 'a',
    attributes: { x: '1\n2 3' },
    children: [{ name: 'b', attributes: {}, children: ['t&u'] }],
  });
});
