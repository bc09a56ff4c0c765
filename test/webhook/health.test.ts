import t from 'tap';
import { startServer } from './harness.ts';
import { policyUpdate } from './reviews.ts';

t.test('/readyz is 503 until the cluster view has synced, then 200; /healthz is 200 throughout', async (t) => {
  const h = await startServer(t);
  h.admission.isReady = false;
  const before = await h.request({ path: '/readyz' });
  t.equal(before.status, 503);
  t.strictSame(before.json, { ready: false, checks: { tls: true, cache: false, draining: false } });
  t.strictSame((await h.request({ path: '/healthz' })).json, { status: 'ok' });
  t.match(await h.server.metrics.registry.metrics(), /^nsguard_cluster_cache_synced 0$/m);

  h.admission.isReady = true;
  const after = await h.request({ path: '/readyz' });
  t.equal(after.status, 200);
  t.strictSame(after.json, { ready: true, checks: { tls: true, cache: true, draining: false } });
  t.match(await h.server.metrics.registry.metrics(), /^nsguard_cluster_cache_synced 1$/m);
});

t.test('a readiness check that throws reads as not ready', async (t) => {
  const h = await startServer(t);
  h.admission.ready = () => {
    throw new Error('informer gone');
  };
  const res = await h.request({ path: '/readyz' });
  t.equal(res.status, 503);
  t.match(h.logs.lines.at(-1), { level: 50, msg: 'readiness check failed' });
});

t.test('/metrics serves Prometheus text with the nsguard_ families', async (t) => {
  const h = await startServer(t);
  await h.request({ path: '/validate', body: policyUpdate() });
  const res = await h.request({ path: '/metrics' });
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const notAfter = Math.floor(h.tls.current().notAfter.getTime() / 1000);
  t.match(res.text, new RegExp(`^nsguard_tls_certificate_expiry_timestamp_seconds ${notAfter}$`, 'm'));
  t.match(res.text, /^nsguard_admission_requests_total\{webhook="validate",kind="NetworkPolicy.networking.k8s.io",operation="UPDATE",verdict="allowed"\} 1$/m);
  t.match(res.text, /^nsguard_admission_duration_seconds_bucket\{le="0.001",webhook="validate"\} \d+$/m);
  t.match(res.text, /^nsguard_admission_duration_seconds_count\{webhook="validate"\} 1$/m);
  const families = [...res.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  t.strictSame(families.sort(), [
    'nsguard_admission_duration_seconds histogram',
    'nsguard_admission_rejected_reviews_total counter',
    'nsguard_admission_requests_total counter',
    'nsguard_cluster_cache_synced gauge',
    'nsguard_config_reloads_total counter',
    'nsguard_tls_certificate_expiry_timestamp_seconds gauge',
    'nsguard_tls_certificate_reloads_total counter',
    'nsguard_webhook_connections gauge',
    'nsguard_webhook_refused_connections_total counter',
  ]);
});

t.test('only the kinds and operations nsguard serves become label values', async (t) => {
  const h = await startServer(t);
  const base = policyUpdate() as { request: Record<string, unknown> };
  // Forged kinds are refused before judging, whatever their size: no series for them.
  for (let i = 0; i < 40; i++) {
    const group = i === 0 ? 'x'.repeat(6 * 1024 * 1024) : 'x';
    const res = await h.request({ path: '/validate', body: { ...base, request: { ...base.request, kind: { group, version: 'v1', kind: `Kind${i}` } } } });
    t.equal(res.status, 400);
  }
  await h.request({ path: '/validate', body: base });
  // And should one reach the metrics, it is `other`.
  h.server.metrics.observeAdmission({ webhook: 'validate', kind: 'Junk.example.com', operation: 'PATCH'.repeat(1000), verdict: 'allowed' }, 0.001);
  const text = await h.server.metrics.registry.metrics();
  const series = [...text.matchAll(/nsguard_admission_requests_total\{([^}]*)\}/g)].map((m) => m[1]);
  t.strictSame(series.sort(), [
    'webhook="validate",kind="NetworkPolicy.networking.k8s.io",operation="UPDATE",verdict="allowed"',
    'webhook="validate",kind="other",operation="other",verdict="allowed"',
  ]);
  t.ok(text.length < 64 * 1024, 'the scrape stays small');
});
