// Dynamic admission as the kube-apiserver runs it (k8s.io/apiserver/pkg/admission/plugin/webhook), for
// the test API server: the Mutating- and ValidatingWebhookConfigurations it stores pick webhooks by
// rules (group, version, resource, operation, scope), namespaceSelector, objectSelector and
// matchConditions (CEL: any false skips; otherwise an error fails under Fail and skips under Ignore);
// each chosen webhook gets an admission.k8s.io/v1 AdmissionReview over HTTPS, and an unreachable or
// broken webhook counts as its failurePolicy says.
import { request as httpsRequest } from 'node:https';
import { randomUUID } from 'node:crypto';
import { evaluate } from '@marcbachmann/cel-js';
import jsonpatch from 'fast-json-patch';
import { parseSelector } from '../../src/policy/objects/parse-selector.ts';
import { selects } from '../../src/policy/netpol/selector.ts';
import type { KubeObject } from './test-api-object.ts';
import { isObject, metadataOf } from './test-api-object.ts';
import type { ApiResource } from './test-api-resources.ts';
import { ApiError, statusBody } from './test-api-status.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
}

/** What one admission call is about, as the apiserver's admission.Attributes. */
export interface AdmissionAttributes {
  readonly resource: ApiResource;
  readonly operation: Operation;
  /** '' for a DELETECOLLECTION item: the apiserver passes the collection's empty name on. */
  readonly name: string;
  readonly namespace: string | undefined;
  readonly object: KubeObject | undefined;
  readonly oldObject: KubeObject | undefined;
  readonly user: UserInfo;
  readonly dryRun: boolean;
  /** The labels of the object's namespace (a Namespace's own), for namespaceSelector. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
}

export interface AdmissionOptions {
  /** The base URL (`https://127.0.0.1:PORT`) behind a Service port, or undefined when no endpoint is ready. */
  readonly resolveService: (namespace: string, name: string, port: number) => string | undefined;
}

type Webhook = Record<string, unknown>;

/** The outcome of one webhook's matchConditions: call it, skip it, or an evaluation error. */
export type ConditionVerdict = { readonly match: true } | { readonly match: false } | { readonly error: string };

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');
const covers = (values: readonly string[], value: string): boolean => values.includes('*') || values.includes(value);

/** The AdmissionRequest the webhook receives, and the `request` variable of matchConditions. */
export function admissionRequest(attributes: AdmissionAttributes): Record<string, unknown> {
  const { resource } = attributes;
  const gvk = { group: resource.group, version: resource.version, kind: resource.kind };
  const gvr = { group: resource.group, version: resource.version, resource: resource.resource };
  return {
    uid: randomUUID(),
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    name: attributes.name,
    // For a Namespace the apiserver puts its own name here (kubernetes/kubernetes#95012).
    ...(attributes.namespace !== undefined ? { namespace: attributes.namespace } : resource.kind === 'Namespace' && attributes.name !== '' ? { namespace: attributes.name } : {}),
    operation: attributes.operation,
    userInfo: { username: attributes.user.username, groups: [...attributes.user.groups] },
    object: attributes.object ?? null,
    oldObject: attributes.oldObject ?? null,
    dryRun: attributes.dryRun,
  };
}

/** matchConditions (KEP-3716): any false skips the webhook, whatever else errs; else any error is reported. */
export function evaluateMatchConditions(webhook: { readonly matchConditions?: unknown }, attributes: AdmissionAttributes): ConditionVerdict {
  const variables = { object: attributes.object ?? null, oldObject: attributes.oldObject ?? null, request: admissionRequest(attributes) };
  let error: string | undefined;
  for (const condition of list(webhook.matchConditions)) {
    const expression = isObject(condition) && typeof condition['expression'] === 'string' ? condition['expression'] : 'false';
    try {
      const value: unknown = evaluate(expression, variables);
      if (value === false) return { match: false };
      if (value !== true) error ??= `${String(isObject(condition) ? condition['name'] : '')}: not a bool (${String(value)})`;
    } catch (e) {
      error ??= `${String(isObject(condition) ? condition['name'] : '')}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
  }
  return error === undefined ? { match: true } : { error };
}

function rulesMatch(webhook: Webhook, attributes: AdmissionAttributes): boolean {
  const { resource } = attributes;
  return list(webhook['rules']).some((rule) => {
    if (!isObject(rule)) return false;
    const scope = typeof rule['scope'] === 'string' ? rule['scope'] : '*';
    const scoped = scope === '*' || (scope === 'Namespaced') === resource.namespaced;
    return (
      covers(strings(rule['apiGroups']), resource.group) &&
      covers(strings(rule['apiVersions']), resource.version) &&
      covers(strings(rule['resources']), resource.resource) &&
      covers(strings(rule['operations']), attributes.operation) &&
      scoped
    );
  });
}

function labelSelectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) return true;
  return selects(parseSelector(selector, 'selector', { where: 'webhook configuration', object: 'selector' }), labels);
}

function objectLabels(attributes: AdmissionAttributes): Readonly<Record<string, string>> {
  const labels = metadataOf(attributes.object ?? attributes.oldObject ?? {})['labels'];
  return isObject(labels) ? (labels as Record<string, string>) : {};
}

/** The webhooks of these configurations that this request goes to, each with its matchConditions' verdict. */
export function chooseWebhooks(configurations: readonly KubeObject[], attributes: AdmissionAttributes): { webhook: Webhook; verdict: ConditionVerdict }[] {
  return configurations
    .flatMap((c) => list(c['webhooks']).filter(isObject))
    .filter((w) => rulesMatch(w, attributes) && labelSelectorMatches(w['namespaceSelector'], attributes.namespaceLabels) && labelSelectorMatches(w['objectSelector'], objectLabels(attributes)))
    .map((webhook) => ({ webhook, verdict: evaluateMatchConditions(webhook, attributes) }))
    .filter(({ verdict }) => !('match' in verdict) || verdict.match);
}

interface WebhookAnswer {
  readonly allowed: boolean;
  readonly status?: { readonly code?: number; readonly message?: string };
  readonly patch?: string;
}

/** POSTs the review; resolves with the webhook's response, rejects with why the call failed. */
function call(webhook: Webhook, review: unknown, options: AdmissionOptions): Promise<WebhookAnswer> {
  const client = isObject(webhook['clientConfig']) ? webhook['clientConfig'] : {};
  const service = isObject(client['service']) ? client['service'] : undefined;
  const timeoutMs = (typeof webhook['timeoutSeconds'] === 'number' ? webhook['timeoutSeconds'] : 10) * 1000;
  let base: string | undefined;
  let path = '';
  // The apiserver verifies the serving certificate against the Service's DNS name.
  let servername: string | undefined;
  if (service !== undefined) {
    const [namespace, name, port] = [String(service['namespace']), String(service['name']), typeof service['port'] === 'number' ? service['port'] : 443];
    base = options.resolveService(namespace, name, port);
    path = typeof service['path'] === 'string' ? service['path'] : '/';
    servername = `${name}.${namespace}.svc`;
    if (base === undefined) return Promise.reject(new Error(`failed to call webhook: Post "https://${name}.${namespace}.svc:${port}${path}?timeout=${timeoutMs / 1000}s": no endpoints available for service "${name}"`));
  } else base = typeof client['url'] === 'string' ? client['url'] : '';
  const ca = typeof client['caBundle'] === 'string' ? Buffer.from(client['caBundle'], 'base64').toString('utf8') : undefined;
  const body = JSON.stringify(review);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(`${path}?timeout=${timeoutMs / 1000}s`, base),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        ...(ca !== undefined && { ca }),
        ...(servername !== undefined && { servername }),
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`failed to call webhook: the server responded with the status code ${String(res.statusCode)}: ${text}`));
          try {
            const parsed = JSON.parse(text) as { response?: WebhookAnswer };
            if (parsed.response === undefined) return reject(new Error('failed to call webhook: the response has no response field'));
            resolve(parsed.response);
          } catch {
            reject(new Error('failed to call webhook: the response is not JSON'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('failed to call webhook: context deadline exceeded')));
    req.on('error', (error) => reject(error.message.startsWith('failed to call webhook') ? error : new Error(`failed to call webhook: ${error.message}`)));
    req.end(body);
  });
}

/** A failed call under Fail: the apiserver's 500 InternalError naming the webhook. */
function callFailed(name: string, reason: string): ApiError {
  return new ApiError(statusBody(500, 'InternalError', `Internal error occurred: failed calling webhook "${name}": ${reason}`));
}

/**
 * Runs the chosen webhooks in order (mutating: one after another, each seeing the last one's patch;
 * validating: all must allow). Resolves with the object as mutated, rejects with the API's answer.
 */
export async function admit(kind: 'mutating' | 'validating', configurations: readonly KubeObject[], attributes: AdmissionAttributes, options: AdmissionOptions): Promise<KubeObject | undefined> {
  let current = attributes;
  for (const { webhook, verdict } of chooseWebhooks(configurations, attributes)) {
    const name = String(webhook['name']);
    const failOpen = webhook['failurePolicy'] === 'Ignore';
    if ('error' in verdict) {
      if (failOpen) continue;
      throw callFailed(name, `failed to evaluate match condition (${verdict.error})`);
    }
    let answer: WebhookAnswer;
    try {
      answer = await call(webhook, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: admissionRequest(current) }, options);
    } catch (error) {
      if (failOpen) continue;
      throw callFailed(name, error instanceof Error ? error.message : String(error));
    }
    if (!answer.allowed) {
      const code = answer.status?.code ?? 403;
      throw new ApiError(statusBody(code, code === 403 ? 'Forbidden' : 'BadRequest', `admission webhook "${name}" denied the request: ${answer.status?.message ?? 'without explanation'}`));
    }
    if (kind === 'mutating' && answer.patch !== undefined && current.object !== undefined) {
      const operations = JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')) as jsonpatch.Operation[];
      current = { ...current, object: jsonpatch.applyPatch(structuredClone(current.object), operations, false, false).newDocument };
    }
  }
  return current.object;
}
