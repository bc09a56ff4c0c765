// `serve --client-ca`: only a caller with a certificate from that CA reaches the admission paths; the
// kubelet's probes and Prometheus, which present none, still get their answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { TlsEvent } from '../../src/webhook/tls-source.ts';
import { createTestCa } from '../support/test-ca.ts';
import { auditLines, startServer, type Tap } from './harness.ts';
import { policyUpdate } from './reviews.ts';

async function clientCaFile(t: Tap, pem: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-client-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'client-ca.crt');
  await writeFile(file, pem);
  return file;
}

const refusal = (message: string) => ({ statusCode: 401, error: 'Unauthorized', reason: 'client-certificate', message });

t.test('with --client-ca: no certificate or a stranger\'s is refused on the admission paths, the right one answered, probes open', async (t) => {
  const apiserverCa = await createTestCa();
  const h = await startServer(t, { clientCaFile: await clientCaFile(t, apiserverCa.cert) });
  const apiserver = await apiserverCa.issueClient();
  const stranger = await (await createTestCa()).issueClient();

  for (const path of ['/healthz', '/readyz', '/metrics']) {
    t.equal((await h.request({ path, agent: false })).status, 200, `${path} without a certificate: the kubelet's probes and Prometheus`);
  }

  const bare = await h.request({ path: '/validate', body: policyUpdate(), agent: false });
  t.equal(bare.status, 401);
  t.equal(bare.headers.connection, 'close');
  t.strictSame(bare.json, refusal('a client certificate signed by the client CA is required'));
  t.equal((await h.request({ path: '/mutate', body: policyUpdate(), agent: false })).status, 401, '/mutate too');
  t.equal((await h.request({ path: '/nowhere', agent: false })).status, 401, 'an unknown path tells a stranger nothing');

  const foreign = await h.request({ path: '/validate', body: policyUpdate(), agent: false, clientCertificate: stranger });
  t.equal(foreign.status, 401);
  t.match(foreign.json, refusal('the client certificate is not signed by the client CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'));
  t.same(h.admission.seen, [], 'no refused review reached the admission');
  t.match(
    h.logs.lines.filter((line) => line['reason'] === 'client-certificate'),
    [{ level: 40, msg: 'admission request refused', statusCode: 401, url: '/validate' }, {}, {}, { detail: /not signed by the client CA/ }],
    'one log line a refusal',
  );

  const trusted = await h.request({ path: '/validate', body: policyUpdate(), agent: false, clientCertificate: apiserver });
  t.equal(trusted.status, 200);
  t.match(trusted.json, { response: { allowed: true } });
  t.equal(auditLines(h.logs).length, 1);
  t.match(await h.server.metrics.registry.metrics(), /nsguard_admission_rejected_reviews_total\{reason="client-certificate"\} 4/);
});

t.test('the client CA file is re-read on change: certificates of the new CA are answered, of the old one refused', async (t) => {
  const [first, second] = [await createTestCa(), await createTestCa()];
  const file = await clientCaFile(t, first.cert);
  const h = await startServer(t, { clientCaFile: file });
  const [fromFirst, fromSecond] = [await first.issueClient(), await second.issueClient()];
  t.equal((await h.request({ path: '/validate', body: policyUpdate(), agent: false, clientCertificate: fromFirst })).status, 200);

  const reloaded = new Promise<TlsEvent>((resolve) => h.tls.subscribe(resolve));
  await writeFile(file, second.cert);
  t.match(await reloaded, { type: 'reloaded', material: { clientCa: second.cert } });
  t.equal((await h.request({ path: '/validate', body: policyUpdate(), agent: false, clientCertificate: fromSecond })).status, 200, 'the new CA');
  t.equal((await h.request({ path: '/validate', body: policyUpdate(), agent: false, clientCertificate: fromFirst })).status, 401, 'the old CA');

  // A file that is no CA keeps the current one.
  const rejected = new Promise<TlsEvent>((resolve) => h.tls.subscribe(resolve));
  await writeFile(file, (await second.issueClient()).cert);
  t.match(await rejected, { type: 'rejected', error: { code: 'NSG_TLS', message: /the client CA file .* does not load: CN=kube-apiserver is not a CA certificate/ } });
  t.equal((await h.request({ path: '/validate', body: policyUpdate(), agent: false, clientCertificate: fromSecond })).status, 200, 'still the second CA');
});
