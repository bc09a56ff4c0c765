// The Calico flavour end to end: the leading replica applies the tier and the DNS GlobalNetworkPolicy
// into the Calico group the cluster serves, and restores the policy when someone deletes it.
import t from 'tap';
import { parseConfig } from '../../src/config/load-config.ts';
import { CALICO_KINDS, CALICO_RESOURCES } from '../../src/policy/calico/calico-kinds.ts';
import { ControllerHarness } from '../support/controller-harness.ts';
import { isObject } from '../support/test-api-object.ts';
import { waitFor } from '../support/wait-for.ts';

const config = parseConfig('flavour: calico\n', 'nsguard.yaml');

t.test('the leader writes the tier and the DNS policy into crd.projectcalico.org, and restores the policy', async (t) => {
  const h = await ControllerHarness.start(t);
  for (const kind of CALICO_KINDS) {
    const namespaced = kind === 'NetworkPolicy' || kind === 'StagedNetworkPolicy';
    h.server.store.register({ group: 'crd.projectcalico.org', version: 'v1', resource: CALICO_RESOURCES[kind], kind, namespaced, statusSubresource: false, tracksGeneration: true });
  }
  const tier = h.server.store.resourceFor('crd.projectcalico.org/v1', 'Tier');
  const gnp = h.server.store.resourceFor('crd.projectcalico.org/v1', 'GlobalNetworkPolicy');
  if (tier === undefined || gnp === undefined) throw new Error('the Calico CRDs are not served');
  const replica = h.startReplica({ config });
  await waitFor(() => h.server.store.get(gnp, undefined, 'nsguard.allow-dns') !== undefined, 'the DNS policy written');
  const spec = h.server.store.get(gnp, undefined, 'nsguard.allow-dns')?.['spec'];
  t.ok(isObject(spec) && spec['tier'] === 'nsguard', 'in the nsguard tier');
  t.same(h.server.store.get(tier, undefined, 'nsguard')?.['spec'], { order: 10000 });
  t.ok(replica.calls.some((c) => c.op === 'apply' && c.name === 'nsguard.allow-dns'));

  h.server.store.remove('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', undefined, 'nsguard.allow-dns');
  await waitFor(() => h.server.store.get(gnp, undefined, 'nsguard.allow-dns') !== undefined, 'the DNS policy restored');
});

t.test('without a Calico API the flavour writes nothing and says so', async (t) => {
  const h = await ControllerHarness.start(t);
  const replica = h.startReplica({ config });
  await waitFor(() => replica.lines.some((l) => String(l['msg']).includes('flavour calico, but the cluster serves no Calico API')), 'the error logged');
  t.notOk(replica.calls.some((c) => c.name === 'nsguard.allow-dns'));
});
