import t from 'tap';
import { selects } from '../../../src/policy/netpol/selector.ts';
import type { Selector } from '../../../src/policy/objects/model.ts';

const sel = (...requirements: Selector['requirements']): Selector => ({ requirements });
/** Long enough to be looked up in a Set rather than scanned. */
const LONG = Array.from({ length: 100 }, (_, i) => `v${i}`);

const cases: { name: string; selector: Selector; labels: Record<string, string>; expect: boolean }[] = [
  { name: 'the empty selector selects everything', selector: sel(), labels: {}, expect: true },
  { name: 'In needs the key with a listed value', selector: sel({ key: 'env', operator: 'In', values: ['prod'] }), labels: { env: 'prod' }, expect: true },
  { name: 'In fails on another value', selector: sel({ key: 'env', operator: 'In', values: ['prod'] }), labels: { env: 'test' }, expect: false },
  { name: 'In fails when the key is missing', selector: sel({ key: 'env', operator: 'In', values: ['prod'] }), labels: {}, expect: false },
  { name: 'NotIn holds when the key is missing', selector: sel({ key: 'env', operator: 'NotIn', values: ['prod'] }), labels: {}, expect: true },
  { name: 'NotIn fails on a listed value', selector: sel({ key: 'env', operator: 'NotIn', values: ['prod'] }), labels: { env: 'prod' }, expect: false },
  { name: 'Exists needs the key, any value', selector: sel({ key: 'env', operator: 'Exists', values: [] }), labels: { env: '' }, expect: true },
  { name: 'DoesNotExist holds when the key is missing', selector: sel({ key: 'env', operator: 'DoesNotExist', values: [] }), labels: { app: 'x' }, expect: true },
  { name: 'DoesNotExist fails when the key is there', selector: sel({ key: 'env', operator: 'DoesNotExist', values: [] }), labels: { env: 'x' }, expect: false },
  {
    name: 'requirements AND together',
    selector: sel({ key: 'app', operator: 'In', values: ['web'] }, { key: 'tier', operator: 'NotIn', values: ['db'] }),
    labels: { app: 'web', tier: 'db' },
    expect: false,
  },
  { name: 'In finds a value in a long list', selector: sel({ key: 'app', operator: 'In', values: LONG }), labels: { app: 'v57' }, expect: true },
  { name: 'In fails on a value missing from a long list', selector: sel({ key: 'app', operator: 'In', values: LONG }), labels: { app: 'v100' }, expect: false },
  { name: 'NotIn fails on a value in a long list', selector: sel({ key: 'app', operator: 'NotIn', values: LONG }), labels: { app: 'v0' }, expect: false },
  { name: 'NotIn holds on a value missing from a long list', selector: sel({ key: 'app', operator: 'NotIn', values: LONG }), labels: { app: 'w' }, expect: true },
  { name: 'a key inherited from Object.prototype is not a label', selector: sel({ key: 'constructor', operator: 'Exists', values: [] }), labels: {}, expect: false },
];

for (const c of cases) t.equal(selects(c.selector, c.labels), c.expect, c.name);
