// Namespaces a review names that the live view does not hold yet (created between two watch events),
// read from the API before judging. One list by the name label the apiserver sets on every namespace,
// however many are named; a failure or a timeout is an error, so the review is answered with a
// retryable error and never judged as if the namespace did not exist.
import type { KubeConfig } from '@kubernetes/client-node';
import { NsguardError } from '../errors.ts';
import { isRecord } from '../json-value.ts';
import type { Namespace } from '../policy/objects/model.ts';
import { parseNamespace } from '../policy/objects/parse-namespace.ts';
import { METADATA_NAME_LABEL } from '../policy/netpol/witness.ts';
import { getJson } from './kube-request.ts';

/** The namespaces of `names` that exist; rejects when the API could not say. */
export type NamespaceLookup = (names: readonly string[]) => Promise<readonly Namespace[]>;

/**
 * A third of the webhooks' timeoutSeconds (3 s, manifests/base/*-webhook.yaml): the judgement and the
 * answer must still reach the apiserver before it gives up on the call.
 */
export const LOOKUP_TIMEOUT_MS = 1000;

// A namespace name is a DNS label (apimachinery ValidateNamespaceName); anything else names nothing, and
// would not be a valid label value in the selector either.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function kubeNamespaceLookup(kubeConfig: KubeConfig, options: { readonly timeoutMs?: number } = {}): NamespaceLookup {
  const timeoutMs = options.timeoutMs ?? LOOKUP_TIMEOUT_MS;
  return async (names) => {
    const valid = [...new Set(names)].filter((name) => DNS_LABEL.test(name)).sort();
    if (valid.length === 0) return [];
    const labelSelector = `${METADATA_NAME_LABEL} in (${valid.join(',')})`;
    let body: unknown;
    try {
      // No resourceVersion: a consistent read, newer than anything the watch has delivered.
      body = await getJson(kubeConfig, '/api/v1/namespaces', { labelSelector }, AbortSignal.timeout(timeoutMs));
    } catch (cause) {
      const reason = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause instanceof Error ? cause.message : String(cause);
      throw new NsguardError('NSG_LOOKUP', `looking up namespace ${valid.join(', ')}, which the cluster view does not hold, failed: ${reason}`, { cause });
    }
    const items = isRecord(body) ? body['items'] : undefined;
    if (!Array.isArray(items) && items !== null) throw new NsguardError('NSG_LOOKUP', `looking up namespace ${valid.join(', ')}: the API answered something other than a list`);
    // Items of a typed list carry no apiVersion/kind; the edge parser wants them.
    return (items ?? []).map((item: unknown) => parseNamespace({ apiVersion: 'v1', kind: 'Namespace', ...(isRecord(item) ? item : {}) }, 'namespace lookup'));
  };
}
