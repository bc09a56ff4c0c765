import type { ClusterView } from './cluster-view.ts';
import type { Namespace, PodGroup } from './model.ts';
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
  readonly #real = new Map<PodGroup, Endpoint>();
  readonly #realByNamespace = new Map<string, PodGroup[]>();
  readonly #witnesses = new Map<string, Endpoint & { readonly kind: 'pod' }>();
  readonly #external = new Map<string, Endpoint>();

  add(endpoint: Endpoint): void {
    if (endpoint.kind === 'external') {
      if (!this.#external.has(endpoint.ip)) this.#external.set(endpoint.ip, endpoint);
      return;
    }
    const { group, namespace } = endpoint;
    if (group.witness === true) {
      const key = `${namespace.name}\0${describeLabels(group.labels)}`;
      if (!this.#witnesses.has(key)) this.#witnesses.set(key, endpoint);
      return;
    }
    if (this.#real.has(group)) return;
    this.#real.set(group, endpoint);
    const inNamespace = this.#realByNamespace.get(namespace.name);
    if (inNamespace === undefined) this.#realByNamespace.set(namespace.name, [group]);
    else inNamespace.push(group);
  }

  /** Real pods first, so messages name running pods before hypothetical ones; then addresses. */
  get items(): readonly Endpoint[] {
    const witnesses = [...this.#witnesses.values()].filter(
      (w) => !(this.#realByNamespace.get(w.namespace.name) ?? []).some((g) => sameLabels(g.labels, w.group.labels)),
    );
    return [...this.#real.values(), ...this.#external.values(), ...witnesses];
  }
}
