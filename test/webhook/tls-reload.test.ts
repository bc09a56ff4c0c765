import { writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import t from 'tap';
import type { TlsEvent, TlsSource } from '../../src/webhook/tls-source.ts';
import { swapSecretVolume } from '../support/test-ca.ts';
import { startServer, type ClientResponse, type Harness } from './harness.ts';
import { policyUpdate } from './reviews.ts';

function nextEvent(tls: TlsSource): Promise<TlsEvent> {
  return new Promise((resolve) => {
    const off = tls.subscribe((event) => {
      off();
      resolve(event);
    });
  });
}

/** Admission traffic on kept-alive and fresh connections until stopped; every answer must be a 200. */
function traffic(h: Harness): { stop: () => Promise<{ ok: number; failures: unknown[]; serials: Set<string> }> } {
  let running = true;
  const failures: unknown[] = [];
  const serials = new Set<string>();
  let ok = 0;
  const worker = async (fresh: boolean): Promise<void> => {
    while (running) {
      try {
        const res: ClientResponse = await h.request({ path: '/validate', body: policyUpdate(), ...(fresh ? { agent: false } : {}) });
        if (res.status === 200) ok++;
        else failures.push(res.status);
        serials.add(res.serial);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  const workers = [worker(false), worker(false), worker(true), worker(true)];
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return { ok, failures, serials };
    },
  };
}

t.test('a Secret update (..data symlink swap) serves the new certificate to new connections, failing no request', async (t) => {
  const h = await startServer(t);
  const first = await h.request({ path: '/healthz' });
  const next = await h.ca.issue({ commonName: 'rotated' });
  t.not(next.serial, first.serial);

  const load = traffic(h);
  const reloaded = nextEvent(h.tls);
  await swapSecretVolume(h.volume, next);
  const event = await reloaded;
  t.equal(event.type, 'reloaded');

  const fresh = await h.request({ path: '/healthz', agent: false });
  t.equal(fresh.serial, next.serial, 'a new connection gets the new certificate');
  const result = await load.stop();
  t.strictSame(result.failures, [], 'no request failed during the swap');
  t.ok(result.ok > 0, `${result.ok} admission requests answered during the swap`);
  t.ok(result.serials.has(next.serial), 'traffic after the swap saw the new certificate');

  t.match(
    h.logs.lines.filter((line) => line.msg !== 'admission'),
    [{ level: 30, msg: 'TLS certificate reloaded', fingerprint: String }],
    'one reload line, nothing else but audit lines',
  );
  const metrics = await h.server.metrics.registry.metrics();
  t.match(metrics, /^nsguard_tls_certificate_reloads_total\{result="success"\} 1$/m);
  t.match(metrics, new RegExp(`^nsguard_tls_certificate_expiry_timestamp_seconds ${Math.floor(h.tls.current().notAfter.getTime() / 1000)}$`, 'm'));
});

t.test('a mismatched pair keeps the current certificate and logs an error', async (t) => {
  const h = await startServer(t);
  const serving = (await h.request({ path: '/healthz', agent: false })).serial;
  const other = await h.ca.issue();
  const another = await h.ca.issue();

  const mismatched = nextEvent(h.tls);
  await swapSecretVolume(h.volume, { cert: other.cert, key: another.key });
  t.match(await mismatched, { type: 'rejected', error: { message: /do not load: the key does not belong to the certificate/ } });
  t.equal((await h.request({ path: '/healthz', agent: false })).serial, serving, 'still the old certificate');
  t.match(h.logs.lines.at(-1), { level: 50, msg: 'TLS certificate reload failed: keeping the current certificate' });

  const fixed = nextEvent(h.tls);
  await swapSecretVolume(h.volume, other);
  t.match(await fixed, { type: 'reloaded' });
  t.equal((await h.request({ path: '/healthz', agent: false })).serial, other.serial, 'the next good pair is served');
  t.match(await h.server.metrics.registry.metrics(), /^nsguard_tls_certificate_reloads_total\{result="failure"\} 1$/m);
});

t.test('plain files written in place: a half-written certificate is refused, the completed pair is served', async (t) => {
  const h = await startServer(t, { plainFiles: true });
  const serving = (await h.request({ path: '/healthz', agent: false })).serial;
  const next = await h.ca.issue();

  const halfWritten = nextEvent(h.tls);
  await writeFile(h.volume.certFile, next.cert.slice(0, 200));
  t.match(await halfWritten, { type: 'rejected' });
  t.equal((await h.request({ path: '/healthz', agent: false })).serial, serving, 'still the old certificate');

  // Key first, then certificate: whichever events arrive, the final pair is what gets served.
  const completed = new Promise<void>((resolve) => {
    const off = h.tls.subscribe((event) => {
      if (event.type === 'reloaded') {
        off();
        resolve();
      }
    });
  });
  await writeFile(h.volume.keyFile, next.key);
  await writeFile(h.volume.certFile, next.cert);
  await completed;
  t.equal((await h.request({ path: '/healthz', agent: false })).serial, next.serial);
});

t.test('TLS below 1.2 is refused, also after a swap', async (t) => {
  const h = await startServer(t);
  const tryTls11 = () =>
    new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: h.port, ca: h.ca.cert, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
      socket.on('secureConnect', () => {
        resolve(`connected with ${socket.getProtocol()}`);
        socket.destroy();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  t.equal(await tryTls11(), 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  const reloaded = nextEvent(h.tls);
  await swapSecretVolume(h.volume, await h.ca.issue());
  await reloaded;
  t.equal(await tryTls11(), 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
});
