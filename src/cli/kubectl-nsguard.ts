// `kubectl nsguard check|explain|generate|audit`: kubectl runs an executable named `kubectl-nsguard`
// found on the PATH with the rest of its command line (bin/kubectl-nsguard.js starts this). The same
// commands as `nsguard`, on the live cluster of the kubeconfig instead of a state file, with kubectl's
// --kubeconfig, --context and -n, and working within a tenant's RBAC (cluster-source.ts).
import { AUDIT, audit } from './audit.ts';
import { CHECK, check } from './check.ts';
import { KUBECTL_PLUGIN } from './cluster-source.ts';
import { EXPLAIN, explain } from './explain.ts';
import { GENERATE, generate } from './generate.ts';
import { processIo } from './io.ts';
import type { Program } from './main.ts';
import { run } from './main.ts';

export const PLUGIN: Program = {
  host: KUBECTL_PLUGIN,
  about: "nsguard on the cluster of your kubeconfig: judge a change before you apply it, see why a pod cannot reach another, preview a namespace's policies, audit what you can see.",
  commands: [
    { spec: CHECK, run: check },
    { spec: EXPLAIN, run: explain },
    { spec: GENERATE, run: generate },
    { spec: AUDIT, run: audit },
  ],
};

export function main(argv: readonly string[]): Promise<number> {
  return run(argv, processIo, PLUGIN);
}
