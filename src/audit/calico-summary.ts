// What the cluster's Calico objects are, and what of them nsguard does not evaluate: features it does not
// model make their rules `maybe` (so paths through them are reported as possibly open, never surely
// closed), and staged policies enforce nothing.
import { policyRef } from '../policy/calico/model.ts';
import type { CalicoPolicy } from '../policy/calico/model.ts';
import { DEFAULT_TIER } from '../policy/calico/model.ts';
import type { CalicoObjects } from '../policy/objects/cluster-view.ts';
import { finding } from './findings.ts';
import type { AuditFinding, CalicoSummary } from './report.ts';

export interface CalicoSection {
  readonly summary: CalicoSummary;
  readonly findings: readonly AuditFinding[];
}

function describe(policy: CalicoPolicy): string {
  const ref = policyRef(policy);
  return ref.namespace === undefined ? `GlobalNetworkPolicy ${ref.name}` : `${ref.namespace}/${ref.name}`;
}

export function auditCalico(calico: CalicoObjects, namespaces: readonly string[]): CalicoSection {
  const namespaced = namespaces.flatMap((ns) => calico.namespaced(ns));
  const enforced = [...calico.global, ...namespaced];
  const staged = [...calico.staged(undefined), ...namespaces.flatMap((ns) => calico.staged(ns))];
  const tierNames = [...new Set([DEFAULT_TIER.name, ...calico.tiers.map((t) => t.name), ...enforced.map((p) => p.tier)])].sort();
  const tiers = tierNames.map((name) => {
    const tier = calico.tiers.find((t) => t.name === name) ?? (name === DEFAULT_TIER.name ? DEFAULT_TIER : { name, order: undefined, defaultAction: 'Deny' });
    return { name, order: tier.order ?? null, defaultAction: tier.defaultAction, policies: enforced.filter((p) => p.tier === name).length };
  });
  const notModelled = enforced.flatMap((p) => p.unmodelled.map((u) => ({ policy: describe(p), feature: u.feature, path: u.path })));
  const findings = enforced
    .filter((p) => p.unmodelled.length > 0)
    .map((p) =>
      finding(
        'calico-not-modelled',
        'low',
        p.kind === 'NetworkPolicy' ? p.namespace : null,
        describe(p),
        `${describe(p)} uses what nsguard does not evaluate (${p.unmodelled.map((u) => `${u.feature} at ${u.path}`).join(', ')}): paths through it are judged as possibly open`,
        [
          p.kind === 'NetworkPolicy'
            ? { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: p.namespace, name: p.name }
            : { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', name: p.name },
        ],
      ),
    );
  return {
    summary: {
      tiers,
      policies: namespaced.length,
      globalPolicies: calico.global.length,
      staged: staged.map((p) => ({ policy: describe(p), action: p.staged ?? 'Set' })),
      notModelled,
    },
    findings,
  };
}
