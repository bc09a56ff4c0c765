// Is this a review the apiserver could have sent? The apiserver fills `request` from the URL and the
// stored object, so its parts agree: the kind and resource are one registered pair, the operation is
// one that resource has, the object's apiVersion/kind are the request's kind, and its namespace and name
// are the request's (since Kubernetes 1.20 the namespace is set and checked before admission,
// kubernetes/kubernetes#94637). A review whose parts disagree was forged or misrouted, and judging its
// object would judge something other than what is being written.
import { clip, isRecord, quoteValue } from '../json-value.ts';
import type { ServedKind } from './kind-handler.ts';
import { HANDLERS, handlerFor, kindName } from './registry.ts';
import type { AdmissionRequest, GroupVersionKind, WebhookName } from './types.ts';

export function envelopeProblem(webhook: WebhookName, request: AdmissionRequest): string | undefined {
  const served = handlerFor(request.kind);
  if (served === undefined) {
    return `nsguard does not judge ${describeKind(request.kind)}: its webhook configurations register only ${HANDLERS.map((h) => describeKind(h.kind)).join(' and ')}`;
  }
  const name = kindName(served.kind);
  if (!served.paths.includes(webhook)) return `${name} reviews are not sent to /${webhook}: the webhook configuration is wrong`;
  const { resource } = request;
  if (resource.group !== served.kind.group || resource.version !== served.kind.version || resource.resource !== served.resource) {
    return `request.resource ${quoteValue(resource, 160)} is not the resource of request.kind ${describeKind(request.kind)} (${served.resource})`;
  }
  if (request.subResource !== undefined) return `request.subResource is ${quoteValue(request.subResource)}: nsguard registers no subresource`;
  if (!served.operations.includes(request.operation)) return `request.operation ${request.operation} is not an operation the apiserver sends for ${served.resource}`;
  return objectsProblem(served, request);
}

function objectsProblem(served: ServedKind, request: AdmissionRequest): string | undefined {
  const present = { object: request.object !== null && request.object !== undefined, oldObject: request.oldObject !== null && request.oldObject !== undefined };
  // What admission/v1 sends per operation: no old object on CREATE, no new one on DELETE.
  const expected = { object: request.operation !== 'DELETE', oldObject: request.operation !== 'CREATE' };
  for (const field of ['object', 'oldObject'] as const) {
    if (present[field] === expected[field]) continue;
    return expected[field] ? `request.${field} is missing: the apiserver sends it on ${request.operation}` : `request.${field} is set: the apiserver sends none on ${request.operation}`;
  }
  if (served.namespaced && request.namespace === undefined) return `request.namespace is missing: ${served.resource} are namespaced`;
  // No name on CREATE with generateName, and on each item of a DELETECOLLECTION (the namespace
  // controller's), which reaches admission with the collection's empty name (handlers/delete.go).
  if (request.name === '' && request.operation === 'UPDATE') return 'request.name is missing: the apiserver names the object on UPDATE';
  for (const field of ['object', 'oldObject'] as const) {
    if (!present[field]) continue;
    const problem = objectProblem(served, request, request[field], field);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function objectProblem(served: ServedKind, request: AdmissionRequest, object: unknown, field: string): string | undefined {
  if (!isRecord(object)) return `request.${field} is ${quoteValue(object)}, expected an object`;
  const apiVersion = served.kind.group === '' ? served.kind.version : `${served.kind.group}/${served.kind.version}`;
  if (object['apiVersion'] !== apiVersion || object['kind'] !== served.kind.kind) {
    return `request.${field} is apiVersion ${quoteValue(object['apiVersion'])} kind ${quoteValue(object['kind'])}, but request.kind is ${describeKind(request.kind)}`;
  }
  const metadata = object['metadata'];
  if (!isRecord(metadata)) return `request.${field}.metadata is ${quoteValue(metadata)}, expected an object`;
  const name = metadata['name'];
  if (request.name === '' && request.operation === 'DELETE') {
    if (typeof name !== 'string' || name === '') return `request.name is missing and request.${field} has no metadata.name`;
  } else if (request.name === '') {
    // generateName: the apiserver names the object after admission, so neither carries a name yet.
    if (typeof metadata['generateName'] !== 'string' || metadata['generateName'] === '') {
      return `request.name is missing and request.${field} has no metadata.generateName`;
    }
  } else if (typeof name !== 'string' || !(served.sameName ?? Object.is)(request.name, name)) {
    return `request.${field}.metadata.name is ${quoteValue(name)}, but request.name is ${quoteValue(request.name)}`;
  }
  const namespace = metadata['namespace'];
  if (served.namespaced) {
    if (namespace !== undefined && namespace !== request.namespace) {
      return `request.${field}.metadata.namespace is ${quoteValue(namespace)}, but request.namespace is ${quoteValue(request.namespace)}`;
    }
  } else {
    if (namespace !== undefined && namespace !== '') return `request.${field}.metadata.namespace is ${quoteValue(namespace)}: ${served.resource} are cluster-scoped`;
    // For a Namespace the apiserver sets request.namespace to its own name (kubernetes/kubernetes#95012);
    // other cluster-scoped kinds have none.
    const own = served.kind.group === '' && served.resource === 'namespaces';
    if (own && request.namespace !== undefined && request.namespace !== request.name) {
      return `request.namespace is ${quoteValue(request.namespace)}, but a ${served.kind.kind} review carries its own name there (${quoteValue(request.name)})`;
    }
    if (!own && request.namespace !== undefined) return `request.namespace is ${quoteValue(request.namespace)}: ${served.resource} are cluster-scoped`;
  }
  return undefined;
}

function describeKind(kind: GroupVersionKind): string {
  return clip(`${kind.group === '' ? 'core' : kind.group}/${kind.version} ${kind.kind}`, 120);
}
