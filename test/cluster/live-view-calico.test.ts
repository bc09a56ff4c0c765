// Calico in the live view: discovery picks the API that serves Calico's kinds (the CRDs where they exist,
// else native projectcalico.org/v3), its policies and tiers are listed and watched into the state, and a
// cluster without either has no Calico view and is ready all the same.
import t from 'tap';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { startLiveView } from '../../src/cluster/live-view.ts';
import { CALICO_KINDS, CALICO_RESOURCES } from '../../src/policy/calico/calico-kinds.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { TestApiServer } from '../support/test-api-server.ts';
import { waitFor } from '../support/wait-for.ts';

/** Serve Calico's kinds as CRDs of one group. */
function serveCalico(server: TestApiServer, group: string, version: string): void {
  for (const kind of CALICO_KINDS) {
    const namespaced = kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy';
    server.store.register({ group, version, resource: CALICO_RESOURCES[kind], kind, namespaced, statusSubresource: false, tracksGeneration: true });
  }
}

async function start(t: { teardown(fn: () => unknown): void }, seed: (server: TestApiServer) => void) {
  const server = await TestApiServer.start();
  seed(server);
  const state = new ClusterState();
  const view = startLiveView({ kubeConfig: server.kubeConfig(), state, logger: captureLogs().logger, backoff: { initialMs: 1, maxMs: 20 } });
  t.teardown(async () => {
    await view.stop();
    await server.close();
  });
  await view.whenSynced();
  return { server, state, view };
}

const gnp = (apiVersion: string, name: string) => ({ apiVersion, kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { order: 10, egress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }] } });

t.test('without Calico APIs the view syncs and has no Calico objects', async (t) => {
  const { state, view } = await start(t, () => undefined);
  t.equal(state.calico(), undefined);
  t.same(view.stats().calico, {});
  t.equal(view.unready(), undefined);
});

t.test('the CRDs are listed and watched: policies, staged ones apart, and tiers; deletions follow', async (t) => {
  const { server, state, view } = await start(t, (server) => {
    serveCalico(server, 'crd.projectcalico.org', 'v1');
    server.store.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
    server.store.upsert(gnp('crd.projectcalico.org/v1', 'default.allow-dns'));
    server.store.upsert({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } });
    server.store.upsert({ apiVersion: 'crd.projectcalico.org/v1', kind: 'StagedNetworkPolicy', metadata: { name: 'default.lockdown', namespace: 'app' }, spec: { types: ['Egress'] } });
  });
  t.same(Object.keys(view.stats().calico).sort(), CALICO_KINDS.map((k) => `${CALICO_RESOURCES[k]}.crd.projectcalico.org/v1`).sort());
  const calico = state.calico();
  t.same(calico?.global.map((p) => [p.name, p.backendName, p.order]), [['allow-dns', 'default.allow-dns', 10]]);
  t.same(calico?.tiers.map((tier) => tier.name), ['security']);
  t.same(calico?.staged('app').map((p) => p.name), ['lockdown']);
  t.same(calico?.namespaced('app'), [], 'a staged policy is not enforced');

  server.store.upsert({ apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'default.isolate', namespace: 'app' }, spec: { ingress: [{ action: 'Allow' }] } });
  await waitFor(() => state.calico()?.namespaced('app').length === 1, 'the new policy watched in');
  server.store.remove('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', undefined, 'default.allow-dns');
  await waitFor(() => state.calico()?.global.length === 0, 'the deleted policy watched out');
});

t.test('native v3 CRDs are read where no crd.projectcalico.org group exists', async (t) => {
  const { state, view } = await start(t, (server) => {
    serveCalico(server, 'projectcalico.org', 'v3');
    server.store.upsert(gnp('projectcalico.org/v3', 'allow-dns'));
  });
  t.ok(Object.keys(view.stats().calico).every((r) => r.endsWith('.projectcalico.org/v3')));
  t.same(state.calico()?.global.map((p) => [p.name, p.backendName]), [['allow-dns', 'default.allow-dns']]);
});
