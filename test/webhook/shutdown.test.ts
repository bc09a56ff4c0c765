import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { spawnLogging } from '../support/spawned.ts';
import { createTestCa, writeSecretVolume } from '../support/test-ca.ts';
import { send, startServer } from './harness.ts';
import { policyUpdate } from './reviews.ts';

t.test('close: not ready at once, serves during the drain, finishes the request in flight, then stops', async (t) => {
  const h = await startServer(t, { drainMs: 60_000 });
  const body = Buffer.from(JSON.stringify(policyUpdate()));

  // A request whose headers the server has read (it answered 100 Continue) and whose body is half sent.
  const inFlight = httpsRequest({
    host: '127.0.0.1',
    port: h.port,
    method: 'POST',
    path: '/validate',
    ca: h.ca.cert,
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue' },
  });
  const answered = new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
    inFlight.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), connection: res.headers.connection });
      });
    });
    inFlight.on('error', reject);
  });
  await new Promise<void>((resolve) => {
    inFlight.once('continue', () => resolve());
    inFlight.flushHeaders();
  });
  inFlight.write(body.subarray(0, 100));

  const closed = h.server.close();

  const ready = await h.request({ path: '/readyz', agent: false });
  t.equal(ready.status, 503, 'not ready as soon as close begins');
  t.strictSame(ready.json, { ready: false, checks: { tls: true, cache: true, draining: true } });
  t.equal(ready.headers.connection, 'close', 'every answer during the drain says to reconnect, the probes too');

  const during = await h.request({ path: '/validate', body: policyUpdate(), agent: false });
  t.equal(during.status, 200, 'a new connection during the drain is still served');
  t.equal(during.headers.connection, 'close', 'and told to reconnect');

  // End the drain (a second SIGTERM does this) while the body is still incomplete.
  const ended = h.server.close({ drainMs: 0 });
  inFlight.end(body.subarray(100));
  const res = await answered;
  t.equal(res.status, 200, 'the request in flight is answered');
  t.match(JSON.parse(res.text), { response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true } });
  t.equal(res.connection, 'close');
  await ended;
  await closed;
  await t.rejects(send(h.port, h.ca.cert, { path: '/healthz' }), { code: 'ECONNREFUSED' }, 'no longer listening');
  // The server's own record: the request in flight was answered before the server reported closed.
  await new Promise<void>((resolve) => h.logs.commit.afterCommit(resolve));
  t.strictSame(
    h.logs.lines.map((line) => line['msg']),
    ['shutting down: not ready, draining', 'admission', 'admission', 'webhook server closed'],
  );
});

t.test('SIGTERM: the process stops being ready, keeps answering, and exits 0', async (t) => {
  const ca = await createTestCa();
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-shutdown-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const volume = await writeSecretVolume(join(dir, 'tls'), await ca.issue());
  const { child, lines, logged, exited } = spawnLogging(t, fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url)), [volume.certFile, volume.keyFile, '60000']);
  const listening = logged('webhook server listening');
  const port = Number((await listening).port);
  t.equal((await send(port, ca.cert, { path: '/validate', body: policyUpdate() })).status, 200);

  const draining = logged('shutting down: not ready, draining');
  child.kill('SIGTERM');
  await draining;
  t.equal((await send(port, ca.cert, { path: '/readyz' })).status, 503);
  t.equal((await send(port, ca.cert, { path: '/validate', body: policyUpdate() })).status, 200, 'still answering admission');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit code 0');
  t.match(lines.map((line) => line['msg']), [
    'webhook server listening',
    'admission',
    'signal received: closing',
    'shutting down: not ready, draining',
    'admission',
    'second signal: ending the drain',
    'webhook server closed',
  ]);
});
