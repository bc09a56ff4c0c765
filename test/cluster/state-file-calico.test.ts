// Calico kinds in state files: both API groups, streamed JSON and YAML alike; the two spellings of one
// policy are one policy, and the `knp.default.*` copies of Kubernetes policies are not kept.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadStateFile } from '../../src/cluster/load-state-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'nsguard-calico-state-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const items = [
  { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100, defaultAction: 'Pass' } },
  { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'allow-dns' }, spec: { order: 5, types: ['Egress'], egress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }] } },
  // The same policy as the CRD stores it: a later version replaces the first.
  { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'default.allow-dns' }, spec: { order: 6, types: ['Egress'], egress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }] } },
  { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'knp.default.allow-web', namespace: 'shop' }, spec: { selector: 'app == "web"' } },
  { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'security.lockdown', namespace: 'shop' }, spec: { tier: 'security', ingress: [{ action: 'Deny' }] } },
  { apiVersion: 'projectcalico.org/v3', kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'trial' }, spec: { stagedAction: 'Set' } },
];

const cases = [
  { name: 'a streamed JSON List', file: 'calico.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) },
  { name: 'multi-document YAML', file: 'calico.yaml', text: items.map((i) => JSON.stringify(i)).join('\n---\n') },
];

for (const c of cases) {
  t.test(`${c.name}: every Calico kind in either group, one object per policy, no knp.default copies`, async (t) => {
    const file = join(dir, c.file);
    writeFileSync(file, c.text);
    const { state, report } = await loadStateFile(file);
    t.equal(report.calico, items.length);
    const calico = state.calico();
    t.same(calico?.tiers.map((tier) => [tier.name, tier.order, tier.defaultAction]), [['security', 100, 'Pass']]);
    t.same(calico?.global.map((p) => [p.name, p.order]), [['allow-dns', 6]], 'the CRD spelling replaced the v3 one');
    t.same(calico?.namespaced('shop').map((p) => [p.name, p.tier]), [['security.lockdown', 'security']], 'knp.default.allow-web is not kept');
    t.same(calico?.staged(undefined).map((p) => p.name), ['trial']);
  });
}
