// The Calico objects of a ClusterState: policies by kind, namespace and backend name (a projectcalico.org/v3
// object and its crd.projectcalico.org/v1 storage are one policy), and tiers by name. Few in any cluster,
// so kept whole; lists are sorted once per change, and the view of them is one object until the next
// change, so what a review derives from them can be cached by identity.
import type { CalicoObjects } from '../policy/objects/cluster-view.ts';
import type { CalicoPolicy, Tier } from '../policy/calico/model.ts';
import { KUBERNETES_POLICY_PREFIX, backendPolicyName } from '../policy/calico/policy-names.ts';
import { compareText } from './group-identity.ts';

/** Which of the four collections a policy lives in: its kind, and whether it is staged. */
export type CalicoPolicyKey = { readonly kind: CalicoPolicy['kind']; readonly staged: boolean };

const NONE: readonly CalicoPolicy[] = Object.freeze([]);
/** The namespace key of global policies. */
const GLOBAL = '';

class PolicyShelf {
  readonly #byNamespace = new Map<string, Map<string, CalicoPolicy>>();
  readonly #lists = new Map<string, readonly CalicoPolicy[]>();
  /** Kept, not counted: every review asks whether the cluster has any Calico object. */
  size = 0;

  put(namespace: string, policy: CalicoPolicy): void {
    let byName = this.#byNamespace.get(namespace);
    if (byName === undefined) this.#byNamespace.set(namespace, (byName = new Map()));
    if (!byName.has(policy.backendName)) this.size++;
    byName.set(policy.backendName, policy);
    this.#lists.delete(namespace);
  }

  delete(namespace: string, backendName: string): boolean {
    const byName = this.#byNamespace.get(namespace);
    if (byName?.delete(backendName) !== true) return false;
    this.size--;
    if (byName.size === 0) this.#byNamespace.delete(namespace);
    this.#lists.delete(namespace);
    return true;
  }

  list(namespace: string): readonly CalicoPolicy[] {
    let list = this.#lists.get(namespace);
    if (list === undefined) {
      const byName = this.#byNamespace.get(namespace);
      if (byName === undefined) return NONE;
      list = Object.freeze([...byName.values()].sort((a, b) => compareText(a.backendName, b.backendName)));
      this.#lists.set(namespace, list);
    }
    return list;
  }

  *entries(): Generator<readonly [string, CalicoPolicy]> {
    for (const [namespace, byName] of this.#byNamespace) for (const policy of byName.values()) yield [namespace, policy];
  }
}

export class CalicoStore {
  readonly #enforced = new PolicyShelf();
  readonly #staged = new PolicyShelf();
  readonly #tiers = new Map<string, Tier>();
  #view: CalicoObjects | undefined;

  /** The `knp.default.*` policies Calico lists for Kubernetes NetworkPolicies are never kept: they are those. */
  upsertPolicy(policy: CalicoPolicy): void {
    if (policy.backendName.startsWith(KUBERNETES_POLICY_PREFIX)) return;
    this.#shelf(policy.staged !== undefined).put(namespaceOf(policy), policy);
    this.#view = undefined;
  }

  /** `name` as either API group spells it. */
  deletePolicy(key: CalicoPolicyKey, namespace: string | undefined, name: string): void {
    if (this.#shelf(key.staged).delete(key.kind === 'NetworkPolicy' ? (namespace ?? '') : GLOBAL, backendPolicyName(name))) this.#view = undefined;
  }

  upsertTier(tier: Tier): void {
    this.#tiers.set(tier.name, tier);
    this.#view = undefined;
  }

  deleteTier(name: string): void {
    if (this.#tiers.delete(name)) this.#view = undefined;
  }

  /** Every policy of one collection, for a relist to find those that went away. */
  *policies(key: CalicoPolicyKey): Generator<CalicoPolicy> {
    for (const [, policy] of this.#shelf(key.staged).entries()) if (policy.kind === key.kind) yield policy;
  }

  tierNames(): Iterable<string> {
    return this.#tiers.keys();
  }

  get count(): number {
    return this.#enforced.size + this.#staged.size + this.#tiers.size;
  }

  objects(): CalicoObjects | undefined {
    if (this.count === 0) return undefined;
    this.#view ??= Object.freeze({
      tiers: Object.freeze([...this.#tiers.values()].sort((a, b) => compareText(a.name, b.name))),
      namespaced: (namespace: string) => this.#enforced.list(namespace),
      global: this.#enforced.list(GLOBAL),
      staged: (namespace: string | undefined) => this.#staged.list(namespace ?? GLOBAL),
    });
    return this.#view;
  }

  #shelf(staged: boolean): PolicyShelf {
    return staged ? this.#staged : this.#enforced;
  }
}

/** Namespaced policies under their namespace, global ones under '' (no namespace is named so). */
function namespaceOf(policy: CalicoPolicy): string {
  return policy.kind === 'NetworkPolicy' ? policy.namespace : GLOBAL;
}
