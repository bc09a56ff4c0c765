import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { deploymentMemoryLimit, memoryCgroup } from '../../bench/memory-limit.ts';
import { spawnNsguard } from '../../bench/spawn-server.ts';
import { writeTlsFiles } from '../../bench/tls-files.ts';

const MiB = 2 ** 20;

const deployment = (memory: string) => `
apiVersion: v1
kind: ServiceAccount
metadata: { name: nsguard }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: nsguard }
spec:
  template:
    spec:
      containers:
        - name: sidecar
          resources: { limits: { memory: 1Gi } }
        - name: nsguard
          resources: { limits: { memory: ${memory} } }
`;

t.test('the bench runs nsguard under the memory limit of the nsguard container in the Deployment', async (t) => {
  t.equal(await deploymentMemoryLimit(deployment('512Mi')), 512 * 2 ** 20);
  t.equal(await deploymentMemoryLimit(deployment('1Gi')), 2 ** 30);
  t.equal(await deploymentMemoryLimit(deployment('300M')), 300e6);
  t.equal(await deploymentMemoryLimit(deployment('"268435456"')), 268435456);
  const shipped = await deploymentMemoryLimit();
  t.ok(shipped >= 128 * 2 ** 20 && shipped <= 4 * 2 ** 30, `the shipped Deployment's limit (${shipped} bytes) is read`);
});

t.test('a limit the bench cannot read is an error that says what it found', async (t) => {
  await t.rejects(deploymentMemoryLimit(deployment('512MB')), /memory limit is "512MB": expected a quantity such as 512Mi/);
  await t.rejects(deploymentMemoryLimit('apiVersion: v1\nkind: Service\nmetadata: { name: x }\n'), /holds no Deployment/);
});

t.test("node started in the bench's cgroup sees its limit", async (t) => {
  const made = await memoryCgroup(256 * MiB);
  // Making a cgroup needs Linux and root; elsewhere the bench runs without a limit and says why.
  if (!('wrap' in made)) {
    t.match(made.unavailable, /\S/, `no cgroup on this machine: ${made.unavailable}`);
    return;
  }
  t.teardown(() => made.remove());
  const [file, ...args] = made.wrap([process.execPath, '-e', 'console.log(process.constrainedMemory())']);
  t.equal(Number(execFileSync(file as string, args, { encoding: 'utf8' }).trim()), 256 * MiB);
});

t.test('the bench reads the heap nsguard keeps after a full GC, through the inspector', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const tls = await writeTlsFiles(join(dir, 'tls'));
  const server = await spawnNsguard('examples/cluster.yaml', tls, join(dir, 'serve.log'), { inspect: true });
  t.teardown(() => server.stop());
  const retained = await server.retainedHeapBytes();
  t.ok(retained > 4 * MiB && retained < 256 * MiB, `retained heap ${(retained / MiB).toFixed(1)} MiB`);
});
