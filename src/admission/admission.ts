// The Admission the webhook serves: validation through the policy core, mutation of Namespace CREATE,
// both against whichever cluster view is current. Validation refuses to judge while the view is not
// ready (before its first sync, or out of sync for too long): a throw is a retryable error, never an allow.
import { NsguardError } from '../errors.ts';
import type { ClusterView } from '../policy/cluster-view.ts';
import type { Config } from '../policy/model.ts';
import { envelopeProblem } from './envelope.ts';
import { mutateNamespace } from './mutate-namespace.ts';
import type { Admission } from './types.ts';
import { validateRequest } from './validate.ts';

export interface AdmissionOptions {
  readonly view: () => ClusterView;
  readonly config: Config;
  /** Why the view does not hold real state now (before its first sync, out of sync for too long), or undefined. */
  readonly unready: () => string | undefined;
}

export function createAdmission(options: AdmissionOptions): Admission {
  return {
    envelopeProblem,
    validate: (request) => {
      const unready = options.unready();
      if (unready !== undefined) throw new NsguardError('NSG_NOT_SYNCED', `nsguard's view of the cluster is not ready (${unready}); it judges nothing until it is`);
      return validateRequest(request, options.view(), options.config);
    },
    mutate: (request) => mutateNamespace(request, options.config, options.view()),
    ready: () => options.unready() === undefined,
  };
}
