// The Admission the webhook serves: validation through the policy core, mutation by the handler of the
// review's kind (registry.ts), both against whichever cluster view is current. Validation refuses to judge while the view is not
// ready (before its first sync, or out of sync for too long): a throw is a retryable error, never an
// allow. With a lookup (live mode), the namespaces a request names that the view does not hold are read
// from the API first; only then is the answer a promise, so the common path stays synchronous.
import type { NamespaceLookup } from '../cluster/namespace-lookup.ts';
import { NsguardError } from '../errors.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config } from '../policy/objects/model.ts';
import { namespacesNamed } from '../policy/checks/named-namespaces.ts';
import { withNamespaces } from '../policy/netpol/namespace-overlay.ts';
import { envelopeProblem } from './envelope.ts';
import { handlerFor } from './registry.ts';
import type { Admission, MutationOutcome } from './types.ts';
import { judgeRequest, requestedChange } from './validate.ts';

const NOTHING: MutationOutcome = { patch: [], warnings: [] };

export interface AdmissionOptions {
  readonly view: () => ClusterView;
  /** The configuration now: `nsguard serve` re-reads a changed --config file. */
  readonly config: () => Config;
  /** Why the view does not hold real state now (before its first sync, out of sync for too long), or undefined. */
  readonly unready: () => string | undefined;
  /** Live mode only: a state file holds everything there is, so nothing is looked up. */
  readonly lookup?: NamespaceLookup;
}

export function createAdmission(options: AdmissionOptions): Admission {
  /** `answer` against the view, once the `named` namespaces it lacks have been looked up and added. */
  const { lookup } = options;
  const withLookedUp = <T>(view: ClusterView, named: () => readonly string[], answer: (view: ClusterView) => T): T | Promise<T> => {
    const missing = lookup === undefined ? [] : named().filter((name) => view.namespace(name) === undefined);
    if (lookup === undefined || missing.length === 0) return answer(view);
    return lookup(missing).then((found) => answer(withNamespaces(view, found)));
  };
  return {
    envelopeProblem,
    validate: (request) => {
      const unready = options.unready();
      if (unready !== undefined) throw new NsguardError('NSG_NOT_SYNCED', `nsguard's view of the cluster is not ready (${unready}); it judges nothing until it is`);
      const view = options.view();
      const change = requestedChange(request, view);
      return withLookedUp(view, () => namespacesNamed(change), (complete) => judgeRequest(request, change, complete, options.config()));
    },
    mutate: (request) => {
      const handler = handlerFor(request.kind);
      // The envelope check lets only kinds served at /mutate through; others have nothing to patch.
      if (handler?.mutate === undefined) return NOTHING;
      const { mutate } = handler;
      return withLookedUp(options.view(), () => handler.mutationReads?.(request) ?? [], (complete) => mutate(request, options.config(), complete));
    },
    ready: () => options.unready() === undefined,
  };
}
