import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { withNamespaceDefaults } from '../../src/policy/generate/namespace-defaults.ts';
import { readObjects } from '../../src/cluster/state-file.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { generationFor, needsUpdate } from '../../src/policy/generate/generation.ts';
import type { Policy } from '../../src/policy/objects/model.ts';
import { parseNamespace } from '../../src/policy/objects/parse-namespace.ts';
import { parseNetworkPolicy } from '../../src/policy/objects/parse-network-policy.ts';
import { clusterFrom } from '../support/cluster.ts';
import { fixture, nsguard } from '../support/cli.ts';
import { matchGolden } from '../support/golden.ts';

const CONFIG = fixture('generate/nsguard.yaml');
const STATE = fixture('generate/state.yaml');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { policyTypes: string[]; ingress?: unknown[]; egress?: unknown[]; podSelector: unknown };
}

/** stdout as kubectl apply reads it: one object per YAML document. */
function documents(stdout: string): Manifest[] {
  return parseAllDocuments(stdout).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`document ${i + 1} of the output is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
    return doc.toJS() as Manifest;
  });
}

const namespaceYaml = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): string =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n  annotations: ${JSON.stringify(annotations)}\n`;

const DEFAULT_NAMES = ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-default-deny'];
const WEB_NAMES = ['nsguard-allow-dns', 'nsguard-allow-same-env', 'nsguard-default-deny'];

t.test('a bare namespace gets the default template, as YAML for kubectl apply', async (t) => {
  const r = nsguard('generate', fixture('generate/shop.yaml'));
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '', 'no problems, no notes');
  matchGolden(t, r.stdout, new URL('../fixtures/generate/shop.golden', import.meta.url));
  const docs = documents(r.stdout);
  t.strictSame(docs.map((d) => d.metadata.name), DEFAULT_NAMES, 'in creation order: DNS first, the default deny last');
  for (const d of docs) {
    t.equal(d.metadata.namespace, 'shop', `${d.metadata.name} names its namespace`);
    t.equal(d.metadata.labels['app.kubernetes.io/managed-by'], 'nsguard', `${d.metadata.name} is labelled as nsguard's`);
  }
});

t.test('-o name lists what would be created as kubectl -o name does, in creation order', async (t) => {
  const r = nsguard('generate', '-o', 'name', fixture('generate/shop.yaml'));
  t.equal(r.code, 0, r.stderr);
  t.strictSame(r.stdout.trimEnd().split('\n'), DEFAULT_NAMES.map((name) => `networkpolicy.networking.k8s.io/${name}`));
});

t.test('the environment is stamped as the webhook would: from the name, unless given', async (t) => {
  const dir = t.testdir({
    'ns.yaml': [namespaceYaml('shop-prod', {}, { 'nsguard.io/template': 'web' }), namespaceYaml('shop-test', {}, { 'nsguard.io/template': 'web' }), namespaceYaml('odd-prod', { env: 'test' }, { 'nsguard.io/template': 'web' })].join('---\n'),
  });
  const r = nsguard('generate', '--config', CONFIG, `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  const envOf = (namespace: string): unknown => {
    const doc = documents(r.stdout).find((d) => d.metadata.namespace === namespace && d.metadata.name === 'nsguard-allow-same-env');
    return (doc?.spec.ingress as { from: { namespaceSelector: { matchLabels: Record<string, string> } }[] }[] | undefined)?.[0]?.from[0]?.namespaceSelector.matchLabels['env'];
  };
  t.equal(envOf('shop-prod'), 'prod', 'a -prod name gets env=prod');
  t.equal(envOf('shop-test'), 'test', 'a -test name gets env=test');
  t.equal(envOf('odd-prod'), 'test', 'a given env label wins over the name');
});

t.test('ingress isolation generates no egress policy', async (t) => {
  const dir = t.testdir({ 'ns.yaml': namespaceYaml('web', {}, { 'nsguard.io/isolation': 'ingress' }) });
  const r = nsguard('generate', `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  const docs = documents(r.stdout);
  t.strictSame(docs.map((d) => d.metadata.name), DEFAULT_NAMES.filter((n) => n !== 'nsguard-allow-dns'), 'the egress-only DNS policy is left out');
  for (const d of docs) {
    t.strictSame(d.spec.policyTypes, ['Ingress'], `${d.metadata.name} governs ingress only`);
    t.equal(d.spec.egress, undefined, `${d.metadata.name} has no egress rules`);
  }
});

t.test('a child of a parent in --state gets the parent template and copies of its policies', async (t) => {
  const dir = t.testdir({ 'ns.yaml': namespaceYaml('shop-feature', {}, { 'nsguard.io/parent': 'shop-prod' }) });
  const r = nsguard('generate', '--config', CONFIG, '--state', STATE, `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '', 'the child takes the parent environment, so there is no ParentEnvironment problem');
  const docs = documents(r.stdout);
  t.strictSame(docs.map((d) => d.metadata.name), [...WEB_NAMES, 'nsguard-inherit-allow-frontend', 'nsguard-inherit-allow-payments-egress'], "the parent's template (web), then the copies; nsguard's own policies are not copied");
  const copy = docs.find((d) => d.metadata.name === 'nsguard-inherit-allow-frontend');
  t.strictSame(copy?.metadata, {
    name: 'nsguard-inherit-allow-frontend',
    namespace: 'shop-feature',
    labels: { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/inherit': 'true' },
    annotations: { 'nsguard.io/inherited-from': 'shop-prod/allow-frontend' },
  });
  t.strictSame(copy?.spec, {
    podSelector: { matchLabels: { app: 'api' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  });
  const sameEnv = docs.find((d) => d.metadata.name === 'nsguard-allow-same-env');
  t.match(sameEnv?.spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }] }], 'the env placeholder is filled with the parent environment');
});

t.test('a child of a parent in FILE inherits whatever the order of the file', async (t) => {
  const child = namespaceYaml('pay-feature', {}, { 'nsguard.io/parent': 'pay-prod' });
  const parent = namespaceYaml('pay-prod', {}, { 'nsguard.io/template': 'web' });
  const dir = t.testdir({ 'child-first.yaml': `${child}---\n${parent}`, 'parent-first.yaml': `${parent}---\n${child}` });
  const outputs = ['child-first.yaml', 'parent-first.yaml'].map((file) => nsguard('generate', '--config', CONFIG, `${dir}/${file}`));
  for (const r of outputs) {
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stderr, '', 'no problems: the child is stamped env=prod from its parent');
    const names = documents(r.stdout).filter((d) => d.metadata.namespace === 'pay-feature').map((d) => d.metadata.name);
    t.strictSame(names, WEB_NAMES, "the child takes the parent's template (a new parent has no policies to copy)");
  }
  t.ok((outputs[0]?.stdout ?? '').indexOf('namespace: pay-feature') < (outputs[0]?.stdout ?? '').indexOf('namespace: pay-prod'), 'output follows the file order');
});

t.test('a custom template from --config has its placeholders filled', async (t) => {
  const dir = t.testdir({ 'ns.yaml': namespaceYaml('shop-prod', {}, { 'nsguard.io/template': 'web' }) });
  const r = nsguard('generate', '--config', CONFIG, `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  const doc = documents(r.stdout).find((d) => d.metadata.name === 'nsguard-allow-same-env');
  t.strictSame(doc?.metadata.labels, { 'nsguard-example/for': 'shop-prod', 'nsguard.io/template': 'web', 'app.kubernetes.io/managed-by': 'nsguard' });
  t.strictSame(doc?.metadata.annotations, { 'example.com/note': 'template web for shop-prod (prod)' });
  t.strictSame(doc?.spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod', 'gateway-for': 'shop-prod' } } }] }]);
  t.notMatch(r.stdout, /\$\{/, 'no placeholder is left');
});

t.test('--output json prints a v1 List', async (t) => {
  const dir = t.testdir({ 'ns.yaml': `${namespaceYaml('a')}---\n${namespaceYaml('b', {}, { 'nsguard.io/isolation': 'ingress' })}` });
  const r = nsguard('generate', '--output', 'json', `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { apiVersion: string; kind: string; items: Manifest[] };
  t.equal(list.apiVersion, 'v1');
  t.equal(list.kind, 'List');
  t.equal(list.items.length, DEFAULT_NAMES.length * 2 - 1);
  t.ok(list.items.every((i) => i.apiVersion === 'networking.k8s.io/v1' && i.kind === 'NetworkPolicy'));
  t.strictSame([...new Set(list.items.map((i) => i.metadata.namespace))], ['a', 'b'], 'namespaces in file order');
  const yaml = nsguard('generate', `${dir}/ns.yaml`);
  t.strictSame(list.items, documents(yaml.stdout), 'the same objects as the YAML output');
});

t.test('problems go to stderr, and the policies are still printed', async (t) => {
  const dir = t.testdir({
    'ns.yaml': [namespaceYaml('orphan', {}, { 'nsguard.io/parent': 'gone' }), namespaceYaml('typo', {}, { 'nsguard.io/isolation': 'ful', 'nsguard.io/template': 'nope' })].join('---\n'),
  });
  const r = nsguard('generate', `${dir}/ns.yaml`);
  t.equal(r.code, 0);
  t.strictSame(r.stderr.trimEnd().split('\n'), [
    'nsguard generate: namespace orphan: ParentMissing: parent namespace gone (annotation nsguard.io/parent) does not exist; nothing is inherited',
    'nsguard generate: namespace typo: InvalidIsolation: annotation nsguard.io/isolation=ful is not one of strict, ingress, none; strict applies',
    'nsguard generate: namespace typo: UnknownTemplate: template nope (annotation nsguard.io/template on namespace typo) is not configured; template default applies',
  ]);
  const docs = documents(r.stdout);
  t.strictSame(docs.filter((d) => d.metadata.namespace === 'orphan').map((d) => d.metadata.name), DEFAULT_NAMES);
  t.strictSame(docs.filter((d) => d.metadata.namespace === 'typo').map((d) => d.metadata.name), DEFAULT_NAMES);
});

t.test('exempt and opted-out namespaces print nothing, with a note', async (t) => {
  const dir = t.testdir({
    'ns.yaml': [namespaceYaml('kube-system'), namespaceYaml('legacy', {}, { 'nsguard.io/isolation': 'none' })].join('---\n'),
    'mixed.yaml': [namespaceYaml('kube-system'), namespaceYaml('shop')].join('---\n'),
    'tools.yaml': namespaceYaml('tools', { 'nsguard.io/exempt': 'true' }),
    'exempt-label.yaml': 'exemptNamespaceSelector: { matchLabels: { nsguard.io/exempt: "true" } }\n',
  });
  const r = nsguard('generate', `${dir}/ns.yaml`);
  t.equal(r.code, 0);
  t.equal(r.stdout, '', 'nothing to apply');
  t.match(r.stderr, /^nsguard generate: namespace kube-system: exempt \(listed in exemptNamespaces\): nothing is generated$/m);
  t.match(r.stderr, /^nsguard generate: namespace legacy: nsguard\.io\/isolation=none: nothing is generated$/m);
  const json = nsguard('generate', '-o', 'json', `${dir}/ns.yaml`);
  t.strictSame(JSON.parse(json.stdout), { apiVersion: 'v1', kind: 'List', items: [] }, 'an empty List in JSON');
  const byLabel = nsguard('generate', '--config', `${dir}/exempt-label.yaml`, `${dir}/tools.yaml`);
  t.equal(byLabel.stdout, '');
  t.match(byLabel.stderr, /^nsguard generate: namespace tools: exempt \(its labels match exemptNamespaceSelector\): nothing is generated$/m);
  const mixed = nsguard('generate', `${dir}/mixed.yaml`);
  t.strictSame([...new Set(documents(mixed.stdout).map((d) => d.metadata.namespace))], ['shop'], 'the other namespaces are still generated');
});

t.test('bad input exits 2 with a message naming what is wrong', async (t) => {
  const dir = t.testdir({
    'pod.yaml': `${namespaceYaml('shop')}---\napiVersion: v1\nkind: Pod\nmetadata: { name: web, namespace: shop }\n`,
    'broken.yaml': `${namespaceYaml('shop')}---\nkind: [unclosed\n`,
    'empty.yaml': '# nothing\n',
    'ns.yaml': namespaceYaml('shop'),
    'bad-config.yaml': 'mode: block\n',
    'bad-ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { labels: { a: b } }\n',
  });
  const cases: { name: string; args: string[]; stderr: RegExp }[] = [
    { name: 'a Pod among the namespaces', args: ['generate', `${dir}/pod.yaml`], stderr: /NSG_USAGE: nsguard generate: .*pod\.yaml document 2 is a Pod \(v1\); generate reads only Namespace/ },
    { name: 'no FILE', args: ['generate'], stderr: /NSG_USAGE: nsguard generate: name at least one FILE of Namespace objects/ },
    { name: 'a file with no Namespace', args: ['generate', `${dir}/empty.yaml`], stderr: /NSG_USAGE: nsguard generate: no Namespace objects in .*empty\.yaml/ },
    { name: 'a bad --output', args: ['generate', '-o', 'text', `${dir}/ns.yaml`], stderr: /--output must be one of yaml, json, name, not "text"/ },
    { name: 'an unknown flag', args: ['generate', '--delete', `${dir}/ns.yaml`], stderr: /NSG_USAGE: nsguard generate: Unknown option '--delete'/ },
    { name: 'a missing FILE', args: ['generate', `${dir}/nope.yaml`], stderr: /NSG_STATE_READ: .*nope\.yaml/ },
    { name: 'a malformed document', args: ['generate', `${dir}/broken.yaml`], stderr: /NSG_STATE_PARSE: .*broken\.yaml document 2/ },
    { name: 'a Namespace without a name', args: ['generate', `${dir}/bad-ns.yaml`], stderr: /NSG_OBJECT_INVALID: .*bad-ns\.yaml document 1: .*metadata\.name/ },
    { name: 'a missing state file', args: ['generate', '--state', `${dir}/none.yaml`, `${dir}/ns.yaml`], stderr: /NSG_STATE_READ: .*none\.yaml/ },
    { name: 'a bad config', args: ['generate', '--config', `${dir}/bad-config.yaml`, `${dir}/ns.yaml`], stderr: /NSG_CONFIG_KEY: .*bad-config\.yaml line 1: mode is "block"/ },
  ];
  for (const c of cases) {
    const r = nsguard(...c.args);
    t.equal(r.code, 2, `${c.name}: exit 2`);
    t.match(r.stderr, c.stderr, `${c.name}: ${r.stderr}`);
    t.notMatch(r.stderr, /\n\s+at /, `${c.name}: no stack trace`);
    t.equal(r.stdout, '', `${c.name}: nothing printed to apply`);
  }
});

t.test('the output reads back as exactly the policies generationFor wants', async (t) => {
  const dir = t.testdir({
    'ns.yaml': [namespaceYaml('shop-feature', {}, { 'nsguard.io/parent': 'shop-prod' }), namespaceYaml('web', {}, { 'nsguard.io/isolation': 'ingress' }), namespaceYaml('plain-test')].join('---\n'),
  });
  const r = nsguard('generate', '--config', CONFIG, '--state', STATE, `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  const printed = readObjects(r.stdout, 'stdout').map(({ object, where }) => parseNetworkPolicy(object, where));

  // The same inputs in process: the snapshot, the namespaces as the mutating webhook leaves them.
  const config = await loadConfig(CONFIG);
  const state = clusterFrom(readFileSync(STATE, 'utf8'));
  const wanted: Policy[] = [];
  for (const { object, where } of readObjects(readFileSync(`${dir}/ns.yaml`, 'utf8'), 'ns.yaml')) {
    const namespace = withNamespaceDefaults(parseNamespace(object, where), config, state);
    state.upsertNamespace(namespace);
    wanted.push(...generationFor(namespace, state, config).policies.map((p) => p.policy));
  }
  t.equal(printed.length, wanted.length, 'as many policies as generationFor');
  t.strictSame(printed.map((p) => `${p.namespace}/${p.name}`), wanted.map((p) => `${p.namespace}/${p.name}`), 'in the same order');
  printed.forEach((p, i) => {
    const w = wanted[i] as Policy;
    t.notOk(needsUpdate(p, w) || needsUpdate(w, p), `${p.namespace}/${p.name}: applied as printed, the controller has nothing to rewrite`);
  });
  t.strictSame(printed, wanted, 'equal as parsed policies');
});

t.test('--help lists generate, and generate --help its options', async (t) => {
  const r = nsguard('--help');
  t.equal(r.code, 0);
  t.match(r.stdout, /^  generate +Print the policies nsguard would generate/m);
  const own = nsguard('generate', '--help');
  t.equal(own.code, 0);
  t.match(own.stdout, /^usage: nsguard generate \[options\] \[FILE\.\.\.\]$/m);
  t.match(own.stdout, /^  -o, --output FORMAT +how to print the policies; name prints kind\.group\/name a line, as kubectl -o name does \(one of yaml, json, name; default yaml\)$/m);
});

t.test('flavour calico prints the Calico tier and DNS GlobalNetworkPolicy first, then the namespace without a DNS policy', async (t) => {
  const dir = t.testdir({ 'nsguard.yaml': 'flavour: calico\n', 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop-prod}\n' });
  const r = nsguard('generate', '--config', `${dir}/nsguard.yaml`, `${dir}/ns.yaml`);
  t.equal(r.code, 0, r.stderr);
  const kinds = r.stdout.split('\n---\n').map((doc) => /kind: (\S+)\n[\s\S]*?name: (\S+)/.exec(doc)?.slice(1, 3).join(' '));
  t.same(kinds, [
    'Tier nsguard',
    'GlobalNetworkPolicy nsguard.allow-dns',
    'NetworkPolicy nsguard-allow-same-namespace',
    'NetworkPolicy nsguard-allow-ingress-controller',
    'NetworkPolicy nsguard-allow-monitoring',
    'NetworkPolicy nsguard-default-deny',
  ]);
});

t.test('a hierarchy in one file: the grandchild gets the transitive copies the controller creates, whatever the file order', async (t) => {
  const dir = t.testdir({
    'state.yaml': [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop-prod, labels: {env: prod}, annotations: {nsguard.io/isolation: strict, nsguard.io/template: default}}',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-to-db, namespace: shop-prod}\nspec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}',
    ].join('\n---\n'),
    'family.yaml': [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop-web-canary, annotations: {nsguard.io/parent: shop-web}}',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop-web, annotations: {nsguard.io/parent: shop-prod}}',
    ].join('\n---\n'),
  });
  const r = nsguard('generate', '--state', `${dir}/state.yaml`, `${dir}/family.yaml`);
  t.equal(r.code, 0, r.stderr);
  const copies = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as { metadata: { name: string; namespace: string; annotations?: Record<string, string> } })
    .filter((p) => p.metadata.name.startsWith('nsguard-inherit-'))
    .map((p) => `${p.metadata.namespace}/${p.metadata.name} from ${p.metadata.annotations?.['nsguard.io/inherited-from'] ?? '?'}`);
  t.same(copies, ['shop-web-canary/nsguard-inherit-web-to-db from shop-prod/web-to-db', 'shop-web/nsguard-inherit-web-to-db from shop-prod/web-to-db'], 'the canary copies what shop-web inherits, listed in the file order');
});
