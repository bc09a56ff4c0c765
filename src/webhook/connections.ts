// Every TCP connection the server accepts, from accept to close, whatever its TLS or HTTP state. Node's
// own list (closeAllConnections, closeIdleConnections) holds only connections past the TLS handshake,
// so a client that never finishes one would outlive every step of a shutdown.
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';

// A flood of refused connections must not become a flood of synchronous log lines.
const DROP_LOG_INTERVAL_MS = 10_000;

export interface ConnectionCounts {
  /** Accepted, TLS handshake not finished. */
  readonly handshaking: number;
  /** Past the handshake: HTTP is spoken on them. */
  readonly established: number;
  /** Refused at the cap since the start. */
  readonly refused: number;
}

export interface ConnectionTracker {
  counts(): ConnectionCounts;
  /** Whether this socket finished its TLS handshake (so HTTP may be spoken on it). */
  secured(socket: Socket): boolean;
  /** Destroys the connections still in their TLS handshake: no request can be in flight on them. */
  destroyHandshaking(): void;
  /** Destroys every connection, in any state. */
  destroyAll(): void;
}

export function trackConnections(server: TlsServer, options: { readonly maxConnections: number; readonly logger: Logger }): ConnectionTracker {
  const open = new Set<Socket>();
  // A TLSSocket is made inside Node from the raw socket and only shows itself once secure: the peer's
  // address and port, unique among live connections, tie the two together.
  const handshaking = new Map<string, Socket>();
  const secured = new WeakSet<Socket>();

  server.maxConnections = options.maxConnections;
  let dropped = 0;
  let refused = 0;
  let lastDropLog = -Infinity;
  server.on('drop', (peer) => {
    dropped += 1;
    refused += 1;
    const now = Date.now();
    if (now - lastDropLog < DROP_LOG_INTERVAL_MS) return;
    lastDropLog = now;
    options.logger.warn({ maxConnections: options.maxConnections, dropped, remoteAddress: peer?.remoteAddress }, 'connection limit reached: refusing new connections');
    dropped = 0;
  });

  server.on('connection', (socket: Socket) => {
    open.add(socket);
    const key = peerKey(socket);
    if (key !== undefined) handshaking.set(key, socket);
    socket.once('close', () => {
      open.delete(socket);
      if (key !== undefined && handshaking.get(key) === socket) handshaking.delete(key);
    });
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    secured.add(socket);
    const key = peerKey(socket);
    if (key !== undefined) handshaking.delete(key);
  });

  return {
    counts: () => ({ handshaking: handshaking.size, established: open.size - handshaking.size, refused }),
    secured: (socket) => secured.has(socket),
    destroyHandshaking() {
      for (const socket of handshaking.values()) socket.destroy();
    },
    destroyAll() {
      for (const socket of open) socket.destroy();
    },
  };
}

function peerKey(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}|${socket.remotePort ?? ''}`;
}
