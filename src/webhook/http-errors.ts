// HTTP-level refusals (before any admission logic runs): one JSON body shape, one log line, one metric.
// The shape follows fastify's own errors (`statusCode`, `error`, `message`) plus a stable `reason`.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebhookMetrics } from './metrics.ts';
import { redactText } from '../log/redact.ts';

export type RefusalReason =
  | 'invalid-json'
  | 'json-limit'
  | 'invalid-review'
  | 'body-too-large'
  | 'bodies-in-flight'
  | 'unsupported-media-type'
  | 'bad-request'
  | 'request-timeout'
  | 'client-certificate'
  | 'not-found';

export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly reason: RefusalReason | 'internal-error';
  readonly message: string;
}

export function errorBody(statusCode: number, reason: ErrorBody['reason'], message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', reason, message: redactText(message) };
}

export interface Refuser {
  refuse(request: FastifyRequest, reply: FastifyReply, statusCode: number, reason: RefusalReason, message: string): FastifyReply;
}

export function createRefuser(logger: Logger, metrics: WebhookMetrics): Refuser {
  return {
    refuse(request, reply, statusCode, reason, message) {
      logger.warn({ reason, statusCode, method: request.method, url: redactText(request.url), remoteAddress: request.ip, detail: redactText(message) }, 'admission request refused');
      if (reason !== 'not-found') metrics.rejectReview(reason);
      return reply.code(statusCode).send(errorBody(statusCode, reason, message));
    },
  };
}

/** Maps fastify's body errors (size, content type, length) to the common shape; anything else is a bug. */
export function installErrorHandlers(app: FastifyInstance, refuser: Refuser, logger: Logger, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuser.refuse(request, reply, 413, 'body-too-large', `the body is larger than the limit of ${bodyLimit} bytes`);
      case 'NSG_BODIES_IN_FLIGHT':
        // Closed: the rest of a body nobody will read is not worth receiving.
        return refuser.refuse(request, reply.header('connection', 'close'), 503, 'bodies-in-flight', error.message);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refuser.refuse(request, reply, 415, 'unsupported-media-type', unsupportedMediaType(request.headers['content-type']));
      default:
        break;
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return refuser.refuse(request, reply, status, 'bad-request', error.message);
    logger.error({ err: error, method: request.method, url: redactText(request.url) }, 'unexpected error serving a request');
    return reply.code(500).send(errorBody(500, 'internal-error', 'nsguard internal error'));
  });
  app.setNotFoundHandler((request, reply) => refuser.refuse(request, reply, 404, 'not-found', `no route for ${redactText(request.method, 16)} ${request.url.split('?')[0] ?? ''}`));
}

export function unsupportedMediaType(contentType: string | undefined): string {
  return `content type ${contentType === undefined ? 'is missing' : JSON.stringify(contentType)}: an AdmissionReview is sent as application/json`;
}

/**
 * Errors Node raises before a request reaches fastify. Once a handler is registered (fastify always
 * registers one), Node leaves the socket to it, so every path here ends with the socket destroyed.
 * https.Server passes TLS failures here too (handshake timeout, bad handshake, reset before it ends):
 * no HTTP can be spoken on those, so they are destroyed at once; writing an answer would queue it
 * behind a handshake that never finishes, and the socket would stay open for good. A slow client or
 * malformed HTTP is answered as Node would, in the common shape, and logged once. Resets need no answer.
 */
export function clientErrorHandler(logger: Logger, secured: (socket: Socket) => boolean): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (!secured(socket)) {
      if (err.code !== 'ECONNRESET') logger.warn({ err, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
      socket.destroy();
      return;
    }
    if (err.code === 'ECONNRESET' || socket.destroyed) {
      socket.destroy();
      return;
    }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = timeout ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message = timeout ? 'the request was not received in time' : `malformed HTTP request (${err.code ?? err.message})`;
    logger.warn({ reason: timeout ? 'request-timeout' : 'bad-request', statusCode: status, remoteAddress: socket.remoteAddress, detail: redactText(err.message) }, 'admission request refused');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(errorBody(status, timeout ? 'request-timeout' : 'bad-request', message));
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    // end, not destroy: over TLS the answer is still being encrypted when write() returns. A peer that
    // never reads it is cut by the connection's idle timeout.
    socket.end(head + body, () => socket.destroy());
  };
}
