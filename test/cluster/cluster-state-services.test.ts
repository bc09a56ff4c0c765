import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import type { Service } from '../../src/policy/objects/model.ts';

const service = (namespace: string, name: string, clusterIPs: string[], selector: Record<string, string> | undefined = { app: name }): Service => ({
  namespace,
  name,
  clusterIPs,
  headless: false,
  externalName: undefined,
  selector,
  ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }],
});

t.test('a Service is found by name and by any spelling of each of its ClusterIPs', async (t) => {
  const s = new ClusterState();
  s.upsertService(service('shop', 'web', ['10.96.0.5', 'fd00:0:0:0::5']));
  t.equal(s.service('shop', 'web')?.name, 'web');
  t.equal(s.serviceWithClusterIp('10.96.0.5')?.name, 'web');
  t.equal(s.serviceWithClusterIp('FD00::5')?.name, 'web');
  t.equal(s.serviceWithClusterIp('10.96.0.6'), undefined);
  t.same(s.serviceNames('shop'), ['web']);
  t.same(s.serviceNames('other'), []);
});

t.test('a Service read again replaces the one before, and its old address leads nowhere', async (t) => {
  const s = new ClusterState();
  s.upsertService(service('shop', 'web', ['10.96.0.5']));
  s.upsertService(service('shop', 'web', ['10.96.0.7']));
  t.equal(s.serviceWithClusterIp('10.96.0.5'), undefined);
  t.equal(s.serviceWithClusterIp('10.96.0.7')?.name, 'web');
  // An address another Service took since stays with that one.
  s.upsertService(service('shop', 'api', ['10.96.0.7']));
  s.upsertService(service('shop', 'web', ['10.96.0.8']));
  t.equal(s.serviceWithClusterIp('10.96.0.7')?.name, 'api');
});

t.test("Services made from one chart share their selector and ports, and keep nothing of the caller's objects", async (t) => {
  const s = new ClusterState();
  const given = service('a', 'web', ['10.96.0.5']);
  s.upsertService(given);
  s.upsertService(service('b', 'web', ['10.96.0.6']));
  const [a, b] = [s.service('a', 'web') as Service, s.service('b', 'web') as Service];
  t.equal(a.selector, b.selector, 'one selector object');
  t.equal(a.ports, b.ports, 'one port list');
  t.not(a.selector, given.selector);
  t.ok(Object.isFrozen(a) && Object.isFrozen(a.ports));
});

t.test("a selector-less Service's slices are listed by name, whatever order they came in", async (t) => {
  const s = new ClusterState();
  for (const name of ['db-b', 'db-a']) s.upsertEndpointSlice({ namespace: 'shop', name, service: 'db', ports: [], addresses: [`192.0.2.${name === 'db-a' ? 1 : 2}`] });
  t.same(s.endpointSlices('shop', 'db').map((e) => e.name), ['db-a', 'db-b']);
  t.same(s.endpointSlices('shop', 'web'), []);
});
