// Clients that misbehave below HTTP: raw TCP connections that stall or send broken TLS.
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

// The first bytes of a TLS 1.2/1.3 ClientHello: a handshake record of 512 bytes, of which 45 are sent.
export const HALF_CLIENT_HELLO = Buffer.concat([Buffer.from('160301020001' + '0001fc0303', 'hex'), randomBytes(34)]);
// A record header announcing 16 KiB of handshake, then noise: OpenSSL waits for the rest.
export const GARBAGE_RECORD = Buffer.concat([Buffer.from('1603014000', 'hex'), randomBytes(64)]);

/** A connected raw TCP client that reads (and drops) whatever comes, so it sees the server's close. */
export async function rawClient(port: number): Promise<Socket> {
  const client = connect(port, '127.0.0.1');
  client.on('error', () => {});
  client.resume();
  await once(client, 'connect');
  return client;
}

/** Resolves once the socket is closed, however it ends: a reset on the way (ECONNRESET) is a close too. */
export function closed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  // events.once would reject on 'error': a peer resetting is one of the ways these sockets end.
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
