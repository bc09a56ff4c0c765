import type { ClusterView } from './cluster-view.ts';
import type { Namespace, PodGroup } from './model.ts';
import { describeLabels } from './selector.ts';
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

/** The namespace as the view knows it; a dump may hold pods or policies of a namespace it does not list,
 * and such a namespace still carries the label the apiserver puts on every namespace. */
export function namespaceOf(view: ClusterView, name: string): Namespace {
  return view.namespace(name) ?? { name, labels: { [METADATA_NAME_LABEL]: name }, annotations: {}, terminating: false };
}

export function podEndpoint(view: ClusterView, group: PodGroup): Endpoint {
  return { kind: 'pod', group, namespace: namespaceOf(view, group.namespace) };
}

/** Endpoints without repeats; a witness is dropped when a real group with the same labels is there. */
export class EndpointSet {
  readonly #items: Endpoint[] = [];
  readonly #keys = new Set<string>();

  add(endpoint: Endpoint): void {
    const key = endpointKey(endpoint);
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    // A running group answers for the witness with its labels: add real groups before witnesses.
    if (endpoint.kind === 'pod' && endpoint.group.witness !== true) this.#keys.add(witnessKey(endpoint.namespace.name, endpoint.group.labels));
    this.#items.push(endpoint);
  }

  get items(): readonly Endpoint[] {
    // Real pods first, so messages name running pods before hypothetical ones.
    return [...this.#items.filter((e) => !isWitness(e)), ...this.#items.filter(isWitness)];
  }
}

function isWitness(e: Endpoint): boolean {
  return e.kind === 'pod' && e.group.witness === true;
}

function endpointKey(e: Endpoint): string {
  if (e.kind === 'external') return `ip:${e.ip}`;
  if (e.group.witness === true) return witnessKey(e.namespace.name, e.group.labels);
  return `p:${e.namespace.name}:${describeLabels(e.group.labels)}:${JSON.stringify(e.group.ports)}:${e.group.names.join(',')}:${e.group.ips.join(',')}`;
}

function witnessKey(namespace: string, labels: PodGroup['labels']): string {
  return `w:${namespace}:${describeLabels(labels)}`;
}
