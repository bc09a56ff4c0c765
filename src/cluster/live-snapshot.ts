// The live cluster for the CLI (`nsguard audit`, `kubectl nsguard`): one paged list of each kind, no
// watch, into a fresh ClusterState, each object also shown to `observe` (audit-objects.ts). Calico's
// kinds are read from projectcalico.org/v3 when its API server serves them, else from the
// crd.projectcalico.org/v1 CRDs, else not at all. A partial read (a tenant's credentials) lists
// namespace by namespace what it may not list across namespaces, and keeps what it missed (visibility.ts).
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterState } from './cluster-state.ts';
import { ApiRequestError, getJson } from './kube-request.ts';
import type { ObjectObserver } from './load-state-file.ts';
import { CALICO_COLLECTIONS, type Collection } from './collections.ts';
import { listItem, ObjectLoader, requireHead } from './state-file.ts';
import type { ReadKind } from './visibility.ts';
import { Visibility } from './visibility.ts';
import { PageTokens } from './page-tokens.ts';

const PAGE_SIZE = 500;

export function collectionPath(c: Collection): string {
  const base = c.group === '' ? `/api/${c.version}` : `/apis/${c.group}/${c.version}`;
  return `${base}${c.namespace === undefined ? '' : `/namespaces/${c.namespace}`}/${c.resource}`;
}

export interface LiveSnapshot {
  readonly state: ClusterState;
  readonly server: string;
  readonly visibility: Visibility;
}

/**
 * A read that tolerates refusals (403): lists the credentials may not make across namespaces are made
 * in `namespaces` one by one, and with `narrow` only there in the first place (a command about a few
 * namespaces need not read 150k pods).
 */
export interface PartialRead {
  readonly namespaces: readonly string[];
  readonly narrow: boolean;
}

export interface ListOptions {
  readonly collections: readonly Collection[];
  readonly keepPodNames: boolean;
  readonly signal: AbortSignal;
  /** Without it any refusal fails the read: the audit CronJob must see everything or fail. */
  readonly partial?: PartialRead;
}

export async function listCluster(kubeConfig: KubeConfig, observe: ObjectObserver, options: ListOptions): Promise<LiveSnapshot> {
  const state = new ClusterState({ keepPodNames: options.keepPodNames });
  const loader = new ObjectLoader();
  const reader = new Reader(kubeConfig, options, (object, where) => {
    loader.parse(object, where)?.(state);
    observe(object, where);
  });
  for (const c of options.collections) await reader.read(c);
  for (const group of CALICO_COLLECTIONS) {
    try {
      for (const c of group) await reader.read(c);
      break;
    } catch (error) {
      // Not served: this group is not installed. A missing kind in a served group is the same answer.
      if (isStatus(error, 404)) continue;
      // Refusals are said only where the group exists: RBAC refuses a list before anything looks for it.
      if (isStatus(error, 403) && options.partial !== undefined) {
        if (!(await reader.serves(group[0] as Collection))) continue;
        reader.visibility.missedIn('calico', reasonOf(error), '');
        break;
      }
      throw error;
    }
  }
  return { state, server: kubeConfig.getCurrentCluster()?.server ?? '', visibility: reader.visibility };
}

function isStatus(error: unknown, code: number): error is ApiRequestError {
  return error instanceof ApiRequestError && error.statusCode === code;
}

function reasonOf(error: ApiRequestError): string {
  return (error.reason ?? 'Forbidden').toLowerCase();
}

class Reader {
  readonly visibility = new Visibility();
  readonly #kubeConfig: KubeConfig;
  readonly #signal: AbortSignal;
  readonly #partial: PartialRead | undefined;
  readonly #take: ObjectObserver;

  constructor(kubeConfig: KubeConfig, options: ListOptions, take: ObjectObserver) {
    this.#kubeConfig = kubeConfig;
    this.#signal = options.signal;
    this.#partial = options.partial;
    this.#take = take;
  }

  async read(c: Collection): Promise<void> {
    const partial = this.#partial;
    // Calico's lists are cluster-wide or not at all: a refusal drops Calico as a whole (listCluster).
    if (partial === undefined || c.kind === 'calico') return this.#list(c);
    if (c.namespace !== undefined) return this.#tolerate(c.kind, c.namespace, () => this.#list(c));
    if (!c.namespaced) {
      if (c.resource !== 'namespaces') return this.#list(c);
      if (partial.narrow) {
        for (const name of partial.namespaces) await this.#tolerate('namespaces', name, () => this.#getNamespace(name));
        return;
      }
    } else if (partial.narrow) {
      for (const namespace of partial.namespaces) await this.#tolerate(c.kind, namespace, () => this.#list({ ...c, namespace }));
      return;
    }
    try {
      await this.#list(c);
    } catch (error) {
      if (!isStatus(error, 403)) throw error;
      // Across namespaces refused: the namespaces the user named, one by one.
      const read: string[] = [];
      const refused: string[] = [];
      for (const namespace of partial.namespaces) {
        try {
          await (c.namespaced ? this.#list({ ...c, namespace }) : this.#getNamespace(namespace));
          read.push(namespace);
        } catch (inner) {
          if (isStatus(inner, 403)) refused.push(namespace);
          else if (!isStatus(inner, 404)) throw inner;
        }
      }
      this.visibility.missedAcross(c.kind, reasonOf(error), read, refused);
    }
  }

  /** Whether the group of `c` is served: discovery is open to every authenticated user. */
  async serves(c: Collection): Promise<boolean> {
    try {
      await getJson(this.#kubeConfig, `/apis/${c.group}/${c.version}`, {}, this.#signal);
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  /** A refusal noted instead of thrown; a namespace that does not exist is simply empty. */
  async #tolerate(kind: ReadKind, namespace: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
    } catch (error) {
      if (isStatus(error, 403)) this.visibility.missedIn(kind, reasonOf(error), namespace);
      else if (!isStatus(error, 404)) throw error;
    }
  }

  async #getNamespace(name: string): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(name)}`;
    this.#take(requireHead(await getJson(this.#kubeConfig, path, {}, this.#signal), path), path);
  }

  async #list(c: Collection): Promise<void> {
    const path = collectionPath(c);
    const tokens = new PageTokens(path);
    let next: string | undefined;
    let index = 0;
    do {
      const page = (await getJson(this.#kubeConfig, path, { limit: PAGE_SIZE, continue: next, labelSelector: c.labelSelector }, this.#signal)) as Record<string, unknown>;
      const items = Array.isArray(page['items']) ? (page['items'] as unknown[]) : [];
      for (const item of items) {
        index++;
        const where = `${path} item ${index}`;
        this.#take(listItem(page, item, where).object, where);
      }
      const metadata = page['metadata'] as Record<string, unknown> | undefined;
      next = tokens.next(typeof metadata?.['continue'] === 'string' && metadata['continue'] !== '' ? metadata['continue'] : undefined);
    } while (next !== undefined);
  }
}
