// What a live read could not see. A tenant's credentials often may not list across namespaces: the read
// then lists the namespaces it can, and keeps here what it missed, so a command never takes an unread
// namespace for an empty one without saying so. A state file sees everything it holds.

/** The kinds a read is about, as the notes name them. */
export type ReadKind = 'namespaces' | 'pods' | 'networkpolicies' | 'services' | 'endpointslices' | 'calico';

/** What a command judges without, for each kind it could not read. */
const CONSEQUENCES: Readonly<Record<ReadKind, string>> = {
  namespaces: 'known by name only, without their labels (the environment among them)',
  pods: 'paths to them are judged without their pods',
  networkpolicies: 'paths to and from them are judged without their policies',
  services: 'their Services (names and ClusterIPs) are not known',
  endpointslices: 'the endpoints of their Services without a selector are not known',
  calico: "paths are judged by Kubernetes NetworkPolicies alone, without Calico's policies",
};

interface Missed {
  /** Read in these namespaces only; undefined when only some namespaces were asked for (a narrow read). */
  readonly readIn: ReadonlySet<string> | undefined;
  /** Asked for and refused. */
  readonly refused: ReadonlySet<string>;
  /** The API's reason, lower case: `forbidden`. */
  readonly reason: string;
}

export class Visibility {
  readonly #missed = new Map<ReadKind, Missed>();

  /** The cluster-wide list of `kind` was refused; it was read in `readIn` instead (`refused`: those refused too). */
  missedAcross(kind: ReadKind, reason: string, readIn: Iterable<string>, refused: Iterable<string> = []): void {
    this.#missed.set(kind, { readIn: new Set(readIn), refused: new Set(refused), reason });
  }

  /** A narrow read of `kind` in `namespace` was refused (a cluster-scoped kind: namespace ''). */
  missedIn(kind: ReadKind, reason: string, namespace: string): void {
    const before = this.#missed.get(kind);
    this.#missed.set(kind, { readIn: before?.readIn, refused: new Set([...(before?.refused ?? []), namespace]), reason });
  }

  /** Why `kind` of `namespace` was not read ('' for a cluster-scoped kind), or undefined when it was. */
  unread(kind: ReadKind, namespace: string): string | undefined {
    const missed = this.#missed.get(kind);
    if (missed === undefined) return undefined;
    const read = missed.readIn === undefined ? !missed.refused.has(namespace) : missed.readIn.has(namespace);
    if (read) return undefined;
    const what = kind === 'calico' ? "could not list Calico's policies" : kind === 'namespaces' ? `could not read namespace ${namespace}` : `could not list ${kind} in ${namespace}`;
    return `${what}: ${missed.reason}`;
  }

  /** What was missed of `kind` anywhere, or undefined when it was read whole: for what any namespace may hold. */
  missed(kind: ReadKind): string | undefined {
    const missed = this.#missed.get(kind);
    return missed === undefined ? undefined : `${missedWhat(kind, missed)}: ${missed.reason}`;
  }

  /** One line per kind not (wholly) read, for stderr. */
  notes(): string[] {
    return [...this.#missed].map(([kind, missed]) => {
      // A namespace read by name (a narrow read) is itself unknown; after a refused list, all but those read.
      const whose = kind !== 'namespaces' ? '' : missed.readIn === undefined ? 'they are ' : 'the others are ';
      return `${this.missed(kind)}; ${whose}${CONSEQUENCES[kind]}`;
    });
  }
}

/** `could not list pods in namespaces other than shop-dev`: what was missed, as the note starts. */
function missedWhat(kind: ReadKind, missed: Missed): string {
  const listed = (names: ReadonlySet<string>): string => [...names].sort().join(', ');
  if (kind === 'calico') return "could not list Calico's policies";
  if (kind === 'namespaces') {
    if (missed.readIn === undefined) return `could not read namespace ${listed(missed.refused)}`;
    return `could not list namespaces${missed.readIn.size === 0 ? '' : ` (read ${listed(missed.readIn)} by name)`}`;
  }
  if (missed.readIn === undefined) return `could not list ${kind} in ${listed(missed.refused)}`;
  return `could not list ${kind} in ${missed.readIn.size === 0 ? 'any namespace' : `namespaces other than ${listed(missed.readIn)}`}`;
}
