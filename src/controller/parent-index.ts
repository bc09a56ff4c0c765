// Which namespaces name each namespace as their parent (nsguard.io/parent), for the controller to queue
// a namespace's children with it. Kept up to date from namespace events rather than found by a scan: a
// relist reports every object, and scanning all namespaces for each of them would stall the webhook on
// a large cluster.

const NONE: ReadonlySet<string> = new Set();

export class ParentIndex {
  readonly #parentOf = new Map<string, string>();
  readonly #childrenOf = new Map<string, Set<string>>();

  /** The namespace's parent as it is now: undefined when it names none or was deleted. */
  note(name: string, parent: string | undefined): void {
    const before = this.#parentOf.get(name);
    if (before === parent) return;
    if (before !== undefined) {
      const siblings = this.#childrenOf.get(before);
      siblings?.delete(name);
      if (siblings?.size === 0) this.#childrenOf.delete(before);
      this.#parentOf.delete(name);
    }
    if (parent !== undefined) {
      this.#parentOf.set(name, parent);
      let siblings = this.#childrenOf.get(parent);
      if (siblings === undefined) this.#childrenOf.set(parent, (siblings = new Set()));
      siblings.add(name);
    }
  }

  /**
   * The namespaces naming this one as their parent, whether or not it exists (one created under that
   * name becomes their parent). Live: read it before the next note.
   */
  children(name: string): ReadonlySet<string> {
    return this.#childrenOf.get(name) ?? NONE;
  }
}
