// Calico policy changes for the check tables, from flow YAML as a user writes the objects.
import { parse } from 'yaml';
import type { ClusterState } from '../../src/cluster/cluster-state.ts';
import { enforcedKind, isStagedKind } from '../../src/policy/calico/calico-kinds.ts';
import type { CalicoPolicy } from '../../src/policy/calico/model.ts';
import type { CalicoPolicyKind } from '../../src/policy/calico/parse-calico-policy.ts';
import { parseCalicoPolicy } from '../../src/policy/calico/parse-calico-policy.ts';
import type { CalicoPolicyChange, Operation } from '../../src/policy/objects/change.ts';

export function calicoPolicy(text: string): { readonly kind: CalicoPolicyKind; readonly policy: CalicoPolicy } {
  const raw = parse(text) as { kind: CalicoPolicyKind };
  return { kind: raw.kind, policy: parseCalicoPolicy(raw, raw.kind, 'test') };
}

function change(operation: Operation, kind: CalicoPolicyKind, before: CalicoPolicy | undefined, after: CalicoPolicy | undefined): CalicoPolicyChange {
  const policy = (after ?? before) as CalicoPolicy;
  return {
    kind: 'CalicoPolicy',
    operation,
    policyKind: kind,
    group: 'v3',
    staged: isStagedKind(kind),
    namespace: policy.kind === 'NetworkPolicy' ? policy.namespace : undefined,
    name: policy.name,
    backendName: policy.backendName,
    before,
    after,
  };
}

export function calicoCreate(text: string): CalicoPolicyChange {
  const { kind, policy } = calicoPolicy(text);
  return change('CREATE', kind, undefined, policy);
}

/** The policy of the same kind and name in the state, replaced by `text`. */
export function calicoUpdate(state: ClusterState, text: string): CalicoPolicyChange {
  const { kind, policy } = calicoPolicy(text);
  return change('UPDATE', kind, held(state, kind, policy), policy);
}

export function calicoDelete(state: ClusterState, text: string): CalicoPolicyChange {
  const { kind, policy } = calicoPolicy(text);
  return change('DELETE', kind, held(state, kind, policy), undefined);
}

function held(state: ClusterState, kind: CalicoPolicyKind, policy: CalicoPolicy): CalicoPolicy {
  const calico = state.calico();
  const namespace = policy.kind === 'NetworkPolicy' ? policy.namespace : undefined;
  const list = isStagedKind(kind) ? calico?.staged(namespace) : namespace === undefined ? calico?.global : calico?.namespaced(namespace);
  const found = list?.find((p) => p.backendName === policy.backendName && p.kind === enforcedKind(kind));
  if (found === undefined) throw new Error(`no ${kind} ${policy.name} in the fixture`);
  return found;
}
