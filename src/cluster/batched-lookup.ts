// Namespace lookups asked in one turn of the event loop, made as one. A burst of reviews naming namespaces
// the view does not hold yet (a tenant's script, a watch running behind) then costs the API one list per
// turn, not one per review. Only lookups asked in the same turn are joined: a read already under way began
// before a later review arrived, and could miss a namespace created in between. Batches in flight are
// capped: past the cap a review is refused at once (a retryable error) instead of opening yet another
// request to an apiserver that is already slow to answer.
import { NsguardError } from '../errors.ts';
import type { Namespace } from '../policy/objects/model.ts';
import type { NamespaceLookup } from './namespace-lookup.ts';

/** Each waits at most the lookup's timeout (1 s), so this many at once is already an API in trouble. */
export const MAX_LOOKUPS_IN_FLIGHT = 8;

export function batchedLookup(lookup: NamespaceLookup, { maxInFlight = MAX_LOOKUPS_IN_FLIGHT }: { readonly maxInFlight?: number } = {}): NamespaceLookup {
  let batch: { readonly names: Set<string>; readonly result: Promise<readonly Namespace[]> } | undefined;
  let inFlight = 0;
  return (names) => {
    if (batch === undefined) {
      if (inFlight >= maxInFlight) {
        return Promise.reject(new NsguardError('NSG_LOOKUP', `looking up namespace ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}, which the cluster view does not hold, was not tried: ${maxInFlight} lookups are already waiting on the API`));
      }
      const joined = new Set<string>();
      inFlight++;
      // setImmediate runs after the poll phase: every review whose bytes arrived in this turn has asked by then.
      const result = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => {
          batch = undefined;
          return lookup([...joined]);
        })
        .finally(() => {
          inFlight--;
        });
      batch = { names: joined, result };
    }
    for (const name of names) batch.names.add(name);
    const wanted = new Set(names);
    return batch.result.then((found) => found.filter((namespace) => wanted.has(namespace.name)));
  };
}
