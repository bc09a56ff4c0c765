// networking.k8s.io/v1 NetworkPolicy: validated on every write; never mutated.
import { NsguardError } from '../../errors.ts';
import type { PolicyChange } from '../../policy/objects/change.ts';
import type { ClusterView } from '../../policy/objects/cluster-view.ts';
import type { Policy } from '../../policy/objects/model.ts';
import { parseNetworkPolicy } from '../../policy/objects/parse-network-policy.ts';
import { WRITES, type KindHandler } from '../kind-handler.ts';
import { completed, oldObjectOf } from '../object-identity.ts';
import type { AdmissionRequest } from '../types.ts';

export const NETWORK_POLICY: KindHandler = {
  kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
  resource: 'networkpolicies',
  namespaced: true,
  paths: ['validate'],
  operations: WRITES,
  change(request, view): PolicyChange {
    const namespace = request.namespace ?? '';
    const { operation } = request;
    switch (operation) {
      case 'CREATE':
        return policyChange(request, operation, undefined, after(request));
      case 'UPDATE':
        return policyChange(request, operation, before(request, namespace, view), after(request));
      case 'DELETE':
        return policyChange(request, operation, before(request, namespace, view), undefined);
      case 'CONNECT':
        // A NetworkPolicy has no connect subresource: never an allow for what cannot be judged.
        throw new NsguardError('NSG_UNSUPPORTED_KIND', 'nsguard does not judge CONNECT: a NetworkPolicy has no subresource to connect to');
      default: {
        const never: never = operation;
        throw new Error(`unknown operation ${String(never)}`);
      }
    }
  },
};

function after(request: AdmissionRequest): Policy {
  return parseNetworkPolicy(completed(request.object, request), 'admission object');
}

/** The apiserver sends the stored object as oldObject; the cache stands in if it does not. */
function before(request: AdmissionRequest, namespace: string, view: ClusterView): Policy | undefined {
  const old = oldObjectOf(request);
  return old === undefined ? view.policies(namespace).find((p) => p.name === request.name) : parseNetworkPolicy(old, 'admission oldObject');
}

function policyChange(request: AdmissionRequest, operation: PolicyChange['operation'], before: Policy | undefined, after: Policy | undefined): PolicyChange {
  return { kind: 'NetworkPolicy', operation, namespace: request.namespace ?? '', name: after?.name ?? before?.name ?? request.name, before, after };
}
