// The test API server validates what the real apiserver validates, for every kind nsguard writes: each
// rule with the Kubernetes source it follows (NetworkPolicy, Lease, Event, ObjectMeta, patch options),
// and the field selectors `kubectl describe` lists Events with.
import t from 'tap';
import { CoreV1Api } from '@kubernetes/client-node';
import { causesOf, networkPolicy as policy, send } from '../support/test-api-requests.ts';
import { describeSelector } from '../support/test-api-selectors.ts';
import { TestApiServer } from '../support/test-api-server.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

async function start(tap: Tap): Promise<{ server: TestApiServer; core: CoreV1Api }> {
  const server = await TestApiServer.start();
  tap.teardown(() => server.close());
  return { server, core: server.kubeConfig().makeApiClient(CoreV1Api) };
}

// pkg/apis/networking/validation/validation.go (ValidateNetworkPolicy) and the apimachinery rules it calls.
const INVALID_POLICIES: { name: string; body: Record<string, unknown>; causes: RegExp[] }[] = [
  { name: 'the name is a DNS-1123 subdomain', body: policy('Allow_All', {}), causes: [/^metadata\.name: Invalid value: "Allow_All": a lowercase RFC 1123 subdomain/] },
  {
    name: 'label keys are qualified names and values 63 characters of [A-Za-z0-9-_.]',
    body: policy('p', {}, { labels: { 'bad key': 'x', ok: 'v'.repeat(64), 'a/b/c': 'x' } }),
    causes: [/^metadata\.labels: Invalid value: "bad key": name part must consist/, /^metadata\.labels\.ok: Invalid value: "v{64}": must be no more than 63 characters/, /^metadata\.labels: Invalid value: "a\/b\/c": a qualified name/],
  },
  {
    name: 'annotation keys are qualified names, 256 KiB in all',
    body: policy('p', {}, { annotations: { 'nsguard.io/': 'x', big: 'x'.repeat(256 * 1024) } }),
    causes: [
      /^metadata\.annotations: Invalid value: "nsguard\.io\/": name part must be non-empty/,
      /^metadata\.annotations: Invalid value: "nsguard\.io\/": name part must consist of/,
      /^metadata\.annotations: Too long: may not be more than 262144 bytes/,
    ],
  },
  {
    name: 'selector operators take values (In, NotIn) or none (Exists, DoesNotExist), and no other operator exists',
    body: policy('p', {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }, { key: 'app', operator: 'Exists', values: ['x'] }, { key: 'app', operator: 'Has' }, { key: 'bad key', operator: 'Exists' }] },
    }),
    causes: [
      /^spec\.podSelector\.matchExpressions\[0\]\.values: Required value: must be specified when `operator` is 'In' or 'NotIn'/,
      /^spec\.podSelector\.matchExpressions\[1\]\.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'/,
      /^spec\.podSelector\.matchExpressions\[2\]\.operator: Unsupported value: "Has": supported values: "In", "NotIn", "Exists", "DoesNotExist"/,
      /^spec\.podSelector\.matchExpressions\[3\]\.key: Invalid value: "bad key"/,
    ],
  },
  {
    name: 'ports are 1-65535 or an IANA service name; protocols TCP, UDP, SCTP',
    body: policy('p', { ingress: [{ ports: [{ port: 0 }, { port: 70000 }, { port: 'Web' }, { port: 'web--x' }, { protocol: 'ICMP' }] }] }),
    causes: [
      /^spec\.ingress\[0\]\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535, inclusive/,
      /^spec\.ingress\[0\]\.ports\[1\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/,
      /^spec\.ingress\[0\]\.ports\[2\]\.port: Invalid value: "Web": must contain only alpha-numeric characters/,
      /^spec\.ingress\[0\]\.ports\[3\]\.port: Invalid value: "web--x": must not contain consecutive hyphens/,
      /^spec\.ingress\[0\]\.ports\[4\]\.protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"/,
    ],
  },
  {
    name: 'endPort is at least port, and only after a numeric port',
    body: policy('p', { egress: [{ ports: [{ port: 443, endPort: 80 }, { port: 'https', endPort: 8443 }, { endPort: 8443 }] }] }),
    causes: [
      /^spec\.egress\[0\]\.ports\[0\]\.endPort: Invalid value: 80: must be greater than or equal to `port`/,
      /^spec\.egress\[0\]\.ports\[1\]\.endPort: Invalid value: 8443: may not be specified when `port` is non-numeric/,
      /^spec\.egress\[0\]\.ports\[2\]\.endPort: Invalid value: 8443: may not be specified when `port` is not specified/,
    ],
  },
  {
    name: 'an ipBlock is a CIDR with except strictly inside it, and stands alone in its peer; a peer names something',
    body: policy('p', {
      egress: [
        {
          to: [
            { ipBlock: { cidr: '10.0.0.0/33' } },
            { ipBlock: { cidr: '010.0.0.0/8' } },
            { ipBlock: { cidr: '10.0.0.1' } },
            { ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/24', '10.0.0.0/8', '10.1.0.0/16'] } },
            { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} },
            {},
          ],
        },
      ],
    }),
    causes: [
      /^spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr: Invalid value: "10\.0\.0\.0\/33": must be a valid CIDR value/,
      /^spec\.egress\[0\]\.to\[1\]\.ipBlock\.cidr: Invalid value: "010\.0\.0\.0\/8"/,
      /^spec\.egress\[0\]\.to\[2\]\.ipBlock\.cidr: Invalid value: "10\.0\.0\.1"/,
      /^spec\.egress\[0\]\.to\[3\]\.ipBlock\.except\[0\]: Invalid value: "11\.0\.0\.0\/24": must be a strict subset of `cidr`/,
      /^spec\.egress\[0\]\.to\[3\]\.ipBlock\.except\[1\]: Invalid value: "10\.0\.0\.0\/8": must be a strict subset of `cidr`/,
      /^spec\.egress\[0\]\.to\[4\]: Forbidden: may not specify both ipBlock and another peer/,
      /^spec\.egress\[0\]\.to\[5\]: Required value: must specify a peer/,
    ],
  },
  { name: 'policyTypes are Ingress and Egress', body: policy('p', { policyTypes: ['ingress'] }), causes: [/^spec\.policyTypes\[0\]: Unsupported value: "ingress": supported values: "Ingress", "Egress"/] },
  { name: 'at most two policyTypes', body: policy('p', { policyTypes: ['Ingress', 'Egress', 'Ingress'] }), causes: [/^spec\.policyTypes: Invalid value: .*: may not specify more than two policyTypes/] },
];

t.test('NetworkPolicies: the networking validation refuses each malformed field with 422 Invalid, and takes a valid policy', async (t) => {
  const { server, core } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'v' } } });
  const path = '/apis/networking.k8s.io/v1/namespaces/v/networkpolicies';
  for (const c of INVALID_POLICIES) {
    const { code, body } = await send(server, 'POST', path, c.body);
    t.equal(code, 422, `${c.name}: 422`);
    t.match(body, { kind: 'Status', reason: 'Invalid', details: { kind: 'NetworkPolicy', group: 'networking.k8s.io' } });
    t.match(body['message'], /^NetworkPolicy\.networking\.k8s\.io "[^"]*" is invalid: /);
    const causes = causesOf(body);
    t.equal(causes.length, c.causes.length, `${c.name}: ${causes.join(' | ')}`);
    c.causes.forEach((pattern, i) => t.match(causes[i], pattern, c.name));
  }
  t.same(server.store.list(server.store.resourceFor('networking.k8s.io/v1', 'NetworkPolicy') as never).items, [], 'nothing stored');

  const valid = policy('allow-web.v1', {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
    ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: {}, podSelector: {} }], ports: [{ port: 'http' }, { protocol: 'UDP', port: 5000, endPort: 5010 }, { protocol: 'SCTP' }] }],
    egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }] }],
    policyTypes: ['Ingress', 'Egress'],
  });
  t.equal((await send(server, 'POST', path, valid)).code, 201, 'a valid policy is created');
  const { code, body } = await send(server, 'PATCH', `${path}/allow-web.v1`, { spec: { ingress: [{ ports: [{ port: 0 }] }] } }, 'application/merge-patch+json');
  t.equal(code, 422, 'a patch is validated on its result');
  t.same(causesOf(body), ['spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']);
});

t.test('Leases: coordination validation, int32 and MicroTime decoding, and a PUT must name its resourceVersion', async (t) => {
  const { server, core } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'nsguard' } } });
  const path = '/apis/coordination.k8s.io/v1/namespaces/nsguard/leases';
  const lease = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', ...metadata }, spec });
  const refused = await send(server, 'POST', path, lease({ holderIdentity: 'a', leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: 'b' }));
  t.equal(refused.code, 422);
  t.same(causesOf(refused.body), [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    'spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined',
  ]);
  t.match(await send(server, 'POST', path, lease({ leaseDurationSeconds: 1.5 })), { code: 400, body: { reason: 'BadRequest', message: /int32/ } }, 'a fraction does not decode into an int32');
  t.match(await send(server, 'POST', path, lease({ renewTime: '2026-01-01T00:00:00.123Z' })), { code: 400, body: { message: /2006-01-02T15:04:05\.000000Z07:00/ } }, 'a MicroTime has six fractional digits');
  t.match(await send(server, 'POST', path, lease({}, { name: 'Leader' })), { code: 422, body: { message: /metadata\.name: Invalid value: "Leader"/ } });
  const created = await send(server, 'POST', path, lease({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00.123000Z', leaseTransitions: 0 }));
  t.equal(created.code, 201);
  const { resourceVersion: _rv, ...metadata } = created.body['metadata'] as Record<string, unknown>;
  t.match(await send(server, 'PUT', `${path}/l`, { ...created.body, metadata, spec: { holderIdentity: 'b' } }), {
    code: 422,
    body: { message: 'Lease.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update' },
  });
  t.equal((await send(server, 'PUT', `${path}/l`, { ...created.body, spec: { holderIdentity: 'b', leaseDurationSeconds: 15 } })).code, 200, 'with it, the update goes through');
});

t.test('Events: an Event about a cluster-scoped object without eventTime lives in default; events.k8s.io/v1 is strict', async (t) => {
  const { server, core } = await start(t);
  for (const name of ['default', 'shop']) await core.createNamespace({ body: { metadata: { name } } });
  const about = { apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: 'u-1' };
  const event = (namespace: string, fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Event', metadata: { generateName: 'shop.', namespace }, type: 'Normal', reason: 'Tested', message: 'm', ...fields });
  const inShop = await send(server, 'POST', '/api/v1/namespaces/shop/events', event('shop', { involvedObject: about }));
  t.equal(inShop.code, 422, 'not in the namespace the Event is about');
  t.same(causesOf(inShop.body), ['involvedObject.namespace: Invalid value: "": does not match event.namespace']);
  t.equal((await send(server, 'POST', '/api/v1/namespaces/default/events', event('default', { involvedObject: about }))).code, 201, 'in default');
  const pod = { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'shop' };
  t.equal((await send(server, 'POST', '/api/v1/namespaces/default/events', event('default', { involvedObject: pod }))).code, 422, 'an Event about a pod lives with the pod');
  t.equal((await send(server, 'POST', '/api/v1/namespaces/shop/events', event('shop', { involvedObject: pod }))).code, 201);
  const timed = await send(server, 'POST', '/api/v1/namespaces/shop/events', event('shop', { involvedObject: about, eventTime: '2026-01-01T00:00:00.000000Z' }));
  t.same(causesOf(timed.body), [
    'involvedObject.namespace: Invalid value: "": does not match event.namespace',
    'reportingController: Required value',
    'reportingController: Invalid value: "": name part must be non-empty',
    `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    'reportingInstance: Required value',
    'action: Required value',
  ], 'with eventTime: default or kube-system, and the reporting fields and action are required');

  let names = 0;
  const strict = (namespace: string, fields: Record<string, unknown>) => ({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: `shop.${++names}`, namespace }, regarding: about, type: 'Normal', reason: 'Tested', note: 'n', ...fields });
  const loose = await send(server, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', strict('default', { type: 'Info', deprecatedCount: 1 }));
  t.same(causesOf(loose.body), [
    'eventTime: Required value',
    'type: Invalid value: "": has invalid value: Info',
    'count: Invalid value: "": needs to be unset',
  ]);
  const reporting = { eventTime: '2026-01-01T00:00:00.000000Z', reportingController: 'nsguard.io/controller', reportingInstance: 'nsguard-0', action: 'Reconcile' };
  t.equal((await send(server, 'POST', '/apis/events.k8s.io/v1/namespaces/shop/events', strict('shop', reporting))).code, 422, 'still not in the namespace it is about');
  t.equal((await send(server, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', strict('default', reporting))).code, 201);
  t.equal((await send(server, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', strict('default', { ...reporting, reportingController: 'not a name' }))).code, 422, 'reportingController is a qualified name');
});

t.test("Events: the field selectors `kubectl describe` lists with, across namespaces; an unknown field label is a 400", async (t) => {
  const { server, core } = await start(t);
  for (const name of ['default', 'shop']) await core.createNamespace({ body: { metadata: { name } } });
  const post = (namespace: string, involvedObject: Record<string, unknown>, reason: string) =>
    send(server, 'POST', `/api/v1/namespaces/${namespace}/events`, { metadata: { generateName: 'e.', namespace }, involvedObject, reason, type: 'Normal', source: { component: 'nsguard' } });
  await post('default', { apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: 'new' }, 'AboutShop');
  await post('default', { apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: 'old' }, 'AboutAnEarlierShop');
  await post('default', { apiVersion: 'v1', kind: 'Namespace', name: 'cart', uid: 'c' }, 'AboutCart');
  await post('shop', { apiVersion: 'v1', kind: 'Pod', name: 'shop', namespace: 'shop' }, 'AboutAPodNamedShop');
  const list = async (path: string, selector: string): Promise<unknown[]> => {
    const { code, body } = await send(server, 'GET', `${path}?fieldSelector=${encodeURIComponent(selector)}`);
    t.equal(code, 200, selector);
    return (body['items'] as Record<string, unknown>[]).map((e) => e['reason']);
  };
  t.same(await list('/api/v1/events', describeSelector('Namespace', 'shop', '', 'new')), ['AboutShop'], 'kubectl describe namespace shop');
  t.same((await list('/api/v1/events', 'involvedObject.kind=Namespace,involvedObject.name=shop,involvedObject.namespace=')).sort(), ['AboutAnEarlierShop', 'AboutShop'], 'without the uid, every namespace ever named shop');
  t.same(await list('/api/v1/namespaces/shop/events', describeSelector('Pod', 'shop', 'shop', undefined)), ['AboutAPodNamedShop'], 'kubectl describe pod: that namespace only');
  t.same((await list('/api/v1/events', 'source=nsguard,reason!=AboutCart')).length, 3, 'source and reason');
  t.same(await list('/api/v1/events', 'type=Warning'), []);
  t.match(await send(server, 'GET', '/api/v1/events?fieldSelector=involvedObject.color%3Dred'), { code: 400, body: { message: 'field label not supported: involvedObject.color' } });
  t.match(await send(server, 'GET', '/api/v1/namespaces?fieldSelector=involvedObject.kind%3DNamespace'), { code: 400 }, 'Event fields only on Events');
});

t.test('server-side apply options: force only with apply, a fieldManager of at most 128 printable characters', async (t) => {
  const { server, core } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'ssa' } } });
  const path = '/apis/networking.k8s.io/v1/namespaces/ssa/networkpolicies/p';
  const applied = policy('p', {}, { namespace: 'ssa' });
  t.match(await send(server, 'PATCH', `${path}?force=true`, applied, 'application/apply-patch+yaml'), {
    code: 422,
    body: { message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch' },
  });
  t.match(await send(server, 'PATCH', `${path}?fieldManager=${'m'.repeat(129)}`, applied, 'application/apply-patch+yaml'), { code: 422, body: { message: /fieldManager: Too long: may not be more than 128 bytes/ } });
  t.equal((await send(server, 'PATCH', `${path}?fieldManager=nsguard&force=true`, applied, 'application/apply-patch+yaml')).code, 201);
  t.match(await send(server, 'PATCH', `${path}?force=true`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json'), {
    code: 422,
    body: { message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch' },
  });
  t.match(await send(server, 'PATCH', `${path}?fieldManager=nsguard`, applied, 'application/apply-patch+json'), { code: 415 }, 'apply is YAML (JSON is YAML too)');
});

t.test('Namespaces and every kind: names by kind (a namespace is a DNS label), metadata labels and finalizers', async (t) => {
  const { server } = await start(t);
  t.match(await send(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop.prod' } }), { code: 422, body: { message: /metadata\.name: Invalid value: "shop\.prod": a lowercase RFC 1123 label/ } });
  t.match(await send(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop', finalizers: ['example'] } }), { code: 422, body: { message: /neither a standard finalizer name nor is it fully qualified/ } });
  t.equal((await send(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop', labels: { 'example.com/team': 'a_b.c' }, finalizers: ['example.com/hold'] } })).code, 201);
  t.match(await send(server, 'POST', '/api/v1/namespaces/shop/configmaps', { metadata: { name: 'UPPER' } }), { code: 422, body: { message: /a lowercase RFC 1123 subdomain/ } });
  t.match(await send(server, 'POST', '/api/v1/namespaces/shop/events', { metadata: { name: '..' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'shop' } }), { code: 422, body: { message: /may not be '\.\.'/ } }, 'an Event name is at least a path segment');
});

t.test('server-side apply owns fields: foreign fields stay, a changed field owned by another manager conflicts unless forced, fields no longer applied go', async (t) => {
  const { server, core } = await start(t);
  await core.createNamespace({ body: { metadata: { name: 'ssa' } } });
  const path = '/apis/networking.k8s.io/v1/namespaces/ssa/networkpolicies/p';
  const get = async () => (await send(server, 'GET', path)).body;
  const apply = (config: Record<string, unknown>, force: boolean) => send(server, 'PATCH', `${path}?fieldManager=nsguard${force ? '&force=true' : ''}`, config, 'application/apply-patch+yaml');
  const edit = (patch: unknown) => send(server, 'PATCH', `${path}?fieldManager=kubectl-edit`, patch, 'application/merge-patch+json');
  const ingress = [{ from: [{ podSelector: {} }] }];
  const config = policy('p', { ingress }, { namespace: 'ssa', labels: { 'app.kubernetes.io/managed-by': 'nsguard', stale: 'x' } });
  t.equal((await apply(config, false)).code, 201);
  t.match((await get())['metadata'], {
    managedFields: [{ manager: 'nsguard', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {}, 'f:stale': {} } }, 'f:spec': { 'f:podSelector': {}, 'f:ingress': {} } } }],
  });

  await edit({ metadata: { labels: { team: 'a' } }, spec: { egress: [{}] } });
  t.equal((await apply(config, false)).code, 200, 'fields nobody else applied: no conflict');
  t.match(await get(), { metadata: { labels: { team: 'a' } }, spec: { egress: [{}] } }, "another manager's fields stay, whatever the applier applies");

  await edit({ spec: { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } });
  const conflict = await apply(config, false);
  t.match(conflict, { code: 409, body: { reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using networking.k8s.io/v1: .spec.ingress', details: { causes: [{ reason: 'FieldManagerConflict', field: '.spec.ingress' }] } } });
  t.equal((await apply(config, true)).code, 200, 'forced');
  const forced = await get();
  t.same((forced['spec'] as Record<string, unknown>)['ingress'], ingress, 'the field taken back');
  const owners = (forced['metadata'] as { managedFields: { manager: string; fieldsV1: Record<string, Record<string, unknown>> }[] }).managedFields;
  t.notOk('f:ingress' in (owners.find((e) => e.manager === 'kubectl-edit')?.fieldsV1['f:spec'] ?? {}), 'and no longer owned by the editor');

  const { stale: _stale, ...labels } = (config['metadata'] as { labels: Record<string, string> }).labels;
  await apply({ ...config, metadata: { ...(config['metadata'] as Record<string, unknown>), labels } }, false);
  t.same(((await get())['metadata'] as { labels: Record<string, string> }).labels, { 'app.kubernetes.io/managed-by': 'nsguard', team: 'a' }, "a label the applier stopped applying goes; the editor's stays");

  await edit({ spec: { podSelector: { matchLabels: { app: 'web' } } } });
  await apply({ ...config, metadata: { ...(config['metadata'] as Record<string, unknown>), labels } }, true);
  t.same((await get())['spec'], { podSelector: { matchLabels: { app: 'web' } }, ingress, egress: [{}], policyTypes: ['Ingress'] }, 'applying `podSelector: {}` leaves what another manager put inside it');
});
