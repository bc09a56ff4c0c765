import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { loadState, readObjects, readObjectsFromFile } from '../../src/cluster/state-file.ts';
import type { LoadReport } from '../../src/cluster/state-file.ts';
import { NsguardError } from '../../src/errors.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/state/${name}`, import.meta.url));
const located = (text: string, file = 'state.yaml') => readObjects(text, file).map((o) => [o.where, o.object['kind']]);

const namespace = (name: string) => `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "${name}"}}`;

const reads: { name: string; text: string; expect: unknown[] }[] = [
  {
    name: 'a single YAML object is document 1',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
    expect: [['state.yaml document 1', 'Namespace']],
  },
  {
    name: 'a v1 List is split into its items, numbered from 1',
    text: `apiVersion: v1\nkind: List\nitems:\n- ${namespace('a')}\n- ${namespace('b')}\n`,
    expect: [
      ['state.yaml document 1 item 1', 'Namespace'],
      ['state.yaml document 1 item 2', 'Namespace'],
    ],
  },
  {
    name: 'empty and comment-only documents are skipped but still counted',
    text: `---\n---\n# nothing here\n---\n${namespace('c')}\n`,
    expect: [['state.yaml document 3', 'Namespace']],
  },
  {
    name: 'a JSON object is one document',
    text: namespace('a'),
    expect: [['state.yaml document 1', 'Namespace']],
  },
  {
    name: 'JSON with a byte order mark is still JSON',
    text: `\uFEFF${namespace('a')}`,
    expect: [['state.yaml document 1', 'Namespace']],
  },
  {
    name: 'flow-style YAML that merely starts like JSON is read as YAML',
    text: '{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n---\n{apiVersion: v1, kind: Namespace, metadata: {name: b}}\n',
    expect: [
      ['state.yaml document 1', 'Namespace'],
      ['state.yaml document 2', 'Namespace'],
    ],
  },
  {
    name: 'a typed PodList from the API lends apiVersion and kind to its items',
    text: '{"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "p", "namespace": "a"}}]}',
    expect: [['state.yaml document 1 item 1', 'Pod']],
  },
  {
    name: 'a List with nothing in it gives no objects',
    text: 'apiVersion: v1\nkind: List\nitems: []\nmetadata:\n  resourceVersion: ""\n',
    expect: [],
  },
  {
    name: 'an empty file gives no objects',
    text: '',
    expect: [],
  },
  {
    name: 'a kind that ends in List but has no items is an ordinary object',
    text: 'apiVersion: example.com/v1\nkind: AllowList\nmetadata:\n  name: a\n',
    expect: [['state.yaml document 1', 'AllowList']],
  },
];

for (const c of reads) t.same(located(c.text), c.expect, c.name);

const rejects: { name: string; text: string; file?: string; message: RegExp }[] = [
  {
    name: 'a malformed document is named by its number and the line yaml reports',
    text: readFileSync(fixture('malformed-document-3.yaml'), 'utf8'),
    file: 'malformed-document-3.yaml',
    message: /^malformed-document-3\.yaml document 3: not valid YAML: .*at line 16, column 3$/,
  },
  {
    name: 'a duplicate key is a malformed document',
    text: `${namespace('a')}\n---\nkind: Namespace\nkind: Pod\n`,
    message: /^state\.yaml document 2: not valid YAML: Map keys must be unique at line 4, column 1$/,
  },
  {
    name: 'broken JSON is reported with its line',
    text: '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": "a"\n}\n',
    message: /^state\.yaml document 1: not valid YAML: .*line \d+/,
  },
  {
    name: 'a document that is a sequence is not an object',
    text: `${namespace('a')}\n---\n- ${namespace('b')}\n`,
    message: /^state\.yaml document 2: expected a Kubernetes object \(a mapping with apiVersion and kind\), found a sequence$/,
  },
  {
    name: 'a document that is a bare scalar is not an object',
    text: 'just some words\n',
    message: /^state\.yaml document 1: expected a Kubernetes object .*found the scalar "just some words"$/,
  },
  {
    name: 'an object without apiVersion is rejected',
    text: 'kind: Namespace\nmetadata:\n  name: a\n',
    message: /^state\.yaml document 1: apiVersion is missing or not a string \(found nothing\)$/,
  },
  {
    name: 'a List item without kind is rejected, naming the item',
    text: `apiVersion: v1\nkind: List\nitems:\n- ${namespace('a')}\n- {apiVersion: v1, metadata: {name: b}}\n`,
    message: /^state\.yaml document 1 item 2: kind is missing or not a string \(found nothing\)$/,
  },
  {
    name: 'a List item that is not a mapping is rejected, naming the item',
    text: 'apiVersion: v1\nkind: List\nitems:\n- 42\n',
    message: /^state\.yaml document 1 item 1: expected a Kubernetes object .*found the scalar 42$/,
  },
  {
    name: 'List items that are not a sequence are rejected',
    text: 'apiVersion: v1\nkind: List\nitems: {}\n',
    message: /^state\.yaml document 1: items must be a sequence, found a mapping$/,
  },
];

for (const c of rejects) {
  t.throws(() => readObjects(c.text, c.file ?? 'state.yaml'), { code: 'NSG_STATE_PARSE', message: c.message }, c.name);
}

t.test('a file that cannot be read is NSG_STATE_READ with the cause kept', async (t) => {
  const missing = fixture('no-such-file.yaml');
  const error = await readObjectsFromFile(missing).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof NsguardError);
  t.match(error, { code: 'NSG_STATE_READ', message: `cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'`, cause: { code: 'ENOENT' } });
});

const loads: { name: string; file: string; report: LoadReport; check: (s: ClusterState) => unknown; expect: unknown }[] = [
  {
    name: 'a kubectl List loads namespaces, policies and running pods, and skips finished and hostNetwork pods',
    file: 'kubectl-list.yaml',
    report: { namespaces: 2, policies: 2, pods: 2, skippedPods: 2, calico: 0, services: 0, endpointSlices: 0, skipped: {} },
    check: (s) => ({
      envs: [...s.namespaces()].map((n) => [n.name, n.labels['env']]),
      policies: s.policies('shop-prod').map((p) => p.name),
      groups: [...s.podGroups('shop-prod')].map((g) => [g.labels, g.count, g.names, g.ips, g.ports]),
      exporter: s.podGroups('shop-test').length,
    }),
    expect: {
      envs: [
        ['shop-prod', 'prod'],
        ['shop-test', 'test'],
      ],
      policies: ['allow-dns', 'default-deny'],
      groups: [
        [
          { app: 'web', 'pod-template-hash': '7d9f8b6c5d' },
          2,
          ['web-7d9f8b6c5d-q8m2z', 'web-7d9f8b6c5d-x2k4p'],
          ['10.244.1.17', '10.244.2.9'],
          [{ name: 'http', port: 8080, protocol: 'TCP' }],
        ],
      ],
      exporter: 0,
    },
  },
  {
    name: 'multi-document YAML counts Calico policies and Services, and skips other kinds by kind',
    file: 'multi-doc.yaml',
    report: { namespaces: 1, policies: 1, pods: 1, skippedPods: 0, calico: 2, services: 1, endpointSlices: 0, skipped: { ConfigMap: 1 } },
    check: (s) => ({ policies: s.policies('payments').map((p) => p.name), ledger: s.findPod('ledger', 'ledger-0')?.ips, ns: s.namespace('ledger'), service: s.service('ledger', 'ledger') }),
    expect: {
      policies: ['default-deny-ingress'],
      ledger: ['10.244.3.21'],
      ns: undefined,
      service: { namespace: 'ledger', name: 'ledger', clusterIPs: [], headless: false, externalName: undefined, selector: { app: 'ledger' }, ports: [{ name: undefined, port: 80, protocol: 'TCP', targetPort: 80 }] },
    },
  },
  {
    name: 'a JSON List loads like its YAML twin, dual-stack IPs included',
    file: 'kubectl-list.json',
    report: { namespaces: 1, policies: 0, pods: 1, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} },
    check: (s) => s.podGroupsWithIp('fd00:10:244:4::8').map((g) => [g.namespace, g.names, g.ips]),
    expect: [['search-test', ['search-6c5b4a3f2e-abcde'], ['10.244.4.8', 'fd00:10:244:4::8']]],
  },
];

for (const c of loads) {
  t.test(c.name, async (t) => {
    const state = new ClusterState({ keepPodNames: true });
    t.same(loadState(await readObjectsFromFile(fixture(c.file)), state), c.report, 'report');
    t.same(c.check(state), c.expect, 'state');
  });
}

t.test('a kind named like an Object.prototype member is counted like any other', async (t) => {
  const report = loadState(readObjects('apiVersion: example.com/v1\nkind: constructor\nmetadata: {name: a}\n', 'x.yaml'), new ClusterState());
  t.same(report.skipped, { constructor: 1 });
});

t.test('an invalid object fails the load and leaves the state untouched', async (t) => {
  const text = `${namespace('a')}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 99999\n`;
  const state = new ClusterState();
  t.throws(() => loadState(readObjects(text, 'bad.yaml'), state), { code: 'NSG_OBJECT_INVALID', message: /bad\.yaml document 2/ });
  t.same(state.stats(), { namespaces: 0, policies: 0, pods: 0, podGroups: 0 });
});

t.test('YAML is read as kubectl reads it: merge keys expanded, leading-zero integers octal', async (t) => {
  // Read as YAML 1.2 alone, the peer lost its namespaceSelector (a policy opening prod passed) and port 053
  // was 53 where kubectl applies 43 (a policy cutting DNS passed).
  const text = [
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'metadata: {name: p, namespace: a, labels: {"<<": x, build: "0123", n: "00"}}',
    'spec:',
    '  podSelector: {}',
    '  ingress:',
    '  - from:',
    '    - <<: {namespaceSelector: {}}',
    '      podSelector: {}',
    '  egress:',
    '  - ports: [{port: 053, protocol: UDP}, {port: 089}, {port: -010}, {port: 0}]',
    '',
  ].join('\n');
  const [read] = readObjects(text, 'p.yaml');
  t.strictSame((read?.object['spec'] as Record<string, unknown>)['ingress'], [{ from: [{ namespaceSelector: {}, podSelector: {} }] }]);
  t.strictSame((read?.object['spec'] as Record<string, unknown>)['egress'], [{ ports: [{ port: 43, protocol: 'UDP' }, { port: 89 }, { port: -8 }, { port: 0 }] }]);
  // Quoted, they are text as written.
  t.strictSame((read?.object['metadata'] as Record<string, unknown>)['labels'], { '<<': 'x', build: '0123', n: '00' });
});
