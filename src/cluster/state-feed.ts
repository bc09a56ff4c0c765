// How each watched kind reaches ClusterState: raw objects are validated by the core's parse-*.ts (the
// edge), an object that fails is logged and skipped (its previous state, if any, stays), and a list
// replaces what the state held for that kind. Every change is reported by name, after the state has
// it, so a controller can queue the object.
import type { Logger } from 'pino';
import type { CalicoKind } from '../policy/calico/calico-kinds.ts';
import { CALICO_RESOURCES, enforcedKind, isStagedKind } from '../policy/calico/calico-kinds.ts';
import type { CalicoApiGroup } from '../policy/calico/parse-calico-head.ts';
import { CALICO_API_VERSION, CALICO_CRD_API_VERSION } from '../policy/calico/parse-calico-head.ts';
import { parseCalicoPolicy } from '../policy/calico/parse-calico-policy.ts';
import { parseTier } from '../policy/calico/parse-calico-tier.ts';
import { parseNamespace } from '../policy/objects/parse-namespace.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';
import { parsePod } from '../policy/objects/parse-pod.ts';
import type { ClusterState } from './cluster-state.ts';
import type { ListWatchSink } from './list-watch.ts';

export interface StateFeed extends ListWatchSink {
  /** What it feeds, for logs and stats: `pods`, `tiers.crd.projectcalico.org/v1`. */
  readonly resource: string;
  /** Objects skipped because they could not be read. */
  readonly skipped: number;
}

/**
 * An object the state took in (put, also when it parsed to "not governed" and was dropped), deleted,
 * or dropped because a relist no longer held it; '' namespace for cluster-scoped kinds. Not called
 * for objects skipped as unreadable: their previous state stays.
 */
export type ChangeListener = (namespace: string, name: string) => void;

/** One kind's way into the state. `parse` returning undefined means "not governed": remove it. */
interface KindAdapter<T> {
  readonly namespaced: boolean;
  parse(raw: unknown, where: string): T | undefined;
  upsert(value: T): void;
  delete(namespace: string, name: string): void;
  /** What the state holds now, as [namespace, name] ('' namespace for cluster-scoped kinds). */
  keys(): Iterable<readonly [string, string]>;
}

interface ObjectId {
  readonly namespace: string;
  readonly name: string;
}

function identify(raw: unknown, namespaced: boolean): ObjectId | undefined {
  const metadata = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['metadata'] : undefined;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { name, namespace } = metadata as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return undefined;
  if (!namespaced) return { namespace: '', name };
  return typeof namespace === 'string' && namespace !== '' ? { namespace, name } : undefined;
}

class KindFeed<T> implements StateFeed {
  readonly #adapter: KindAdapter<T>;
  readonly #logger: Logger;
  readonly resource: string;
  readonly #onChange: ChangeListener | undefined;
  /** Names seen by the list in progress, by namespace; only while a list runs. */
  #seen: Map<string, Set<string>> | undefined;
  skipped = 0;

  constructor(resource: string, adapter: KindAdapter<T>, logger: Logger, onChange: ChangeListener | undefined) {
    this.resource = resource;
    this.#adapter = adapter;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  beginList(): void {
    this.#seen = new Map();
  }

  put(raw: unknown, where: string): void {
    const id = this.#identify(raw, where);
    if (id === undefined) return;
    if (this.#seen !== undefined) {
      let names = this.#seen.get(id.namespace);
      if (names === undefined) this.#seen.set(id.namespace, (names = new Set()));
      names.add(id.name);
    }
    let value: T | undefined;
    try {
      value = this.#adapter.parse(raw, where);
    } catch (error) {
      this.#skip(where, id, error);
      return;
    }
    if (value === undefined) this.#adapter.delete(id.namespace, id.name);
    else this.#adapter.upsert(value);
    this.#onChange?.(id.namespace, id.name);
  }

  remove(raw: unknown, where: string): void {
    const id = this.#identify(raw, where);
    if (id === undefined) return;
    this.#adapter.delete(id.namespace, id.name);
    this.#onChange?.(id.namespace, id.name);
  }

  endList(): void {
    const seen = this.#seen;
    this.#seen = undefined;
    if (seen === undefined) return;
    // Collected first: deleting while a generator walks the state's maps would skip entries.
    const gone = [...this.#adapter.keys()].filter(([namespace, name]) => seen.get(namespace)?.has(name) !== true);
    for (const [namespace, name] of gone) {
      this.#adapter.delete(namespace, name);
      this.#onChange?.(namespace, name);
    }
  }

  #identify(raw: unknown, where: string): ObjectId | undefined {
    const id = identify(raw, this.#adapter.namespaced);
    if (id === undefined) this.#skip(where, undefined, new Error(`no metadata.name${this.#adapter.namespaced ? ' or metadata.namespace' : ''}`));
    return id;
  }

  #skip(where: string, id: ObjectId | undefined, error: unknown): void {
    this.skipped++;
    const object = id === undefined ? undefined : id.namespace === '' ? id.name : `${id.namespace}/${id.name}`;
    this.#logger.warn({ resource: this.resource, where, object, err: error }, 'skipped an object nsguard cannot read');
  }
}

export function namespaceFeed(state: ClusterState, logger: Logger, onChange?: ChangeListener): StateFeed {
  return new KindFeed(
    'namespaces',
    {
      namespaced: false,
      parse: parseNamespace,
      upsert: (ns) => state.upsertNamespace(ns),
      delete: (_namespace, name) => state.deleteNamespace(name),
      keys: () => state.namespaces().map((ns) => ['', ns.name] as const),
    },
    logger,
    onChange,
  );
}

export function policyFeed(state: ClusterState, logger: Logger, onChange?: ChangeListener): StateFeed {
  return new KindFeed(
    'networkpolicies',
    {
      namespaced: true,
      parse: parseNetworkPolicy,
      upsert: (policy) => state.upsertPolicy(policy),
      delete: (namespace, name) => state.deletePolicy(namespace, name),
      keys: () => state.policyNames(),
    },
    logger,
    onChange,
  );
}

/** Pods that finished or use the host network parse to undefined: dropped, as if deleted. */
export function podFeed(state: ClusterState, logger: Logger, onChange?: ChangeListener): StateFeed {
  return new KindFeed(
    'pods',
    {
      namespaced: true,
      parse: parsePod,
      upsert: (pod) => state.upsertPod(pod),
      delete: (namespace, name) => state.deletePod(namespace, name),
      keys: () => state.podNames(),
    },
    logger,
    onChange,
  );
}

/**
 * One Calico resource, in the API group discovery chose. Names are as that group spells them (the CRDs'
 * are tier-prefixed), which is what a relist compares.
 */
export function calicoFeed(state: ClusterState, logger: Logger, kind: CalicoKind, api: CalicoApiGroup, onChange?: ChangeListener): StateFeed {
  const apiVersion = api === 'crd' ? CALICO_CRD_API_VERSION : CALICO_API_VERSION;
  const resource = `${CALICO_RESOURCES[kind]}.${apiVersion}`;
  // List items may come without apiVersion and kind; which group they are from decides how names read.
  const typed = (raw: unknown): unknown => (typeof raw === 'object' && raw !== null ? { apiVersion, kind, ...raw } : raw);
  if (kind === 'Tier') {
    return new KindFeed(
      resource,
      {
        namespaced: false,
        parse: (raw, where) => parseTier(typed(raw), where),
        upsert: (tier) => state.upsertTier(tier),
        delete: (_namespace, name) => state.deleteTier(name),
        keys: () => [...state.tierNames()].map((name) => ['', name] as const),
      },
      logger,
      onChange,
    );
  }
  const key = { kind: enforcedKind(kind), staged: isStagedKind(kind) };
  return new KindFeed(
    resource,
    {
      namespaced: key.kind === 'NetworkPolicy',
      parse: (raw, where) => parseCalicoPolicy(typed(raw), kind, where),
      upsert: (policy) => state.upsertCalicoPolicy(policy),
      delete: (namespace, name) => state.deleteCalicoPolicy(key, namespace === '' ? undefined : namespace, name),
      keys: () => [...state.calicoPolicies(key)].map((p) => [p.kind === 'NetworkPolicy' ? p.namespace : '', api === 'crd' ? p.backendName : p.name] as const),
    },
    logger,
    onChange,
  );
}
