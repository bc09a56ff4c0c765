import { connect } from 'node:tls';
import t from 'tap';
import { decide } from '../../src/policy/checks/decision.ts';
import { startServer } from './harness.ts';
import { networkPolicy, policyUpdate } from './reviews.ts';

const review = policyUpdate() as { request: Record<string, unknown> };

function withRequest(change: Record<string, unknown>): Record<string, unknown> {
  return { ...review, request: { ...review.request, ...change } };
}

function bad(status: number, error: string, reason: string, message: string) {
  return { statusCode: status, error, reason, message };
}

const cases: { name: string; send: { rawBody?: string; body?: unknown; headers?: Record<string, string>; method?: string; path?: string }; status: number; body: unknown }[] = [
  {
    name: 'a body that is not JSON',
    send: { rawBody: 'this is not json', headers: { 'content-type': 'application/json' } },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-json', 'the body is not JSON: Unexpected token \'h\', "this is not json" is not valid JSON'),
  },
  {
    name: 'an empty JSON body',
    send: { rawBody: '', headers: { 'content-type': 'application/json' } },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-json', 'the body is not JSON: Unexpected end of JSON input'),
  },
  {
    name: 'a JSON array',
    send: { body: [] },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'the body is [], expected an object'),
  },
  {
    name: 'a v1beta1 review',
    send: { body: { ...review, apiVersion: 'admission.k8s.io/v1beta1' } },
    status: 400,
    body: bad(
      400,
      'Bad Request',
      'invalid-review',
      'apiVersion is "admission.k8s.io/v1beta1", expected "admission.k8s.io/v1" (nsguard serves AdmissionReview v1 only; set admissionReviewVersions: ["v1"])',
    ),
  },
  {
    name: 'another kind',
    send: { body: { ...review, kind: 'TokenReview' } },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'kind is "TokenReview", expected "AdmissionReview"'),
  },
  {
    name: 'no request',
    send: { body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' } },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'request is missing'),
  },
  {
    name: 'no uid',
    send: { body: withRequest({ uid: undefined }) },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'request.uid is missing'),
  },
  {
    name: 'an empty uid',
    send: { body: withRequest({ uid: '' }) },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'request.uid is empty'),
  },
  {
    name: 'an unknown operation',
    send: { body: withRequest({ operation: 'PATCH' }) },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'request.operation is "PATCH", expected one of CREATE, UPDATE, DELETE, CONNECT'),
  },
  {
    name: 'no request.kind',
    send: { body: withRequest({ kind: undefined }) },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'request.kind is missing'),
  },
  {
    name: 'groups that are not strings',
    send: { body: withRequest({ userInfo: { username: 'jane', groups: 'admins' } }) },
    status: 400,
    body: bad(400, 'Bad Request', 'invalid-review', 'request.userInfo.groups is "admins", expected a list of strings'),
  },
  {
    name: 'a text/plain body',
    send: { rawBody: JSON.stringify(review), headers: { 'content-type': 'text/plain' } },
    status: 415,
    body: bad(415, 'Unsupported Media Type', 'unsupported-media-type', 'content type "text/plain": an AdmissionReview is sent as application/json'),
  },
  {
    name: 'a body with no content type',
    send: { rawBody: JSON.stringify(review) },
    status: 415,
    body: bad(415, 'Unsupported Media Type', 'unsupported-media-type', 'content type is missing: an AdmissionReview is sent as application/json'),
  },
  {
    name: 'a POST with no body and no content type',
    send: { method: 'POST' },
    status: 415,
    body: bad(415, 'Unsupported Media Type', 'unsupported-media-type', 'content type is missing: an AdmissionReview is sent as application/json'),
  },
  {
    name: 'GET on an admission path',
    send: { method: 'GET' },
    status: 404,
    body: bad(404, 'Not Found', 'not-found', 'no route for GET /validate'),
  },
];

t.test('bad input gets a whole, exact JSON error, one log line, and the server keeps serving', async (t) => {
  const h = await startServer(t);
  for (const c of cases) {
    const before = h.logs.lines.length;
    const res = await h.request({ path: c.send.path ?? '/validate', ...c.send });
    t.equal(res.status, c.status, `${c.name}: status`);
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${c.name}: JSON`);
    t.strictSame(res.json, c.body, `${c.name}: body`);
    const lines = h.logs.lines.slice(before);
    t.equal(lines.length, 1, `${c.name}: one log line`);
    t.match(lines[0], { level: 40, msg: 'admission request refused', reason: (c.body as { reason: string }).reason }, `${c.name}: log line`);
  }
  t.equal(h.admission.seen.length, 0, 'nothing reached the Admission');
  const ok = await h.request({ path: '/validate', body: review });
  t.equal(ok.status, 200, 'still serving');
  const metrics = await h.server.metrics.registry.metrics();
  t.match(metrics, /nsguard_admission_rejected_reviews_total\{reason="invalid-review"\} 9/);
});

t.test('the default body limit takes an UPDATE of two 3 MiB objects and refuses more than 7 MiB', async (t) => {
  const h = await startServer(t);
  const big = (size: number) => ({ ...networkPolicy(), data: 'x'.repeat(size) });
  const threeMiB = 3 * 1024 * 1024 - 4096;
  const large = withRequest({ object: big(threeMiB), oldObject: big(threeMiB) });
  const accepted = await h.request({ path: '/validate', body: large });
  t.equal(accepted.status, 200, `${JSON.stringify(large).length} bytes accepted`);

  const tooLarge = JSON.stringify(withRequest({ object: big(4 * 1024 * 1024), oldObject: big(3 * 1024 * 1024) }));
  const refused = await h.request({ path: '/validate', rawBody: tooLarge, headers: { 'content-type': 'application/json' }, agent: false });
  t.equal(refused.status, 413);
  t.strictSame(refused.json, bad(413, 'Payload Too Large', 'body-too-large', 'the body is larger than the limit of 7340032 bytes'));
});

t.test('a client that stalls mid-body is answered 408 and cut off', async (t) => {
  const h = await startServer(t, { requestTimeoutMs: 300 });
  const socket = connect({ host: '127.0.0.1', port: h.port, ca: h.ca.cert, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  socket.write('POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const answer = Buffer.concat(chunks).toString('utf8');
  t.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  t.match(answer, /\{"statusCode":408,"error":"Request Timeout","reason":"request-timeout","message":"the request was not received in time"\}$/);
  t.match(h.logs.lines.at(-1), { level: 40, reason: 'request-timeout', msg: 'admission request refused' });
});

t.test('a throw while describing the judgement is still one AdmissionReview, a retryable error denial, and one audit line', async (t) => {
  const h = await startServer(t);
  // An outcome without a decision: building the response throws, after the Admission returned.
  h.admission.onValidate = () => ({ decision: undefined as never });
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz';
  const before = h.logs.lines.length;
  const res = await h.request({ path: `/validate?token=${jwt}`, body: review });
  t.equal(res.status, 200);
  t.match(res.json, { kind: 'AdmissionReview', response: { uid: (review.request as { uid: string }).uid, allowed: false, status: { code: 500, reason: 'InternalError' } } });
  const lines = h.logs.lines.slice(before);
  t.match(lines, [{ level: 50, msg: 'admission', verdict: 'error', allowed: false, err: { type: 'TypeError' } }]);
  t.notMatch(JSON.stringify(lines), /eyJhbGciOi/);
  h.admission.onValidate = () => ({ decision: decide('enforce', [], []) });
  t.equal((await h.request({ path: '/validate', body: review })).status, 200, 'still serving');
});

t.test('request bodies held across connections are bounded: past the budget a request is refused, and stalled bytes come back when the client goes', async (t) => {
  const h = await startServer(t, { bodyBytesInFlight: 64 * 1024 });
  const JSON_TYPE = { 'content-type': 'application/json' };
  const body = (bytes: number): string => JSON.stringify({ ...review, padding: 'x'.repeat(bytes) });

  // One body over the budget (under the body limit) is refused on its own, and the connection closed.
  const over = await h.request({ path: '/validate', rawBody: body(80 * 1024), headers: JSON_TYPE, agent: false });
  t.equal(over.status, 503);
  t.match(over.json, { statusCode: 503, reason: 'bodies-in-flight', message: 'nsguard is already receiving 65536 bytes of request bodies: try again' });
  t.equal(over.headers.connection, 'close');
  t.match(h.logs.lines.at(-1), { reason: 'bodies-in-flight', msg: 'admission request refused' });
  // Its bytes came back: a review fits again.
  t.equal((await h.request({ path: '/validate', body: review })).status, 200);
  // So do those of bodies nobody reads (refused for their content type, over a kept-alive connection).
  for (let i = 0; i < 4; i++) t.equal((await h.request({ path: '/validate', rawBody: body(40 * 1024), headers: { 'content-type': 'text/plain' } })).status, 415);
  t.equal((await h.request({ path: '/validate', rawBody: body(40 * 1024), headers: JSON_TYPE })).status, 200);

  // A chunked body declares no length: it is counted as it arrives, and refused alike.
  const chunked = connect({ host: '127.0.0.1', port: h.port, ca: h.ca.cert, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => chunked.once('secureConnect', resolve).once('error', reject));
  const payload = body(80 * 1024);
  chunked.write(`POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n0\r\n\r\n`);
  const answer: Buffer[] = [];
  chunked.on('data', (chunk: Buffer) => answer.push(chunk));
  await new Promise<void>((resolve) => chunked.once('close', () => resolve()));
  t.match(Buffer.concat(answer).toString('utf8'), /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*"reason":"bodies-in-flight"/);

  // A client that sends 40 KiB of a body and stalls holds them: another 40 KiB body no longer fits...
  const stalled = connect({ host: '127.0.0.1', port: h.port, ca: h.ca.cert, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => stalled.once('secureConnect', resolve).once('error', reject));
  stalled.write(`POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n${'x'.repeat(40 * 1024)}`);
  const untilStatus = async (status: number): Promise<number> => {
    // Each attempt is a whole request, awaited: the server counts the stalled bytes (or frees them) in its own time.
    for (let attempt = 1; attempt <= 200; attempt++) if ((await h.request({ path: '/validate', rawBody: body(40 * 1024), headers: JSON_TYPE, agent: false })).status === status) return attempt;
    return Infinity;
  };
  t.ok(Number.isFinite(await untilStatus(503)), 'refused while the stalled body is held');
  // ...until that client goes: its bytes come back without waiting for the request timeout.
  stalled.destroy();
  t.ok(Number.isFinite(await untilStatus(200)), 'answered once the stalled client is gone');
});

t.test('bodies refused for their size give their bytes back, though the connection stays open', async (t) => {
  const h = await startServer(t, { bodyBytesInFlight: 64 * 1024, bodyLimit: 16 * 1024 });
  const json = { 'content-type': 'application/json' };
  // Ten times past the budget if each 413 kept what was read of it.
  for (let i = 0; i < 10; i++) t.equal((await h.request({ path: '/validate', rawBody: JSON.stringify({ ...review, padding: 'x'.repeat(20 * 1024) }), headers: json })).status, 413);
  t.equal((await h.request({ path: '/validate', rawBody: JSON.stringify({ ...review, padding: 'x'.repeat(12 * 1024) }), headers: json })).status, 200);
});
