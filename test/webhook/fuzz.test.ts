// Fuzzing the HTTP endpoint with the real Admission on the example cluster (issue 13): generated
// apiserver-shaped reviews, then the same reviews mutated as a hostile client would (wrong types,
// missing and forged fields, deep nesting, huge arrays and strings, __proto__ keys, repeated keys,
// bytes that are not UTF-8). 10k requests a run. Invariants, per request:
// - the answer is an AdmissionReview (200) or a 4xx, and is what the same pipeline decides in-process;
// - an AdmissionReview comes with exactly one audit line, a 4xx with none;
// - never `allowed: true` for a review that is broken or forged, or for a mutation nsguard does not
//   read of a review whose honest form is denied;
// - no log line holds a secret the review carried.
import fc from 'fast-check';
import { Agent } from 'node:https';
import t from 'tap';
import { createAdmission } from '../../src/admission/admission.ts';
import { envelopeProblem } from '../../src/admission/envelope.ts';
import type { Admission } from '../../src/admission/types.ts';
import { parseReview } from '../../src/webhook/review.ts';
import { configWith, exampleCluster } from '../support/cluster.ts';
import { send, serveAdmission, type ClientResponse } from './harness.ts';

const state = exampleCluster();
const config = configWith();
const NAMESPACES = ['shop-prod', 'shop-test', 'payments-prod', 'kube-system', 'monitoring', 'default', 'nowhere'];
const NAMES = ['allow-web', 'nsguard-default-deny', 'nsguard-allow-dns', 'deny-all', 'x'];
const LABEL_KEYS = ['app', 'env', 'k8s-app', 'role', 'kubernetes.io/metadata.name', 'tier'];
const LABEL_VALUES = ['web', 'mysql', 'prod', 'test', 'kube-dns', 'monitoring', 'kube-system', 'shop-test', ''];

// Secrets in forms a log reader would recognise anywhere: these must never be logged as they are.
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6LXNlY3JldC1zdWJqZWN0In0.ZnV6ei1zaWduYXR1cmUtYnl0ZXM';
const SECRETS = ['FUZZBEARERSECRET', 'fuzz-signature-bytes', 'ZnV6ei1zaWduYXR1cmUtYnl0ZXM', 'FUZZPASSWORD', 'FUZZPRIVATEKEYBODY'];
const SECRET_TEXTS = [
  `Bearer FUZZBEARERSECRET`,
  JWT,
  'password=FUZZPASSWORD',
  '-----BEGIN PRIVATE KEY-----\nFUZZPRIVATEKEYBODY\n-----END PRIVATE KEY-----',
];

const USERS = [
  { username: 'alice@example.com', groups: ['tenants', 'system:authenticated'] },
  { username: 'root@example.com', groups: ['system:masters', 'system:authenticated'] },
  { username: 'system:serviceaccount:nsguard:nsguard', groups: ['system:serviceaccounts'] },
];

/** Mostly `usual`, now and then `odd`: invalid values, so most reviews still reach the checks. */
function rarely<T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: usual, weight: 30 }, { arbitrary: odd, weight: 1 });
}

const label = fc.record({ key: fc.constantFrom(...LABEL_KEYS), value: fc.constantFrom(...LABEL_VALUES) });
const matchLabels = fc.array(label, { maxLength: 3 }).map((ls) => Object.fromEntries(ls.map((l) => [l.key, l.value])));
const expression = rarely(
  fc.oneof(
    fc.record({ key: fc.constantFrom(...LABEL_KEYS), operator: fc.constantFrom('In', 'NotIn'), values: fc.array(fc.constantFrom(...LABEL_VALUES), { minLength: 1, maxLength: 3 }) }),
    fc.record({ key: fc.constantFrom(...LABEL_KEYS), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  ),
  fc.record({ key: fc.constantFrom('', 'app'), operator: fc.constantFrom('Bogus', 'Exists', 'In'), values: fc.array(fc.constantFrom(...LABEL_VALUES), { maxLength: 2 }) }),
);
const selector = fc.record({ matchLabels: matchLabels, matchExpressions: fc.array(expression, { maxLength: 2 }) }, { requiredKeys: [] });
const ipBlock = rarely(
  fc.oneof(
    fc.record({ cidr: fc.constantFrom('10.0.0.0/8', '0.0.0.0/0', '::/0', '10.96.0.10/32', '169.254.20.10/32', '192.168.1.0/24') }),
    fc.constant({ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }),
    fc.constant({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }),
  ),
  fc.record({ cidr: fc.constantFrom('300.1.1.1/33', 'not-a-cidr', '10.0.0.1', '10.0.0.0/8'), except: fc.constantFrom(['11.0.0.0/8'], ['garbage']) }),
);
const peer = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector: selector }),
  fc.record({ namespaceSelector: selector, podSelector: selector }),
  fc.record({ ipBlock }),
);
const port = rarely(
  fc.oneof(
    fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'), port: fc.constantFrom(53, 80, 443, 3306, 9090, 'dns', 'metrics', 'http') }, { requiredKeys: [] }),
    fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(53, 1000), endPort: fc.constantFrom(1000, 65535) }, { requiredKeys: ['port', 'endPort'] }),
  ),
  fc.record({ protocol: fc.constantFrom('ICMP', 'TCP'), port: fc.constantFrom(0, 70000, -1, '', 'metrics'), endPort: fc.constantFrom(1, 53) }, { requiredKeys: [] }),
);
const rule = (direction: 'from' | 'to') =>
  fc.record({ [direction]: fc.array(peer, { maxLength: 3 }), ports: fc.array(port, { maxLength: 3 }) }, { requiredKeys: [] });

interface PolicyObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
}

const policyIn = (namespace: string, name: string) =>
  fc
    .record(
      {
        podSelector: selector,
        policyTypes: rarely(fc.subarray(['Ingress', 'Egress']), fc.constant(['Sideways'])),
        ingress: fc.array(rule('from'), { maxLength: 3 }),
        egress: fc.array(rule('to'), { maxLength: 3 }),
      },
      { requiredKeys: ['podSelector'] },
    )
    .chain((spec) =>
      fc.record({ annotations: fc.dictionary(fc.constantFrom('note', 'api-token', 'example.com/reason'), fc.constantFrom(...SECRET_TEXTS, 'plain'), { maxKeys: 2 }) }).map(
        ({ annotations }): PolicyObject => ({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name, namespace, annotations, labels: name.startsWith('nsguard-') ? { 'app.kubernetes.io/managed-by': 'nsguard' } : {} },
          spec,
        }),
      ),
    );

type Review = { apiVersion: string; kind: string; request: Record<string, unknown> };

/** An AdmissionReview as the apiserver sends one for a NetworkPolicy write. */
const honestReview: fc.Arbitrary<Review> = fc
  .record({ namespace: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...NAMES), operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), user: fc.constantFrom(...USERS), dryRun: fc.boolean(), uid: fc.uuid() })
  .chain(({ namespace, name, operation, user, dryRun, uid }) =>
    fc.record({ object: policyIn(namespace, name), oldObject: policyIn(namespace, name) }).map(({ object, oldObject }) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
        resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
        name,
        namespace,
        operation,
        userInfo: user,
        object: operation === 'DELETE' ? null : object,
        oldObject: operation === 'CREATE' ? null : oldObject,
        dryRun,
      },
    })),
  );

/** What the pipeline decides in-process: the oracle the HTTP answer must equal. */
type Expected = { readonly status: 400 } | { readonly status: 200; readonly allowed: boolean; readonly error: boolean };

function expected(admission: Admission, body: Buffer): Expected {
  const parsed = parseReview(body);
  if (!parsed.ok) return { status: 400 };
  if (envelopeProblem('validate', parsed.request) !== undefined) return { status: 400 };
  try {
    const outcome = admission.validate(parsed.request);
    if (outcome instanceof Promise) throw new Error('the file view never looks up');
    return { status: 200, allowed: outcome.decision.allowed, error: false };
  } catch {
    return { status: 200, allowed: false, error: true };
  }
}

// Mutations of the parsed review a hostile client would make. `reads: false` marks the ones nsguard
// does not read: the verdict must not get better through them.
type Mutation = { readonly reads: boolean; apply(review: Review): void };

const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, [], {}, '', 0, -1, 1e308, true));
const paths = fc.array(fc.constantFrom('request', 'object', 'oldObject', 'metadata', 'spec', 'kind', 'name', 'namespace', 'operation', 'uid', 'userInfo', 'groups', 'ingress', 'egress', '0', 'podSelector', 'matchLabels', 'resource', 'annotations'), { minLength: 1, maxLength: 5 });

function at(root: Record<string, unknown>, path: readonly string[]): { parent: Record<string, unknown>; key: string } | undefined {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'object' && node !== null ? { parent: node as Record<string, unknown>, key: path.at(-1) as string } : undefined;
}

/** The review's request, unless an earlier mutation replaced it with something else. */
function requestOf(r: Review): Record<string, unknown> | undefined {
  return typeof r.request === 'object' && r.request !== null && !Array.isArray(r.request) ? r.request : undefined;
}

const nest = (depth: number, inner: unknown): unknown => {
  let value = inner;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { x: value } : [value];
  return value;
};

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: paths, value: anyJson }).map(({ path, value }) => ({
    reads: true,
    apply: (r: Review) => {
      const place = at(r as unknown as Record<string, unknown>, path);
      if (place !== undefined) place.parent[place.key] = value;
    },
  })),
  paths.map((path) => ({
    reads: true,
    apply: (r: Review) => {
      const place = at(r as unknown as Record<string, unknown>, path);
      if (place !== undefined) delete place.parent[place.key];
    },
  })),
  fc.record({ field: fc.constantFrom('namespace', 'name', 'operation', 'kind', 'resource', 'subResource', 'uid'), value: fc.oneof(anyJson, fc.constantFrom('shop-test', 'CONNECT', 'PATCH', 'x', SECRET_TEXTS[0] as string)) }).map(({ field, value }) => ({
    reads: true,
    apply: (r: Review) => {
      const request = requestOf(r);
      if (request !== undefined) request[field] = value;
    },
  })),
  fc.record({ depth: fc.integer({ min: 1, max: 90 }), where: fc.constantFrom('request', 'object', 'spec') }).map(({ depth, where }) => ({
    reads: where !== 'request',
    apply: (r: Review) => {
      const request = requestOf(r);
      const object = request?.['object'] as Record<string, unknown> | null | undefined;
      const target = where === 'request' ? request : where === 'object' ? object : (object?.['spec'] as Record<string, unknown> | null | undefined);
      if (target !== null && typeof target === 'object') target['nsguardFuzz'] = nest(depth, 'deep');
    },
  })),
  fc.record({ size: fc.integer({ min: 1000, max: 200_000 }), kind: fc.constantFrom('string', 'array', 'objects') }).map(({ size, kind }) => ({
    reads: false,
    apply: (r: Review) => {
      const request = requestOf(r);
      if (request !== undefined) request['nsguardFuzz'] = kind === 'string' ? 'z'.repeat(size) : kind === 'array' ? Array.from({ length: size / 10 }, (_, i) => i) : Array.from({ length: size / 100 }, () => ({}));
    },
  })),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => ({
    reads: false,
    apply: (r: Review) => {
      const request = requestOf(r);
      if (request !== undefined) Object.defineProperty(request, key, { value: { polluted: true, toString: 'x' }, enumerable: true, configurable: true, writable: true });
    },
  })),
  fc.constantFrom(...SECRET_TEXTS).map((secret) => ({
    reads: false,
    apply: (r: Review) => {
      const request = requestOf(r);
      if (request === undefined) return;
      request['options'] = { note: secret };
      const userInfo = request['userInfo'];
      if (typeof userInfo === 'object' && userInfo !== null) (userInfo as Record<string, unknown>)['extra'] = { token: [secret] };
    },
  })),
);

// Byte-level faults on the encoded review: a repeated key, a byte that is not UTF-8, a truncation.
const byteFault = fc.oneof(
  fc.constant((text: string) => Buffer.from(text.replace('"operation":', '"operation":"DELETE","operation":'))),
  fc.nat().map((n) => (text: string) => {
    const bytes = Buffer.from(text);
    const i = n % bytes.length;
    return Buffer.concat([bytes.subarray(0, i), Buffer.from([0xc3, 0x28]), bytes.subarray(i)]);
  }),
  fc.nat().map((n) => (text: string) => Buffer.from(text.slice(0, n % text.length))),
);

t.test('10k generated and mutated reviews: each answered as the pipeline decides, one audit line per answer, no forged allow, no secret logged', async (t) => {
  const admission = createAdmission({ view: () => state, config: () => config, unready: () => undefined });
  const h = await serveAdmission(t, admission, { logLevel: 'debug' });
  const agent = new Agent({ keepAlive: true, ca: h.ca.cert, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  let requests = 0;
  const failures: string[] = [];
  const seen = { refused: 0, allowed: 0, denied: 0, errors: 0 };

  const post = async (body: Buffer): Promise<ClientResponse> => {
    requests++;
    return send(h.port, h.ca.cert, { path: '/validate', rawBody: body, headers: { 'content-type': 'application/json' } }, agent);
  };

  /** The invariants for one request; returns the verdict seen (undefined for a 4xx). */
  const check = async (body: Buffer, honestDenied: boolean): Promise<boolean | undefined> => {
    const want = expected(admission, body);
    const before = h.logs.lines.length;
    const res = await post(body);
    const lines = h.logs.lines.slice(before);
    const logged = JSON.stringify(lines);
    const leaked = SECRETS.filter((secret) => logged.includes(secret));
    if (leaked.length > 0) failures.push(`secret logged: ${leaked.join(', ')} in ${logged.slice(0, 300)}`);
    const audit = lines.filter((line) => line['msg'] === 'admission');
    if (want.status === 400) {
      seen.refused++;
      if (res.status < 400 || res.status >= 500) failures.push(`expected a 4xx, got ${res.status}: ${res.text.slice(0, 200)}`);
      if (audit.length !== 0) failures.push(`a refusal wrote ${audit.length} audit lines`);
      return undefined;
    }
    const response = (res.json as { response?: { allowed?: unknown; status?: { code?: number } } } | undefined)?.response;
    if (res.status !== 200 || response === undefined) {
      failures.push(`expected an AdmissionReview, got ${res.status}: ${res.text.slice(0, 200)}`);
      return undefined;
    }
    if (audit.length !== 1) failures.push(`an answer wrote ${audit.length} audit lines`);
    if (response.allowed !== want.allowed) failures.push(`allowed ${String(response.allowed)}, the pipeline says ${String(want.allowed)}`);
    if (want.error && response.status?.code !== 500) failures.push('an error is not a retryable 500');
    if (want.error) seen.errors++;
    else if (want.allowed) seen.allowed++;
    else seen.denied++;
    if (honestDenied && response.allowed === true) failures.push(`a mutation nsguard does not read turned a denial into an allow: ${body.toString('utf8').slice(0, 300)}`);
    return response.allowed === true;
  };

  await fc.assert(
    fc.asyncProperty(honestReview, fc.array(mutation, { minLength: 1, maxLength: 3 }), byteFault, async (review, mutations, fault) => {
      const honest = Buffer.from(JSON.stringify(review));
      const allowed = await check(honest, false);
      const denied = allowed === false;
      // Mutations applied to a copy; only those nsguard does not read keep the honest verdict binding.
      const mutated = structuredClone(review);
      for (const m of mutations) m.apply(mutated);
      let text: string;
      try {
        text = JSON.stringify(mutated);
      } catch {
        text = '{"unserialisable":true}';
      }
      await check(Buffer.from(text), denied && mutations.every((m) => !m.reads));
      await check(fault(JSON.stringify(review)), false);
    }),
    { numRuns: 3400, seed: Number(process.env['NSGUARD_FUZZ_SEED'] ?? 20261201), endOnFailure: true },
  );
  t.ok(requests >= 10_000, `${requests} requests`);
  // The generators reach every outcome, or the invariants above would hold vacuously.
  for (const [outcome, count] of Object.entries(seen)) t.ok(count >= 100, `${count} ${outcome}`);
  t.strictSame(failures.slice(0, 10), [], `${failures.length} invariant failures`);
  t.equal((await h.request({ path: '/healthz' })).status, 200, 'still serving');
});
