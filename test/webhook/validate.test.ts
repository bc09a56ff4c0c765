import t from 'tap';
import { decide, type Finding } from '../../src/policy/checks/decision.ts';
import { NO_FIELDS } from '../../src/policy/checks/finding-fields.ts';
import { auditLines, startServer } from './harness.ts';
import { policyCreateWithGenerateName, policyDelete, policyUpdate } from './reviews.ts';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

const dns: Finding = { rule: 'dns-egress', message: 'pods app=web in shop-prod would lose DNS: no egress to kube-system/k8s-app=kube-dns on 53/UDP', ...NO_FIELDS };
const env: Finding = { rule: 'env-boundary', message: 'shop-prod (prod) would accept ingress from any namespace labelled env=test', ...NO_FIELDS };
const old: Finding = { rule: 'dns-egress', message: 'pods app=batch in shop-prod already have no DNS', ...NO_FIELDS };

t.test('an allowed change is answered allowed, with the uid echoed and the verdict annotated', async (t) => {
  const h = await startServer(t);
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  t.equal(res.status, 200);
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  t.strictSame(res.json, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: UID, allowed: true, auditAnnotations: { verdict: 'allowed' } },
  });
});

t.test('a denial is 403 Forbidden with one [rule-id] line per violation and the pre-existing problems as warnings', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => ({ decision: decide('enforce', [dns, env], [old]) });
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  t.equal(res.status, 200, 'a denial is an answer, not an HTTP error');
  t.strictSame(res.json, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: UID,
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message:
          '[dns-egress] pods app=web in shop-prod would lose DNS: no egress to kube-system/k8s-app=kube-dns on 53/UDP\n' +
          '[env-boundary] shop-prod (prod) would accept ingress from any namespace labelled env=test',
      },
      warnings: ['[dns-egress] pods app=batch in shop-prod already have no DNS'],
      auditAnnotations: { verdict: 'denied', rules: 'dns-egress,env-boundary' },
    },
  });
});

t.test('warn mode allows and carries violations then pre-existing problems as warnings', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => ({ decision: decide('warn', [env], [old]) });
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  t.strictSame(res.json, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: UID,
      allowed: true,
      warnings: [
        '[env-boundary] shop-prod (prod) would accept ingress from any namespace labelled env=test',
        '[dns-egress] pods app=batch in shop-prod already have no DNS',
      ],
      auditAnnotations: { verdict: 'warned', rules: 'env-boundary' },
    },
  });
});

t.test('audit mode allows silently: the violation is only in the audit log', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => ({ decision: decide('audit', [env], [old]) });
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  t.strictSame(res.json, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: UID, allowed: true, auditAnnotations: { verdict: 'would-deny', rules: 'env-boundary' } },
  });
  const [line] = auditLines(h.logs);
  t.match(line, { verdict: 'would-deny', allowed: true, rules: ['env-boundary'], messages: [`[env-boundary] ${env.message}`, `[dns-egress] ${old.message}`] });
});

t.test('a throw inside validate is a retryable 500 denial, one error line and a metric, never an allow', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => {
    throw new TypeError("Cannot read properties of undefined (reading 'spec')");
  };
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  t.strictSame(res.json, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: UID,
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: "nsguard internal error while validating; retry (Cannot read properties of undefined (reading 'spec'))",
      },
      auditAnnotations: { verdict: 'error' },
    },
  });
  t.equal(h.logs.lines.length, 1, 'one log line for the request');
  t.match(h.logs.lines[0], { level: 50, msg: 'admission', verdict: 'error', allowed: false, err: { type: 'TypeError' } });
  const metrics = await h.server.metrics.registry.metrics();
  t.match(metrics, /nsguard_admission_requests_total\{webhook="validate",kind="NetworkPolicy.networking.k8s.io",operation="UPDATE",verdict="error"\} 1/);
});

t.test('DELETE and generateName CREATE reach the Admission as the apiserver sent them', async (t) => {
  const h = await startServer(t);
  await h.request({ path: '/validate', body: policyDelete() });
  await h.request({ path: '/validate', body: policyCreateWithGenerateName() });
  const [del, create] = h.admission.seen;
  t.match(del, { operation: 'DELETE', name: 'allow-web', namespace: 'shop-prod', object: null, oldObject: { metadata: { name: 'allow-web' } }, dryRun: false });
  t.strictSame(del?.options, { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' });
  t.match(create, { operation: 'CREATE', name: '', oldObject: null, dryRun: true, object: { metadata: { generateName: 'allow-' } } });
  t.strictSame(create?.userInfo, {
    username: 'jane@example.com',
    uid: 'a1b2c3d4-0000-4000-8000-000000000001',
    groups: ['team-shop', 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': ['JTI=0c4e2b8c-8a3e-4c1f-9a56-1f0e2d3c4b5a'] },
  });
  const lines = auditLines(h.logs);
  t.match(lines[1], { operation: 'CREATE', name: null, namespace: 'shop-prod', dryRun: true });
});

t.test('many long warnings are cut to fit the apiserver limit and counted', async (t) => {
  const h = await startServer(t);
  const many: Finding[] = Array.from({ length: 40 }, (_, i) => ({ rule: 'dns-egress', message: `pods group-${i} ${'x'.repeat(300)}`, ...NO_FIELDS }));
  h.admission.onValidate = () => ({ decision: decide('warn', many, []) });
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  const warnings = (res.json as { response: { warnings: string[] } }).response.warnings;
  const runes = warnings.reduce((sum, w) => sum + [...w].length, 0);
  t.ok(runes <= 4096, `total ${runes} runes within 4096`);
  t.ok(warnings.every((w) => [...w].length <= 256), 'each within 256 runes');
  t.match(warnings.at(-1), /^\(\d+ more; see the nsguard audit log\)$/);
  t.equal(warnings.length - 1 + Number(/\((\d+) more/.exec(warnings.at(-1) ?? '')?.[1]), 40, 'shown + counted = all');
});
