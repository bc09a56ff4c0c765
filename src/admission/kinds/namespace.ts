// core/v1 Namespace: validated on CREATE and label or annotation UPDATEs, mutated on CREATE (the
// isolation defaults, mutate-namespace.ts); a DELETE is never judged (the core allows it).
import { NsguardError } from '../../errors.ts';
import type { NamespaceChange } from '../../policy/objects/change.ts';
import type { ClusterView } from '../../policy/objects/cluster-view.ts';
import type { Namespace } from '../../policy/objects/model.ts';
import { parseNamespace } from '../../policy/objects/parse-namespace.ts';
import { WRITES, type KindHandler } from '../kind-handler.ts';
import { mutateNamespace, parentNamed } from '../mutate-namespace.ts';
import { completed, oldObjectOf } from '../object-identity.ts';
import type { AdmissionRequest } from '../types.ts';

export const NAMESPACE: KindHandler = {
  kind: { group: '', version: 'v1', kind: 'Namespace' },
  resource: 'namespaces',
  namespaced: false,
  paths: ['validate', 'mutate'],
  operations: WRITES,
  change(request, view): NamespaceChange {
    const { operation } = request;
    switch (operation) {
      case 'CREATE':
        return namespaceChange(request, operation, undefined, after(request));
      case 'UPDATE':
        return namespaceChange(request, operation, before(request, view), after(request));
      case 'DELETE':
        return namespaceChange(request, operation, before(request, view), undefined);
      case 'CONNECT':
        throw new NsguardError('NSG_UNSUPPORTED_KIND', 'nsguard does not judge CONNECT: a Namespace has no subresource to connect to');
      default: {
        const never: never = operation;
        throw new Error(`unknown operation ${String(never)}`);
      }
    }
  },
  mutate: (request, config, view) => mutateNamespace(request, config, view),
  mutationReads(request) {
    const parent = parentNamed(request);
    return parent === undefined ? [] : [parent];
  },
};

function after(request: AdmissionRequest): Namespace {
  return parseNamespace(completed(request.object, request), 'admission object');
}

function before(request: AdmissionRequest, view: ClusterView): Namespace | undefined {
  const old = oldObjectOf(request);
  return old === undefined ? view.namespace(request.name) : parseNamespace(old, 'admission oldObject');
}

function namespaceChange(request: AdmissionRequest, operation: NamespaceChange['operation'], before: Namespace | undefined, after: Namespace | undefined): NamespaceChange {
  return { kind: 'Namespace', operation, name: after?.name ?? before?.name ?? request.name, before, after };
}
