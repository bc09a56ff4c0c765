import t from 'tap';
import { NsguardError } from '../../../src/errors.ts';
import type { Selector } from '../../../src/policy/objects/model.ts';
import { parseObjectHead } from '../../../src/policy/objects/parse-object-head.ts';
import { parseLabels, parseSelector } from '../../../src/policy/objects/parse-selector.ts';

const ctx = { where: 'state.yaml document 3', object: 'NetworkPolicy prod/allow-db' };

t.test('selectors that parse', async (t) => {
  const cases: { name: string; raw: unknown; expect: Selector }[] = [
    { name: 'the empty selector has no requirements', raw: {}, expect: { requirements: [] } },
    {
      name: 'each matchLabels entry becomes an In requirement with that one value',
      raw: { matchLabels: { app: 'web', tier: 'front' } },
      expect: { requirements: [{ key: 'app', operator: 'In', values: ['web'] }, { key: 'tier', operator: 'In', values: ['front'] }] },
    },
    {
      name: 'matchExpressions keep their operator and values after matchLabels',
      raw: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['prod', 'test'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist', values: [] },
          { key: 'zone', operator: 'In', values: ['a'] },
        ],
      },
      expect: {
        requirements: [
          { key: 'app', operator: 'In', values: ['web'] },
          { key: 'env', operator: 'NotIn', values: ['prod', 'test'] },
          { key: 'team', operator: 'Exists', values: [] },
          { key: 'legacy', operator: 'DoesNotExist', values: [] },
          { key: 'zone', operator: 'In', values: ['a'] },
        ],
      },
    },
    { name: 'null matchLabels and matchExpressions read as absent', raw: { matchLabels: null, matchExpressions: null }, expect: { requirements: [] } },
  ];
  for (const c of cases) t.same(parseSelector(c.raw, 'spec.podSelector', ctx), c.expect, c.name);
});

t.test('selectors that are refused', async (t) => {
  const cases: { name: string; raw: unknown; path: string; value: string }[] = [
    { name: 'a selector that is not an object is refused', raw: 'app=web', path: 'spec.podSelector', value: '"app=web"' },
    { name: 'an absent selector is refused (the caller decides what absence means)', raw: undefined, path: 'spec.podSelector', value: 'missing' },
    { name: 'a non-string matchLabels value is refused', raw: { matchLabels: { version: 2 } }, path: 'spec.podSelector.matchLabels.version', value: '2' },
    { name: 'matchExpressions that is not a list is refused', raw: { matchExpressions: { key: 'a' } }, path: 'spec.podSelector.matchExpressions', value: '{"key":"a"}' },
    {
      name: 'an unknown operator is refused',
      raw: { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] },
      path: 'spec.podSelector.matchExpressions[0].operator',
      value: '"Equals"',
    },
    {
      name: 'In without values is refused',
      raw: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
      path: 'spec.podSelector.matchExpressions[0].values',
      value: '[]',
    },
    {
      name: 'NotIn with values absent is refused',
      raw: { matchExpressions: [{ key: 'env', operator: 'NotIn' }] },
      path: 'spec.podSelector.matchExpressions[0].values',
      value: 'missing',
    },
    {
      name: 'Exists with values is refused',
      raw: { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['prod'] }] },
      path: 'spec.podSelector.matchExpressions[0].values',
      value: '["prod"]',
    },
    {
      name: 'DoesNotExist with values is refused',
      raw: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: ['prod'] }] },
      path: 'spec.podSelector.matchExpressions[0].values',
      value: '["prod"]',
    },
    {
      name: 'a requirement without a key is refused',
      raw: { matchExpressions: [{ operator: 'Exists' }] },
      path: 'spec.podSelector.matchExpressions[0].key',
      value: 'missing',
    },
    {
      name: 'a non-string value in values is refused',
      raw: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 3] }] },
      path: 'spec.podSelector.matchExpressions[0].values[1]',
      value: '3',
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parseSelector(c.raw, 'spec.podSelector', ctx));
      t.ok(error instanceof NsguardError, 'throws an NsguardError');
      t.match(error, { code: 'NSG_OBJECT_INVALID' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith('state.yaml document 3: NetworkPolicy prod/allow-db: '), `names where and which object: ${message}`);
      t.ok(message.includes(`${c.path} `), `names the field ${c.path}`);
      t.ok(message.includes(c.value), `shows the value ${c.value}`);
    });
  }
});

t.test('labels', async (t) => {
  const labels = parseLabels(JSON.parse('{"__proto__":"x","app":"web"}'), 'metadata.labels', ctx);
  t.same(Object.keys(labels).sort(), ['__proto__', 'app'], 'a __proto__ label stays a plain own key');
  t.equal(Object.getPrototypeOf(labels), Object.prototype, 'and does not replace the prototype');
  t.same(parseLabels(null, 'metadata.labels', ctx), {}, 'null labels read as none');
  t.throws(() => parseLabels(['a'], 'metadata.labels', ctx), { code: 'NSG_OBJECT_INVALID' }, 'a list is not a label map');
});

t.test('object head', async (t) => {
  const expected = { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespaced: true };
  const cases: { name: string; raw: unknown; message: RegExp }[] = [
    { name: 'a missing name is reported with what is known of the object', raw: { metadata: { namespace: 'prod' } }, message: /^f: NetworkPolicy prod\/\(unnamed\): metadata\.name missing/ },
    { name: 'a missing namespace is refused for a namespaced kind', raw: { metadata: { name: 'x' } }, message: /metadata\.namespace missing/ },
    { name: 'another kind is refused', raw: { kind: 'Pod', metadata: { name: 'x', namespace: 'p' } }, message: /NetworkPolicy p\/x: kind is "Pod", expected NetworkPolicy/ },
    { name: 'another apiVersion is refused', raw: { apiVersion: 'projectcalico.org/v3', metadata: { name: 'x', namespace: 'p' } }, message: /apiVersion is "projectcalico.org\/v3"/ },
    { name: 'an object without metadata is refused', raw: { spec: {} }, message: /metadata missing, expected an object/ },
    { name: 'a document that is not an object is refused', raw: 'hello', message: /^f: NetworkPolicy: the object is "hello"/ },
  ];
  for (const c of cases) t.throws(() => parseObjectHead(c.raw, expected, 'f'), { code: 'NSG_OBJECT_INVALID', message: c.message }, c.name);
});
