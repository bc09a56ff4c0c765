// An in-repo Kubernetes API server for tests, over real HTTP(S), that @kubernetes/client-node talks to
// through an ordinary KubeConfig. Request handling, the request log and the test controls (bookmarks,
// dropped watches, compaction) live here; URL layout in test-api-routes.ts, write semantics in
// test-api-store.ts (storage and history in test-api-table.ts, validation in test-api-kind-validation.ts),
// admission webhooks in test-api-writes.ts and test-api-admission.ts, the namespace controller in
// test-api-namespace-controller.ts, watch streams in test-api-watch.ts, PATCH in test-api-patch.ts,
// bodies and users in test-api-http.ts. Requests are made as the user their bearer token names
// (`users`); a user given rules in `access` may do only what they allow, as RBAC decides it
// (test-api-authorization.ts), and any other user anything.
// Test seeding (store.upsert) skips validation and admission, so clients' handling of malformed
// objects can still be tested. Server-side apply merges by field ownership
// (test-api-field-ownership.ts). Not modelled: DeleteOptions (grace periods, preconditions,
// propagation: deletes are immediate), garbage collection, list resourceVersionMatch=Exact, protobuf.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './test-api-object.ts';
import { patchOptionProblems, patchTypeOf } from './test-api-patch.ts';
import type { Route, Verb } from './test-api-routes.ts';
import { discoveryOf, routeOf, verbOf } from './test-api-routes.ts';
import type { ApiResource } from './test-api-resources.ts';
import { apiVersionOf } from './test-api-resources.ts';
import { bothFilters, parseFieldSelector, parseLabelSelector } from './test-api-selectors.ts';
import type { Status } from './test-api-status.ts';
import { ApiError, badRequest, invalidFields, methodNotAllowed, noSuchPath, notFound, statusBody, unsupportedMediaType } from './test-api-status.ts';
import { ApiStore } from './test-api-store.ts';
import type { DropMode } from './test-api-watch.ts';
import { WatchStream } from './test-api-watch.ts';
import type { UserInfo } from './test-api-admission.ts';
import { NamespaceController } from './test-api-namespace-controller.ts';
import { AdmittedWrites } from './test-api-writes.ts';
import { managerOf, readBody, userOf } from './test-api-http.ts';
import type { AccessRule } from './test-api-authorization.ts';
import { allows, forbidden, requestAttributes } from './test-api-authorization.ts';

/** One request as the server saw it; `status` is set once answered (200 for a watch that started). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly verb: Verb | undefined;
  readonly resource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly contentType: string | undefined;
  readonly fieldManager: string | undefined;
  readonly dryRun: boolean;
  /** Who made it (from the bearer token), as admission sees it. */
  readonly user: string;
  status: number;
}

export interface TestApiServerOptions {
  /** Serve HTTPS with this pair; `ca` (PEM) goes into the KubeConfig, otherwise it skips verification. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** Send a BOOKMARK on every open watch that allows them at this interval (off by default). */
  readonly bookmarkIntervalMs?: number;
  /** Clock for creationTimestamp and friends. */
  readonly now?: () => Date;
  /** Run the namespace controller: a deleted namespace is emptied and goes, as in a cluster. */
  readonly namespaceController?: boolean;
}

const WRITE_VERBS: ReadonlySet<Verb | undefined> = new Set<Verb | undefined>(['create', 'update', 'patch', 'delete', 'deletecollection']);
/** The identity of the kubeConfig() clients (nsguard itself in most tests). */
export const DEFAULT_TOKEN = 'test-token';

export class TestApiServer {
  readonly store: ApiStore;
  readonly url: string;
  readonly #server: Server;
  readonly #ca: string | undefined;
  readonly #watches = new Set<WatchStream>();
  readonly #requests: RequestRecord[] = [];
  readonly #interval: NodeJS.Timeout | undefined;
  /**
   * Runs as each request arrives, before it is handled: lets a test act "between" two client
   * requests, or answer one itself by returning a Status (a 500, a 429, an HTTP 410 on a watch...), or
   * hold it by returning a promise (a server that does not answer in time).
   */
  beforeRequest: ((record: RequestRecord) => Status | undefined | Promise<Status | undefined>) | undefined;
  /** Bearer token → user; an unknown token is a user of that name. */
  readonly users = new Map<string, UserInfo>([[DEFAULT_TOKEN, { username: 'system:serviceaccount:nsguard:nsguard', groups: ['system:serviceaccounts', 'system:authenticated'] }]]);
  /** Username → what it may do; a user not listed may do anything. */
  readonly access = new Map<string, readonly AccessRule[]>();
  /** `namespace/name:port` of a Service → the base URL of a ready endpoint; a missing entry has none (scaled to 0). */
  readonly services = new Map<string, string>();
  readonly #writes: AdmittedWrites;
  readonly #namespaceController: NamespaceController | undefined;

  private constructor(server: Server, url: string, store: ApiStore, options: TestApiServerOptions) {
    this.#server = server;
    this.url = url;
    this.store = store;
    this.#ca = options.tls?.ca;
    this.#writes = new AdmittedWrites(store, { resolveService: (namespace, name, port) => this.services.get(`${namespace}/${name}:${port}`) });
    if (options.namespaceController === true) {
      this.#namespaceController = new NamespaceController(store, this.#writes, (record) => this.#requests.push(record));
    }
    if (options.bookmarkIntervalMs !== undefined) {
      this.#interval = setInterval(() => this.sendBookmark(), options.bookmarkIntervalMs);
      this.#interval.unref();
    }
  }

  static async start(options: TestApiServerOptions = {}): Promise<TestApiServer> {
    const store = new ApiStore(options.now === undefined ? {} : { now: options.now });
    let self: TestApiServer | undefined;
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      if (self !== undefined) void self.#handle(req, res);
    };
    const server = options.tls === undefined ? createHttpServer(listener) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new TestApiServer(server, `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`, store, options);
    return self;
  }

  /** A KubeConfig pointing at this server, as `kubectl` would have it, authenticating with `token`. */
  kubeConfig(token = DEFAULT_TOKEN): KubeConfig {
    const kc = new KubeConfig();
    const cluster = this.#ca === undefined ? { skipTLSVerify: true } : { caData: Buffer.from(this.#ca).toString('base64'), skipTLSVerify: false };
    kc.loadFromOptions({
      clusters: [{ name: 'test', server: this.url, ...cluster }],
      users: [{ name: 'test', token }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
      currentContext: 'test',
    });
    return kc;
  }

  requests(): readonly RequestRecord[] {
    return [...this.#requests];
  }

  /** Mutating requests (create, update, patch, delete), answered or refused, dry runs included. */
  writes(): readonly RequestRecord[] {
    return this.#requests.filter((r) => WRITE_VERBS.has(r.verb));
  }

  clearRequests(): void {
    this.#requests.length = 0;
  }

  openWatches(): number {
    return this.#watches.size;
  }

  /** A BOOKMARK at the current resourceVersion on every open watch that asked for bookmarks. */
  sendBookmark(): void {
    for (const watch of this.#watches) watch.bookmark();
  }

  /** Cuts every open watch mid-stream; the events that follow stay in history for a re-watch. */
  dropWatches(mode: DropMode = 'reset'): void {
    for (const watch of [...this.#watches]) watch.drop(mode);
  }

  compact(revision?: number): void {
    this.store.compact(revision);
  }

  finalizeNamespace(name: string): void {
    this.store.finalizeNamespace(name);
  }

  async close(): Promise<void> {
    if (this.#interval !== undefined) clearInterval(this.#interval);
    this.#namespaceController?.stop();
    this.dropWatches('reset');
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    let route: Route | undefined;
    let discovery: unknown;
    let routeError: ApiError | undefined;
    try {
      discovery = discoveryOf(this.store, url.pathname);
      if (discovery === undefined) route = routeOf(this.store, url.pathname);
    } catch (error) {
      routeError = error instanceof ApiError ? error : noSuchPath();
    }
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: Object.fromEntries(query),
      verb: discovery !== undefined ? 'discovery' : route === undefined ? undefined : verbOf(method, route, query),
      resource: route?.resource.resource,
      namespace: route?.namespace,
      name: route?.name,
      subresource: route?.subresource,
      contentType: req.headers['content-type'],
      fieldManager: query.get('fieldManager') ?? undefined,
      dryRun: query.get('dryRun') === 'All',
      user: userOf(req, this.users).username,
      status: 0,
    };
    this.#requests.push(record);
    try {
      const answer = this.beforeRequest?.(record);
      // Awaited only when held, so a request is otherwise handled in the tick it arrives.
      const injected = answer instanceof Promise ? await answer : answer;
      if (injected !== undefined) throw new ApiError(injected);
      // Authorization comes before routing: a user who may not read a group never learns it is not served.
      const attributes = requestAttributes(method, url.pathname, query);
      const rules = this.access.get(record.user);
      if (attributes !== undefined && rules !== undefined && !allows(rules, attributes)) throw new ApiError(forbidden(record.user, attributes));
      if (routeError !== undefined) throw routeError;
      if (discovery !== undefined) return this.#send(res, record, 200, discovery);
      if (route === undefined || record.verb === undefined) throw methodNotAllowed(method);
      const body = await readBody(req, record.verb === 'patch' && patchTypeOf(record.contentType) === 'apply');
      await this.#serve(res, record, route, query, body, userOf(req, this.users), req.headers['user-agent'] ?? '');
    } catch (error) {
      const status: Status = error instanceof ApiError ? error.status : statusBody(500, 'InternalError', `an error on the server: ${String(error)}`);
      if (!res.headersSent) this.#send(res, record, status.code, status);
      else res.destroy();
    }
  }

  async #serve(res: ServerResponse, record: RequestRecord, route: Route, query: URLSearchParams, body: unknown, user: UserInfo, userAgent: string): Promise<void> {
    const { resource, namespace, name, subresource } = route;
    const options = {
      dryRun: record.dryRun,
      validate: true,
      fieldManager: record.fieldManager ?? managerOf(userAgent),
      force: query.get('force') === 'true',
      ...(subresource !== undefined && { subresource }),
    };
    switch (record.verb) {
      case 'list':
        return this.#send(res, record, 200, this.#list(resource, namespace, query));
      case 'watch':
        return this.#watch(res, record, resource, namespace, query);
      case 'get': {
        const object = this.store.get(resource, namespace, name ?? '');
        if (object === undefined) throw notFound(resource, name ?? '');
        return this.#send(res, record, 200, object);
      }
      case 'create':
        return this.#send(res, record, 201, await this.#writes.create(resource, namespace, body, options, user));
      case 'update':
        return this.#send(res, record, 200, await this.#writes.update(resource, namespace, name ?? '', body, options, user));
      case 'patch': {
        const type = patchTypeOf(record.contentType);
        if (type === undefined) throw unsupportedMediaType(record.contentType ?? '(none)');
        const problems = patchOptionProblems(type, query);
        if (problems.length > 0) throw invalidFields('PatchOptions.meta.k8s.io', 'meta.k8s.io', '', problems);
        // An apply that creates the object is authorized as a create too (createAuthorizerAttributes in
        // the apiserver's handlers/patch.go): a user who may only patch cannot create by applying.
        const rules = this.access.get(record.user);
        if (type === 'apply' && rules !== undefined && this.store.get(resource, namespace, name ?? '') === undefined) {
          const asCreate = { verb: 'create', group: resource.group, resource: resource.resource, subresource: undefined, namespace, name };
          if (!allows(rules, asCreate)) throw new ApiError(forbidden(record.user, asCreate));
        }
        const result = await this.#writes.patch(resource, namespace, name ?? '', type, body, options, user);
        return this.#send(res, record, result.created ? 201 : 200, result.object);
      }
      case 'delete': {
        const result = await this.#writes.delete(resource, namespace, name ?? '', options, user);
        if (resource.resource === 'namespaces' && !result.deleted && !options.dryRun) this.#namespaceController?.terminate(name ?? '');
        return this.#send(res, record, result.deleted ? 200 : 202, result.body);
      }
      case 'deletecollection': {
        const filter = bothFilters(parseLabelSelector(query.get('labelSelector')), parseFieldSelector(query.get('fieldSelector'), resource));
        return this.#send(res, record, 200, await this.#writes.deleteCollection(resource, namespace, filter, options, user));
      }
      case 'discovery':
      case undefined:
        throw methodNotAllowed(record.method);
    }
  }

  #list(resource: ApiResource, namespace: string | undefined, query: URLSearchParams): KubeObject {
    const filter = bothFilters(parseLabelSelector(query.get('labelSelector')), parseFieldSelector(query.get('fieldSelector'), resource));
    const limit = query.get('limit');
    const token = query.get('continue');
    const page = this.store.list(resource, {
      namespace,
      filter,
      ...(limit !== null && { limit: Number(limit) }),
      ...(token !== null && token !== '' && { continue: token }),
    });
    const metadata: Record<string, unknown> = { resourceVersion: String(page.revision) };
    if (page.continue !== undefined) Object.assign(metadata, { continue: page.continue, remainingItemCount: page.remainingItemCount });
    // Items of typed lists carry no apiVersion/kind: the list's own say what they are.
    const items = page.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    return { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata, items };
  }

  #watch(res: ServerResponse, record: RequestRecord, resource: ApiResource, namespace: string | undefined, query: URLSearchParams): void {
    const filter = bothFilters(parseLabelSelector(query.get('labelSelector')), parseFieldSelector(query.get('fieldSelector'), resource));
    const rvText = query.get('resourceVersion') ?? '';
    const resourceVersion = rvText === '' || rvText === '0' ? undefined : Number(rvText);
    if (resourceVersion !== undefined && !Number.isSafeInteger(resourceVersion)) throw badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
    const timeout = query.get('timeoutSeconds');
    const stream: WatchStream = new WatchStream(
      this.store,
      res,
      {
        resource,
        namespace,
        filter,
        bookmarks: query.get('allowWatchBookmarks') === 'true',
        resourceVersion,
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
      },
      () => this.#watches.delete(stream),
    );
    this.#watches.add(stream);
    record.status = 200;
    stream.start();
  }

  #send(res: ServerResponse, record: RequestRecord, code: number, body: unknown): void {
    record.status = code;
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
