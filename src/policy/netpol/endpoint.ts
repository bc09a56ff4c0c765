import type { Budget } from '../checks/budget.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Labels, Namespace, PodGroup } from '../objects/model.ts';
import { describeLabels, sameLabels } from './selector.ts';
import { METADATA_NAME_LABEL } from './witness.ts';

/** One side of a path: a group of pods (real or witnessed) in its namespace, or an address outside. */
export type Endpoint =
  | { readonly kind: 'pod'; readonly group: PodGroup; readonly namespace: Namespace }
  | { readonly kind: 'external'; readonly ip: string };

/**
 * How an uncertain match is read. Pods whose IPs are unknown may sit anywhere in the pod CIDRs, and a
 * witness's named ports may resolve to any number: `must` counts such a match only when it holds
 * whatever the unknowns turn out to be (used to decide that DNS works), `may` when it holds for some
 * (used to decide that a forbidden path could be open).
 */
export type Reading = 'must' | 'may';

const MAX_NAMES = 3;

/** `prod/web-1, prod/web-2 and 4 more`, or `any pod labelled app=web in prod`. */
export function describeEndpoint(endpoint: Endpoint): string {
  if (endpoint.kind === 'external') return endpoint.ip;
  const { group, namespace } = endpoint;
  if (group.witness === true) {
    const where = namespace.witness === true ? namespace.name.slice(1, -1) : namespace.name;
    const labels = Object.keys(group.labels).length === 0 ? 'any pod' : `any pod labelled ${describeLabels(group.labels)}`;
    return `${labels} in ${where}`;
  }
  const shown = group.names.slice(0, MAX_NAMES).map((n) => `${group.namespace}/${n}`);
  const more = group.count - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** The namespace as the view knows it; a dump may hold pods or policies of a namespace it does not list. */
export function namespaceOf(view: ClusterView, name: string): Namespace {
  return view.namespace(name) ?? namespaceNamed(name);
}

/** A namespace known only by its name, with the label the apiserver puts on every namespace. */
export function namespaceNamed(name: string): Namespace {
  return { name, labels: { [METADATA_NAME_LABEL]: name }, annotations: {}, terminating: false };
}

export function podEndpoint(view: ClusterView, group: PodGroup): Endpoint {
  return { kind: 'pod', group, namespace: namespaceOf(view, group.namespace) };
}

/**
 * Endpoints without repeats; a witness is dropped when a real group with the same labels is in its
 * namespace. Real groups are told apart by identity: a view hands out one object per group for as long
 * as the group is unchanged, and a check may add every group of the cluster (a policy guarding DNS),
 * so a key string per group would cost more than the check itself.
 */
export class EndpointSet {
  readonly #budget: Budget | undefined;
  // Made on first use: a review makes a set per side and per namespace judged, most holding a few pods
  // and no addresses, and five empty collections each were a good part of what a review allocated.
  #real: Map<PodGroup, Endpoint> | undefined;
  #realByNamespace: Map<string, PodGroup[]> | undefined;
  /** In the order they came; `#witnessLabels` has the labels of each namespace's, to keep them once. */
  readonly #witnesses: Witness[] = [];
  #witnessLabels: Map<string, Set<string>> | undefined;
  #external: Map<string, Endpoint> | undefined;
  #lastLabels: Labels | undefined;
  #lastKey = '';

  constructor(budget?: Budget) {
    this.#budget = budget;
  }

  add(endpoint: Endpoint): void {
    this.#budget?.spend(1);
    if (endpoint.kind === 'external') {
      this.#external ??= new Map();
      if (!this.#external.has(endpoint.ip)) this.#external.set(endpoint.ip, endpoint);
      return;
    }
    const { group, namespace } = endpoint;
    if (group.witness === true) {
      // One peer's witnesses come in a row, a namespace each, sharing one labels object.
      if (group.labels !== this.#lastLabels) [this.#lastLabels, this.#lastKey] = [group.labels, describeLabels(group.labels)];
      const labels = this.#lastKey;
      this.#budget?.spend(labels.length);
      this.#witnessLabels ??= new Map();
      let seen = this.#witnessLabels.get(namespace.name);
      if (seen === undefined) this.#witnessLabels.set(namespace.name, (seen = new Set()));
      if (seen.has(labels)) return;
      seen.add(labels);
      this.#witnesses.push({ endpoint, labels });
      return;
    }
    this.#real ??= new Map();
    if (this.#real.has(group)) return;
    this.#real.set(group, endpoint);
    this.#realByNamespace ??= new Map();
    const inNamespace = this.#realByNamespace.get(namespace.name);
    if (inNamespace === undefined) this.#realByNamespace.set(namespace.name, [group]);
    else inNamespace.push(group);
  }

  /** Real pods first, so messages name running pods before hypothetical ones; then addresses. */
  get items(): readonly Endpoint[] {
    const found = this.#found();
    if (this.#witnesses.length === 0) return found;
    const byLabels = new Map<string, Map<string, PodGroup[]>>();
    const witnesses: Endpoint[] = [];
    for (const { endpoint, labels } of this.#witnesses) {
      const name = endpoint.namespace.name;
      const groups = this.#realByNamespace?.get(name) ?? [];
      let stands: boolean;
      // Many witnesses in a namespace of many groups: its groups are filed by their labels once, so
      // each witness looks up its own labels instead of being compared with every group.
      if (groups.length * ((this.#witnessLabels?.get(name)?.size ?? 0) - 1) <= FEW_COMPARISONS) {
        this.#budget?.spend(1 + groups.length);
        stands = groups.some((g) => sameLabels(g.labels, endpoint.group.labels));
      } else {
        let filed = byLabels.get(name);
        if (filed === undefined) {
          this.#budget?.spend(groups.length);
          filed = new Map();
          for (const g of groups) {
            const text = describeLabels(g.labels);
            this.#budget?.spend(text.length);
            const same = filed.get(text);
            if (same === undefined) filed.set(text, [g]);
            else same.push(g);
          }
          byLabels.set(name, filed);
        }
        const same = filed.get(labels) ?? [];
        this.#budget?.spend(1 + same.length);
        // describeLabels can read alike for different labels (a value holding a comma): compare.
        stands = same.some((g) => sameLabels(g.labels, endpoint.group.labels));
      }
      if (!stands) witnesses.push(endpoint);
    }
    return witnesses.length === 0 ? found : [...found, ...witnesses];
  }

  /** Real pods, then addresses. */
  #found(): Endpoint[] {
    const real = this.#real === undefined ? [] : [...this.#real.values()];
    return this.#external === undefined ? real : [...real, ...this.#external.values()];
  }
}

interface Witness {
  readonly endpoint: Endpoint & { readonly kind: 'pod' };
  /** describeLabels of its labels. */
  readonly labels: string;
}

/** Up to this many label comparisons per namespace, witnesses are compared with each group directly. */
const FEW_COMPARISONS = 64;
