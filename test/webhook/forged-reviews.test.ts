// Reviews the apiserver never sends (issue 13): each is refused with a 400 that says what is wrong, one
// log line and no audit line, and never reaches the Admission; an ordinary review still passes.
import t from 'tap';
import { auditLines, startServer } from './harness.ts';
import { namespaceCreate, networkPolicy, policyCreateWithGenerateName, policyDelete, policyUpdate } from './reviews.ts';

type Review = { request: Record<string, unknown> };

function edit(review: Record<string, unknown>, change: (request: Record<string, unknown>) => void): Review {
  const copy = structuredClone(review) as Review;
  change(copy.request);
  return copy;
}

const withMetadata = (object: unknown, metadata: Record<string, unknown>) => {
  const o = object as { metadata: Record<string, unknown> };
  return { ...o, metadata: { ...o.metadata, ...metadata } };
};

const forged: { name: string; body: Review | string; message: RegExp }[] = [
  {
    name: 'CONNECT on a NetworkPolicy',
    body: edit(policyUpdate(), (r) => {
      r['operation'] = 'CONNECT';
      r['oldObject'] = null;
    }),
    message: /^request\.operation CONNECT is not an operation the apiserver sends for networkpolicies$/,
  },
  {
    name: 'request.namespace naming another namespace than the object',
    body: edit(policyUpdate(), (r) => {
      r['namespace'] = 'shop-test';
    }),
    message: /^request\.object\.metadata\.namespace is "shop-prod", but request\.namespace is "shop-test"$/,
  },
  {
    name: 'no request.namespace for a namespaced kind',
    body: edit(policyUpdate(), (r) => {
      delete r['namespace'];
    }),
    message: /^request\.namespace is missing: networkpolicies are namespaced$/,
  },
  {
    name: 'request.kind Namespace carrying a kind-less NetworkPolicy',
    body: edit(namespaceCreate('shop-prod'), (r) => {
      const { kind: _k, apiVersion: _a, ...object } = networkPolicy();
      r['object'] = object;
    }),
    message: /^request\.object is apiVersion missing kind missing, but request\.kind is core\/v1 Namespace$/,
  },
  {
    name: 'a DELETE whose oldObject is another policy than the one deleted',
    body: edit(policyDelete(), (r) => {
      r['oldObject'] = withMetadata(networkPolicy(), { name: 'harmless' });
    }),
    message: /^request\.oldObject\.metadata\.name is "harmless", but request\.name is "allow-web"$/,
  },
  {
    name: 'a DELETE with neither a name nor a named oldObject',
    body: edit(policyDelete(), (r) => {
      delete r['name'];
      r['oldObject'] = withMetadata(networkPolicy(), { name: '' });
    }),
    message: /^request\.name is missing and request\.oldObject has no metadata\.name$/,
  },
  {
    name: 'a DELETE with no oldObject',
    body: edit(policyDelete(), (r) => {
      r['oldObject'] = null;
    }),
    message: /^request\.oldObject is missing: the apiserver sends it on DELETE$/,
  },
  {
    name: 'a CREATE carrying an oldObject',
    body: edit(policyCreateWithGenerateName(), (r) => {
      r['oldObject'] = networkPolicy();
    }),
    message: /^request\.oldObject is set: the apiserver sends none on CREATE$/,
  },
  {
    name: 'a resource that is not the kind\'s',
    body: edit(policyUpdate(), (r) => {
      r['resource'] = { group: '', version: 'v1', resource: 'configmaps' };
    }),
    message: /^request\.resource .* is not the resource of request\.kind networking\.k8s\.io\/v1 NetworkPolicy \(networkpolicies\)$/,
  },
  {
    name: 'a subresource',
    body: edit(namespaceCreate('shop-prod'), (r) => {
      r['subResource'] = 'finalize';
    }),
    message: /^request\.subResource is "finalize": nsguard registers no subresource$/,
  },
  {
    name: 'a Namespace review whose request.namespace is another namespace',
    body: edit(namespaceCreate('shop-prod'), (r) => {
      r['namespace'] = 'kube-system';
    }),
    message: /^request\.namespace is "kube-system", but a Namespace review carries its own name there \("shop-prod"\)$/,
  },
  {
    name: 'a kind nsguard does not serve, 6 MiB long',
    body: edit(policyUpdate(), (r) => {
      r['kind'] = { group: 'x'.repeat(6 * 1024 * 1024), version: 'v1', kind: 'NetworkPolicy' };
    }),
    message: /^nsguard does not judge x{100,}\.\.\.: its webhook configurations register only/,
  },
  {
    name: 'duplicate keys',
    body: JSON.stringify(policyDelete()).replace('"operation":"DELETE"', '"operation":"DELETE","operation":"CREATE"'),
    message: /^the body repeats a key within an object$/,
  },
];

t.test('forged and inconsistent reviews are a 400 with one log line, never judged, never allowed', async (t) => {
  const h = await startServer(t);
  for (const c of forged) {
    const before = h.logs.lines.length;
    const res = typeof c.body === 'string'
      ? await h.request({ path: '/validate', rawBody: c.body, headers: { 'content-type': 'application/json' } })
      : await h.request({ path: '/validate', body: c.body });
    t.equal(res.status, 400, `${c.name}: 400`);
    t.match(res.json, { statusCode: 400, message: c.message }, `${c.name}: says what is wrong`);
    const lines = h.logs.lines.slice(before);
    t.equal(lines.length, 1, `${c.name}: one log line`);
    t.match(lines[0], { msg: 'admission request refused' }, `${c.name}: the refusal`);
    t.ok(JSON.stringify(lines[0]).length < 4096, `${c.name}: a short line`);
  }
  t.equal(h.admission.seen.length, 0, 'nothing reached the Admission');
  t.equal(auditLines(h.logs).length, 0, 'no audit line: nothing was decided');
  // An item of a DELETECOLLECTION (the namespace controller's) comes with the collection's empty name.
  const collectionItem = edit(policyDelete(), (r) => {
    delete r['name'];
  });
  for (const ok of [policyUpdate(), policyDelete(), policyCreateWithGenerateName(), collectionItem]) {
    t.equal((await h.request({ path: '/validate', body: ok })).status, 200, 'the apiserver\'s own reviews pass');
  }
  t.equal((await h.request({ path: '/mutate', body: namespaceCreate('shop-prod') })).status, 200);
  const misrouted = await h.request({ path: '/mutate', body: policyUpdate() });
  t.match(misrouted, { status: 400, json: { message: 'NetworkPolicy.networking.k8s.io reviews are not sent to /mutate: the webhook configuration is wrong' } });
});

t.test('bodies past the parse limits are refused before parsing, naming the limit', async (t) => {
  const h = await startServer(t);
  // 2.4 million `{}` in a field nothing reads: about 7 MiB, half a second of JSON.parse.
  const junk = JSON.stringify({ ...policyUpdate(), junk: '@' }).replace('"@"', `[${Array.from({ length: 2_400_000 }, () => '{}').join(',')}]`);
  const many = await h.request({ path: '/validate', rawBody: junk, headers: { 'content-type': 'application/json' } });
  t.match(many, { status: 400, json: { reason: 'json-limit', message: 'the body holds more than 1000000 JSON values: no AdmissionReview does' } });

  // An UPDATE whose object nests 5000 levels deep: more than a recursive diff survives.
  const deep = JSON.stringify(policyUpdate()).replace('"spec":{', `"extra":${'{"x":'.repeat(5000)}{}${'}'.repeat(5000)},"spec":{`);
  const tooDeep = await h.request({ path: '/validate', rawBody: deep, headers: { 'content-type': 'application/json' } });
  t.match(tooDeep, { status: 400, json: { reason: 'json-limit', message: 'the body nests deeper than 64 levels: no AdmissionReview does' } });

  const latin1 = Buffer.concat([Buffer.from(JSON.stringify(policyUpdate()).slice(0, -2)), Buffer.from([0xff]), Buffer.from('}}')]);
  const notUtf8 = await h.request({ path: '/validate', rawBody: latin1, headers: { 'content-type': 'application/json' } });
  t.match(notUtf8, { status: 400, json: { reason: 'invalid-json', message: 'the body is not valid UTF-8' } });
  t.equal(h.admission.seen.length, 0);
  t.match(await h.server.metrics.registry.metrics(), /nsguard_admission_rejected_reviews_total\{reason="json-limit"\} 2/);
});
