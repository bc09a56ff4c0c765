// Objects are judged in file order, as kubectl apply sends them, so a default deny placed before its DNS
// policy is denied. When a later NetworkPolicy of the same run would have kept DNS had it come first, the
// denial says so: the fix is then to reorder the file, not to rewrite a policy.
import type { AdmissionRequest } from '../admission/types.ts';
import { validateRequest } from '../admission/validate.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import { NsguardError } from '../errors.ts';
import type { Decision } from '../policy/checks/decision.ts';
import type { Config, Policy } from '../policy/objects/model.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';
import type { LocatedObject } from './inputs.ts';

/**
 * Later policies tried per denial, nearest first: each try is a whole judgement, and a file of many
 * egress policies in one namespace would otherwise cost the square of their number.
 */
export const ORDER_NOTE_TRIES = 16;

/** The run's objects, the index of the one judged, and the namespace of objects that name none. */
export interface RunOrder {
  readonly objects: readonly LocatedObject[];
  readonly after: number;
  readonly defaultNamespace: string;
}

/**
 * `decision` with a note on its `dns-egress` violations naming the first later NetworkPolicy of the same
 * namespace (among the next ORDER_NOTE_TRIES with egress rules) that, applied before the denied one,
 * leaves no `dns-egress` violation. The state is put back
 * as it was after each try.
 */
export function withOrderNote(request: AdmissionRequest, decision: Decision, { objects, after, defaultNamespace }: RunOrder, state: ClusterState, config: Config): Decision {
  const namespace = request.namespace;
  if (decision.allowed || request.kind.group !== 'networking.k8s.io' || request.operation === 'DELETE' || namespace === undefined) return decision;
  if (!decision.violations.some((v) => v.rule === 'dns-egress')) return decision;
  let tries = 0;
  for (const raw of objects.slice(after + 1)) {
    const policy = egressPolicy(raw, defaultNamespace);
    if (policy === undefined || policy.namespace !== namespace || policy.name === request.name) continue;
    if (++tries > ORDER_NOTE_TRIES) break;
    const previous = state.policies(namespace).find((p) => p.name === policy.name);
    state.upsertPolicy(policy);
    let fixed: boolean;
    try {
      fixed = !validateRequest(request, state, config).decision.violations.some((v) => v.rule === 'dns-egress');
    } finally {
      if (previous === undefined) state.deletePolicy(namespace, policy.name);
      else state.upsertPolicy(previous);
    }
    if (!fixed) continue;
    const note = `. NetworkPolicy ${namespace}/${policy.name}, later in ${raw.where}, would have kept DNS had it come first: kubectl apply sends objects in file order, so move it before this one`;
    return { ...decision, violations: decision.violations.map((v) => (v.rule === 'dns-egress' ? { ...v, message: `${v.message}${note}` } : v)) };
  }
  return decision;
}

/** A NetworkPolicy with egress rules, as the webhook would store it; a broken one is left to its own turn. */
function egressPolicy(raw: LocatedObject, defaultNamespace: string): Policy | undefined {
  if (raw.object['apiVersion'] !== 'networking.k8s.io/v1' || raw.object['kind'] !== 'NetworkPolicy') return undefined;
  const metadata = (raw.object['metadata'] ?? {}) as Record<string, unknown>;
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : defaultNamespace;
  try {
    const policy = parseNetworkPolicy({ ...raw.object, metadata: { ...metadata, namespace } }, raw.where);
    return policy.egress.length > 0 ? policy : undefined;
  } catch (error) {
    if (error instanceof NsguardError) return undefined;
    throw error;
  }
}
