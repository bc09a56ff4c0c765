import t from 'tap';
import { describeEndpoint } from '../../../src/policy/netpol/endpoint.ts';
import { ownerOf, serviceBackends, servicePort } from '../../../src/policy/netpol/service-backends.ts';
import type { Service } from '../../../src/policy/objects/model.ts';
import { clusterFrom } from '../../support/cluster.ts';

const pod = (ns: string, name: string, labels: string, ip: string, ports = ''): string => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { ${labels} } }
spec: { containers: [ { name: c, ports: [ ${ports} ] } ] }
status: { phase: Running, podIP: ${ip} }
`;

const CLUSTER = clusterFrom(
  [
    pod('shop', 'web-1', 'app: web, track: stable', '10.0.0.1', '{ name: http, containerPort: 8080 }'),
    pod('shop', 'web-2', 'app: web, track: stable', '10.0.0.2', '{ name: http, containerPort: 8080 }'),
    pod('shop', 'web-canary', 'app: web, track: canary', '10.0.0.3', '{ name: http, containerPort: 9090 }'),
    pod('shop', 'web-old', 'app: web, track: old', '10.0.0.4', '{ name: web, containerPort: 80 }'),
    pod('other', 'web-1', 'app: web', '10.0.1.1', '{ name: http, containerPort: 8080 }'),
    `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-1, namespace: shop, labels: { kubernetes.io/service-name: db } }
addressType: IPv4
ports: [ { name: sql, port: 5432 } ]
endpoints: [ { addresses: [ 10.0.0.1, 192.0.2.10 ] } ]
`,
  ].join(''),
);

const web: Service = { namespace: 'shop', name: 'web', clusterIPs: ['10.96.0.5'], headless: false, externalName: undefined, selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] };
const db: Service = { namespace: 'shop', name: 'db', clusterIPs: ['10.96.0.6'], headless: false, externalName: undefined, selector: undefined, ports: [{ name: 'sql', port: 5432, protocol: 'TCP', targetPort: 5432 }] };

const shown = (s: Service, port: Service['ports'][number] | undefined) => {
  const r = serviceBackends(CLUSTER, s, port);
  return { backends: r.backends.map((b) => [describeEndpoint(b.endpoint), b.port]), unreached: r.unreached.map((u) => [describeEndpoint(u.endpoint), u.why]) };
};

t.test("a named target port is looked up on each pod the selector picks, in the Service's namespace only", async (t) => {
  t.same(shown(web, web.ports[0]), {
    backends: [
      ['shop/web-canary', 9090],
      ['shop/web-1, shop/web-2', 8080],
    ],
    unreached: [['shop/web-old', 'no TCP container port named http']],
  });
});

t.test('a numbered target port is the same on every pod; no port asked: every selected pod, no port', async (t) => {
  t.same(shown(web, { name: 'http', port: 80, protocol: 'TCP', targetPort: 8000 }).backends.map((b) => b[1]), [8000, 8000, 8000]);
  t.same(shown(web, undefined).backends.map((b) => b[1]), [undefined, undefined, undefined]);
});

t.test("without a selector, the slices' addresses: a pod's is that pod, any other is outside the cluster", async (t) => {
  t.same(shown(db, db.ports[0]), { backends: [['shop/web-1', 5432], ['192.0.2.10', 5432]], unreached: [] });
  t.same(shown(db, { name: 'other', port: 1, protocol: 'TCP', targetPort: 1 }).backends, [], 'a port the slices do not list reaches nothing');
});

t.test('an address is the one pod holding it, or several in a stale dump, or none', async (t) => {
  const one = ownerOf(CLUSTER, '10.0.0.2');
  t.same(one.kind === 'pod' ? [describeEndpoint(one.endpoint), one.endpoint.kind === 'pod' && one.endpoint.group.count] : one, ['shop/web-2', 1], 'not the whole group it counts in');
  t.same(ownerOf(CLUSTER, '10.9.9.9'), { kind: 'none' });
  const stale = clusterFrom([pod('a', 'x', 'app: x', '10.0.0.7'), pod('b', 'y', 'app: y', '10.0.0.7')].join(''));
  const both = ownerOf(stale, '10.0.0.7');
  t.same(both.kind === 'pods' ? both.endpoints.map(describeEndpoint) : both, ['a/x', 'b/y']);
});

t.test('servicePort finds a port by number or name, of the protocol asked', async (t) => {
  const dns: Service = { ...web, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 5353 }] };
  t.equal(servicePort(dns, { port: 53, protocol: 'TCP' })?.name, 'dns-tcp');
  t.equal(servicePort(dns, { port: 'dns', protocol: 'UDP' })?.targetPort, 53);
  t.equal(servicePort(dns, { port: 'dns', protocol: 'TCP' }), undefined);
});
