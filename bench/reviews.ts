// The AdmissionReviews each load scenario sends, shaped as the apiserver sends them
// (examples/review-create.json), addressed to namespaces generate-cluster.ts always makes.
import { TARGETS } from './generate-cluster.ts';

export interface Scenario {
  readonly name: string;
  readonly path: '/validate' | '/mutate';
  readonly body: string;
  /** What nsguard must answer: a scenario that measured the wrong verdict measured nothing. */
  readonly expect: { readonly allowed: boolean; readonly rule?: string; readonly patched?: boolean };
}

const USER = { username: 'alice@example.com', groups: ['system:authenticated'] };
const NETPOL_KIND = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
const NETPOL_RESOURCE = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' };

type Json = Record<string, unknown>;

function netpol(namespace: string, name: string, spec: Json): Json {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function policyReview(operation: 'CREATE' | 'DELETE', object: Json): string {
  const metadata = object['metadata'] as { name: string; namespace: string };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: NETPOL_KIND,
      resource: NETPOL_RESOURCE,
      name: metadata.name,
      namespace: metadata.namespace,
      operation,
      userInfo: USER,
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'DELETE' ? object : null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'DELETE' ? 'DeleteOptions' : 'CreateOptions' },
    },
  });
}

const webToMysql = netpol(TARGETS.prod, TARGETS.tenantPolicy, {
  podSelector: { matchLabels: { app: 'mysql' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 3306, protocol: 'TCP' }] }],
  policyTypes: ['Ingress'],
});

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'validate-allowed',
    path: '/validate',
    body: policyReview('CREATE', { ...webToMysql, metadata: { name: 'web-to-mysql-2', namespace: TARGETS.prod } }),
    expect: { allowed: true },
  },
  {
    // Egress limited to the namespace, in a namespace with no allow-dns: the web pods lose DNS.
    name: 'validate-denied-dns',
    path: '/validate',
    body: policyReview(
      'CREATE',
      netpol(TARGETS.optedOut, 'web-egress-same-namespace', {
        podSelector: { matchLabels: { app: 'web' } },
        egress: [{ to: [{ podSelector: {} }] }],
        policyTypes: ['Egress'],
      }),
    ),
    expect: { allowed: false, rule: 'dns-egress' },
  },
  {
    // The seeds' example: mysql in prod opened to every namespace that is not prod, test ones included.
    name: 'validate-denied-env',
    path: '/validate',
    body: policyReview(
      'CREATE',
      netpol(TARGETS.prod, 'mysql-from-others', {
        podSelector: { matchLabels: { app: 'mysql' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } }], ports: [{ port: 3306, protocol: 'TCP' }] }],
      }),
    ),
    expect: { allowed: false, rule: 'env-boundary' },
  },
  {
    name: 'mutate-namespace',
    path: '/mutate',
    body: JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: '8d1c2a7e-0b7f-4f36-9a57-1c7e2f1d9b10',
        kind: { group: '', version: 'v1', kind: 'Namespace' },
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        name: 'checkout-prod',
        operation: 'CREATE',
        userInfo: USER,
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'checkout-prod', labels: { team: 'checkout' } } },
        oldObject: null,
        dryRun: false,
        options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      },
    }),
    expect: { allowed: true, patched: true },
  },
  {
    name: 'validate-delete',
    path: '/validate',
    body: policyReview('DELETE', webToMysql),
    expect: { allowed: true },
  },
];

/** Checks one answer against the scenario; returns what is wrong, or undefined. */
export function checkAnswer(scenario: Scenario, status: number, text: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 300)}`;
  const response = (JSON.parse(text) as { response?: { allowed?: boolean; patch?: string; status?: { message?: string } } }).response;
  if (response?.allowed !== scenario.expect.allowed) return `allowed=${String(response?.allowed)}, expected ${String(scenario.expect.allowed)}: ${text.slice(0, 300)}`;
  if (scenario.expect.rule !== undefined && !(response.status?.message ?? '').includes(`[${scenario.expect.rule}]`)) return `no [${scenario.expect.rule}] in ${text.slice(0, 300)}`;
  if (scenario.expect.patched === true && response.patch === undefined) return `no patch in ${text.slice(0, 300)}`;
  return undefined;
}
