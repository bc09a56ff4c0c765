// AdmissionReviews of Calico policy writes as each install mode sends them:
// - the Calico API server (aggregated projectcalico.org/v3): it runs webhook admission itself, on the
//   user's request, after its strategy may have given the object its tier-prefixed name;
// - native v3 CRDs (Calico 3.32 and later): the kube-apiserver sends the v3 object as the user wrote it;
// - calicoctl on the CRDs: crd.projectcalico.org/v1 with the stored, tier-prefixed name;
// - the Calico API server's backend write: the same CRD form under its own service account, the v3
//   metadata kept in the projectcalico.org/metadata annotation.

const USER = { username: 'jane@example.com', uid: 'a1b2c3d4-0000-4000-8000-000000000001', groups: ['team-shop', 'system:authenticated'] };
const CALICO_APISERVER = { username: 'system:serviceaccount:calico-apiserver:calico-apiserver', uid: 'b7c8d9e0-0000-4000-8000-000000000002', groups: ['system:serviceaccounts', 'system:serviceaccounts:calico-apiserver', 'system:authenticated'] };

/** Issue 15's system policy: UDP 53 to kube-dns only. */
const DNS_SPEC = {
  namespaceSelector: '!has(kubernetes.io/metadata.name) || kubernetes.io/metadata.name not in {"kube-system"}',
  egress: [{ action: 'Allow', protocol: 'UDP', destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } }],
};

const ISOLATION_SPEC = { ingress: [{ action: 'Allow', source: { selector: 'all()' } }], egress: [{ action: 'Allow', destination: { selector: 'all()' } }] };

function review(uid: string, request: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request: { uid, ...request } };
}

function create(group: 'projectcalico.org' | 'crd.projectcalico.org', kind: string, resource: string, name: string, object: Record<string, unknown>, userInfo: object, namespace?: string): Record<string, unknown> {
  const version = group === 'projectcalico.org' ? 'v3' : 'v1';
  return {
    kind: { group, version, kind },
    resource: { group, version, resource },
    requestKind: { group, version, kind },
    requestResource: { group, version, resource },
    name,
    ...(namespace === undefined ? {} : { namespace }),
    operation: 'CREATE',
    userInfo,
    object,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
  };
}

/** Aggregated API server: request.name as the client sent it, the object already tier-prefixed. */
export const aggregatedGlobalPolicy = review(
  '11111111-0000-4000-8000-000000000001',
  create(
    'projectcalico.org',
    'GlobalNetworkPolicy',
    'globalnetworkpolicies',
    'allow-dns-and-system',
    {
      kind: 'GlobalNetworkPolicy',
      apiVersion: 'projectcalico.org/v3',
      metadata: { name: 'default.allow-dns-and-system', uid: '2c0c3f2e-1d1a-4b3c-8d7e-6f5a4b3c2d1e', creationTimestamp: '2026-03-01T10:00:00Z' },
      spec: { tier: 'default', ...DNS_SPEC, types: ['Egress'] },
    },
    USER,
  ),
);

/** Native v3 CRDs: the kube-apiserver, the object as written. */
export const nativeNamespacedPolicy = review(
  '11111111-0000-4000-8000-000000000002',
  create(
    'projectcalico.org',
    'NetworkPolicy',
    'networkpolicies',
    'namespace-isolation',
    { kind: 'NetworkPolicy', apiVersion: 'projectcalico.org/v3', metadata: { name: 'namespace-isolation', namespace: 'app-ns', creationTimestamp: null }, spec: ISOLATION_SPEC },
    USER,
    'app-ns',
  ),
);

/** calicoctl writing the CRD directly. */
export const calicoctlGlobalPolicy = review(
  '11111111-0000-4000-8000-000000000003',
  create(
    'crd.projectcalico.org',
    'GlobalNetworkPolicy',
    'globalnetworkpolicies',
    'default.allow-dns-and-system',
    { kind: 'GlobalNetworkPolicy', apiVersion: 'crd.projectcalico.org/v1', metadata: { name: 'default.allow-dns-and-system' }, spec: { tier: 'default', ...DNS_SPEC } },
    USER,
  ),
);

/** The Calico API server storing what it admitted: its own service account, its metadata annotation. */
export const backendGlobalPolicy = review(
  '11111111-0000-4000-8000-000000000004',
  create(
    'crd.projectcalico.org',
    'GlobalNetworkPolicy',
    'globalnetworkpolicies',
    'default.allow-dns-and-system',
    {
      kind: 'GlobalNetworkPolicy',
      apiVersion: 'crd.projectcalico.org/v1',
      metadata: {
        name: 'default.allow-dns-and-system',
        annotations: { 'projectcalico.org/metadata': '{"name":"allow-dns-and-system","uid":"2c0c3f2e-1d1a-4b3c-8d7e-6f5a4b3c2d1e","creationTimestamp":"2026-03-01T10:00:00Z"}' },
      },
      spec: { tier: 'default', ...DNS_SPEC, types: ['Egress'] },
    },
    CALICO_APISERVER,
  ),
);

/** A v3 policy written with Kubernetes fields, as published examples often have it. */
export const kubernetesFieldsPolicy = review(
  '11111111-0000-4000-8000-000000000005',
  create(
    'projectcalico.org',
    'NetworkPolicy',
    'networkpolicies',
    'from-web',
    { kind: 'NetworkPolicy', apiVersion: 'projectcalico.org/v3', metadata: { name: 'from-web', namespace: 'app-ns' }, spec: { ingress: [{ action: 'Allow', from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] } },
    USER,
    'app-ns',
  ),
);
