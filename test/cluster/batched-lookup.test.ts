// Namespace lookups of one turn made as one list; none joined to a read already under way; a cap on
// lookups in flight that refuses at once rather than piling requests on a slow apiserver.
import t from 'tap';
import { batchedLookup } from '../../src/cluster/batched-lookup.ts';
import type { NamespaceLookup } from '../../src/cluster/namespace-lookup.ts';
import { namespaceNamed } from '../../src/policy/netpol/endpoint.ts';
import type { Namespace } from '../../src/policy/objects/model.ts';

/** A lookup whose answers the test gives: each call waits until `answer` or `fail`. */
function heldLookup() {
  const calls: { names: readonly string[]; answer: (existing: readonly string[]) => void; fail: (error: Error) => void }[] = [];
  const lookup: NamespaceLookup = (names) =>
    new Promise<readonly Namespace[]>((resolve, reject) => {
      calls.push({ names, answer: (existing) => resolve(existing.map(namespaceNamed)), fail: reject });
    });
  return { lookup, calls };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const names = (found: readonly Namespace[]): string[] => found.map((n) => n.name);

t.test('reviews of one turn share one lookup of all their names, and each gets only its own', async (t) => {
  const { lookup, calls } = heldLookup();
  const batched = batchedLookup(lookup);
  const a = batched(['qa-test']);
  const b = batched(['qa-test', 'qa-prod']);
  const c = batched(['gone']);
  await nextTurn();
  t.equal(calls.length, 1, 'one lookup for the turn');
  t.same([...(calls[0]?.names ?? [])].sort(), ['gone', 'qa-prod', 'qa-test']);
  calls[0]?.answer(['qa-test', 'qa-prod']);
  t.same(names(await a), ['qa-test']);
  t.same(names(await b).sort(), ['qa-prod', 'qa-test']);
  t.same(names(await c), [], 'a namespace that does not exist is absent, for the review that named it');
});

t.test('a review of a later turn gets a read of its own, not the one already under way', async (t) => {
  const { lookup, calls } = heldLookup();
  const batched = batchedLookup(lookup);
  const first = batched(['qa-test']);
  await nextTurn();
  const second = batched(['qa-test']);
  await nextTurn();
  t.equal(calls.length, 2, 'the first read began before the second review arrived: it could miss a namespace created since');
  calls[0]?.answer([]);
  calls[1]?.answer(['qa-test']);
  t.same(names(await first), []);
  t.same(names(await second), ['qa-test']);
});

t.test('a failed lookup fails every review that shared it', async (t) => {
  const { lookup, calls } = heldLookup();
  const batched = batchedLookup(lookup);
  const a = batched(['qa-test']);
  const b = batched(['qa-prod']);
  await nextTurn();
  calls[0]?.fail(new Error('no answer within 1000 ms'));
  await t.rejects(a, /no answer within 1000 ms/);
  await t.rejects(b, /no answer within 1000 ms/);
});

t.test('past the cap a review is refused at once with NSG_LOOKUP; a settled lookup makes room', async (t) => {
  const { lookup, calls } = heldLookup();
  const batched = batchedLookup(lookup, { maxInFlight: 2 });
  const first = batched(['a']);
  await nextTurn();
  const second = batched(['b']);
  await nextTurn();
  await t.rejects(batched(['c', 'd', 'e', 'f']), { code: 'NSG_LOOKUP', message: /looking up namespace c, d, e, \.\.\., which the cluster view does not hold, was not tried: 2 lookups are already waiting on the API/ });
  t.equal(calls.length, 2, 'no third request reached the API');
  calls[0]?.answer(['a']);
  t.same(names(await first), ['a']);
  const third = batched(['c']);
  await nextTurn();
  t.equal(calls.length, 3);
  calls[1]?.answer([]);
  calls[2]?.answer(['c']);
  t.same(names(await second), []);
  t.same(names(await third), ['c']);
});
