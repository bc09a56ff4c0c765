import assert from 'node:assert/strict';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import t from 'tap';
import { escapePointer, mutateNamespace } from '../../src/admission/mutate-namespace.ts';
import { withNamespaceDefaults, type NamespaceDefaults } from '../../src/policy/generate/namespace-defaults.ts';
import type { Namespace } from '../../src/policy/objects/model.ts';
import type { AdmissionRequest } from '../../src/admission/types.ts';

/** No namespace exists yet: no parent to inherit from. */
const NO_NAMESPACES = { namespace: () => undefined };

const defaults: NamespaceDefaults = {
  environmentLabel: 'env',
  exemptNamespaces: ['kube-system', 'nsguard'],
  exemptNamespaceSelector: undefined,
  defaultIsolation: 'strict',
  defaultTemplate: 'default',
  environmentFromName: [{ suffix: '-prod', environment: 'prod' }, { suffix: '-test', environment: 'test' }, { suffix: '-staging', environment: 'test' }],
};

function request(metadata: Record<string, unknown>, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  return {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Namespace' },
    resource: { group: '', version: 'v1', resource: 'namespaces' },
    name,
    namespace: name,
    operation: 'CREATE',
    userInfo: { username: 'jane', groups: ['system:authenticated'] },
    object: { apiVersion: 'v1', kind: 'Namespace', metadata, spec: {} },
    oldObject: null,
    ...overrides,
  };
}

/** The namespace after the webhook's patch, as the apiserver would store it. */
function admitted(req: AdmissionRequest, options = defaults): unknown {
  const { patch } = mutateNamespace(req, options, NO_NAMESPACES);
  return jsonpatch.applyPatch(structuredClone(req.object), [...patch], true, false).newDocument;
}

const cases: { name: string; metadata: Record<string, unknown>; expect: Record<string, unknown> }[] = [
  {
    name: 'a bare namespace named -prod gets both annotations and env=prod, maps created',
    metadata: { name: 'shop-prod' },
    expect: { name: 'shop-prod', annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' }, labels: { env: 'prod' } },
  },
  {
    name: 'existing maps keep their keys and gain the missing ones',
    metadata: { name: 'shop-test', labels: { team: 'shop' }, annotations: { owner: 'jane' } },
    expect: {
      name: 'shop-test',
      labels: { team: 'shop', env: 'test' },
      annotations: { owner: 'jane', 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' },
    },
  },
  {
    name: 'values the user gave win: isolation none and env=prod on a -test name stay',
    metadata: { name: 'shop-test', labels: { env: 'prod' }, annotations: { 'nsguard.io/isolation': 'none' } },
    expect: { name: 'shop-test', labels: { env: 'prod' }, annotations: { 'nsguard.io/isolation': 'none', 'nsguard.io/template': 'default' } },
  },
  {
    name: 'a name with no matching suffix gets no env label and no labels map',
    metadata: { name: 'sandbox' },
    expect: { name: 'sandbox', annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } },
  },
  {
    name: 'generateName: no name to read an environment from, annotations still stamped',
    metadata: { generateName: 'ci-prod-' },
    expect: { generateName: 'ci-prod-', annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } },
  },
  {
    name: 'a null annotations map is replaced by one',
    metadata: { name: 'x-prod', annotations: null, labels: {} },
    expect: { name: 'x-prod', annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' }, labels: { env: 'prod' } },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.strictSame((admitted(request(c.metadata)) as { metadata: unknown }).metadata, c.expect);
  });
}

t.test('annotation keys escape / as ~1 in the pointer', async (t) => {
  const { patch } = mutateNamespace(request({ name: 'a-prod', annotations: {} }), defaults, NO_NAMESPACES);
  t.strictSame(patch.map((op) => op.path), ['/metadata/annotations/nsguard.io~1isolation', '/metadata/annotations/nsguard.io~1template', '/metadata/labels']);
  t.equal(escapePointer('a~b/c'), 'a~0b~1c');
});

t.test('an exempt namespace is never mutated', async (t) => {
  t.strictSame(mutateNamespace(request({ name: 'kube-system' }), defaults, NO_NAMESPACES), { patch: [], warnings: [] });
});

t.test('only Namespace CREATE is mutated', async (t) => {
  const update = request({ name: 'shop-prod' }, { operation: 'UPDATE', oldObject: { metadata: { name: 'shop-prod' } } });
  t.strictSame(mutateNamespace(update, defaults, NO_NAMESPACES).patch, []);
  const policy = request({ name: 'p' }, { kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' } });
  t.strictSame(mutateNamespace(policy, defaults, NO_NAMESPACES).patch, []);
  const calico = request({ name: 'p' }, { kind: { group: 'projectcalico.org', version: 'v3', kind: 'Namespace' } });
  t.strictSame(mutateNamespace(calico, defaults, NO_NAMESPACES).patch, [], 'a Namespace kind in another group is not a Namespace');
});

t.test('the first matching suffix rule wins', async (t) => {
  const out = admitted(request({ name: 'a-prod' }), { ...defaults, environmentFromName: [{ suffix: 'prod', environment: 'first' }, { suffix: '-prod', environment: 'second' }] });
  t.match(out, { metadata: { labels: { env: 'first' } } });
});

const keyArb = fc.oneof(fc.constantFrom('env', 'team', 'nsguard.io/isolation', 'nsguard.io/template', 'a~b/c'), fc.string({ maxLength: 12 }));
const mapArb = fc.option(fc.dictionary(keyArb, fc.string({ maxLength: 8 }), { maxKeys: 4 }), { nil: undefined });
const nameArb = fc.oneof(fc.constantFrom('shop-prod', 'shop-test', 'kube-system', 'x-staging', ''), fc.string({ maxLength: 12 }));

t.test('property: applying the patch twice changes nothing, and a second pass patches nothing', async (t) => {
  fc.assert(
    fc.property(nameArb, mapArb, mapArb, (name, labels, annotations) => {
      const metadata: Record<string, unknown> = { ...(name === '' ? { generateName: 'g-' } : { name }) };
      if (labels !== undefined) metadata.labels = labels;
      if (annotations !== undefined) metadata.annotations = annotations;
      const req = request(metadata);
      const { patch } = mutateNamespace(req, defaults, NO_NAMESPACES);
      const once = jsonpatch.applyPatch(structuredClone(req.object), [...patch], true, false).newDocument;
      const twice = jsonpatch.applyPatch(structuredClone(once), [...patch], true, false).newDocument;
      // node:assert throws, so fast-check can shrink a failure to its smallest namespace.
      assert.deepEqual(twice, once);
      // Reinvocation (reinvocationPolicy: IfNeeded) sees the patched object: nothing more to do.
      assert.deepEqual(mutateNamespace(request((once as { metadata: Record<string, unknown> }).metadata), defaults, NO_NAMESPACES).patch, []);
      // User values are never overwritten.
      const stored = (once as { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }).metadata;
      for (const [key, value] of Object.entries(annotations ?? {})) assert.equal(stored.annotations?.[key], value);
      for (const [key, value] of Object.entries(labels ?? {})) assert.equal(stored.labels?.[key], value);
    }),
    { numRuns: 200 },
  );
  t.pass('idempotent on 200 generated namespaces');
});

const PARENTS = new Map<string, Namespace>([
  ['shop-prod', { name: 'shop-prod', labels: { env: 'prod' }, annotations: { 'nsguard.io/template': 'web' }, terminating: false }],
  ['bare', { name: 'bare', labels: {}, annotations: {}, terminating: false }],
]);
const WITH_PARENTS = { namespace: (name: string) => PARENTS.get(name) };

t.test('a namespace with a parent takes its template and environment', async (t) => {
  const cases: { name: string; metadata: Record<string, unknown>; expect: Record<string, unknown> }[] = [
    {
      name: "the parent's template and env, over the name's",
      metadata: { name: 'feature-test', annotations: { 'nsguard.io/parent': 'shop-prod' } },
      expect: { labels: { env: 'prod' }, annotations: { 'nsguard.io/parent': 'shop-prod', 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'web' } },
    },
    {
      name: 'given values still win',
      metadata: { name: 'feature', labels: { env: 'test' }, annotations: { 'nsguard.io/parent': 'shop-prod', 'nsguard.io/template': 'mine' } },
      expect: { labels: { env: 'test' }, annotations: { 'nsguard.io/parent': 'shop-prod', 'nsguard.io/template': 'mine', 'nsguard.io/isolation': 'strict' } },
    },
    {
      name: 'a parent without template or env: the defaults and the name rule apply',
      metadata: { name: 'x-prod', annotations: { 'nsguard.io/parent': 'bare' } },
      expect: { labels: { env: 'prod' }, annotations: { 'nsguard.io/parent': 'bare', 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } },
    },
    {
      name: 'a missing parent: the defaults apply',
      metadata: { name: 'y', annotations: { 'nsguard.io/parent': 'gone' } },
      expect: { annotations: { 'nsguard.io/parent': 'gone', 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } },
    },
  ];
  for (const c of cases) {
    const req = request(c.metadata);
    const { patch } = mutateNamespace(req, defaults, WITH_PARENTS);
    const stored = (jsonpatch.applyPatch(structuredClone(req.object), [...patch], true, false).newDocument as { metadata: Record<string, unknown> }).metadata;
    t.strictSame({ labels: stored['labels'], annotations: stored['annotations'] }, { labels: undefined, ...c.expect }, c.name);
  }
});

t.test('property: withNamespaceDefaults is the namespace the patch leaves', async (t) => {
  const stringMap = fc.dictionary(keyArb.filter((k) => k !== ''), fc.string({ maxLength: 8 }), { maxKeys: 4 });
  const parentArb = fc.option(fc.constantFrom('shop-prod', 'bare', 'gone'), { nil: undefined });
  fc.assert(
    fc.property(nameArb.filter((n) => n !== ''), stringMap, stringMap, parentArb, (name, labels, given, parent) => {
      const annotations = parent === undefined ? given : { ...given, 'nsguard.io/parent': parent };
      const req = request({ name, labels, annotations });
      const { patch } = mutateNamespace(req, defaults, WITH_PARENTS);
      const stored = (jsonpatch.applyPatch(structuredClone(req.object), [...patch], true, false).newDocument as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } }).metadata;
      const namespace = withNamespaceDefaults({ name, labels, annotations, terminating: false }, defaults, WITH_PARENTS);
      assert.deepEqual(namespace.labels, stored.labels);
      assert.deepEqual(namespace.annotations, stored.annotations);
    }),
    { numRuns: 200 },
  );
  t.pass('the same on 200 generated namespaces');
});
