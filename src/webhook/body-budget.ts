// The request body bytes held across all connections at once. Each body is bounded (bodyLimit) and so is
// the number of connections, but not their product: 80 clients each sending 7 MiB less one byte and then
// stalling held 512 MiB until the request timeout, and the kernel killed the pod at its memory limit.
// Bytes are counted before fastify buffers them; a request that would take the total past the budget
// is refused (503, `bodies-in-flight`) and its connection closed.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEFAULT_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * Bodies declared this small are counted whole before a byte is read, with no stream in between: the
 * apiserver's reviews (a few KiB, always with a Content-Length, which Node holds the body to) pay one
 * addition. A meter stream per request cost about 14 µs of CPU per review under load.
 */
const COUNTED_WHOLE_UP_TO = 64 * 1024;

class BodyBudgetExceeded extends Error {
  readonly code = 'NSG_BODIES_IN_FLIGHT';
  readonly statusCode = 503;
}

export class BodyBudget {
  readonly #limit: number;
  #held = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * The stream fastify should read the body from, its bytes counted against the budget until the request
   * is over (or, for a metered one, its body read), when they are given back; an error when they do not fit.
   */
  admit(request: IncomingMessage, response: ServerResponse): Readable | BodyBudgetExceeded {
    // Without either header a request has no body (GETs, probes); Node refuses both headers together.
    const declared = request.headers['transfer-encoding'] === undefined ? Number(request.headers['content-length'] ?? 0) : Number.NaN;
    if (!(declared <= COUNTED_WHOLE_UP_TO)) return this.#meter(request, response);
    if (!this.#fits(declared)) return this.#exceeded();
    this.#held += declared;
    response.once('close', () => {
      this.#held -= declared;
    });
    return request;
  }

  #fits(bytes: number): boolean {
    return this.#held + bytes <= this.#limit;
  }

  #exceeded(): BodyBudgetExceeded {
    return new BodyBudgetExceeded(`nsguard is already receiving ${this.#limit} bytes of request bodies: try again`);
  }

  /** Larger bodies, and chunked ones, counted as their bytes arrive: a declared length costs the sender nothing. */
  #meter(payload: IncomingMessage, response: ServerResponse): Transform {
    let mine = 0;
    const giveBack = (): void => {
      this.#held -= mine;
      mine = 0;
    };
    const budget = this;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        if (!budget.#fits(chunk.length)) {
          payload.unpipe(meter);
          callback(budget.#exceeded());
          return;
        }
        budget.#held += chunk.length;
        mine += chunk.length;
        // fastify checks its body limit against what the stream it reads says it received.
        (meter as Transform & { receivedEncodedLength?: number }).receivedEncodedLength = mine;
        callback(null, chunk);
      },
    });
    // Back when the body has been read (the meter closes) or the request is over whichever way: a
    // client gone mid-body ends nothing downstream, and a body nobody reads (a 415, a 404) never ends.
    // The response's close is the one event every request ends with (fastify may answer a 413 without
    // reading the body, and then neither stream closes while the connection stays open).
    meter.once('close', giveBack);
    payload.once('close', giveBack);
    response.once('close', giveBack);
    // fastify reports the error when it reads the body; a meter nobody reads must not throw it.
    meter.on('error', () => undefined);
    payload.pipe(meter);
    return meter;
  }
}
