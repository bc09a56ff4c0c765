import jsonpatch from 'fast-json-patch';
import t from 'tap';
import { mutateNamespace } from '../../src/admission/mutate-namespace.ts';
import type { NamespaceDefaults } from '../../src/policy/generate/namespace-defaults.ts';
import { auditLines, startServer } from './harness.ts';
import { namespaceCreate } from './reviews.ts';

/** No namespace exists yet: no parent to inherit from. */
const NO_NAMESPACES = { namespace: () => undefined };

const UID = '1f2e3d4c-3333-4c2d-8e3f-000000000004';

const defaults: NamespaceDefaults = {
  environmentLabel: 'env',
  exemptNamespaces: ['kube-system'],
  exemptNamespaceSelector: undefined,
  defaultIsolation: 'strict',
  defaultTemplate: 'default',
  environmentFromName: [{ suffix: '-prod', environment: 'prod' }, { suffix: '-test', environment: 'test' }],
};

interface ReviewResponse {
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[] };
}

t.test('the base64 JSONPatch, applied to the object sent, gives the isolated namespace', async (t) => {
  const h = await startServer(t);
  h.admission.onMutate = (request) => mutateNamespace(request, defaults, NO_NAMESPACES);
  const body = namespaceCreate('shop-prod');
  const res = await h.request({ path: '/mutate', body });
  const { response } = res.json as ReviewResponse;
  t.equal(response.uid, UID);
  t.equal(response.allowed, true);
  t.equal(response.patchType, 'JSONPatch');
  const patch = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8')) as jsonpatch.Operation[];
  const sent = (body.request as { object: Record<string, unknown> }).object;
  const { newDocument } = jsonpatch.applyPatch(structuredClone(sent), patch, true, false);
  t.strictSame((newDocument as { metadata: unknown }).metadata, {
    name: 'shop-prod',
    creationTimestamp: null,
    labels: { 'kubernetes.io/metadata.name': 'shop-prod', env: 'prod' },
    managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-01-10T09:00:00Z', fieldsType: 'FieldsV1', fieldsV1: {} }],
    annotations: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' },
  });
  t.match(auditLines(h.logs)[0], {
    webhook: 'mutate',
    verdict: 'allowed',
    allowed: true,
    diff: [{ op: 'add', path: '/metadata/annotations', value: { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' } }, { op: 'add', path: '/metadata/labels/env', value: 'prod' }],
  });
});

t.test('no patch: patch and patchType are left out', async (t) => {
  const h = await startServer(t);
  h.admission.onMutate = (request) => mutateNamespace(request, defaults, NO_NAMESPACES);
  const res = await h.request({ path: '/mutate', body: namespaceCreate('kube-system') });
  t.strictSame(res.json, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: UID, allowed: true } });
});

t.test('a throw inside mutate admits unchanged with a warning and logs one error line', async (t) => {
  const h = await startServer(t);
  h.admission.onMutate = () => {
    throw new Error('template "default" is not loaded');
  };
  const res = await h.request({ path: '/mutate', body: namespaceCreate('shop-prod') });
  t.strictSame(res.json, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: UID,
      allowed: true,
      warnings: ['nsguard mutation failed (template "default" is not loaded); admitted unchanged, the nsguard controller backfills its defaults'],
    },
  });
  t.equal(h.logs.lines.length, 1);
  t.match(h.logs.lines[0], { level: 50, msg: 'admission', webhook: 'mutate', verdict: 'error', allowed: true, err: { message: 'template "default" is not loaded' } });
  t.match(await h.server.metrics.registry.metrics(), /nsguard_admission_requests_total\{webhook="mutate",kind="Namespace",operation="CREATE",verdict="error"\} 1/);
});
