import t from 'tap';
import { decide } from '../../src/policy/checks/decision.ts';
import { NO_FIELDS } from '../../src/policy/checks/finding-fields.ts';
import { shortPatch } from '../../src/webhook/audit-log.ts';
import { redact } from '../../src/log/redact.ts';
import { auditLines, startServer } from './harness.ts';
import { networkPolicy, policyDelete, policyUpdate } from './reviews.ts';

const FIELDS = [
  'level',
  'time',
  'app',
  'webhook',
  'uid',
  'operation',
  'kind',
  'namespace',
  'name',
  'user',
  'groups',
  'dryRun',
  'mode',
  'verdict',
  'allowed',
  'rules',
  'messages',
  'diff',
  'durationMs',
  'msg',
];

t.test('one audit line per decision, with exactly the contract fields', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => ({
    decision: decide('enforce', [{ rule: 'env-boundary', message: 'shop-prod would accept ingress from env=test', ...NO_FIELDS }], []),
  });
  await h.request({ path: '/validate', body: policyUpdate() });
  t.equal(h.logs.lines.length, 1, 'nothing else logged at info');
  const [line] = auditLines(h.logs);
  t.strictSame(Object.keys(line ?? {}), FIELDS);
  const { time, durationMs, ...stable } = line ?? {};
  t.type(time, 'number');
  t.type(durationMs, 'number');
  t.strictSame(stable, {
    level: 30,
    app: 'nsguard',
    webhook: 'validate',
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    operation: 'UPDATE',
    kind: 'NetworkPolicy.networking.k8s.io',
    namespace: 'shop-prod',
    name: 'allow-web',
    user: 'jane@example.com',
    groups: ['team-shop', 'system:authenticated'],
    dryRun: false,
    mode: 'enforce',
    verdict: 'denied',
    allowed: false,
    rules: ['env-boundary'],
    messages: ['[env-boundary] shop-prod would accept ingress from env=test'],
    // managedFields and resourceVersion changed too, but say nothing about the policy.
    diff: [{ op: 'add', path: '/spec/ingress/0/ports/1', value: { protocol: 'TCP', port: 9090 } }],
    msg: 'admission',
  });
});

t.test('a DELETE has no diff; namespace and name come from the outcome when it names them', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => ({ decision: decide('enforce', [], []), namespace: 'shop-prod', name: 'allow-web' });
  await h.request({ path: '/validate', body: policyDelete() });
  t.match(auditLines(h.logs)[0], { operation: 'DELETE', diff: null, namespace: 'shop-prod', name: 'allow-web' });
});

t.test('tokens and keys never reach the log', async (t) => {
  const h = await startServer(t, { logLevel: 'debug' });
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz';
  const review = policyUpdate() as { request: Record<string, unknown> };
  const object = networkPolicy({ ports: [8080, 9090], annotations: { 'example.com/api-token': 'hunter2-secret-value', note: `Bearer ${jwt}` } });
  h.admission.onValidate = () => ({ decision: decide('warn', [{ rule: 'dns-egress', message: `leaked ${jwt} here`, ...NO_FIELDS }], []) });
  await h.request({ path: '/validate', body: { ...review, request: { ...review.request, object } } });
  const text = JSON.stringify(h.logs.lines);
  t.notMatch(text, /hunter2/, 'value under a secret-sounding key');
  t.notMatch(text, /eyJhbGciOi/, 'JWT in a value and in a message');
  t.match(auditLines(h.logs)[0], { messages: ['[dns-egress] leaked [REDACTED] here'] });
  const detail = h.logs.lines.find((line) => line.msg === 'admission detail');
  t.ok(detail, 'detail is logged at debug');
  t.equal(detail?.level, 20);
});

t.test('at info no detail line is built', async (t) => {
  const h = await startServer(t);
  await h.request({ path: '/validate', body: policyUpdate() });
  t.strictSame(h.logs.lines.map((line) => line.msg), ['admission']);
});

t.test('the diff is capped and says how much was left out', async (t) => {
  const patch = Array.from({ length: 200 }, (_, i) => ({ op: 'add' as const, path: `/spec/ingress/${i}`, value: { from: [{ podSelector: { matchLabels: { app: `a${i}` } } }] } }));
  const diff = shortPatch(patch);
  t.ok(JSON.stringify(diff).length <= 2048 + 40);
  const last = diff.at(-1);
  t.equal(last?.op, 'more');
  t.equal((diff.length - 1) + Number(last?.value), 200);
  const long = shortPatch([{ op: 'replace', path: '/spec', value: { blob: 'y'.repeat(5000) } }]);
  t.match(long, [{ op: 'replace', path: '/spec', value: { blob: /^y+\.\.\.$/ } }]);
  t.ok(JSON.stringify(long).length < 300);
});

t.test('redact replaces values under secret-sounding keys, private keys and bearer tokens', async (t) => {
  t.strictSame(
    redact({
      password: 'p',
      nested: { clientSecret: 's', ok: 'fine', list: ['Bearer abcdefghijklmnop', 'plain'] },
      pem: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
    }),
    {
      password: '[REDACTED]',
      nested: { clientSecret: '[REDACTED]', ok: 'fine', list: ['[REDACTED]', 'plain'] },
      pem: '[REDACTED]',
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
    },
  );
  const polluted = redact(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  t.strictSame(Object.keys(polluted), ['__proto__']);
});

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz';

t.test('an error is logged redacted: its message, its stack, and nothing of its cause', async (t) => {
  const h = await startServer(t);
  h.admission.onValidate = () => {
    const err = new Error(`lookup failed with Bearer abcdefghijklmnop for ${JWT}: {"token": "s3cr3t-value", "password":"hunter2"}`, {
      cause: { body: 'apiKey=k3y-material', token: 'cause-secret' },
    });
    throw err;
  };
  const res = await h.request({ path: '/validate', body: policyUpdate() });
  t.match(res.json, { response: { allowed: false, status: { code: 500 } } });
  const text = JSON.stringify(h.logs.lines) + res.text;
  for (const secret of ['abcdefghijklmnop', 'eyJhbGciOi', 's3cr3t-value', 'hunter2', 'k3y-material', 'cause-secret']) {
    t.notOk(text.includes(secret), `${secret} is not logged nor answered`);
  }
  t.match(auditLines(h.logs)[0], { verdict: 'error', err: { type: 'Error', message: /^lookup failed with \[REDACTED\]/, stack: /^Error: lookup failed/ } });
});

t.test('token= and bearer= values in an annotation diff are redacted; so is access_token in a refused URL', async (t) => {
  const h = await startServer(t);
  const review = policyUpdate() as { request: Record<string, unknown> };
  const object = networkPolicy({ ports: [8080, 9090], annotations: { note: 'token=abc123xyz', other: 'bearer=xyz987abc' } });
  await h.request({ path: '/validate', body: { ...review, request: { ...review.request, object } } });
  const diff = (auditLines(h.logs)[0]?.['diff'] ?? []) as { path: string; value: unknown }[];
  t.strictSame(
    diff.filter((d) => d.path.startsWith('/metadata/annotations/')).map((d) => d.value),
    ['token=[REDACTED]', 'bearer=[REDACTED]'],
  );
  await h.request({ path: '/nowhere?access_token=qwertyuiop123', method: 'GET' });
  t.notOk(JSON.stringify(h.logs.lines).includes('qwertyuiop123'));
  t.match(h.logs.lines.at(-1), { msg: 'admission request refused', url: '/nowhere?access_token=[REDACTED]' });
});

t.test('whatever a client sends, an audit line stays under 64 KiB and says what was cut', async (t) => {
  const h = await startServer(t, { logLevel: 'debug' });
  const review = policyUpdate() as { request: Record<string, unknown> };
  const huge = 'u'.repeat(256 * 1024);
  const userInfo = { username: huge, groups: Array.from({ length: 10_000 }, (_, i) => `group-${i}-${huge.slice(0, 300)}`) };
  h.admission.onValidate = () => ({ decision: decide('enforce', Array.from({ length: 500 }, () => ({ rule: 'dns-egress' as const, message: huge, ...NO_FIELDS })), []) });
  const res = await h.request({ path: '/validate', body: { ...review, request: { ...review.request, uid: huge, userInfo } } });
  t.match(res.json, { response: { allowed: false } });
  const [line] = auditLines(h.logs);
  const size = JSON.stringify(line).length;
  t.ok(size < 64 * 1024, `the audit line is ${size} characters`);
  t.match(line, { user: /^u+\.\.\.$/, uid: /^u+\.\.\.$/, groups: { 32: '(9968 more)' }, messages: { 20: '(480 more)' } });
  const detail = h.logs.lines.find((l) => l.msg === 'admission detail');
  t.ok(JSON.stringify(detail).length < 64 * 1024, 'the debug line too');
});

t.test('an answer that needs a lookup first is answered when it settles, with its line; a failed lookup is an error denial', async (t) => {
  const h = await startServer(t);
  let settle: (value: ReturnType<typeof decide>) => void = () => undefined;
  h.admission.onValidate = () => new Promise((resolve) => (settle = (decision) => resolve({ decision })));
  const answered = h.request({ path: '/validate', body: policyUpdate('a-1') });
  await new Promise<void>((resolve) => {
    const poll = () => (h.admission.seen.length === 1 ? resolve() : setImmediate(poll));
    poll();
  });
  t.equal(auditLines(h.logs).length, 0, 'no line before the answer is known');
  settle(decide('enforce', [], []));
  t.match((await answered).json, { response: { uid: 'a-1', allowed: true } });
  h.admission.onValidate = () => Promise.reject(new Error('namespace shop-test could not be read: connection refused'));
  const failed = await h.request({ path: '/validate', body: policyUpdate('a-2') });
  t.match(failed.json, { response: { uid: 'a-2', allowed: false, status: { code: 500, message: /connection refused/ } } });
  t.match(auditLines(h.logs), [{ uid: 'a-1', verdict: 'allowed' }, { uid: 'a-2', verdict: 'error', allowed: false }]);
});
