// Every connection ends, whatever a client does or fails to do: timeouts lowered through the server's
// options, and each test waits for the server's own socket to close (seen through its 'connection' event).
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import t from 'tap';
import { GARBAGE_RECORD, HALF_CLIENT_HELLO, closed, rawClient as connectRaw } from '../support/raw-clients.ts';
import { startServer, type Harness } from './harness.ts';
import { namespaceCreate } from './reviews.ts';

/** The server's end of the next connection it accepts. */
function nextServerSocket(h: Harness): Promise<Socket> {
  return once(h.server.fastify.server, 'connection').then(([socket]) => socket as Socket);
}

function openConnections(h: Harness): Promise<number> {
  return new Promise((resolve, reject) => h.server.fastify.server.getConnections((err, count) => (err ? reject(err) : resolve(count))));
}

/** A raw TCP client, and the server's end of its connection. */
async function rawClient(h: Harness): Promise<{ client: Socket; server: Socket }> {
  const server = nextServerSocket(h);
  const client = await connectRaw(h.port);
  return { client, server: await server };
}

async function tlsClient(h: Harness): Promise<{ client: TLSSocket; server: Socket; received: () => string }> {
  const server = nextServerSocket(h);
  const client = connectTls({ host: '127.0.0.1', port: h.port, ca: h.ca.cert, servername: 'localhost' });
  let text = '';
  client.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  client.on('error', () => {});
  await once(client, 'secureConnect');
  return { client, server: await server, received: () => text };
}

t.test('a connection that does not finish its TLS handshake in time is destroyed', async (t) => {
  const cases: { name: string; act: (client: Socket, h: Harness) => void }[] = [
    { name: 'a raw TCP connection that sends nothing', act: () => {} },
    { name: 'half a ClientHello', act: (client) => client.write(HALF_CLIENT_HELLO) },
    { name: 'a garbage handshake record', act: (client) => client.write(GARBAGE_RECORD) },
    {
      name: 'a client that half-closes once its handshake timed out (the CLOSE-WAIT of issue 13)',
      act: (client, h) => h.server.fastify.server.once('tlsClientError', () => client.end()),
    },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const h = await startServer(t, { handshakeTimeoutMs: 50 });
      const { client, server } = await rawClient(h);
      c.act(client, h);
      await Promise.all([closed(server), closed(client)]);
      t.equal(await openConnections(h), 0, 'the server holds no connection');
      t.match(h.logs.lines, [{ level: 40, msg: 'TLS handshake failed', err: { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' } }], 'one log line');
    });
  }
});

t.test('a malformed handshake and a half-close mid-handshake are destroyed at once', async (t) => {
  const cases: { name: string; act: (client: Socket) => void }[] = [
    { name: 'plain HTTP to the TLS port', act: (client) => client.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n') },
    { name: 'half a ClientHello, then a half-close', act: (client) => client.end(HALF_CLIENT_HELLO) },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      // The handshake timeout is not what ends these.
      const h = await startServer(t, { handshakeTimeoutMs: 600_000 });
      const { client, server } = await rawClient(h);
      c.act(client);
      await Promise.all([closed(server), closed(client)]);
      t.equal(await openConnections(h), 0, 'the server holds no connection');
    });
  }
});

t.test('past the handshake, each idle or stalled state has its bound', async (t) => {
  const cases: { name: string; act: (client: TLSSocket) => void; answer: RegExp }[] = [
    { name: 'no request at all', act: () => {}, answer: /^HTTP\/1\.1 408 Request Timeout\r\n/ },
    { name: 'headers never finished', act: (client) => void client.write('POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-'), answer: /^HTTP\/1\.1 408 Request Timeout\r\n/ },
    { name: 'a body never finished', act: (client) => void client.write('POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'), answer: /^HTTP\/1\.1 408 Request Timeout\r\n/ },
    // Node adds a second to the keep-alive timeout before it cuts (keepAliveTimeoutBuffer).
    { name: 'idle on a kept-alive connection after an answer', act: (client) => void client.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'), answer: /^HTTP\/1\.1 200 OK\r\n[^]*\{"status":"ok"\}$/ },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const h = await startServer(t, { headersTimeoutMs: 100, requestTimeoutMs: 200, keepAliveTimeoutMs: 50 });
      const { client, server, received } = await tlsClient(h);
      c.act(client);
      await Promise.all([closed(server), closed(client)]);
      t.match(received(), c.answer);
      t.equal(await openConnections(h), 0, 'the server holds no connection');
    });
  }
});

t.test('a client that stops reading its answer is cut off after the idle timeout', async (t) => {
  const h = await startServer(t, { idleTimeoutMs: 100 });
  // A mutation patch of some 8 MB (base64 of 6 MB): more than both ends' socket buffers hold.
  h.admission.onMutate = () => ({ patch: [{ op: 'add', path: '/metadata/annotations', value: { big: 'x'.repeat(6 * 1024 * 1024) } }], warnings: [] });
  const server = nextServerSocket(h);
  const client = connectTls({ host: '127.0.0.1', port: h.port, ca: h.ca.cert, servername: 'localhost' });
  client.on('error', () => {});
  await once(client, 'secureConnect');
  const body = JSON.stringify(namespaceCreate('shop-prod'));
  // Never read: the server's writes stall once the buffers are full, and no byte moves either way.
  client.write(`POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await closed(await server);
  t.equal(await openConnections(h), 0);
  client.destroy();
});

t.test('past the connection cap, new connections are refused and the refusal logged once', async (t) => {
  const h = await startServer(t, { maxConnections: 2 });
  const held = [await rawClient(h), await rawClient(h)];
  const dropped = once(h.server.fastify.server, 'drop');
  await Promise.all([dropped, connectRaw(h.port).then(closed)]);
  await closed(await connectRaw(h.port));
  t.match(
    h.logs.lines.filter((line) => line['msg'] === 'connection limit reached: refusing new connections'),
    [{ level: 40, maxConnections: 2, dropped: 1 }],
  );
  t.equal(await openConnections(h), 2, 'the two held connections stay');
  const metrics = await h.server.metrics.registry.metrics();
  t.match(metrics, /nsguard_webhook_connections\{state="handshaking"\} 2\n/, 'both held connections are still in their handshake');
  t.match(metrics, /nsguard_webhook_refused_connections_total 2\n/, 'the two refusals are counted');
  for (const { client } of held) client.destroy();
});

t.test('close ends connections still in their handshake, without waiting for its timeout', async (t) => {
  const h = await startServer(t);
  const silent = await rawClient(h);
  const half = await rawClient(h);
  half.client.write(HALF_CLIENT_HELLO);
  await h.server.close({ drainMs: 0 });
  await Promise.all([closed(silent.server), closed(half.server), closed(silent.client), closed(half.client)]);
  t.equal(await openConnections(h), 0);
});
