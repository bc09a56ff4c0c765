import t from 'tap';
import type { Namespace } from '../../../src/policy/objects/model.ts';
import { parseNamespace } from '../../../src/policy/objects/parse-namespace.ts';

const WHERE = 'state.yaml document 1';

t.test('namespaces that parse', async (t) => {
  const cases: { name: string; raw: unknown; expect: Namespace }[] = [
    {
      name: 'labels and annotations are copied and the name label kept',
      raw: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'prod', labels: { env: 'prod', 'kubernetes.io/metadata.name': 'prod' }, annotations: { 'nsguard.io/isolation': 'strict' } },
        status: { phase: 'Active' },
      },
      expect: { name: 'prod', labels: { env: 'prod', 'kubernetes.io/metadata.name': 'prod' }, annotations: { 'nsguard.io/isolation': 'strict' }, terminating: false },
    },
    {
      name: 'a hand-written namespace without the name label gets it, as the API server would add it',
      raw: { metadata: { name: 'dev' } },
      expect: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' }, annotations: {}, terminating: false },
    },
    {
      name: 'a wrong name label is overwritten with the name, as the API server does',
      raw: { metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'prod' } } },
      expect: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' }, annotations: {}, terminating: false },
    },
    {
      name: 'phase Terminating marks the namespace terminating',
      raw: { metadata: { name: 'old' }, status: { phase: 'Terminating' } },
      expect: { name: 'old', labels: { 'kubernetes.io/metadata.name': 'old' }, annotations: {}, terminating: true },
    },
    {
      name: 'a deletionTimestamp marks the namespace terminating before the phase says so',
      raw: { metadata: { name: 'old', deletionTimestamp: '2025-01-01T00:00:00Z' }, status: { phase: 'Active' } },
      expect: { name: 'old', labels: { 'kubernetes.io/metadata.name': 'old' }, annotations: {}, terminating: true },
    },
  ];
  for (const c of cases) t.strictSame(parseNamespace(c.raw, WHERE), c.expect, c.name);
});

t.test('namespaces that are refused', async (t) => {
  const cases: { name: string; raw: unknown; path: string; value: string }[] = [
    { name: 'a namespace without a name is refused', raw: { metadata: { labels: {} } }, path: 'metadata.name', value: 'missing' },
    { name: 'a number as a label value is refused', raw: { metadata: { name: 'prod', labels: { tier: 1 } } }, path: 'metadata.labels.tier', value: '1' },
    { name: 'an annotation map that is a list is refused', raw: { metadata: { name: 'prod', annotations: ['a'] } }, path: 'metadata.annotations', value: '["a"]' },
    { name: 'a non-string phase is refused', raw: { metadata: { name: 'prod' }, status: { phase: 3 } }, path: 'status.phase', value: '3' },
    { name: 'another kind is refused', raw: { kind: 'Pod', metadata: { name: 'prod' } }, path: 'kind', value: '"Pod"' },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseNamespace(c.raw, WHERE));
      t.match(error, { code: 'NSG_OBJECT_INVALID' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(`${WHERE}: Namespace `), `names where and the kind: ${message}`);
      t.ok(message.includes(`: ${c.path} `), `names the field ${c.path}`);
      t.ok(message.includes(c.value), `shows the value ${c.value}`);
    });
  }
});
