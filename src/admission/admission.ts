// The Admission the webhook serves: validation through the policy core, mutation of Namespace CREATE,
// both against whichever cluster view is current.
import type { ClusterView } from '../policy/cluster-view.ts';
import type { Config } from '../policy/model.ts';
import { envelopeProblem } from './envelope.ts';
import { mutateNamespace } from './mutate-namespace.ts';
import type { Admission } from './types.ts';
import { validateRequest } from './validate.ts';

export interface AdmissionOptions {
  readonly view: () => ClusterView;
  readonly config: Config;
  /** The view has synced: until then decisions would be made against a partial cluster. */
  readonly synced: () => boolean;
}

export function createAdmission(options: AdmissionOptions): Admission {
  return {
    envelopeProblem,
    validate: (request) => validateRequest(request, options.view(), options.config),
    mutate: (request) => mutateNamespace(request, options.config, options.view()),
    ready: options.synced,
  };
}
