// The matrix is computed on classes of endpoints; here it is checked against every pair of namespaces
// and every pair of pods, judged one by one, on the example cluster and on generated ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { generateCluster } from '../../bench/generate-cluster.ts';
import { auditPaths } from '../../src/audit/paths.ts';
import { populate } from '../../src/audit/population.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { NO_PORTS, describePorts, isEmpty, union } from '../../src/policy/netpol/port-set.ts';
import type { PortSet } from '../../src/policy/netpol/port-set.ts';
import { auditFile, CLUSTER, CONFIG } from './fixture.ts';

async function compare(t: Test, file: string): Promise<void> {
  const { report, state } = await auditFile(file);
  const config = await loadConfig(CONFIG);
  const namespaces = report.namespaces.map((n) => state.namespace(n.name) ?? { name: n.name, labels: { 'kubernetes.io/metadata.name': n.name }, annotations: {}, terminating: false });
  const paths = auditPaths(state, config, namespaces.map((n) => n.name), undefined);
  const populations = populate(state, namespaces);
  const text = (ports: PortSet): string => (isEmpty(ports) ? 'none' : describePorts(ports));
  const groupOf = new Map(report.namespaces.map((n) => [n.name, n.matrixGroup]));
  const cells = new Map(report.matrix.cells.map((c) => [`${c.from}>${c.to}`, c.ports]));
  let pairs = 0;
  let mismatches: string[] = [];
  for (const a of populations) {
    const sources = [...a.running, a.newPod];
    for (const b of populations) {
      const destinations = [...b.running, b.newPod];
      let open: PortSet = NO_PORTS;
      for (const s of sources) for (const d of destinations) open = union(open, paths.openPorts(s, d, 'may'));
      if (a === b) {
        const inside = report.namespaces.find((n) => n.name === a.namespace.name)?.internal;
        if (inside?.ports !== text(open)) mismatches.push(`${a.namespace.name} inside: ${inside?.ports} vs ${text(open)}`);
        continue;
      }
      pairs++;
      const cell = cells.get(`${groupOf.get(a.namespace.name)}>${groupOf.get(b.namespace.name)}`) ?? 'none';
      if (cell !== text(open)) mismatches.push(`${a.namespace.name} → ${b.namespace.name}: classes say ${cell}, pods say ${text(open)}`);
    }
  }
  mismatches = mismatches.slice(0, 10);
  t.same(mismatches, [], `every one of ${pairs} namespace pairs agrees`);
  t.ok(report.matrix.groups.length <= report.namespaces.length);
}

t.test('the example cluster', async (t) => compare(t, CLUSTER));

t.test('generated clusters of tenants, in several seeds', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-matrix-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const seed of [1, 2, 3]) {
    const { file } = await generateCluster({ namespaces: 40, pods: 400, seed }, join(dir, `cluster-${seed}.json`));
    await t.test(`seed ${seed}`, async (t) => compare(t, file));
  }
});
