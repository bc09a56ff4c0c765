// The small data structures behind the pod index, each against a plain model: any sequence of changes
// must leave them answering what an Array, a Map or parseIp would.
import { deepStrictEqual, equal } from 'node:assert/strict';
import t from 'tap';
import fc from 'fast-check';
import { countOf, itemsOf, withItem, withoutItem, type Few } from '../../src/cluster/few.ts';
import { IpIndex } from '../../src/cluster/ip-index.ts';
import { ipKey, ipText } from '../../src/cluster/ip-key.ts';
import { SmallMap } from '../../src/cluster/small-map.ts';
import { parseIp } from '../../src/policy/netpol/cidr.ts';

type Op<K> = { readonly set: K; readonly value: number } | { readonly delete: K };
const opsOf = <K>(key: fc.Arbitrary<K>, maxLength: number): fc.Arbitrary<Op<K>[]> =>
  fc.array(fc.oneof({ weight: 3, arbitrary: fc.record({ set: key, value: fc.nat() }) }, { weight: 2, arbitrary: fc.record({ delete: key }) }), { maxLength });

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), item: fc.integer({ min: 0, max: 3 }) }), { maxLength: 60 }), (ops) => {
        let few: Few<number> | undefined;
        const model: number[] = [];
        for (const { add, item } of ops) {
          if (add) {
            few = withItem(few, item);
            model.push(item);
          } else {
            few = withoutItem(few, item);
            const i = model.lastIndexOf(item);
            if (i >= 0) model.splice(i, 1);
          }
          deepStrictEqual([...itemsOf(few)], model);
          equal(countOf(few), model.length);
          equal(few === undefined, model.length === 0);
          equal(Array.isArray(few), model.length > 1);
        }
      }),
      { numRuns: 300 },
    ),
  'Few: a multiset in arrival order, bare while it holds one item',
);

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(opsOf(fc.integer({ min: 0, max: 45 }).map((i) => (i % 3 === 0 ? i : `k${i}`)), 200), (ops) => {
        const map = new SmallMap<string | number, number>();
        const model = new Map<string | number, number>();
        for (const op of ops) {
          if ('set' in op) {
            map.set(op.set, op.value);
            model.set(op.set, op.value);
          } else {
            map.delete(op.delete);
            model.delete(op.delete);
          }
          equal(map.size, model.size);
          deepStrictEqual([...map.entries()], [...model.entries()]);
          deepStrictEqual([...map.keys()], [...model.keys()]);
          for (const key of model.keys()) equal(map.get(key), model.get(key));
          equal(map.get('missing'), undefined);
        }
      }),
      { numRuns: 200 },
    ),
  'SmallMap answers as a Map, in insertion order, on both sides of the size where it becomes one',
);

// Few distinct keys, some far apart and some adjacent, so probes collide, wrap around the table and
// have to be shifted back on delete; long runs grow and shrink the table.
const ipKeyArb = fc.oneof(
  fc.integer({ min: -40, max: 40 }),
  fc.constantFrom(0x7fffffff, -0x80000000, 0x0a000001, 0x0a000101, 0x0a010001),
  fc.constantFrom('fd00::1', 'fd00::2'),
);

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(opsOf(ipKeyArb, 400), (ops) => {
        const index = new IpIndex<{ value: number }>();
        const model = new Map<string | number, { value: number }>();
        for (const op of ops) {
          if ('set' in op) {
            const value = { value: op.value };
            index.set(op.set, value);
            model.set(op.set, value);
          } else {
            index.delete(op.delete);
            model.delete(op.delete);
          }
        }
        for (let key = -40; key <= 40; key++) equal(index.get(key), model.get(key), `key ${key}`);
        for (const key of model.keys()) equal(index.get(key), model.get(key), `key ${key}`);
        equal(index.get('fd00::3'), undefined);
      }),
      { numRuns: 300 },
    ),
  'IpIndex answers as a Map after any sequence of sets and deletes',
);

t.test('IpIndex grows to many entries and empties again', async (t) => {
  const index = new IpIndex<{ n: number }>();
  const n = 5000;
  for (let i = 0; i < n; i++) index.set((i * 2654435761) | 0, { n: i });
  t.ok(Array.from({ length: n }, (_, i) => index.get((i * 2654435761) | 0)?.n === i).every(Boolean), 'every entry found');
  for (let i = 0; i < n; i += 2) index.delete((i * 2654435761) | 0);
  t.ok(Array.from({ length: n }, (_, i) => index.get((i * 2654435761) | 0)?.n === (i % 2 === 1 ? i : undefined)).every(Boolean), 'deleted ones gone, others kept');
  for (let i = 1; i < n; i += 2) index.delete((i * 2654435761) | 0);
  t.equal(index.get(0), undefined);
});

t.test('IPv4 keys are int32 and read back as dotted quads', async (t) => {
  for (const text of ['0.0.0.0', '10.0.0.1', '127.255.255.255', '128.0.0.0', '200.1.2.3', '255.255.255.255']) {
    const key = ipKey(text);
    t.ok(typeof key === 'number' && key === (key | 0), `${text} is an int32`);
    t.equal(ipText(key), text);
  }
});

t.test('every spelling of an IPv6 address gives its canonical text', async (t) => {
  const cases: [string[], string][] = [
    [['fd00::1', 'FD00::1', 'fd00:0:0::1', 'fd00:0000:0000:0000:0000:0000:0000:0001'], 'fd00::1'],
    [['::', '0:0:0:0:0:0:0:0'], '::'],
    [['1::', '1:0:0:0:0:0:0:0'], '1::'],
    [['1:0:0:1:0:0:0:1'], '1:0:0:1::1'],
    [['1:0:0:2:0:0:3:4'], '1::2:0:0:3:4'],
    [['1:0:2:3:4:5:6:7'], '1:0:2:3:4:5:6:7'],
    [['::ffff:1.2.3.4', '::FFFF:0102:0304'], '::ffff:102:304'],
  ];
  for (const [spellings, canonical] of cases) for (const text of spellings) t.equal(ipKey(text), canonical, text);
});

t.test('text that is not an address only ever matches itself', async (t) => {
  for (const text of ['pod-1', '10.0.0.1%eth0', 'fe80::1%eth0', '010.0.0.1', '']) t.equal(ipKey(text), text);
});

// Zero groups are frequent, so that runs of them (and ties between runs) come up.
const groupArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));

t.doesNotThrow(
  () =>
    fc.assert(
      fc.property(fc.array(groupArb, { minLength: 8, maxLength: 8 }), (groups) => {
        const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
        const text = ipKey(groups.map((g) => g.toString(16)).join(':'));
        equal(typeof text, 'string');
        equal(parseIp(text as string)?.value, value);
        equal(ipKey(text as string), text);
        equal((text as string).split('::').length <= 2, true, 'one run compressed at most');
      }),
      { numRuns: 500 },
    ),
  'canonical IPv6 text parses back to the same address and is its own canonical form',
);
