// The request body bytes held across all connections at once. Each body is bounded (bodyLimit) and so is
// the number of connections, but not their product: 80 clients each sending 7 MiB less one byte and then
// stalling held 512 MiB until the request timeout, and the kernel killed the pod at its memory limit.
// Bytes are counted as they arrive, before fastify buffers them; a request that would take the total
// past the budget is refused (503, `bodies-in-flight`) and its connection closed.
import { Transform, type TransformCallback } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEFAULT_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export class BodyBudgetExceeded extends Error {
  readonly code = 'NSG_BODIES_IN_FLIGHT';
  readonly statusCode = 503;
}

export class BodyBudget {
  readonly limit: number;
  #held = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  /**
   * `payload` as fastify should read it: the same bytes, each counted against the budget until the
   * body has been read whole or the request ends otherwise, when they are given back.
   */
  meter(payload: IncomingMessage, response: ServerResponse): Transform {
    let mine = 0;
    const giveBack = (): void => {
      this.#held -= mine;
      mine = 0;
    };
    const budget = this;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        if (budget.#held + chunk.length > budget.limit) {
          payload.unpipe(meter);
          callback(new BodyBudgetExceeded(`nsguard is already receiving ${budget.limit} bytes of request bodies: try again`));
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
