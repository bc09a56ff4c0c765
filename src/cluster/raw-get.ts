// GET a Kubernetes API path and return the JSON as the server wrote it, through client-node's own
// transport and authentication (TLS, tokens, exec plugins, proxies). The typed APIs (CoreV1Api...) are
// not used for lists on purpose: their deserializer renames fields (`from` becomes `_from` on
// V1NetworkPolicyIngressRule, `continue` becomes `_continue`) and turns timestamps into Dates, while
// the parse-*.ts edge reads objects as the API serves them, exactly as Watch hands them over.
import type { KubeConfig } from '@kubernetes/client-node';
import { createConfiguration, HttpMethod, RequestContext } from '@kubernetes/client-node';

/** A non-200 answer; `reason` and `message` come from the Status body when there is one. */
export class ApiRequestError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;

  constructor(statusCode: number, path: string, body: string) {
    const status = parseStatus(body);
    super(`GET ${path}: HTTP ${statusCode}${status.message === undefined ? '' : `: ${status.message}`}`);
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

/** client-node's default HTTP library (its own undici), stateless, shared. */
const transport = createConfiguration().httpApi;

export async function getJson(
  kubeConfig: KubeConfig,
  path: string,
  query: Readonly<Record<string, string | number | undefined>>,
  signal: AbortSignal,
): Promise<unknown> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig names no current cluster');
  // As client-node's Watch builds its URL, so a server with a path prefix (a proxy) works for both.
  const url = new URL(cluster.server + path);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  const request = new RequestContext(url.toString(), HttpMethod.GET);
  request.setHeaderParam('Accept', 'application/json');
  request.setSignal(signal);
  await kubeConfig.applySecurityAuthentication(request);
  const response = await transport.send(request).toPromise();
  const text = await response.body.text();
  if (response.httpStatusCode !== 200) throw new ApiRequestError(response.httpStatusCode, path, text);
  return JSON.parse(text) as unknown;
}
