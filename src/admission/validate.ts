// What a validating admission request means: the admitted objects become a core Change, judged
// against the cluster view. The webhook and `nsguard check` both come through here.
import { NsguardError } from '../errors.ts';
import type { Change, Operation, Requester } from '../policy/objects/change.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import { judge } from '../policy/checks/judge.ts';
import type { Config } from '../policy/objects/model.ts';
import { parseNamespace } from '../policy/objects/parse-namespace.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';
import type { AdmissionRequest, ValidationOutcome } from './types.ts';

export function validateRequest(request: AdmissionRequest, view: ClusterView, config: Config): ValidationOutcome {
  return judgeRequest(request, requestedChange(request, view), view, config);
}

/** The change a review asks for; the view stands in for an old object the review lacks. */
export function requestedChange(request: AdmissionRequest, view: ClusterView): Change {
  if (request.operation === 'CONNECT') {
    // No resource nsguard judges has a CONNECT subresource: never an allow for what cannot be judged.
    throw new NsguardError('NSG_UNSUPPORTED_KIND', `nsguard does not judge CONNECT: no kind it serves has a subresource to connect to`);
  }
  return toChange(request, request.operation, view);
}

export function judgeRequest(request: AdmissionRequest, change: Change, view: ClusterView, config: Config): ValidationOutcome {
  const requester: Requester = { username: request.userInfo.username, groups: request.userInfo.groups ?? [] };
  return {
    decision: judge(change, requester, view, config),
    namespace: change.kind === 'NetworkPolicy' ? change.namespace : change.name,
    name: change.name,
  };
}

function toChange(request: AdmissionRequest, operation: Operation, view: ClusterView): Change {
  const { group, kind } = request.kind;
  if (group === 'networking.k8s.io' && kind === 'NetworkPolicy') {
    const namespace = request.namespace ?? '';
    const after = operation === 'DELETE' ? undefined : parseNetworkPolicy(completed(request.object, request), 'admission object');
    // On DELETE the apiserver sends the stored object as oldObject; the cache stands in if it does not.
    const before =
      operation === 'CREATE'
        ? undefined
        : request.oldObject !== null && request.oldObject !== undefined
          ? parseNetworkPolicy(completed(request.oldObject, request), 'admission oldObject')
          : view.policies(namespace).find((p) => p.name === request.name);
    const name = after?.name ?? before?.name ?? request.name;
    return { kind: 'NetworkPolicy', operation, namespace, name, before, after };
  }
  if (group === '' && kind === 'Namespace') {
    const after = operation === 'DELETE' ? undefined : parseNamespace(completed(request.object, request), 'admission object');
    const before =
      operation === 'CREATE'
        ? undefined
        : request.oldObject !== null && request.oldObject !== undefined
          ? parseNamespace(completed(request.oldObject, request), 'admission oldObject')
          : view.namespace(request.name);
    return { kind: 'Namespace', operation, name: after?.name ?? before?.name ?? request.name, before, after };
  }
  throw new NsguardError(
    'NSG_UNSUPPORTED_KIND',
    `nsguard does not judge ${group === '' ? 'core' : group}/${request.kind.version} ${kind}: the webhook configuration sends it a kind it has no rules for`,
  );
}

/**
 * The object as admission shows it may lack what the apiserver fills in later: a name when the client
 * used generateName, and (in some paths) the namespace, which the request carries.
 */
function completed(raw: unknown, request: AdmissionRequest): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const object = raw as Record<string, unknown>;
  const metadata = typeof object['metadata'] === 'object' && object['metadata'] !== null ? (object['metadata'] as Record<string, unknown>) : {};
  const name = typeof metadata['name'] === 'string' && metadata['name'] !== '' ? metadata['name'] : generatedName(metadata, request);
  const namespace = metadata['namespace'] ?? request.namespace;
  return { ...object, metadata: { ...metadata, name, ...(namespace === undefined ? {} : { namespace }) } };
}

function generatedName(metadata: Record<string, unknown>, request: AdmissionRequest): string {
  const prefix = typeof metadata['generateName'] === 'string' ? metadata['generateName'] : '';
  // The suffix is chosen after admission; a placeholder keeps the name readable in messages.
  return request.name !== '' ? request.name : `${prefix}<generated>`;
}
