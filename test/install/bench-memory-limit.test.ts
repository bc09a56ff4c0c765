import t from 'tap';
import { deploymentMemoryLimit } from '../../bench/memory-limit.ts';

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
