// The floors nsguard's throughput is measured against: a fastify HTTPS server with nsguard's TLS files,
// body limit and raw-body parser that answers every POST with one fixed AdmissionReview.
// - `--audit` off (the no-op floor): logs nothing. Whatever nsguard takes beyond it is nsguard's own
//   cost: parse, judge, audit line, metrics.
// - `--audit` on (the audited floor): parses the review and writes one synchronous pino line with the
//   audit fields before answering, deciding nothing: what any webhook keeping nsguard's audit contract
//   must pay, the honest reference for nsguard's judgement.
//
// `node bench/noop-server.ts --cert F --key F --response FILE [--audit]` logs `{"port":N}` once listening.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { pino } from 'pino';

const { values } = parseArgs({ options: { cert: { type: 'string' }, key: { type: 'string' }, response: { type: 'string' }, audit: { type: 'boolean', default: false } } });
if (values.cert === undefined || values.key === undefined || values.response === undefined) throw new Error('usage: noop-server.ts --cert F --key F --response FILE [--audit]');
const answer = await readFile(values.response, 'utf8');
const logger = pino({ base: { app: 'floor' } }, pino.destination({ dest: 1, sync: true }));
const app = Fastify({ https: { cert: await readFile(values.cert), key: await readFile(values.key) }, logger: false, bodyLimit: 3 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

interface Review {
  readonly request?: { uid?: string; operation?: string; kind?: { group?: string; kind?: string }; namespace?: string; name?: string; userInfo?: { username?: string; groups?: string[] }; dryRun?: boolean };
}

const started = (): number => performance.now();
const respond = values.audit
  ? (body: Buffer): string => {
      const t0 = started();
      const request = (JSON.parse(body.toString('utf8')) as Review).request ?? {};
      logger.info(
        {
          webhook: 'validate',
          uid: request.uid,
          operation: request.operation,
          kind: request.kind?.group === '' ? request.kind?.kind : `${request.kind?.kind}.${request.kind?.group}`,
          namespace: request.namespace ?? null,
          name: request.name ?? null,
          user: request.userInfo?.username,
          groups: request.userInfo?.groups ?? [],
          dryRun: request.dryRun ?? false,
          mode: 'enforce',
          verdict: 'allowed',
          allowed: true,
          rules: [],
          messages: [],
          diff: null,
          durationMs: performance.now() - t0,
        },
        'admission',
      );
      return answer;
    }
  : (): string => answer;

app.post('/validate', (request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(respond(request.body as Buffer)));
app.post('/mutate', (request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(respond(request.body as Buffer)));
app.get('/readyz', (_request, reply) => reply.send('ok'));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
logger.info({ port: typeof address === 'object' && address !== null ? address.port : 0 }, 'listening');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
