// GET /healthz (the process answers), GET /readyz (send admission traffic here), GET /metrics.
import type { FastifyInstance } from 'fastify';
import type { WebhookMetrics } from './metrics.ts';

export interface Readiness {
  readonly tls: boolean;
  readonly cache: boolean;
  readonly draining: boolean;
}

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { readonly readiness: () => Readiness; readonly metrics: WebhookMetrics },
): void {
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', (_request, reply) => {
    const checks = deps.readiness();
    const ready = checks.tls && checks.cache && !checks.draining;
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });
}
