import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_CONFIG, loadConfig, parseConfig } from '../../src/config/load-config.ts';
import type { Config } from '../../src/policy/objects/model.ts';

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
    { name: 'a review budget replaces the default', text: 'reviewBudget: 250000', expect: { reviewBudget: 250_000 } },
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
    { name: 'a review budget of zero is refused', text: 'reviewBudget: 0', key: 'reviewBudget', value: '0', expected: 'a whole number above 0' },
    { name: 'a fractional review budget is refused', text: 'reviewBudget: 1.5', key: 'reviewBudget', value: '1.5', expected: 'a whole number above 0' },
    { name: 'a quoted review budget is refused', text: 'reviewBudget: "4000000"', key: 'reviewBudget', value: '"4000000"', expected: 'a whole number above 0' },
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

const WEB_TEMPLATE = `templates:
  web:
    - metadata: { name: nsguard-allow-dns }
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ]
            ports: [ { protocol: UDP, port: 53 }, { protocol: TCP, port: 53 } ]
    - metadata: { name: nsguard-allow-gateway, labels: { tenant: "\${namespace}" } }
      spec:
        podSelector: {}
        ingress: [ { from: [ { namespaceSelector: { matchLabels: { gateway-for: "\${namespace}", env: "\${env}" } } } ] } ]
    - metadata: { name: nsguard-default-deny }
      spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
`;

t.test('templates', async (t) => {
  const config = parseConfig(WEB_TEMPLATE, FILE);
  const web = config.templates.get('web');
  t.strictSame(web?.policies.map((p) => (p['metadata'] as { name: string }).name), ['nsguard-allow-dns', 'nsguard-allow-gateway', 'nsguard-default-deny'], 'a custom template keeps its policies in order');
  t.equal(web?.policies[0]?.['apiVersion'], 'networking.k8s.io/v1', 'apiVersion and kind may be left out');
  t.strictSame(
    (web?.policies[1]?.['spec'] as { ingress: unknown }).ingress,
    [{ from: [{ namespaceSelector: { matchLabels: { 'gateway-for': '${namespace}', env: '${env}' } } }] }],
    'placeholders are kept for each namespace to fill',
  );
  t.strictSame([...config.templates.keys()].sort(), ['default', 'web'], 'the built-in default template stays');

  const replaced = parseConfig(WEB_TEMPLATE.replace('  web:', '  default:'), FILE).templates.get('default');
  t.equal(replaced?.policies.length, 3, 'a template named default replaces the built-in one');

  const followed = parseConfig('dns: { nodeLocalIPs: [169.254.20.10] }\ningressController: { namespaces: [], ipBlocks: [203.0.113.0/24] }\nmonitoring: { ports: [] }\n', FILE);
  const builtIn = followed.templates.get('default')?.policies.map((p) => (p['metadata'] as { name: string }).name);
  t.strictSame(builtIn, ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-default-deny'], 'the built-in template follows dns, ingressController and monitoring, and passes the checks');
  t.strictSame(parseConfig('', FILE).templates.get('default'), DEFAULT_CONFIG.templates.get('default'), 'the built-in default passes the checks');
});

t.test('bad templates and namespace defaults', async (t) => {
  const policyAt = (metadata: string, spec = '{ podSelector: {} }'): string => `templates:\n  web:\n    - metadata: ${metadata}\n      spec: ${spec}\n`;
  // A missing key has no line of its own: the file is named.
  const cases: { name: string; text: string; key: string; value: string; expected: string; line?: number; unknown?: true }[] = [
    { name: 'a policy name without the nsguard- prefix is refused', text: policyAt('{ name: allow-dns }'), key: 'templates.web[0].metadata.name', value: '"allow-dns"', expected: 'a name starting with nsguard-', line: 3 },
    { name: 'a policy name with the nsguard-inherit- prefix is refused', text: policyAt('{ name: nsguard-inherit-x }'), key: 'templates.web[0].metadata.name', value: '"nsguard-inherit-x"', expected: 'a name starting with nsguard- (and not nsguard-inherit-', line: 3 },
    { name: 'a policy without a name is refused', text: policyAt('{ labels: { a: b } }'), key: 'templates.web[0].metadata.name', value: 'missing', expected: 'a name starting with nsguard-' },
    {
      name: 'two policies of one name are refused',
      text: `${policyAt('{ name: nsguard-a }')}    - metadata: { name: nsguard-a }\n      spec: { podSelector: {} }\n`,
      key: 'templates.web',
      value: '[{"metadata":{"name":"nsguard-a"}',
      expected: 'policies with different names (nsguard-a appears twice)',
      line: 3,
    },
    { name: 'an unknown placeholder is refused', text: policyAt('{ name: nsguard-a }', '{ podSelector: { matchLabels: { team: "${team}" } } }'), key: 'templates.web[0]', value: '"${team}"', expected: 'placeholders among ${namespace}, ${env}, ${template}', line: 3 },
    { name: 'an unknown placeholder in a label is refused as such', text: policyAt('{ name: nsguard-a, labels: { team: "${team}" } }'), key: 'templates.web[0]', value: '"${team}"', expected: 'placeholders among', line: 3 },
    {
      name: 'an invalid NetworkPolicy spec is refused with the reason',
      text: policyAt('{ name: nsguard-a }', '{ podSelector: {}, ingress: [ { ports: [ { port: 70000 } ] } ] }'),
      key: 'templates.web[0]',
      value: '"nsguard-a"',
      expected: 'a valid NetworkPolicy: nsguard.yaml: NetworkPolicy example/nsguard-a: spec.ingress[0].ports[0].port is 70000',
      line: 3,
    },
    { name: 'a policy without podSelector is refused', text: policyAt('{ name: nsguard-a }', '{ policyTypes: [Ingress] }'), key: 'templates.web[0]', value: '"nsguard-a"', expected: 'a valid NetworkPolicy', line: 3 },
    {
      name: 'the managed-by label is nsguard\'s to set',
      text: policyAt('{ name: nsguard-a, labels: { app.kubernetes.io/managed-by: me } }'),
      key: 'templates.web[0].metadata.labels.app.kubernetes.io/managed-by',
      value: '"me"',
      expected: 'no such label: nsguard sets it',
      line: 3,
    },
    { name: 'a label value that is no label value once filled is refused', text: policyAt('{ name: nsguard-a, labels: { team: "${namespace}!" } }'), key: 'templates.web[0].metadata.labels.team', value: '"${namespace}!"', expected: 'a label value', line: 3 },
    { name: 'a namespace in template metadata is refused: nsguard places the policy', text: policyAt('{ name: nsguard-a, namespace: shop }'), key: 'templates.web[0].metadata.namespace', value: '"shop"', expected: 'one of name, labels, annotations', line: 3, unknown: true },
    { name: 'a status in a template policy is refused', text: `${policyAt('{ name: nsguard-a }')}      status: {}\n`, key: 'templates.web[0].status', value: '{}', expected: 'one of apiVersion, kind, metadata, spec', line: 5, unknown: true },
    { name: 'a template name that is no label value is refused', text: 'templates:\n  "web app": []\n', key: 'templates.web app', value: '[]', expected: 'a template name usable as a label value', line: 2 },
    { name: 'a template that is not a list is refused', text: 'templates:\n  web: { name: nsguard-a }\n', key: 'templates.web', value: '{"name":"nsguard-a"}', expected: 'a list', line: 2 },
    { name: 'templates as a list is refused', text: 'templates: [web]\n', key: 'templates', value: '["web"]', expected: 'a mapping', line: 1 },
    { name: 'a default template that is not defined is refused', text: 'mode: warn\ndefaultTemplate: web\n', key: 'defaultTemplate', value: '"web"', expected: 'the name of a template (default)', line: 2 },
    { name: 'an empty monitoring label set is refused: it would match every namespace', text: 'monitoring:\n  namespaceLabels: {}\n', key: 'monitoring.namespaceLabels', value: '{}', expected: 'at least one label', line: 2 },
    { name: 'a bad monitoring port is refused', text: 'monitoring: { ports: [0] }', key: 'monitoring.ports[0]', value: '0', expected: 'a port number', line: 1 },
    { name: 'an ingress controller namespace that is no name is refused', text: 'ingressController:\n  namespaces: [Ingress_Nginx]\n', key: 'ingressController.namespaces[0]', value: '"Ingress_Nginx"', expected: 'a namespace name', line: 2 },
    { name: 'a bad ingress controller ipBlock is refused', text: 'ingressController: { ipBlocks: [10.0.0.0/33] }', key: 'ingressController.ipBlocks[0]', value: '"10.0.0.0/33"', expected: 'a CIDR', line: 1 },
    { name: 'an empty ingress controller port list is refused: the rule would open every port', text: 'ingressController:\n  ports: []\n', key: 'ingressController.ports', value: '[]', expected: 'at least one port number or container port name', line: 2 },
    { name: 'a bad ingress controller port is refused', text: 'ingressController: { ports: [80, 99999] }', key: 'ingressController.ports[1]', value: '99999', expected: 'a port number', line: 1 },
    { name: 'maxOutOfSyncSeconds below 1 is refused', text: 'maxOutOfSyncSeconds: 0\n', key: 'maxOutOfSyncSeconds', value: '0', expected: 'a whole number of seconds, at least 1', line: 1 },
    { name: 'a bad exemptNamespaceSelector is refused', text: 'exemptNamespaceSelector:\n  matchExpressions: [ { key: a, operator: Near } ]\n', key: 'exemptNamespaceSelector', value: '{"matchExpressions"', expected: 'a label selector', line: 2 },
    { name: 'an empty controller user is refused', text: 'controllerUsers: [""]', key: 'controllerUsers[0]', value: '""', expected: 'a non-empty string', line: 1 },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseConfig(c.text, FILE));
      t.match(error, { code: 'NSG_CONFIG_KEY' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(c.line === undefined ? `${FILE}: ` : `${FILE} line ${c.line}: `), `names the file and line ${c.line ?? '(none)'}: ${message}`);
      t.ok(message.includes(c.unknown ? `: unknown key ${c.key} ` : `: ${c.key} ${c.value === 'missing' ? 'is missing' : 'is '}`), `names the key ${c.key}`);
      t.ok(message.includes(c.value), `shows the value ${c.value}`);
      t.ok(message.includes(`expected ${c.expected}`), `says what is expected: ${c.expected}`);
    });
  }
});

t.test('new namespace keys are read', async (t) => {
  const config = parseConfig(
    'exemptNamespaceSelector: { matchLabels: { nsguard.io/exempt: "true" } }\ncontrollerUsers: [system:serviceaccount:ops:nsguard]\ningressController: { namespaces: [gateway] }\nmonitoring: { namespaceLabels: { team: obs }, ports: [http-metrics, 8080] }\nmaxOutOfSyncSeconds: 120\n',
    FILE,
  );
  t.strictSame(config.exemptNamespaceSelector, { requirements: [{ key: 'nsguard.io/exempt', operator: 'In', values: ['true'] }] });
  t.strictSame(config.controllerUsers, ['system:serviceaccount:ops:nsguard']);
  t.strictSame(config.ingressController, { namespaces: ['gateway'], ipBlocks: [], ports: [80, 443, 8080, 8443] }, 'the usual web ports by default');
  t.strictSame(config.monitoring, { namespaceLabels: { team: 'obs' }, ports: ['http-metrics', 8080] });
  t.equal(config.maxOutOfSyncSeconds, 120);
  t.strictSame(parseConfig('ingressController: { ports: [3000, http] }\n', FILE).ingressController.ports, [3000, 'http']);
});

t.test('templates that fail the engine checks are NSG_TEMPLATE', async (t) => {
  const cases: { name: string; text: string; mentions: string[] }[] = [
    {
      name: 'a template whose egress reaches only its own namespace breaks DNS',
      text: 'templates:\n  locked:\n    - metadata: { name: nsguard-locked }\n      spec: { podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { podSelector: {} } ] } ] }\n',
      mentions: ['template locked (isolation strict', 'creating nsguard-locked', '[dns-egress]'],
    },
    {
      name: 'a default deny before DNS is allowed breaks DNS (order matters)',
      text: 'templates:\n  backwards:\n    - metadata: { name: nsguard-deny }\n      spec: { podSelector: {}, policyTypes: [Ingress, Egress] }\n',
      mentions: ['template backwards', 'creating nsguard-deny', '[dns-egress]'],
    },
    {
      name: 'an ingress controller ipBlock inside the pod CIDRs opens prod to test',
      text: 'ingressController: { namespaces: [], ipBlocks: [10.1.0.0/16] }\n',
      mentions: ['template default', 'env=prod', 'creating nsguard-allow-ingress-controller', '[env-boundary]'],
    },
    {
      name: 'a template letting in every namespace opens prod to test',
      text: 'templates:\n  open:\n    - metadata: { name: nsguard-open }\n      spec: { podSelector: {}, policyTypes: [Ingress], ingress: [ { from: [ { namespaceSelector: {} } ] } ] }\n',
      mentions: ['template open', '[env-boundary]'],
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseConfig(c.text, FILE));
      t.match(error, { code: 'NSG_TEMPLATE' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(`${FILE}: templates fail the checks`), `names the file: ${message}`);
      for (const m of c.mentions) t.ok(message.includes(m), `mentions ${m}: ${message}`);
    });
  }
  t.doesNotThrow(() => parseConfig('ingressController: { ipBlocks: [203.0.113.0/24] }\n', FILE), 'an ipBlock outside the pod CIDRs is fine');
});
