// Namespace labels that decide what generated policies let in: the keys the templates' namespace
// selectors read (`role=monitoring` admits a namespace to every namespace's metrics port), the keys of
// exemptNamespaceSelector (an exempt namespace gets no policies) and the environment label. Whoever may
// set one on their namespace could join what it grants, so only nsguard and admins may (isolation-tamper.ts).
import type { Config, PolicyManifest, Selector } from '../objects/model.ts';
import { isFields } from '../objects/parse-fields.ts';
import { parseSelector } from '../objects/parse-selector.ts';
import { hasPlaceholder } from '../generate/templates.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';

export interface TrustedLabel {
  /** The values some selector matches, or 'any' when any value, or the label's absence, can matter. */
  readonly values: ReadonlySet<string> | 'any';
  /** What reads it, for messages: `template default (nsguard-allow-monitoring)`, `the environment checks`. */
  readonly readBy: readonly string[];
}

export type TrustedLabels = ReadonlyMap<string, TrustedLabel>;

export function trustedNamespaceLabels(config: Pick<Config, 'environmentLabel' | 'templates' | 'exemptNamespaceSelector'>): TrustedLabels {
  const trusted = new Map<string, { values: Set<string> | 'any'; readBy: string[] }>();
  const trust = (selector: Selector, readBy: string): void => {
    for (const r of selector.requirements) {
      // The apiserver sets it to the namespace's name on every write: nobody can choose it.
      if (r.key === METADATA_NAME_LABEL) continue;
      // In on fixed values matters only for those values; NotIn and DoesNotExist match the label's
      // absence, Exists any value, and a placeholder a different value in each namespace.
      const values = r.operator === 'In' && !r.values.some(hasPlaceholder) ? r.values : 'any';
      const entry = trusted.get(r.key) ?? { values: new Set<string>(), readBy: [] };
      entry.values = entry.values === 'any' || values === 'any' ? 'any' : new Set([...entry.values, ...values]);
      if (!entry.readBy.includes(readBy)) entry.readBy.push(readBy);
      trusted.set(r.key, entry);
    }
  };
  trust({ requirements: [{ key: config.environmentLabel, operator: 'Exists', values: [] }] }, 'the environment checks');
  if (config.exemptNamespaceSelector !== undefined) trust(config.exemptNamespaceSelector, 'exemptNamespaceSelector');
  for (const template of config.templates.values()) {
    for (const manifest of template.policies) for (const selector of namespaceSelectorsOf(manifest)) trust(selector, `template ${template.name} (${policyName(manifest)})`);
  }
  return trusted;
}

/** Whether a label going from `before` to `after` (undefined: absent) can change what `label` decides. */
export function touchesTrusted(label: TrustedLabel, before: string | undefined, after: string | undefined): boolean {
  if (before === after) return false;
  if (label.values === 'any') return true;
  return (before !== undefined && label.values.has(before)) || (after !== undefined && label.values.has(after));
}

/** The namespace selectors of a template policy's peers, as written (placeholders unfilled); validated when the config loaded. */
function namespaceSelectorsOf(manifest: PolicyManifest): Selector[] {
  const spec = isFields(manifest['spec']) ? manifest['spec'] : {};
  const ctx = { where: 'configuration', object: `template policy ${policyName(manifest)}` };
  return (
    [
      ['ingress', 'from'],
      ['egress', 'to'],
    ] as const
  ).flatMap(([direction, side]) => {
    const rules = Array.isArray(spec[direction]) ? (spec[direction] as unknown[]) : [];
    return rules.flatMap((rule, i) => {
      const peers = isFields(rule) && Array.isArray(rule[side]) ? (rule[side] as unknown[]) : [];
      return peers.flatMap((peer, j) =>
        isFields(peer) && peer['namespaceSelector'] !== undefined ? [parseSelector(peer['namespaceSelector'], `spec.${direction}[${i}].${side}[${j}].namespaceSelector`, ctx)] : [],
      );
    });
  });
}

function policyName(manifest: PolicyManifest): string {
  const metadata = manifest['metadata'];
  return isFields(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : '(unnamed)';
}
