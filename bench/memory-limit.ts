// nsguard under the memory limit of its Deployment, as the kubelet runs it. Node reads the limit of
// its cgroup and V8 sizes its heap from it: with 512 MiB the heap may reach about 260 MiB, and V8
// collects before that; on this 24 GiB machine without a limit it sizes for 4 GiB and collects late,
// so RSS after load would measure the machine, not the deployment.
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const DEPLOYMENT = new URL('../manifests/base/deployment.yaml', import.meta.url);
const UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };

/** `resources.limits.memory` of the nsguard container in the base Deployment, in bytes. */
export async function deploymentMemoryLimit(text?: string): Promise<number> {
  const source = text ?? (await readFile(DEPLOYMENT, 'utf8'));
  for (const document of parseAllDocuments(source)) {
    const object = document.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { name?: string; resources?: { limits?: { memory?: unknown } } }[] } } } } | null;
    if (object?.kind !== 'Deployment') continue;
    const container = object.spec?.template?.spec?.containers?.find((c) => c.name === 'nsguard');
    const quantity = container?.resources?.limits?.memory;
    const match = typeof quantity === 'string' || typeof quantity === 'number' ? /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(String(quantity)) : null;
    if (match === null) throw new Error(`the nsguard container's memory limit is ${JSON.stringify(quantity)}: expected a quantity such as 512Mi`);
    return Number(match[1]) * (UNITS[match[2] ?? ''] as number);
  }
  throw new Error('manifests/base/deployment.yaml holds no Deployment');
}

export interface MemoryCgroup {
  readonly limitBytes: number;
  /** The command, started inside the cgroup. */
  wrap(command: readonly string[]): string[];
  /** Removes the cgroup once the processes in it have exited. */
  remove(): Promise<void>;
}

/**
 * A child of this process's own memory cgroup (v1 or v2) with the given limit, or the reason there is
 * none (not Linux, not root, no memory controller): the bench then says so and runs without a limit.
 */
export async function memoryCgroup(limitBytes: number): Promise<MemoryCgroup | { readonly unavailable: string }> {
  let own: string;
  try {
    own = await readFile('/proc/self/cgroup', 'utf8');
  } catch {
    return { unavailable: 'no /proc/self/cgroup' };
  }
  const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(own);
  const v2 = /^0::(.*)$/m.exec(own);
  const [dir, limitFile] =
    v1 !== null
      ? [join('/sys/fs/cgroup/memory', v1[1] as string, `nsguard-bench-${process.pid}`), 'memory.limit_in_bytes']
      : v2 !== null
        ? [join('/sys/fs/cgroup', v2[1] as string, `nsguard-bench-${process.pid}`), 'memory.max']
        : [undefined, undefined];
  if (dir === undefined || limitFile === undefined) return { unavailable: 'no memory cgroup' };
  try {
    await mkdir(dir);
    await writeFile(join(dir, limitFile), String(limitBytes));
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    return { unavailable: `cannot create a memory cgroup: ${(err as Error).message}` };
  }
  const procs = join(dir, 'cgroup.procs');
  return {
    limitBytes,
    // The shell joins the cgroup, then becomes the command: the process and all its threads are in it.
    wrap: (command) => ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', procs, ...command],
    async remove() {
      // The kernel lets an emptied cgroup go a moment after its last process exits.
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          return;
        } catch (err) {
          if (attempt >= 50) throw new Error(`could not remove the cgroup ${dir}: ${(err as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
}
