// AdmissionReview bodies shaped as kube-apiserver sends them (admission/v1): `omitempty` fields absent
// (no `name` with generateName), `object: null` on DELETE, `oldObject: null` on CREATE, options per
// operation, userInfo with groups and extra, managedFields on stored objects.

const USER = {
  username: 'jane@example.com',
  uid: 'a1b2c3d4-0000-4000-8000-000000000001',
  groups: ['team-shop', 'system:authenticated'],
  extra: { 'authentication.kubernetes.io/credential-id': ['JTI=0c4e2b8c-8a3e-4c1f-9a56-1f0e2d3c4b5a'] },
};

const NETWORK_POLICY_GVK = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
const NETWORK_POLICY_GVR = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' };

function envelope(request: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}

export function networkPolicy(options: { ports?: number[]; resourceVersion?: string; annotations?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    metadata: {
      name: 'allow-web',
      namespace: 'shop-prod',
      uid: '6f1c1d7e-2b7a-4f55-9a0e-3e2f8d7c6b5a',
      resourceVersion: options.resourceVersion ?? '48213',
      generation: 3,
      creationTimestamp: '2026-01-10T09:00:00Z',
      annotations: options.annotations ?? {},
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'networking.k8s.io/v1',
          time: '2026-01-10T09:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:ingress': {}, 'f:podSelector': {}, 'f:policyTypes': {} } },
        },
      ],
    },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: (options.ports ?? [8080]).map((port) => ({ protocol: 'TCP', port })) }],
    },
  };
}

export function policyUpdate(uid = '705ab4f5-6393-11e8-b7cc-42010a800002'): Record<string, unknown> {
  return envelope({
    uid,
    kind: NETWORK_POLICY_GVK,
    resource: NETWORK_POLICY_GVR,
    requestKind: NETWORK_POLICY_GVK,
    requestResource: NETWORK_POLICY_GVR,
    name: 'allow-web',
    namespace: 'shop-prod',
    operation: 'UPDATE',
    userInfo: USER,
    object: networkPolicy({ ports: [8080, 9090], resourceVersion: '48214' }),
    oldObject: networkPolicy(),
    dryRun: false,
    options: { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
  });
}

/** `generateName`: the apiserver sends no `name` (omitempty) and the object has none yet. */
export function policyCreateWithGenerateName(uid = '9c1e4a7b-1111-4c2d-8e3f-000000000002'): Record<string, unknown> {
  const object = networkPolicy();
  const { name: _name, uid: _uid, resourceVersion: _rv, generation: _g, creationTimestamp: _c, managedFields: _m, ...metadata } = object.metadata as Record<string, unknown>;
  return envelope({
    uid,
    kind: NETWORK_POLICY_GVK,
    resource: NETWORK_POLICY_GVR,
    requestKind: NETWORK_POLICY_GVK,
    requestResource: NETWORK_POLICY_GVR,
    namespace: 'shop-prod',
    operation: 'CREATE',
    userInfo: USER,
    object: { ...object, metadata: { ...metadata, generateName: 'allow-' } },
    oldObject: null,
    dryRun: true,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All'], fieldManager: 'kubectl-create' },
  });
}

export function policyDelete(uid = '3d5f7a9b-2222-4c2d-8e3f-000000000003'): Record<string, unknown> {
  return envelope({
    uid,
    kind: NETWORK_POLICY_GVK,
    resource: NETWORK_POLICY_GVR,
    requestKind: NETWORK_POLICY_GVK,
    requestResource: NETWORK_POLICY_GVR,
    name: 'allow-web',
    namespace: 'shop-prod',
    operation: 'DELETE',
    userInfo: USER,
    object: null,
    oldObject: networkPolicy(),
    dryRun: false,
    options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' },
  });
}

/** Namespace CREATE as a mutating webhook sees it: defaulted (metadata.name label), not yet stored. */
export function namespaceCreate(
  name: string,
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
  uid = '1f2e3d4c-3333-4c2d-8e3f-000000000004',
): Record<string, unknown> {
  return envelope({
    uid,
    kind: { group: '', version: 'v1', kind: 'Namespace' },
    resource: { group: '', version: 'v1', resource: 'namespaces' },
    requestKind: { group: '', version: 'v1', kind: 'Namespace' },
    requestResource: { group: '', version: 'v1', resource: 'namespaces' },
    name,
    // The apiserver fills `namespace` with the name for Namespace objects.
    namespace: name,
    operation: 'CREATE',
    userInfo: USER,
    object: {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: {
        name,
        creationTimestamp: null,
        labels: { 'kubernetes.io/metadata.name': name, ...metadata.labels },
        ...(metadata.annotations === undefined ? {} : { annotations: metadata.annotations }),
        managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-01-10T09:00:00Z', fieldsType: 'FieldsV1', fieldsV1: {} }],
      },
      spec: {},
      status: { phase: 'Active' },
    },
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-create', fieldValidation: 'Strict' },
  });
}
