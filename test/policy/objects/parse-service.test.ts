import t from 'tap';
import type { EndpointSlice, Service } from '../../../src/policy/objects/model.ts';
import { parseEndpointSlice, parseService } from '../../../src/policy/objects/parse-service.ts';

const WHERE = 'state.yaml document 4';
const service = (spec: unknown): unknown => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'prod' }, spec });
const slice = (labels: Record<string, string>, rest: Record<string, unknown>): unknown => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'db-x1', namespace: 'prod', labels },
  addressType: 'IPv4',
  ...rest,
});

t.test('Services that parse, with the API defaults', async (t) => {
  const base = { namespace: 'prod', name: 'web', headless: false, externalName: undefined };
  const cases: { name: string; raw: unknown; expect: Service }[] = [
    {
      name: 'a named targetPort stays a name; an absent one is the port; the protocol defaults to TCP',
      raw: service({ clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00::20'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
      expect: {
        ...base,
        clusterIPs: ['10.96.0.20', 'fd00::20'],
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        ],
      },
    },
    {
      name: 'an object written before clusterIPs has its one clusterIP; an unnamed port has no name',
      raw: service({ clusterIP: '10.96.0.21', selector: { app: 'web' }, ports: [{ name: '', port: 8080, targetPort: 9090 }] }),
      expect: { ...base, clusterIPs: ['10.96.0.21'], selector: { app: 'web' }, ports: [{ name: undefined, port: 8080, protocol: 'TCP', targetPort: 9090 }] },
    },
    {
      name: 'clusterIP None is headless: no address of its own',
      raw: service({ clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ port: 3306 }] }),
      expect: { ...base, headless: true, clusterIPs: [], selector: { app: 'db' }, ports: [{ name: undefined, port: 3306, protocol: 'TCP', targetPort: 3306 }] },
    },
    {
      name: 'an empty selector is no selector: the endpoints are kept by someone else',
      raw: service({ clusterIP: '10.96.0.22', selector: {}, ports: [{ port: 443, targetPort: 6443 }] }),
      expect: { ...base, clusterIPs: ['10.96.0.22'], selector: undefined, ports: [{ name: undefined, port: 443, protocol: 'TCP', targetPort: 6443 }] },
    },
    {
      name: 'an ExternalName Service is an alias, with no address and no selector',
      raw: service({ type: 'ExternalName', externalName: 'db.example.com' }),
      expect: { ...base, clusterIPs: [], externalName: 'db.example.com', selector: undefined, ports: [] },
    },
    {
      name: 'a hand-written Service without spec has nothing but its name',
      raw: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'prod' } },
      expect: { ...base, clusterIPs: [], selector: undefined, ports: [] },
    },
  ];
  for (const c of cases) t.same(parseService(c.raw, WHERE), c.expect, c.name);
});

t.test('a bad Service field is an error naming the object and the field', async (t) => {
  const cases: { name: string; raw: unknown; message: string }[] = [
    { name: 'a targetPort that names no port', raw: service({ ports: [{ port: 80, targetPort: '8080' }] }), message: 'spec.ports[0].targetPort is "8080", expected a port number or a container port name' },
    { name: 'a port out of range', raw: service({ ports: [{ port: 0 }] }), message: 'spec.ports[0].port is 0, expected a port number from 1 to 65535' },
    { name: 'an unknown type', raw: service({ type: 'Headless' }), message: 'spec.type is "Headless", expected ClusterIP, NodePort, LoadBalancer, ExternalName' },
    { name: 'a clusterIP that is no address', raw: service({ clusterIP: '10.96.0.300' }), message: 'spec.clusterIP is "10.96.0.300", expected an IP address' },
    { name: 'a selector value that is not a string', raw: service({ selector: { app: 1 } }), message: 'spec.selector.app is 1, expected a string' },
  ];
  for (const c of cases) t.throws(() => parseService(c.raw, WHERE), { code: 'NSG_OBJECT_INVALID', message: `${WHERE}: Service prod/web: ${c.message}` }, c.name);
});

t.test('EndpointSlices: only those no selector explains are kept, with the addresses that take traffic', async (t) => {
  const cases: { name: string; raw: unknown; expect: EndpointSlice | undefined }[] = [
    {
      name: 'a selector-less Service: ready (or unset) endpoints, ports by name',
      raw: slice(
        { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' },
        {
          ports: [{ name: 'sql', port: 5432 }, { name: 'all' }],
          endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }, { addresses: ['192.0.2.11'] }, { addresses: ['192.0.2.12'], conditions: { ready: false } }],
        },
      ),
      expect: { namespace: 'prod', name: 'db-x1', service: 'db', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }], addresses: ['192.0.2.10', '192.0.2.11'] },
    },
    { name: "the EndpointSlice controller's: its endpoints are the selected pods", raw: slice({ 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, { endpoints: [{ addresses: ['10.0.0.1'] }] }), expect: undefined },
    { name: 'one of no Service', raw: slice({}, { endpoints: [{ addresses: ['10.0.0.1'] }] }), expect: undefined },
    { name: 'host names, which no NetworkPolicy judges', raw: slice({ 'kubernetes.io/service-name': 'db' }, { addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] }), expect: undefined },
  ];
  for (const c of cases) t.same(parseEndpointSlice(c.raw, WHERE), c.expect, c.name);
  t.throws(() => parseEndpointSlice(slice({ 'kubernetes.io/service-name': 'db' }, { endpoints: [{ addresses: ['db'] }] }), WHERE), {
    code: 'NSG_OBJECT_INVALID',
    message: `${WHERE}: EndpointSlice prod/db-x1: endpoints[0].addresses[0] is "db", expected an IP address`,
  });
});
