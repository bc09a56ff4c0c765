// What a validating admission request means: the admitted objects become a core Change, judged
// against the cluster view. The webhook and `nsguard check` both come through here.
import { NsguardError } from '../errors.ts';
import type { Change, Requester } from '../policy/objects/change.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import { judge } from '../policy/checks/judge.ts';
import type { Config } from '../policy/objects/model.ts';
import { handlerFor } from './registry.ts';
import type { AdmissionRequest, ValidationOutcome } from './types.ts';

export function validateRequest(request: AdmissionRequest, view: ClusterView, config: Config): ValidationOutcome {
  return judgeRequest(request, requestedChange(request, view), view, config);
}

/** The change a review asks for, read by the handler of its kind. */
export function requestedChange(request: AdmissionRequest, view: ClusterView): Change {
  const handler = handlerFor(request.kind);
  if (handler === undefined) {
    throw new NsguardError(
      'NSG_UNSUPPORTED_KIND',
      `nsguard does not judge ${request.kind.group === '' ? 'core' : request.kind.group}/${request.kind.version} ${request.kind.kind}: the webhook configuration sends it a kind it has no rules for`,
    );
  }
  return handler.change(request, view);
}

export function judgeRequest(request: AdmissionRequest, change: Change, view: ClusterView, config: Config): ValidationOutcome {
  const requester: Requester = { username: request.userInfo.username, groups: request.userInfo.groups ?? [] };
  return {
    decision: judge(change, requester, view, config),
    namespace: change.kind === 'Namespace' ? change.name : change.namespace,
    name: change.name,
  };
}
