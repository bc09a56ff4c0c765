// The matrix is computed on classes of endpoints; here it is checked against every pair of namespaces
// and every pair of pods, judged one by one, on the example cluster and on generated ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { generateCluster } from '../../bench/generate-cluster.ts';
import { auditFile, CLUSTER, matrixMismatches } from './fixture.ts';

t.test('the example cluster', async (t) => {
  const { pairs, mismatches } = matrixMismatches(await auditFile(CLUSTER));
  t.same(mismatches, [], `each of ${pairs} namespace pairs agrees`);
});

t.test('generated clusters of tenants, in several seeds', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-matrix-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const seed of [1, 2, 3]) {
    const { file } = await generateCluster({ namespaces: 40, pods: 400, seed }, join(dir, `cluster-${seed}.json`));
    const { pairs, mismatches } = matrixMismatches(await auditFile(file));
    t.same(mismatches, [], `seed ${seed}: each of ${pairs} namespace pairs agrees`);
  }
});
