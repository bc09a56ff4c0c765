// `serve --client-ca`: the apiserver proves who it is with a client certificate. The TLS layer asks
// every client for one and verifies it, but lets a client without one finish the handshake, because
// the kubelet's probes and Prometheus present none: they reach the probe and metrics paths only, and
// every other path is refused before its body is read.
import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';

const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Why this request may not proceed, or undefined when it may. */
export function clientCertificateRefusal(request: FastifyRequest): string | undefined {
  if (OPEN_PATHS.has(request.routeOptions.url ?? '')) return undefined;
  const socket = request.raw.socket as TLSSocket;
  if (socket.authorized) return undefined;
  return Object.keys(socket.getPeerCertificate()).length === 0
    ? 'a client certificate signed by the client CA is required'
    : `the client certificate is not signed by the client CA (${String(socket.authorizationError)})`;
}
