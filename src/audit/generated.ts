// What the controller and the mutating webhook should have done to each namespace, compared with what
// the cluster holds: generated policies missing or drifted, namespaces never stamped, namespaces without
// an environment label, and the problems that keep a namespace from being generated as asked.
import { environmentOf } from '../policy/checks/environments.ts';
import { generationFor, isExempt, needsUpdate } from '../policy/generate/generation.ts';
import { namespaceStamp } from '../policy/generate/namespace-defaults.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config, Namespace } from '../policy/objects/model.ts';
import { isGenerated } from '../policy/objects/nsguard-metadata.ts';
import { finding, namespaceRef, policyRef } from './findings.ts';
import type { AuditFinding, GeneratedState } from './report.ts';

export interface GeneratedSection {
  readonly state: ReadonlyMap<string, GeneratedState & { readonly stamped: boolean }>;
  readonly findings: readonly AuditFinding[];
}

export function auditGenerated(view: ClusterView, config: Config, namespaces: readonly Namespace[]): GeneratedSection {
  const state = new Map<string, GeneratedState & { stamped: boolean }>();
  const findings: AuditFinding[] = [];
  for (const namespace of namespaces) {
    const { name } = namespace;
    const stamp = namespaceStamp(namespace, config, view);
    const unstamped = [...Object.keys(stamp.annotations).filter((k) => namespace.annotations[k] === undefined)];
    // A namespace the state file knows only by its pods or policies has no annotations to judge.
    const known = view.namespace(name) !== undefined;
    if (known && unstamped.length > 0) {
      findings.push(
        finding('namespace-unstamped', 'medium', name, `namespace ${name}`, `namespace ${name} lacks ${unstamped.join(' and ')}, which the mutating webhook stamps on creation: it was created while the webhook was not called (the controller backfills it once it runs)`, [namespaceRef(name)]),
      );
    }
    if (known && !isExempt(namespace, config) && environmentOf(namespace, config) === undefined) {
      findings.push(
        finding('namespace-env-label', 'medium', name, `namespace ${name}`, `namespace ${name} has no ${config.environmentLabel} label: no environment boundary applies to it, so it may reach and be reached from every environment`, [namespaceRef(name)]),
      );
    }
    // Judged as the controller would once it has stamped the namespace.
    const generation = generationFor({ ...namespace, annotations: { ...stamp.annotations, ...namespace.annotations } }, view, config);
    for (const problem of generation.problems) {
      findings.push(finding('generation-problem', 'medium', name, `namespace ${name}`, `namespace ${name}: ${problem.message} (${problem.reason})`, [namespaceRef(name)]));
    }
    const present = new Map(view.policies(name).filter(isGenerated).map((p) => [p.name, p]));
    const missing: string[] = [];
    const drifted: string[] = [];
    for (const desired of generation.policies) {
      const existing = present.get(desired.policy.name);
      if (existing === undefined) missing.push(desired.policy.name);
      else if (needsUpdate(existing, desired.policy)) drifted.push(desired.policy.name);
    }
    if (missing.length > 0) {
      findings.push(
        finding('generated-missing', 'high', name, `namespace ${name}`, `namespace ${name} is isolated (${generation.isolation}) but lacks the generated ${plural(missing, 'policy', 'policies')} ${missing.join(', ')}`, [namespaceRef(name)]),
      );
    }
    if (drifted.length > 0) {
      findings.push(
        finding('generated-drifted', 'high', name, `namespace ${name}`, `in namespace ${name} the generated ${plural(drifted, 'policy', 'policies')} ${drifted.join(', ')} ${drifted.length === 1 ? 'differs' : 'differ'} from what nsguard generates`, drifted.map((p) => policyRef(name, p))),
      );
    }
    state.set(name, { expected: generation.policies.map((d) => d.policy.name), missing, drifted, stamped: unstamped.length === 0 });
  }
  return { state, findings };
}

function plural(items: readonly unknown[], one: string, many: string): string {
  return items.length === 1 ? one : many;
}
