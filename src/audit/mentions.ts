// What the policies of a cluster look at when they match a peer: label keys (with the values they
// name), address ranges and container port names. Whatever no policy names cannot tell two endpoints
// apart, which is what lets the audit judge classes of endpoints instead of every pod.
import type { Cidr } from '../policy/objects/model.ts';

/**
 * Per label key, the values selectors compare it with; `any` when the value itself matters (Calico's
 * `contains`, `starts with`, `ends with`). A key with no values is only tested for presence.
 */
export type LabelMentions = Map<string, Set<string> | 'any'>;

/** Namespace name in Calico's selectors (`projectcalico.org/namespace`), read from the namespace itself. */
export const NAMESPACE_NAME_KEY = '\u0000name';

export interface Mentions {
  readonly namespaceLabels: LabelMentions;
  readonly podLabels: LabelMentions;
  /** Every CIDR a peer names, `except` ranges included: addresses are told apart by which they fall in. */
  readonly cidrs: Cidr[];
  readonly portNames: Set<string>;
}

export function emptyMentions(): Mentions {
  return { namespaceLabels: new Map(), podLabels: new Map(), cidrs: [], portNames: new Set() };
}

export function addSelectorMentions(labels: LabelMentions, key: string, values: Iterable<string> | 'any'): void {
  const known = labels.get(key);
  if (known === 'any') return;
  if (values === 'any') {
    labels.set(key, 'any');
    return;
  }
  const set = known ?? new Set<string>();
  for (const value of values) set.add(value);
  labels.set(key, set);
}

export function addCidrMentions(mentions: Mentions, cidrs: readonly Cidr[]): void {
  for (const cidr of cidrs) if (!mentions.cidrs.some((c) => c.text === cidr.text)) mentions.cidrs.push(cidr);
}

/**
 * A short key per distinct content of a value (rules, a Calico policy), so endpoints whose policies hold
 * equal rules share a class. Values are immutable: each object's key is computed once.
 */
export class ContentKeys {
  readonly #byObject = new WeakMap<object, string>();
  readonly #byContent = new Map<string, string>();

  of(value: object): string {
    let key = this.#byObject.get(value);
    if (key === undefined) {
      const content = JSON.stringify(value, canonical);
      key = this.#byContent.get(content);
      if (key === undefined) this.#byContent.set(content, (key = String(this.#byContent.size)));
      this.#byObject.set(value, key);
    }
    return key;
  }
}

/** JSON of what a value means: sets as sorted lists, big integers (CIDR bounds) as text. */
function canonical(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...(value as Set<unknown>)].map(String).sort();
  if (typeof value === 'bigint') return value.toString();
  return value;
}
