// The floor: a fastify HTTPS server with nsguard's TLS files, body limit and raw-body parser, that
// answers every POST with one fixed AdmissionReview and logs nothing. Whatever nsguard takes beyond
// this is nsguard's own cost (parse, judge, audit line, metrics).
//
// `node bench/noop-server.ts --cert F --key F --response FILE` prints `{"port":N}` once listening.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({ options: { cert: { type: 'string' }, key: { type: 'string' }, response: { type: 'string' } } });
if (values.cert === undefined || values.key === undefined || values.response === undefined) throw new Error('usage: noop-server.ts --cert F --key F --response FILE');
const answer = await readFile(values.response, 'utf8');
const app = Fastify({ https: { cert: await readFile(values.cert), key: await readFile(values.key) }, logger: false, bodyLimit: 3 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/validate', (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(answer));
app.post('/mutate', (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(answer));
app.get('/readyz', (_request, reply) => reply.send('ok'));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }));
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
