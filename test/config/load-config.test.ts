import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_CONFIG, loadConfig, parseConfig } from '../../src/config/load-config.ts';
import type { Config } from '../../src/policy/model.ts';

const FILE = 'nsguard.yaml';

t.test('defaults and merging', async (t) => {
  const cases: { name: string; text: string; expect: Partial<Config> }[] = [
    { name: 'an empty file gives the defaults', text: '', expect: DEFAULT_CONFIG },
    { name: 'a file of comments gives the defaults', text: '# nothing set\n', expect: DEFAULT_CONFIG },
    { name: 'the default mode is enforce', text: '{}', expect: { mode: 'enforce' } },
    { name: 'a set mode replaces the default', text: 'mode: warn', expect: { mode: 'warn' } },
    { name: 'a prefixed environment label is accepted', text: 'environmentLabel: example.com/env', expect: { environmentLabel: 'example.com/env' } },
    {
      name: 'separateEnvironments replaces the default list as a whole',
      text: 'separateEnvironments: [[prod, staging], [prod, dev]]',
      expect: { separateEnvironments: [['prod', 'staging'], ['prod', 'dev']] },
    },
    { name: 'an empty separateEnvironments separates nothing', text: 'separateEnvironments: []', expect: { separateEnvironments: [] } },
    {
      name: 'a single dns key keeps the other dns defaults',
      text: 'dns:\n  port: 5353\n',
      expect: { dns: { ...DEFAULT_CONFIG.dns, port: 5353 } },
    },
    {
      name: 'dns podLabels, protocols and NodeLocal IPs are read',
      text: 'dns:\n  namespace: dns\n  podLabels: { app: coredns }\n  protocols: [UDP]\n  nodeLocalIPs: [169.254.20.10]\n  serviceIPs: [10.96.0.10, "fd00::a"]\n',
      expect: { dns: { namespace: 'dns', podLabels: { app: 'coredns' }, port: 53, protocols: ['UDP'], nodeLocalIPs: ['169.254.20.10'], serviceIPs: ['10.96.0.10', 'fd00::a'] } },
    },
    { name: 'repeated dns protocols are kept once', text: 'dns: { protocols: [TCP, TCP, UDP] }', expect: { dns: { ...DEFAULT_CONFIG.dns, protocols: ['TCP', 'UDP'] } } },
    {
      name: 'admin groups and users and exempt namespaces are read',
      text: 'adminGroups: [platform]\nadminUsers: [alice]\nexemptNamespaces: [kube-system, monitoring]\n',
      expect: { adminGroups: ['platform'], adminUsers: ['alice'], exemptNamespaces: ['kube-system', 'monitoring'] },
    },
    {
      name: 'namespace defaults for the mutation are read',
      text: 'defaultIsolation: ingress\ndefaultTemplate: web\nenvironmentFromName: [{ suffix: -staging, environment: test }]\ntemplates:\n  web:\n    - metadata: { name: nsguard-deny-ingress }\n      spec: { podSelector: {}, policyTypes: [Ingress] }\n',
      expect: { defaultIsolation: 'ingress', defaultTemplate: 'web', environmentFromName: [{ suffix: '-staging', environment: 'test' }] },
    },
    {
      name: 'by default -prod and -test name suffixes give the environment',
      text: '',
      expect: { environmentFromName: [{ suffix: '-prod', environment: 'prod' }, { suffix: '-test', environment: 'test' }] },
    },
  ];
  for (const c of cases) {
    const config = parseConfig(c.text, FILE);
    const picked = Object.fromEntries(Object.keys(c.expect).map((k) => [k, config[k as keyof Config]]));
    t.strictSame(picked, c.expect, c.name);
  }

  const cidrs = parseConfig('podCIDRs: [10.244.0.0/16, "fd00:10::/56"]', FILE).podCIDRs;
  t.strictSame(
    cidrs.map((c) => [c.text, c.family]),
    [['10.244.0.0/16', 4], ['fd00:10::/56', 6]],
    'podCIDRs are parsed into CIDRs of either family',
  );
  t.strictSame(
    DEFAULT_CONFIG.podCIDRs.map((c) => c.text),
    ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
    'the default pod CIDRs are the RFC 1918 ranges',
  );
});

t.test('bad keys and values', async (t) => {
  const cases: { name: string; text: string; key: string; value: string; expected: string; line?: number; unknown?: true }[] = [
    { name: 'an unknown top-level key is refused', text: 'mode: warn\nmdoe: audit\n', key: 'mdoe', value: '"audit"', expected: 'one of mode, environmentLabel,', line: 2, unknown: true },
    { name: 'an unknown dns key is refused', text: 'dns:\n  port: 53\n  prot: 54\n', key: 'dns.prot', value: '54', expected: 'one of namespace, podLabels,', line: 3, unknown: true },
    { name: 'an unknown mode is refused', text: 'mode: block', key: 'mode', value: '"block"', expected: 'one of enforce, warn, audit', line: 1 },
    { name: 'an environment label with a space is refused', text: 'environmentLabel: "env "', key: 'environmentLabel', value: '"env "', expected: 'a label key' },
    { name: 'an environment separated from itself is refused', text: 'separateEnvironments: [[prod, prod]]', key: 'separateEnvironments[0]', value: '["prod","prod"]', expected: 'a pair of two different' },
    { name: 'a flat environment pair is refused', text: 'separateEnvironments: [prod, test]', key: 'separateEnvironments[0]', value: '"prod"', expected: 'a pair' },
    { name: 'a pair of three is refused', text: 'separateEnvironments: [[prod, test, dev]]', key: 'separateEnvironments[0]', value: '["prod","test","dev"]', expected: 'a pair' },
    { name: 'a numeric environment name is refused', text: 'separateEnvironments: [[prod, 1]]', key: 'separateEnvironments[0][1]', value: '1', expected: 'an environment name' },
    { name: 'a bad pod CIDR is refused', text: 'podCIDRs:\n  - 10.0.0.0/8\n  - 10.0.0.0/40\n', key: 'podCIDRs[1]', value: '"10.0.0.0/40"', expected: 'a CIDR', line: 3 },
    { name: 'podCIDRs as a single string is refused', text: 'podCIDRs: 10.0.0.0/8', key: 'podCIDRs', value: '"10.0.0.0/8"', expected: 'a list' },
    { name: 'a dns port out of range is refused', text: 'dns:\n  port: 70000\n', key: 'dns.port', value: '70000', expected: 'a port number from 1 to 65535', line: 2 },
    { name: 'a quoted dns port is refused', text: 'dns: { port: "53" }', key: 'dns.port', value: '"53"', expected: 'a port number' },
    { name: 'an unknown dns protocol is refused', text: 'dns: { protocols: [UDP, ICMP] }', key: 'dns.protocols[1]', value: '"ICMP"', expected: 'one of TCP, UDP, SCTP' },
    { name: 'an empty dns protocol list is refused', text: 'dns: { protocols: [] }', key: 'dns.protocols', value: '[]', expected: 'a non-empty list' },
    { name: 'a numeric dns pod label value is refused', text: 'dns: { podLabels: { version: 2 } }', key: 'dns.podLabels.version', value: '2', expected: 'a label value' },
    { name: 'a bad NodeLocal DNS IP is refused', text: 'dns: { nodeLocalIPs: [169.254.20] }', key: 'dns.nodeLocalIPs[0]', value: '"169.254.20"', expected: 'an IP address' },
    { name: 'an upper-case dns namespace is refused', text: 'dns: { namespace: Kube-System }', key: 'dns.namespace', value: '"Kube-System"', expected: 'a namespace name' },
    { name: 'an empty dns key is refused rather than defaulted', text: 'dns:\n', key: 'dns', value: 'null', expected: 'a mapping' },
    { name: 'an empty admin group is refused', text: 'adminGroups: [""]', key: 'adminGroups[0]', value: '""', expected: 'a non-empty string' },
    { name: 'an exempt namespace that is not a name is refused', text: 'exemptNamespaces: [kube_system]', key: 'exemptNamespaces[0]', value: '"kube_system"', expected: 'a namespace name' },
    { name: 'an unknown isolation is refused', text: 'defaultIsolation: full', key: 'defaultIsolation', value: '"full"', expected: 'one of strict, ingress, none' },
    { name: 'a name rule without a suffix is refused', text: 'environmentFromName: [{ environment: prod }]', key: 'environmentFromName[0].suffix', value: 'missing', expected: 'a non-empty string' },
    { name: 'a name rule with an unknown key is refused', text: 'environmentFromName: [{ suffix: -prod, env: prod }]', key: 'environmentFromName[0].env', value: '"prod"', expected: 'one of suffix, environment', unknown: true },
    { name: 'a top level that is a list is refused', text: '- mode: warn', key: 'the top level', value: '[{"mode":"warn"}]', expected: 'a mapping' },
    { name: 'a self-referencing alias is reported, not crashed on', text: 'podCIDRs: &x [*x]', key: 'podCIDRs[0]', value: 'self-referencing', expected: 'a CIDR' },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseConfig(c.text, FILE));
      t.match(error, { code: 'NSG_CONFIG_KEY' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(c.line === undefined ? `${FILE}` : `${FILE} line ${c.line}: `), `names the file${c.line === undefined ? '' : ' and line'}: ${message}`);
      t.ok(message.includes(c.unknown ? `: unknown key ${c.key} ` : `: ${c.key} is `), `names the key ${c.key}`);
      t.ok(message.includes(c.value), `shows the value ${c.value}`);
      t.ok(message.includes(`expected ${c.expected}`), `says what is expected: ${c.expected}`);
    });
  }
});

t.test('bad YAML', async (t) => {
  const cases: { name: string; text: string; line: number }[] = [
    { name: 'an unclosed flow list is a parse error with its line', text: 'mode: warn\npodCIDRs: [10.0.0.0/8\nadminUsers: []\n', line: 3 },
    { name: 'a duplicate key is a parse error with its line', text: 'mode: warn\nmode: audit\n', line: 2 },
    { name: 'two documents are a parse error', text: 'mode: warn\n---\nmode: audit\n', line: 2 },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseConfig(c.text, FILE));
      t.match(error, { code: 'NSG_CONFIG_PARSE' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(`${FILE}: not valid YAML: `), `names the file: ${message}`);
      t.ok(message.includes(`line ${c.line}`), `names line ${c.line}`);
      t.notOk(message.includes('\n'), 'stays on one line');
      t.ok(error instanceof Error && error.cause instanceof Error, 'keeps the library error as cause');
    });
  }
});

t.test('loadConfig', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'mode: audit\n');
  t.equal((await loadConfig(file)).mode, 'audit', 'reads and parses the file');

  const missing = join(dir, 'missing.yaml');
  const error: unknown = await loadConfig(missing).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(error, { code: 'NSG_CONFIG_READ' }, 'a missing file is a read error');
  t.ok(error instanceof Error && error.message.startsWith(`${missing}: cannot read`), 'the message names the file');
  t.match(error instanceof Error ? error.cause : undefined, { code: 'ENOENT' }, 'the cause is kept');

  await writeFile(file, 'mode: [');
  await t.rejects(loadConfig(file), { code: 'NSG_CONFIG_PARSE' }, 'a file with bad YAML is a parse error');
});
