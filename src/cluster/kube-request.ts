// Kubernetes API calls on raw JSON, through client-node's own transport and authentication (TLS,
// tokens, exec plugins, proxies). The typed APIs (CoreV1Api...) are not used on purpose: their
// serializer renames fields (`from` becomes `_from` on V1NetworkPolicyIngressRule, `continue` becomes
// `_continue`), so a NetworkPolicy written through them silently loses its peers, and their
// deserializer turns timestamps into Dates, while the parse-*.ts edge reads objects as the API serves
// them, exactly as Watch hands them over.
import type { KubeConfig } from '@kubernetes/client-node';
import { createConfiguration, HttpMethod, RequestContext } from '@kubernetes/client-node';

/** A non-2xx answer; `reason` and `message` come from the Status body when there is one. */
export class ApiRequestError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;

  constructor(method: HttpMethod, path: string, statusCode: number, body: string) {
    const status = parseStatus(body);
    super(`${method} ${path}: HTTP ${statusCode}${status.message === undefined ? '' : `: ${status.message}`}`);
    this.name = 'ApiRequestError';
    this.statusCode = statusCode;
    this.reason = status.reason;
  }
}

function parseStatus(body: string): { message?: string; reason?: string } {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null) return {};
    const { message, reason } = value as Record<string, unknown>;
    return { ...(typeof message === 'string' && { message }), ...(typeof reason === 'string' && { reason }) };
  } catch {
    return {};
  }
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

export interface ApplyOptions extends RequestOptions {
  /** The owner of the applied fields (`nsguard`); the API refuses an apply without one. */
  readonly fieldManager: string;
  /** Take over fields another manager owns instead of failing with 409 Conflict. */
  readonly force: boolean;
}

/** client-node's default HTTP library (its own undici), stateless, shared. */
const transport = createConfiguration().httpApi;

interface Body {
  readonly contentType: string;
  readonly value: unknown;
}

/** The one call path every helper shares: any 2xx is the parsed body, anything else an ApiRequestError. */
async function request(kubeConfig: KubeConfig, method: HttpMethod, path: string, query: Query, body: Body | undefined, signal: AbortSignal | undefined): Promise<unknown> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig names no current cluster');
  // As client-node's Watch builds its URL, so a server with a path prefix (a proxy) works for both.
  const url = new URL(cluster.server + path);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  const context = new RequestContext(url.toString(), method);
  context.setHeaderParam('Accept', 'application/json');
  if (body !== undefined) {
    context.setHeaderParam('Content-Type', body.contentType);
    context.setBody(JSON.stringify(body.value));
  }
  if (signal !== undefined) context.setSignal(signal);
  await kubeConfig.applySecurityAuthentication(context);
  const response = await transport.send(context).toPromise();
  const text = await response.body.text();
  const statusCode = response.httpStatusCode;
  if (statusCode < 200 || statusCode > 299) throw new ApiRequestError(method, path, statusCode, text);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${method} ${path}: HTTP ${statusCode} with a body that is not JSON`, { cause: error });
  }
}

export function getJson(kubeConfig: KubeConfig, path: string, query: Query, signal: AbortSignal): Promise<unknown> {
  return request(kubeConfig, HttpMethod.GET, path, query, undefined, signal);
}

/**
 * Server-side apply: the object is the whole intent of `fieldManager` (it must name apiVersion, kind
 * and metadata.name); creates the object when missing. JSON is YAML, so the body needs no conversion.
 */
export function applyJson(kubeConfig: KubeConfig, path: string, object: unknown, options: ApplyOptions): Promise<unknown> {
  return request(kubeConfig, HttpMethod.PATCH, path, { fieldManager: options.fieldManager, force: options.force }, { contentType: 'application/apply-patch+yaml', value: object }, options.signal);
}

/** POST to a collection, e.g. `/apis/coordination.k8s.io/v1/namespaces/nsguard/leases`. */
export function createJson(kubeConfig: KubeConfig, collectionPath: string, object: unknown, options: RequestOptions = {}): Promise<unknown> {
  return request(kubeConfig, HttpMethod.POST, collectionPath, {}, { contentType: 'application/json', value: object }, options.signal);
}

/** PUT: a metadata.resourceVersion in the object makes it conditional (409 Conflict if it moved on). */
export function replaceJson(kubeConfig: KubeConfig, path: string, object: unknown, options: RequestOptions = {}): Promise<unknown> {
  return request(kubeConfig, HttpMethod.PUT, path, {}, { contentType: 'application/json', value: object }, options.signal);
}

/** RFC 7386 merge patch: `null` removes a key, lists are replaced whole. */
export function mergePatchJson(kubeConfig: KubeConfig, path: string, patch: unknown, options: RequestOptions = {}): Promise<unknown> {
  return request(kubeConfig, HttpMethod.PATCH, path, {}, { contentType: 'application/merge-patch+json', value: patch }, options.signal);
}

/** RFC 6902 JSON patch as the same user; a `test` operation makes it conditional (422 when it fails). */
export function jsonPatchJson(kubeConfig: KubeConfig, path: string, operations: readonly unknown[], query: Query = {}, options: RequestOptions = {}): Promise<unknown> {
  return request(kubeConfig, HttpMethod.PATCH, path, query, { contentType: 'application/json-patch+json', value: operations }, options.signal);
}

/**
 * True once the API accepted the deletion (objects with finalizers go later, answered 202), false when
 * there was nothing to delete: a missing object is what the caller wanted.
 */
export async function deleteJson(kubeConfig: KubeConfig, path: string, options: RequestOptions = {}): Promise<boolean> {
  try {
    await request(kubeConfig, HttpMethod.DELETE, path, {}, undefined, options.signal);
    return true;
  } catch (error) {
    if (error instanceof ApiRequestError && error.statusCode === 404) return false;
    throw error;
  }
}
