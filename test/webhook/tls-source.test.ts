import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { createServer } from '../../src/webhook/server.ts';
import { openTlsSource } from '../../src/webhook/tls-source.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { fakeAdmission, send } from './harness.ts';

t.test('without files: a self-signed development certificate for localhost and 127.0.0.1, with a warning', async (t) => {
  const logs = captureLogs();
  const tls = await openTlsSource({ logger: logs.logger });
  t.equal(tls.origin, 'development');
  const cert = new X509Certificate(tls.current().cert);
  t.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  t.ok(cert.verify(cert.publicKey), 'self-signed');
  t.equal(tls.current().notAfter.getTime(), cert.validToDate.getTime());
  t.match(logs.lines, [{ level: 40, msg: 'no TLS files given: serving a self-signed development certificate' }]);
  tls.close();
});

t.test('a certificate without a key is a usage error', async (t) => {
  await t.rejects(openTlsSource({ certFile: '/tmp/tls.crt', logger: captureLogs().logger }), { code: 'NSG_USAGE' });
});

t.test('unreadable files fail at start, naming the file', async (t) => {
  await t.rejects(openTlsSource({ certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key', logger: captureLogs().logger }), {
    code: 'NSG_TLS',
    message: /cannot read the TLS certificate file \/nonexistent\/tls\.crt: ENOENT/,
  });
});

t.test('a client trusting the development certificate itself can call the server (curl --cacert)', async (t) => {
  const logs = captureLogs();
  const tls = await openTlsSource({ logger: logs.logger });
  const server = createServer({ admission: fakeAdmission(), logger: logs.logger, tls, defaultMetrics: false });
  t.teardown(() => server.close({ drainMs: 0 }));
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  const res = await send(port, tls.current().cert, { path: '/healthz' });
  t.equal(res.status, 200);
});
