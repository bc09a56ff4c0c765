// Paged lists (limit/continue) of the test API server. Later pages come from the first page's
// snapshot, as etcd serves them at the first page's revision; a token whose revision was compacted
// away gets 410 Expired, as the API answers for a continue key etcd can no longer serve.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './test-api-object.ts';
import { isObject } from './test-api-object.ts';
import { badRequest, continueExpired } from './test-api-status.ts';

export interface ListPage {
  readonly items: readonly KubeObject[];
  readonly revision: number;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

interface Snapshot {
  readonly revision: number;
  readonly items: readonly KubeObject[];
}

export class ListPager {
  readonly #snapshots = new Map<string, Snapshot>();

  /** The whole list when it fits in `limit` (or there is none), else its first page and a token. */
  first(items: readonly KubeObject[], revision: number, limit: number | undefined): ListPage {
    if (limit === undefined || limit <= 0 || items.length <= limit) return { items, revision };
    const id = randomUUID();
    this.#snapshots.set(id, { revision, items });
    return this.#page(id, { revision, items }, 0, limit);
  }

  next(token: string, limit: number | undefined, compactedRevision: number): ListPage {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw badRequest('continue key is not valid');
    }
    if (!isObject(decoded) || typeof decoded['id'] !== 'string' || typeof decoded['offset'] !== 'number' || typeof decoded['rv'] !== 'number') {
      throw badRequest('continue key is not valid');
    }
    const snapshot = this.#snapshots.get(decoded['id']);
    if (decoded['rv'] < compactedRevision || snapshot === undefined) throw continueExpired();
    return this.#page(decoded['id'], snapshot, decoded['offset'], limit ?? snapshot.items.length);
  }

  /** Drops the snapshots of lists whose revision is now compacted. */
  compact(revision: number): void {
    for (const [id, snapshot] of this.#snapshots) if (snapshot.revision < revision) this.#snapshots.delete(id);
  }

  #page(id: string, snapshot: Snapshot, offset: number, limit: number): ListPage {
    const { revision, items } = snapshot;
    const end = offset + Math.max(1, limit);
    if (end >= items.length) {
      this.#snapshots.delete(id);
      return { items: items.slice(offset), revision };
    }
    const token = Buffer.from(JSON.stringify({ id, offset: end, rv: revision })).toString('base64url');
    return { items: items.slice(offset, end), revision, continue: token, remainingItemCount: items.length - end };
  }
}
