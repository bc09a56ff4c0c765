// Calico NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy and StagedGlobalNetworkPolicy, in both of
// Calico's API groups: projectcalico.org/v3 (sent by the Calico API server, which runs admission webhooks
// itself, or by the kube-apiserver where v3 is served by CRDs) and crd.projectcalico.org/v1 (calicoctl
// writing the CRDs, and the Calico API server storing what it admitted: judge() lets the latter through).
// Validated on every write; never mutated. Tiers are read, not judged (docs/install.md says why).
import { NsguardError } from '../../errors.ts';
import { CALICO_RESOURCES, enforcedKind, isStagedKind } from '../../policy/calico/calico-kinds.ts';
import type { CalicoPolicy } from '../../policy/calico/model.ts';
import type { CalicoApiGroup } from '../../policy/calico/parse-calico-head.ts';
import type { CalicoPolicyKind } from '../../policy/calico/parse-calico-policy.ts';
import { CALICO_POLICY_KINDS, parseCalicoPolicy } from '../../policy/calico/parse-calico-policy.ts';
import { backendPolicyName, clientPolicyName } from '../../policy/calico/policy-names.ts';
import type { CalicoPolicyChange } from '../../policy/objects/change.ts';
import type { ClusterView } from '../../policy/objects/cluster-view.ts';
import { WRITES, type KindHandler } from '../kind-handler.ts';
import { completed, oldObjectOf } from '../object-identity.ts';
import type { AdmissionRequest } from '../types.ts';

const GROUPS: Readonly<Record<CalicoApiGroup, { readonly group: string; readonly version: string }>> = {
  v3: { group: 'projectcalico.org', version: 'v3' },
  crd: { group: 'crd.projectcalico.org', version: 'v1' },
};

/**
 * One name, two spellings: the v3 name (`allow-dns`) and the stored, tier-prefixed one (`default.allow-dns`).
 * The Calico API server may give the object its stored name before its webhooks run, while the request
 * keeps the name the client sent.
 */
function sameCalicoName(requested: string, stored: string): boolean {
  return backendPolicyName(requested) === backendPolicyName(stored);
}

function calicoPolicyHandler(apiGroup: CalicoApiGroup, policyKind: CalicoPolicyKind): KindHandler {
  const namespaced = enforcedKind(policyKind) === 'NetworkPolicy';
  return {
    kind: { ...GROUPS[apiGroup], kind: policyKind },
    resource: CALICO_RESOURCES[policyKind],
    namespaced,
    paths: ['validate'],
    operations: WRITES,
    sameName: sameCalicoName,
    change(request, view): CalicoPolicyChange {
      const { operation } = request;
      const read = (raw: unknown, where: string): CalicoPolicy => parseCalicoPolicy(completed(raw, request), policyKind, where);
      const before = (): CalicoPolicy | undefined => {
        const old = oldObjectOf(request);
        return old === undefined ? held(view, policyKind, request) : read(old, 'admission oldObject');
      };
      const change = (b: CalicoPolicy | undefined, a: CalicoPolicy | undefined): CalicoPolicyChange => {
        const policy = a ?? b;
        return {
          kind: 'CalicoPolicy',
          operation: operation as CalicoPolicyChange['operation'],
          policyKind,
          group: apiGroup,
          staged: isStagedKind(policyKind),
          namespace: namespaced ? (request.namespace ?? '') : undefined,
          // As the client named it in v3 (the Calico API server may have prefixed the object's name with
          // its tier); a CRD's v3 name is the parser's reading of its stored name.
          name: apiGroup === 'v3' && request.name !== '' ? request.name : (policy?.name ?? clientPolicyName(request.name)),
          backendName: policy?.backendName ?? backendPolicyName(request.name),
          before: b,
          after: a,
        };
      };
      switch (operation) {
        case 'CREATE':
          return change(undefined, read(request.object, 'admission object'));
        case 'UPDATE':
          return change(before(), read(request.object, 'admission object'));
        case 'DELETE':
          return change(before(), undefined);
        case 'CONNECT':
          throw new NsguardError('NSG_UNSUPPORTED_KIND', `nsguard does not judge CONNECT: a Calico ${policyKind} has no subresource to connect to`);
        default: {
          const never: never = operation;
          throw new Error(`unknown operation ${String(never)}`);
        }
      }
    },
  };
}

/** The cluster's copy when the review carries no old object. */
function held(view: ClusterView, policyKind: CalicoPolicyKind, request: AdmissionRequest): CalicoPolicy | undefined {
  const calico = view.calico();
  if (calico === undefined) return undefined;
  const namespace = enforcedKind(policyKind) === 'NetworkPolicy' ? (request.namespace ?? '') : undefined;
  const list = isStagedKind(policyKind) ? calico.staged(namespace) : namespace === undefined ? calico.global : calico.namespaced(namespace);
  const name = backendPolicyName(request.name);
  return list.find((p) => p.backendName === name && p.kind === enforcedKind(policyKind));
}

export const CALICO_POLICY_HANDLERS: readonly KindHandler[] = (['v3', 'crd'] as const).flatMap((group) => CALICO_POLICY_KINDS.map((kind) => calicoPolicyHandler(group, kind)));
