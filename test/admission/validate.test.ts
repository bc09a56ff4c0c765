// What an admission request means: the objects as the apiserver sends them become a judged change.
import t from 'tap';
import type { AdmissionRequest } from '../../src/admission/types.ts';
import { validateRequest } from '../../src/admission/validate.ts';
import { configWith, exampleCluster } from '../support/cluster.ts';

const POLICY = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
const NAMESPACE = { group: '', version: 'v1', kind: 'Namespace' };
const USER = { username: 'alice@example.com', groups: ['system:authenticated'] };

function request(fields: Partial<AdmissionRequest> & Pick<AdmissionRequest, 'kind' | 'operation'>): AdmissionRequest {
  return {
    uid: 'u1',
    resource: { group: fields.kind.group, version: 'v1', resource: fields.kind.kind === 'Namespace' ? 'namespaces' : 'networkpolicies' },
    name: '',
    userInfo: USER,
    object: null,
    oldObject: null,
    ...fields,
  };
}

const denyEgress = (metadata: Record<string, unknown>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata,
  spec: { podSelector: {}, policyTypes: ['Egress'] },
});

t.test('a CREATE with generateName is judged, with the unknown suffix shown as <generated>', async (t) => {
  const outcome = validateRequest(
    request({ kind: POLICY, operation: 'CREATE', namespace: 'apps', object: denyEgress({ generateName: 'deny-', namespace: 'apps' }) }),
    exampleCluster(),
    configWith(),
  );
  t.equal(outcome.decision.verdict, 'denied');
  t.match(outcome.decision.violations[0]?.message, /^creating NetworkPolicy apps\/deny-<generated> cuts DNS for/);
  t.equal(outcome.name, 'deny-<generated>');
});

t.test('the namespace of the request fills an object that lacks one', async (t) => {
  const outcome = validateRequest(request({ kind: POLICY, operation: 'CREATE', name: 'deny', namespace: 'apps', object: denyEgress({ name: 'deny' }) }), exampleCluster(), configWith());
  t.equal(outcome.namespace, 'apps');
  t.equal(outcome.decision.verdict, 'denied');
});

t.test('a DELETE without oldObject judges the policy the cluster view holds', async (t) => {
  // As an admin, so the DNS check and not tamper protection is what denies it.
  const admin = { username: 'root', groups: ['system:masters'] };
  const outcome = validateRequest(request({ kind: POLICY, operation: 'DELETE', name: 'nsguard-allow-dns', namespace: 'shop-prod', userInfo: admin }), exampleCluster(), configWith());
  t.equal(outcome.decision.verdict, 'denied');
  t.match(outcome.decision.violations[0]?.message, /^deleting NetworkPolicy shop-prod\/nsguard-allow-dns cuts DNS/);
});

t.test('a DELETE in a Terminating namespace always passes, so namespace deletion can finish', async (t) => {
  const state = exampleCluster(`
apiVersion: v1
kind: Namespace
metadata: { name: shop-prod, labels: { env: prod }, deletionTimestamp: '2026-11-23T10:00:00Z' }
status: { phase: Terminating }
`);
  const outcome = validateRequest(request({ kind: POLICY, operation: 'DELETE', name: 'nsguard-allow-dns', namespace: 'shop-prod' }), state, configWith());
  t.equal(outcome.decision.verdict, 'allowed');
});

t.test('Namespace DELETE is not judged; CONNECT, which no served kind has, is an error, never an allow', async (t) => {
  const state = exampleCluster();
  t.equal(validateRequest(request({ kind: NAMESPACE, operation: 'DELETE', name: 'shop-prod' }), state, configWith()).decision.verdict, 'allowed');
  t.throws(() => validateRequest(request({ kind: POLICY, operation: 'CONNECT', namespace: 'shop-prod', name: 'x' }), state, configWith()), {
    code: 'NSG_UNSUPPORTED_KIND',
  });
});

t.test('a kind nsguard has no rules for is an error, never an allow', async (t) => {
  t.throws(
    () => validateRequest(request({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', namespace: 'shop-prod', name: 'web' }), exampleCluster(), configWith()),
    { code: 'NSG_UNSUPPORTED_KIND', message: /nsguard does not judge apps\/v1 Deployment/ },
  );
});
