import fc from 'fast-check';
import t from 'tap';
import type { Test } from 'tap';
import type { Protocol } from '../../../src/policy/objects/model.ts';
import { PROTOCOLS } from '../../../src/policy/objects/model.ts';
import type { Intervals, PortSet } from '../../../src/policy/netpol/port-set.ts';
import { ALL_PORTS, MAX_PORT, MIN_PORT, NO_PORTS, allOf, describePorts, difference, hasPort, intersect, isAll, isEmpty, portRange, union, unionAll } from '../../../src/policy/netpol/port-set.ts';

// Port sets built from ranges on 1..SMALL (and whole protocols, which reach 65535) are checked against a
// brute-force oracle: a predicate over (protocol, port). Every generated set is constant on
// SMALL+1..65535, so scanning 0..SMALL+1 and a few points at the top decides equality.

const SMALL = 200;

type Expr =
  | { readonly kind: 'range'; readonly protocol: Protocol; readonly from: number; readonly to: number }
  | { readonly kind: 'protocol'; readonly protocol: Protocol }
  | { readonly kind: 'none' }
  | { readonly kind: 'all' }
  | { readonly kind: 'union' | 'intersect' | 'difference'; readonly a: Expr; readonly b: Expr };

// Mostly TCP, so operands often share a protocol.
const protocol = fc.oneof({ arbitrary: fc.constant<Protocol>('TCP'), weight: 3 }, fc.constantFrom(...PROTOCOLS));
// Mostly a handful of low ports, so ranges often touch, overlap or meet at one port.
const port = fc.oneof({ arbitrary: fc.integer({ min: MIN_PORT, max: 12 }), weight: 3 }, { arbitrary: fc.integer({ min: MIN_PORT, max: SMALL }), weight: 1 });

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('range' as const), protocol, from: port, to: port }), weight: 4 },
  { arbitrary: fc.tuple(protocol, port).map(([p, n]): Expr => ({ kind: 'range', protocol: p, from: n, to: n })), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('range' as const), protocol, from: port, to: fc.constant(MAX_PORT) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('protocol' as const), protocol }), weight: 1 },
  { arbitrary: fc.constant<Expr>({ kind: 'none' }), weight: 1 },
  { arbitrary: fc.constant<Expr>({ kind: 'all' }), weight: 1 },
);

/** A chain of 1-7 leaves joined by union, intersect or difference, so most sets come out of several operations. */
const expr: fc.Arbitrary<Expr> = fc
  .tuple(leaf, fc.array(fc.tuple(fc.constantFrom('union' as const, 'union' as const, 'intersect' as const, 'difference' as const), leaf, fc.boolean()), { maxLength: 6, size: 'large' }))
  .map(([first, rest]) => rest.reduce<Expr>((a, [kind, b, flip]) => (flip ? { kind, a: b, b: a } : { kind, a, b }), first));

function build(e: Expr): PortSet {
  switch (e.kind) {
    case 'range':
      return portRange(e.protocol, e.from, e.to);
    case 'protocol':
      return allOf(e.protocol);
    case 'none':
      return NO_PORTS;
    case 'all':
      return ALL_PORTS;
    case 'union':
      return union(build(e.a), build(e.b));
    case 'intersect':
      return intersect(build(e.a), build(e.b));
    case 'difference':
      return difference(build(e.a), build(e.b));
  }
}

function oracle(e: Expr, p: Protocol, n: number): boolean {
  const valid = MIN_PORT <= n && n <= MAX_PORT;
  switch (e.kind) {
    case 'range':
      return valid && p === e.protocol && e.from <= n && n <= e.to;
    case 'protocol':
      return valid && p === e.protocol;
    case 'none':
      return false;
    case 'all':
      return valid;
    case 'union':
      return oracle(e.a, p, n) || oracle(e.b, p, n);
    case 'intersect':
      return oracle(e.a, p, n) && oracle(e.b, p, n);
    case 'difference':
      return oracle(e.a, p, n) && !oracle(e.b, p, n);
  }
}

/** Points that decide a generated set: below, through and just past the small range, and the top. */
const PROBES = [...Array.from({ length: SMALL + 3 }, (_, i) => i), 1000, MAX_PORT - 1, MAX_PORT, MAX_PORT + 1];

/** The canonical intervals of the oracle's set: SMALL+1 stands for every port from there to 65535. */
function canonical(e: Expr, p: Protocol): Intervals {
  const out: [number, number][] = [];
  for (let n = MIN_PORT; n <= SMALL + 1; n++) {
    if (!oracle(e, p, n)) continue;
    const to = n === SMALL + 1 ? MAX_PORT : n;
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === n - 1) last[1] = to;
    else out.push([n, to]);
  }
  return out;
}

function holds<Ts extends unknown[]>(t: Test, name: string, property: fc.IProperty<Ts>): void {
  const details = fc.check(property, { numRuns: 200 });
  t.notOk(details.failed, `${name}\n${fc.defaultReportMessage(details) ?? ''}`);
}

t.test('hasPort on union, intersect and difference agrees with the brute-force oracle at every probe', async (t) => {
  holds(
    t,
    'hasPort = oracle',
    fc.property(expr, (e) => {
      const set = build(e);
      return PROTOCOLS.every((p) => PROBES.every((n) => hasPort(set, p, n) === oracle(e, p, n)));
    }),
  );
});

t.test('union, intersect and difference keep sets canonical: sorted, disjoint, non-adjacent intervals, equal sets equal', async (t) => {
  holds(
    t,
    'representation = canonical(oracle)',
    fc.property(expr, (e) => {
      const set = build(e);
      return PROTOCOLS.every((p) => JSON.stringify(set[p]) === JSON.stringify(canonical(e, p)));
    }),
  );
});

t.test('union and intersect are commutative and give the same representation either way', async (t) => {
  holds(
    t,
    'commutative',
    fc.property(expr, expr, (a, b) => {
      const [x, y] = [build(a), build(b)];
      return JSON.stringify(union(x, y)) === JSON.stringify(union(y, x)) && JSON.stringify(intersect(x, y)) === JSON.stringify(intersect(y, x));
    }),
  );
});

t.test('unionAll of many sets is their union taken one by one', async (t) => {
  holds(
    t,
    'unionAll = union folded',
    fc.property(fc.array(expr, { maxLength: 12 }), (es) => {
      const sets = es.map(build);
      return JSON.stringify(unionAll(sets)) === JSON.stringify(sets.reduce((a, b) => union(a, b), NO_PORTS));
    }),
  );
});

t.test('isEmpty and isAll agree with the oracle', async (t) => {
  holds(
    t,
    'isEmpty/isAll = oracle',
    fc.property(expr, (e) => {
      const set = build(e);
      const everywhere = PROTOCOLS.every((p) => PROBES.every((n) => oracle(e, p, n) === (MIN_PORT <= n && n <= MAX_PORT)));
      const nowhere = PROTOCOLS.every((p) => PROBES.every((n) => !oracle(e, p, n)));
      return isEmpty(set) === nowhere && isAll(set) === everywhere;
    }),
  );
});

t.test('describePorts', async (t) => {
  const tcp = (from: number, to = from): PortSet => portRange('TCP', from, to);
  const cases: { name: string; set: PortSet; expect: string }[] = [
    { name: 'every port of every protocol reads as all ports', set: ALL_PORTS, expect: 'all ports' },
    { name: 'the union of the three whole protocols is all ports', set: union(allOf('SCTP'), union(allOf('UDP'), allOf('TCP'))), expect: 'all ports' },
    { name: 'the empty set reads as no port', set: NO_PORTS, expect: 'no port' },
    { name: 'a reversed range is empty', set: portRange('TCP', 90, 80), expect: 'no port' },
    { name: 'a single port reads as its number', set: tcp(443), expect: 'TCP 443' },
    { name: 'ports and ranges are listed in order, protocols in TCP, UDP, SCTP order', set: union(portRange('UDP', 53, 53), union(tcp(8000, 8080), union(tcp(443), tcp(80)))), expect: 'TCP 80, 443, 8000-8080; UDP 53' },
    { name: 'adjacent ports merge into a range', set: union(tcp(80), tcp(81)), expect: 'TCP 80-81' },
    { name: 'overlapping ranges merge', set: union(tcp(10, 20), tcp(15, 30)), expect: 'TCP 10-30' },
    { name: 'a whole protocol next to a port of another', set: union(allOf('TCP'), portRange('UDP', 53, 53)), expect: 'all TCP ports; UDP 53' },
    { name: 'two whole protocols are named one by one', set: union(allOf('TCP'), allOf('SCTP')), expect: 'all TCP ports; all SCTP ports' },
    { name: 'a range ending at 65535 that does not start at 1 is not the whole protocol', set: tcp(2, MAX_PORT), expect: 'TCP 2-65535' },
    { name: 'a range starting at 1 that stops short of 65535 is not the whole protocol', set: tcp(1, 1024), expect: 'TCP 1-1024' },
    { name: 'ranges that cover 1..65535 between them read as the whole protocol', set: union(tcp(1, 100), tcp(101, MAX_PORT)), expect: 'all TCP ports' },
    { name: 'intersecting a range with a port outside it leaves no port', set: intersect(tcp(80, 90), tcp(91)), expect: 'no port' },
    { name: 'intersecting across protocols leaves no port', set: intersect(tcp(53), portRange('UDP', 53, 53)), expect: 'no port' },
    { name: 'intersecting with a whole protocol keeps that protocol only', set: intersect(union(tcp(53), portRange('UDP', 53, 53)), allOf('UDP')), expect: 'UDP 53' },
    { name: 'intersecting two ranges keeps their overlap, ends included', set: intersect(tcp(3000, 3400), union(tcp(3306), tcp(3400, 5432))), expect: 'TCP 3306, 3400' },
  ];
  for (const c of cases) t.equal(describePorts(c.set), c.expect, c.name);
});
