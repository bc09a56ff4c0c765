// The HTTPS server: fastify on a Node https.Server built here, so TLS and every timeout are set in one
// place; certificate hot swap; readiness; graceful shutdown. Routes live in their own files.
import { createServer as createHttpsServer, type Server as HttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Admission } from '../admission/types.ts';
import { WRITTEN_AT_ONCE, type Committer } from '../log/group-commit.ts';
import { registerAdmissionRoutes } from './admission-routes.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { clientCertificateRefusal } from './client-certificate.ts';
import { trackConnections } from './connections.ts';
import { clientErrorHandler, createRefuser, installErrorHandlers } from './http-errors.ts';
import { BodyBudget, DEFAULT_BODY_BYTES_IN_FLIGHT } from './body-budget.ts';
import { createMetrics, type WebhookMetrics } from './metrics.ts';
import type { TlsMaterial, TlsSource } from './tls-source.ts';

// An UPDATE review carries the new and the old object, each up to the apiserver's 3 MiB request body
// limit (MaxRequestBodyBytes in k8s.io/apiserver server/config.go), plus the envelope and options:
// 2 x 3 MiB + 1 MiB. fastify's default of 1 MiB would refuse a large legitimate update.
export const DEFAULT_BODY_LIMIT = 7 * 1024 * 1024;
export const DEFAULT_DRAIN_MS = 5_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
export const DEFAULT_PORT = 8443;

// The apiserver gives up on a webhook after its `timeoutSeconds` (at most 30 s): a request body still
// arriving after that has nobody waiting for the answer, so a stalled client is cut off there.
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
// The apiserver's webhook client gives up on a handshake after 10 s (Go's DefaultTransport value, which
// utilnet.SetTransportDefaults applies): a handshake it would still wait for is never cut. Node counts it from accept, not from the last byte,
// so a client dripping its ClientHello gets no longer.
const HANDSHAKE_TIMEOUT_MS = 10_000;
// Longer than the 90 s idle timeout of Go's http.Transport that the apiserver's webhook client keeps:
// if the server closed an idle connection first, a POST racing the close fails, and Go does not retry
// non-idempotent requests.
const KEEP_ALIVE_TIMEOUT_MS = 120_000;
// No byte either way for this long while a request is open (a client that stops reading its answer):
// past the apiserver's longest webhook timeout, nobody is waiting.
const IDLE_TIMEOUT_MS = 30_000;
// Above any honest load: an apiserver runs at most 600 requests at once (--max-requests-inflight 400 +
// --max-mutating-requests-inflight 200), one connection each (nsguard offers only HTTP/1.1), so three apiservers all on one
// replica stay under 1,800. Below what the memory limit holds: about 60 KB a connection, 2,048 of them
// cost some 120 MiB of the Deployment's 512 MiB. Past it new connections are refused, not the process killed.
const MAX_CONNECTIONS = 2_048;

export interface WebhookServerOptions {
  readonly admission: Admission;
  readonly logger: Logger;
  /** Owned by the server from here on: `close()` stops its file watching. */
  readonly tls: TlsSource;
  readonly bodyLimit?: number;
  /** Request body bytes held across all connections at once (body-budget.ts). */
  readonly bodyBytesInFlight?: number;
  /** After close begins: how long to keep serving while the apiserver still sends on kept-alive connections. */
  readonly drainMs?: number;
  /** After the drain: how long in-flight requests get before their connections are cut. */
  readonly closeTimeoutMs?: number;
  /** Node's timeout for receiving a whole request (lowered in tests to see a stalled client cut off). */
  readonly requestTimeoutMs?: number;
  /** The timeouts and the cap below are lowered in tests, to see each kind of stalled client cut off. */
  readonly handshakeTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxConnections?: number;
  /**
   * When the logger's lines reach its destination (group commit, src/log/group-commit.ts): each answer
   * waits for its audit line. Default: the logger writes each line as it is logged.
   */
  readonly commit?: Committer;
  /** prom-client's process and Node.js metrics (`process_*`, `nodejs_*`) on the same registry; default on. */
  readonly defaultMetrics?: boolean;
}

export interface WebhookServer {
  readonly metrics: WebhookMetrics;
  readonly fastify: FastifyInstance<HttpsServer>;
  listen(options?: { port?: number; host?: string }): Promise<AddressInfo>;
  /**
   * Not ready at once, keep serving for the drain period, then stop accepting, close idle connections
   * and wait for in-flight requests. Idempotent; a call with `drainMs: 0` during the drain ends it.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export function createServer(options: WebhookServerOptions): WebhookServer {
  const { admission, logger, tls } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout);
  let draining = false;

  const metrics = createMetrics({
    cacheSynced: () => cacheReady(admission, logger),
    // Read at scrape time, once the tracker below exists.
    connections: () => connections.counts(),
    defaultMetrics: options.defaultMetrics ?? true,
  });
  metrics.certificateLoaded(tls.current().notAfter);

  const requireClientCertificate = tls.current().clientCa !== undefined;
  const httpsServer = createHttpsServer({
    ...secureOptions(tls.current()),
    // Verified, yet not required by the TLS layer: see client-certificate.ts.
    requestCert: requireClientCertificate,
    rejectUnauthorized: false,
    handshakeTimeout: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS,
    // Node enforces the two timeouts above only at this interval (default 30 s).
    connectionsCheckingInterval: Math.min(1_000, headersTimeout),
  } satisfies ServerOptions);
  // Each connection's inactivity timeout while a request is open; the keep-alive timeout replaces it between requests.
  httpsServer.setTimeout(options.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
  const connections = trackConnections(httpsServer, { maxConnections: options.maxConnections ?? MAX_CONNECTIONS, logger });

  const unsubscribe = tls.subscribe((event) => {
    if (event.type === 'rejected') {
      metrics.certificateReload('failure');
      return;
    }
    // Connections already open keep the certificate they were made with; new ones get this one.
    try {
      httpsServer.setSecureContext(secureOptions(event.material));
    } catch (err) {
      logger.error({ err, fingerprint: event.material.fingerprint }, 'TLS certificate swap failed: keeping the current certificate');
      metrics.certificateReload('failure');
      return;
    }
    metrics.certificateLoaded(event.material.notAfter);
    metrics.certificateReload('success');
  });

  const app = Fastify<HttpsServer>({
    serverFactory: (handler) => httpsServer.on('request', handler),
    logger: false,
    bodyLimit,
    // Requests that arrive on a kept-alive connection after close begins are admission calls like any
    // other: answer them (with `Connection: close`) rather than fail them with fastify's 503.
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(logger, connections.secured),
  });
  const refuser = createRefuser(logger, metrics);

  const bodies = new BodyBudget(options.bodyBytesInFlight ?? DEFAULT_BODY_BYTES_IN_FLIGHT);
  // Callback style: an async hook costs every request a promise and a microtask.
  app.addHook('preParsing', (request, reply, _payload, done) => {
    const body = bodies.admit(request.raw, reply.raw);
    if (body instanceof Error) done(body);
    else done(null, body);
  });
  app.removeAllContentTypeParsers();
  // Parsed by review.ts, which names what is wrong; fastify only enforces the type and the size.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  installErrorHandlers(app, refuser, logger, bodyLimit);
  // During the drain, tell each client to reconnect, so new connections go to ready replicas. Set on the
  // raw response as the request arrives, not in a fastify hook: a hook costs every request a trip
  // through fastify's hook runner, about 2% of the CPU under load.
  httpsServer.prependListener('request', (_request, response) => {
    if (draining) response.setHeader('connection', 'close');
  });
  if (requireClientCertificate) {
    // Callback style, not async: an async hook costs every request a promise and a microtask.
    app.addHook('onRequest', (request, reply, done) => {
      const refusal = clientCertificateRefusal(request);
      if (refusal === undefined) return done();
      // Closing the connection spares reading a body nobody will judge.
      refuser.refuse(request, reply.header('connection', 'close'), 401, 'client-certificate', refusal);
    });
  }

  registerAdmissionRoutes(app, { admission, logger, metrics, refuser, commit: options.commit ?? WRITTEN_AT_ONCE });
  registerHealthRoutes(app, {
    metrics,
    // openTlsSource resolves only once a pair has loaded, and a failed reload keeps the old one.
    readiness: () => ({ tls: true, cache: cacheReady(admission, logger), draining }),
  });

  let closing: Promise<void> | undefined;
  let endDrain: (() => void) | undefined;
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;

  return {
    metrics,
    fastify: app,
    async listen(listenOptions = {}) {
      await app.listen({ port: listenOptions.port ?? DEFAULT_PORT, host: listenOptions.host ?? '0.0.0.0' });
      const address = httpsServer.address() as AddressInfo;
      logger.info({ address: address.address, port: address.port, tls: tls.origin }, 'webhook server listening');
      return address;
    },
    close(closeOptions = {}) {
      if (closing !== undefined) {
        if (closeOptions.drainMs === 0) endDrain?.();
        return closing;
      }
      draining = true;
      const period = closeOptions.drainMs ?? drainMs;
      logger.info({ drainMs: period }, 'shutting down: not ready, draining');
      closing = (async () => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, period);
          endDrain = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        const deadline = setTimeout(() => {
          logger.warn({ closeTimeoutMs }, 'requests still in flight after the close timeout: cutting their connections');
          connections.destroyAll();
        }, closeTimeoutMs);
        // Past the drain no new connection is taken, and one still in its handshake carries no request yet.
        connections.destroyHandshaking();
        try {
          await app.close();
        } finally {
          clearTimeout(deadline);
          unsubscribe();
          tls.close();
        }
        logger.info('webhook server closed');
      })();
      return closing;
    },
  };
}

/**
 * `setSecureContext` resets every option it is not given (minVersion included) to Node's default,
 * so the same full set is passed at creation and at each swap.
 */
function secureOptions(material: TlsMaterial): ServerOptions {
  return { cert: material.cert, key: material.key, minVersion: 'TLSv1.2', ...(material.clientCa === undefined ? {} : { ca: material.clientCa }) };
}

function cacheReady(admission: Admission, logger: Logger): boolean {
  try {
    return admission.ready();
  } catch (err) {
    logger.error({ err }, 'readiness check failed');
    return false;
  }
}
