// The namespaces a change names, which its judgement reads by name: the namespace a policy lives in
// (its environment and mode), those its namespace selectors pick out by kubernetes.io/metadata.name, and
// a namespace's parent. A live view may not hold one yet (created between two watch events); the
// admission layer looks those up and overlays them (namespace-overlay.ts) before judging.
import type { Change } from '../objects/change.ts';
import type { Policy } from '../objects/model.ts';
import type { CalicoSelector } from '../calico/selector.ts';
import { namespaceSelectors } from './calico-endpoints.ts';
import { PARENT_ANNOTATION } from '../objects/nsguard-metadata.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';

export function namespacesNamed(change: Change): string[] {
  const names = new Set<string>();
  switch (change.kind) {
    case 'NetworkPolicy':
      names.add(change.namespace);
      for (const policy of [change.before, change.after]) if (policy !== undefined) for (const name of selectedByName(policy)) names.add(name);
      break;
    case 'Namespace': {
      const parent = change.after?.annotations[PARENT_ANNOTATION];
      if (parent !== undefined) names.add(parent);
      break;
    }
    case 'CalicoPolicy':
      if (change.namespace !== undefined) names.add(change.namespace);
      for (const policy of [change.before, change.after]) if (policy !== undefined) for (const selector of namespaceSelectors(policy)) for (const name of calicoNamesIn(selector)) names.add(name);
      break;
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
  return [...names];
}

/** Names a Calico namespaceSelector picks out: `kubernetes.io/metadata.name` or `projectcalico.org/name` by `==` or `in`. */
function calicoNamesIn(selector: CalicoSelector): string[] {
  switch (selector.op) {
    case 'eq':
      return NAME_KEYS.includes(selector.key) ? [selector.value] : [];
    case 'in':
      return NAME_KEYS.includes(selector.key) ? [...selector.values] : [];
    case 'and':
    case 'or':
      return selector.operands.flatMap(calicoNamesIn);
    default:
      return [];
  }
}

const NAME_KEYS = [METADATA_NAME_LABEL, 'projectcalico.org/name'];

/** matchLabels become `In [value]`, so one operator covers both ways of naming a namespace. */
function selectedByName(policy: Policy): string[] {
  return [...policy.ingress, ...policy.egress]
    .flatMap((rule) => rule.peers ?? [])
    .flatMap((peer) => (peer.kind === 'namespaces' ? peer.namespaceSelector.requirements : []))
    .flatMap((r) => (r.key === METADATA_NAME_LABEL && r.operator === 'In' ? r.values : []));
}
