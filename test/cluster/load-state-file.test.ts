import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { loadStateFile } from '../../src/cluster/load-state-file.ts';
import type { LoadStateFileOptions } from '../../src/cluster/load-state-file.ts';
import { loadState, readObjectsFromFile } from '../../src/cluster/state-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'nsguard-load-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** A new file each time: the loader must never see a half-rewritten one. */
function stateFile(text: string): string {
  const file = join(dir, `state-${++files}.json`);
  writeFileSync(file, text);
  return file;
}

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/state/${name}`, import.meta.url));

type Outcome = { ok: true; view: unknown } | { ok: false; code: unknown; message: string };

/** What a state shows through its views, in plain JSON (policy types are Sets). */
function view(state: ClusterState, namespaces: readonly string[]): unknown {
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_, v: unknown) => (v instanceof Set ? [...v] : v)));
  return plain({
    stats: state.stats(),
    namespaces: state.namespaces(),
    policies: namespaces.map((ns) => state.policies(ns)),
    podGroups: namespaces.map((ns) => state.podGroups(ns)),
  });
}

function failure(error: unknown): Outcome {
  return { ok: false, code: (error as { code?: unknown }).code, message: (error as Error).message };
}

/** Today's whole-file path: read every object, then load them all. */
async function wholeFile(file: string, namespaces: readonly string[]): Promise<Outcome> {
  try {
    const state = new ClusterState({ keepPodNames: true });
    const report = loadState(await readObjectsFromFile(file, 'state'), state);
    return { ok: true, view: { report, state: view(state, namespaces) } };
  } catch (error) {
    return failure(error);
  }
}

async function streamed(file: string, namespaces: readonly string[], options: LoadStateFileOptions = {}): Promise<Outcome> {
  try {
    const { state, report } = await loadStateFile(file, { keepPodNames: true, ...options });
    return { ok: true, view: { report, state: view(state, namespaces) } };
  } catch (error) {
    return failure(error);
  }
}

// Small valid objects over a few names, so duplicates (last one wins) and shared pod groups occur.
const NAMESPACES = ['a', 'b', 'c'];
const name = fc.constantFrom('x', 'y', 'z');
const ns = fc.constantFrom(...NAMESPACES);
/** Text that straddles chunk boundaries awkwardly: escapes, quotes, backslashes, multibyte characters. */
const awkward = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\t', 'é', '€', '😀', '\u0001', '/', ',', ']', '}', '[', '{', ' ') });
const label = fc.constantFrom('web', 'db', 'api');

const namespace = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Namespace'),
  metadata: fc.record({ name: ns, labels: fc.record({ env: fc.constantFrom('prod', 'test') }), annotations: fc.record({ note: awkward }) }),
});
const pod = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Pod'),
  metadata: fc.record({ name, namespace: ns, labels: fc.record({ app: label }) }),
  spec: fc.record({ containers: fc.constant([{ name: 'c', ports: [{ containerPort: 8080, name: 'http' }] }]) }),
  status: fc.record({ phase: fc.constantFrom('Running', 'Running', 'Succeeded'), podIP: fc.constantFrom('10.0.0.1', '10.0.0.2', 'fd00::1') }),
});
const policy = fc.record({
  apiVersion: fc.constant('networking.k8s.io/v1'),
  kind: fc.constant('NetworkPolicy'),
  metadata: fc.record({ name, namespace: ns, annotations: fc.record({ why: awkward }) }),
  spec: fc.record({ podSelector: fc.record({ matchLabels: fc.record({ app: label }) }), policyTypes: fc.constant(['Ingress']), ingress: fc.constant([{}]) }),
});
const other = fc.constantFrom(
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a' } },
  { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'g' } },
);
/** Now and then an item the loaders must reject, so the first error reported is compared too. */
const bad = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<unknown>(42, { apiVersion: 'v1', metadata: { name: 'no-kind' } }) },
  { weight: 3, arbitrary: fc.constant({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 99999 }] }] } }) },
);

const ws = fc.constantFrom('', ' ', '\n', '\r\n  ', '\t');
const indent = fc.constantFrom(undefined, 1, 4, '\t');

interface Dump {
  readonly text: string;
  readonly chunkSize: number;
  /** Cut short somewhere: usually not JSON any more. */
  readonly cut: boolean;
}

/** A `List`, or a typed `PodList` whose items may lack apiVersion and kind, with fields in any order. */
const dump: fc.Arbitrary<Dump> = fc
  .record({
    typed: fc.boolean(),
    mixed: fc.array(fc.oneof({ weight: 3, arbitrary: fc.oneof(namespace, pod, policy, other) }, { weight: 1, arbitrary: fc.oneof({ weight: 3, arbitrary: bad }, { weight: 7, arbitrary: pod }) }), { maxLength: 12 }),
    pods: fc.array(fc.tuple(pod, fc.boolean()), { maxLength: 12 }),
    order: fc.shuffledSubarray(['apiVersion', 'kind', 'metadata', 'items'], { minLength: 4 }),
    escapedKind: fc.boolean(),
    ws: fc.array(ws, { minLength: 12, maxLength: 12 }),
    indent,
    chunkSize: fc.integer({ min: 1, max: 64 }),
    cut: fc.option(fc.nat(), { freq: 8 }),
  })
  .map(({ typed, mixed, pods, order, escapedKind, ws, indent, chunkSize, cut }) => {
    const items = typed
      ? pods.map(([p, bare]) => {
          const { apiVersion: _, kind: __, ...rest } = p;
          return bare ? rest : p;
        })
      : mixed;
    const fields: Record<string, string> = {
      apiVersion: '"v1"',
      kind: typed ? '"PodList"' : '"List"',
      metadata: '{"resourceVersion": ""}',
      items: `[${ws[0]}${items.map((item) => JSON.stringify(item, null, indent)).join(`${ws[1]},${ws[2]}`)}${ws[3]}]`,
    };
    const key = (k: string) => (k === 'kind' && escapedKind ? '"\\u006bind"' : JSON.stringify(k));
    const text = `${ws[4]}{${ws[5]}${order.map((k, i) => `${key(k)}${ws[6 + (i % 3)]}:${ws[9]}${fields[k]}`).join(`${ws[10]},`)}${ws[11]}}\n`;
    return cut === null ? { text, chunkSize, cut: false } : { text: text.slice(0, cut % (text.length + 1)), chunkSize, cut: true };
  });

t.test('streaming a JSON list in tiny chunks gives what reading it whole gives, errors included', async (t) => {
  await fc.assert(
    fc.asyncProperty(dump, async ({ text, chunkSize, cut }) => {
      const file = stateFile(text);
      const expected = await wholeFile(file, NAMESPACES);
      // Whole dumps are valid JSON: no re-reading whole, which would hide a splitting mistake.
      const actual = await streamed(file, NAMESPACES, { chunkSize, rereadLimit: cut ? undefined : 0 });
      return isDeepStrictEqual(actual, expected);
    }),
    { numRuns: 400 },
  );
  t.pass('400 dumps agree');
});

t.test('the fixtures load the same through either path', async (t) => {
  for (const name of ['kubectl-list.json', 'kubectl-list.yaml', 'multi-doc.yaml', 'malformed-document-3.yaml']) {
    const namespaces = ['shop-prod', 'shop-test', 'payments', 'ledger', 'search-test'];
    t.strictSame(await streamed(fixture(name), namespaces, { chunkSize: 7 }), await wholeFile(fixture(name), namespaces), name);
  }
});

const namespaceItem = (n: string) => `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${n}"}}`;

t.test('a bad item in the middle fails the load, naming the item', async (t) => {
  const badPod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":0}]}]}}';
  const file = stateFile(`{"apiVersion":"v1","kind":"List","items":[${namespaceItem('a')},${namespaceItem('b')},${badPod},${namespaceItem('c')}]}`);
  await t.rejects(loadStateFile(file, { chunkSize: 16 }), { code: 'NSG_OBJECT_INVALID', message: new RegExp(`^${file} document 1 item 3: .*containerPort`) });
});

t.test('a bad item head outranks a bad object before it, as when read whole', async (t) => {
  const badPod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":0}]}]}}';
  const file = stateFile(`{"apiVersion":"v1","items":[${badPod},{"apiVersion":"v1"}],"kind":"List"}`);
  await t.rejects(loadStateFile(file), { code: 'NSG_STATE_PARSE', message: `${file} document 1 item 2: kind is missing or not a string (found nothing)` });
});

t.test('truncated JSON: a small file gets the whole-file message, a big one a JSON error with its line', async (t) => {
  const text = `{"apiVersion": "v1", "kind": "List", "items": [\n  ${namespaceItem('a')},\n  {"apiVersion": "v1", "kind": "Namesp`;
  const file = stateFile(text);
  await t.rejects(loadStateFile(file), { code: 'NSG_STATE_PARSE', message: new RegExp(`^${file} document 1: not valid YAML: .*at line 3, column \\d+$`) });
  await t.rejects(loadStateFile(file, { rereadLimit: 0 }), {
    code: 'NSG_STATE_PARSE',
    message: `${file} document 1 item 2: not valid JSON: the file ends inside the object at line 3, column 39`,
  });
});

t.test('broken JSON inside an item is placed by line and column, in characters', async (t) => {
  const file = stateFile(`{"apiVersion": "v1", "kind": "List", "items": [\n  ${namespaceItem('é')},\n  {"apiVersion": "v1", "kind": "Namespace", "note": "é€😀",}\n]}\n`);
  await t.rejects(loadStateFile(file, { rereadLimit: 0, chunkSize: 5 }), {
    code: 'NSG_STATE_PARSE',
    message: `${file} document 1 item 2: not valid JSON: Expected double-quoted property name at line 3, column 59`,
  });
});

t.test('what is not one JSON list is read whole, as before', async (t) => {
  const cases: { name: string; text: string; report: unknown }[] = [
    { name: 'a single JSON object', text: namespaceItem('a'), report: { namespaces: 1, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} } },
    { name: 'an object of another kind with an items array', text: '{"apiVersion":"example.com/v1","items":[1],"kind":"Thing"}', report: { namespaces: 0, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: { Thing: 1 } } },
    { name: 'a typed list whose items are not an array', text: '{"apiVersion":"v1","kind":"PodList","items":null}', report: { namespaces: 0, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: { PodList: 1 } } },
    { name: 'YAML', text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n', report: { namespaces: 1, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} } },
    { name: 'flow-style YAML', text: '{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n', report: { namespaces: 1, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} } },
    { name: 'several JSON documents', text: `${namespaceItem('a')}\n---\n${namespaceItem('b')}\n`, report: { namespaces: 2, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} } },
    { name: 'a byte order mark', text: `\uFEFF{"apiVersion":"v1","kind":"List","items":[${namespaceItem('a')}]}`, report: { namespaces: 1, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} } },
    { name: 'a repeated key (JSON.parse keeps the last)', text: `{"apiVersion":"v1","kind":"List","items":[${namespaceItem('a')}],"items":[]}`, report: { namespaces: 0, policies: 0, pods: 0, skippedPods: 0, calico: 0, services: 0, endpointSlices: 0, skipped: {} } },
  ];
  for (const c of cases) {
    const { report } = await loadStateFile(stateFile(c.text), { chunkSize: 3 });
    t.strictSame(report, c.report, c.name);
  }
});

t.test('a non-list JSON object keeps its whole-file errors', async (t) => {
  const file = stateFile('{"kind":"Namespace","metadata":{"name":"a"}}');
  await t.rejects(loadStateFile(file), { code: 'NSG_STATE_PARSE', message: `${file} document 1: apiVersion is missing or not a string (found nothing)` });
});

t.test('a List with items that are no sequence is rejected as before', async (t) => {
  const file = stateFile('{"apiVersion":"v1","kind":"List","items":{}}');
  await t.rejects(loadStateFile(file), { code: 'NSG_STATE_PARSE', message: `${file} document 1: items must be a sequence, found a mapping` });
});

t.test('typed list items get apiVersion and kind from the list, also when kind comes after the items', async (t) => {
  const pod = (n: string) => `{"metadata":{"name":"${n}","namespace":"a","labels":{"app":"web"}},"status":{"podIP":"10.0.0.${n.length}"}}`;
  for (const text of [
    `{"apiVersion":"v1","items":[${pod('p')},${pod('pp')}],"kind":"PodList","metadata":{}}`,
    `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[${pod('p')},${pod('pp')}]}`,
  ]) {
    const { state, report } = await loadStateFile(stateFile(text), { keepPodNames: true, chunkSize: 4 });
    t.match(report, { pods: 2 });
    t.strictSame(state.podGroups('a')[0]?.names, ['p', 'pp']);
  }
});

t.test('a file that cannot be read is NSG_STATE_READ, as when read whole', async (t) => {
  const missing = join(dir, 'no-such-file.json');
  await t.rejects(loadStateFile(missing), { code: 'NSG_STATE_READ', message: `cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'`, cause: { code: 'ENOENT' } });
  await t.rejects(loadStateFile(dir), { code: 'NSG_STATE_READ', message: `cannot read ${dir}: EISDIR: illegal operation on a directory, read` });
});

t.test('the example JSON fixture keeps its content through a one-byte chunk size', async (t) => {
  const file = fixture('kubectl-list.json');
  const { state } = await loadStateFile(file, { chunkSize: 1, keepPodNames: true });
  t.strictSame(state.podGroupsWithIp('fd00:10:244:4::8').map((g) => g.names), [['search-6c5b4a3f2e-abcde']]);
});

t.test('a state file with no object is refused, an empty List is an empty cluster', async (t) => {
  // What a failed `kubectl get ... > cluster.yaml` leaves: judging against it would judge an empty cluster.
  for (const text of ['', '\n', '---\n', '---\n---\n', '# only a comment\n', 'null\n']) {
    const file = stateFile(text);
    await t.rejects(loadStateFile(file), { code: 'NSG_STATE_PARSE', message: `${file}: holds no object: an empty file is not an empty cluster (write \`apiVersion: v1\`, \`kind: List\`, \`items: []\` for one)` }, JSON.stringify(text));
  }
  for (const text of ['{"apiVersion":"v1","kind":"List","items":[]}', 'apiVersion: v1\nkind: List\nitems: []\n']) {
    const { state } = await loadStateFile(stateFile(text));
    t.strictSame(state.stats(), { namespaces: 0, policies: 0, pods: 0, podGroups: 0 }, text);
  }
});
