// What `nsguard explain` is asked about: FROM and TO as written (a pod, pods by labels, a Service, an
// address), the namespaces they need read, and what they are in the snapshot. A name that is not there
// is a usage error that suggests the nearest one that is.
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { Visibility } from '../cluster/visibility.ts';
import { NsguardError } from '../errors.ts';
import { parseIp } from '../policy/netpol/cidr.ts';
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { namespaceOf, podEndpoint } from '../policy/netpol/endpoint.ts';
import { ownerOf } from '../policy/netpol/service-backends.ts';
import { witnessPod } from '../policy/netpol/witness.ts';
import type { Labels, Service } from '../policy/objects/model.ts';
import { nearest } from './command-spec.ts';

export type TargetText =
  | { readonly kind: 'ip'; readonly ip: string }
  | { readonly kind: 'pod'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'labels'; readonly namespace: string; readonly labels: Labels }
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string };

export type Target = { readonly kind: 'endpoint'; readonly endpoint: Endpoint } | { readonly kind: 'service'; readonly service: Service; readonly address: string | undefined };

export const TARGET_FORMS = 'ns/pod, ns/label=value,..., service/ns/name, name.ns (a Service), an IP, or a pod or labels in -n';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function usage(message: string): NsguardError {
  return new NsguardError('NSG_USAGE', `nsguard explain: ${message}`);
}

/**
 * `ns/pod`, `ns/app=web,tier=db` (any pod with exactly those labels), `service/ns/name` (or `svc/`),
 * `name.ns` and `name.ns.svc[.cluster.local]` (a Service, as pods resolve it), an IP address, or a pod
 * name or labels alone, in `namespace`.
 */
export function parseTarget(text: string, namespace: string): TargetText {
  if (parseIp(text) !== undefined) return { kind: 'ip', ip: text };
  const parts = text.split('/');
  if (parts.length === 3 && (parts[0] === 'service' || parts[0] === 'svc' || parts[0] === 'services')) {
    const [, ns = '', name = ''] = parts;
    if (ns === '' || name === '') throw usage(`${JSON.stringify(text)}: a Service is service/NAMESPACE/NAME`);
    return { kind: 'service', namespace: ns, name };
  }
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (text.includes('=')) return { kind: 'labels', namespace, labels: labelsFrom(text, text) };
    if (text.includes('.')) return serviceByDns(text);
    if (text === '') throw usage(`an empty FROM or TO: expected ${TARGET_FORMS}`);
    return { kind: 'pod', namespace, name: text };
  }
  const ns = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  if (ns === '' || rest === '') throw usage(`${JSON.stringify(text)} is not ${TARGET_FORMS}`);
  if (rest.includes('=')) return { kind: 'labels', namespace: ns, labels: labelsFrom(rest, text) };
  return { kind: 'pod', namespace: ns, name: rest };
}

/** `name.ns`, `name.ns.svc`, `name.ns.svc.<cluster domain>`: what a pod's resolver turns into a ClusterIP. */
function serviceByDns(text: string): TargetText {
  const [name = '', ns = '', svc, ...domain] = text.split('.');
  const fits = DNS_LABEL.test(name) && DNS_LABEL.test(ns) && (svc === undefined || (svc === 'svc' && domain.every((d) => DNS_LABEL.test(d))));
  if (!fits) throw usage(`${JSON.stringify(text)} is not a Service name (name.namespace or name.namespace.svc.cluster.local) nor any of ${TARGET_FORMS}`);
  return { kind: 'service', namespace: ns, name };
}

function labelsFrom(text: string, whole: string): Labels {
  const entries: [string, string][] = [];
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    if (eq <= 0 || pair.includes('!=')) throw usage(`${JSON.stringify(whole)}: labels are written key=value,key=value`);
    // A pod holds one value per key: keeping the last of two would explain a pod nobody asked about.
    if (entries.some(([seen]) => seen === key)) throw usage(`${JSON.stringify(whole)}: label ${JSON.stringify(key)} is given twice; a pod has one value per key`);
    entries.push([key, pair.slice(eq + 1)]);
  }
  // fromEntries defines own properties, so a key such as `__proto__` stays a plain label.
  return Object.fromEntries(entries);
}

/** The namespaces a target needs read; undefined: any namespace may hold it (an address). */
export function namespaceOfText(target: TargetText): string | undefined {
  return target.kind === 'ip' ? undefined : target.namespace;
}

/** What the text names in the snapshot; `visibility` says why a name may be missing (not readable). */
export function resolveTarget(target: TargetText, state: ClusterState, visibility: Visibility): Target {
  switch (target.kind) {
    case 'ip': {
      const service = state.serviceWithClusterIp(target.ip);
      if (service !== undefined) return { kind: 'service', service, address: target.ip };
      const owner = ownerOf(state, target.ip);
      if (owner.kind === 'pods') {
        const names = owner.endpoints.map((e) => (e.kind === 'pod' ? `${e.group.namespace}/${e.group.names[0] ?? '?'}` : e.ip));
        throw usage(`${target.ip} is the address of ${names.length} pods in the snapshot (${names.join(', ')}): a dump taken while one replaced another; name the pod instead`);
      }
      // Any other address is outside the cluster, where no NetworkPolicy applies.
      return { kind: 'endpoint', endpoint: owner.kind === 'pod' ? owner.endpoint : { kind: 'external', ip: target.ip } };
    }
    case 'labels':
      return { kind: 'endpoint', endpoint: { kind: 'pod', group: witnessPod(target.namespace, target.labels), namespace: namespaceOf(state, target.namespace) } };
    case 'pod': {
      const group = state.findPod(target.namespace, target.name);
      if (group !== undefined) return { kind: 'endpoint', endpoint: podEndpoint(state, { ...group, names: [target.name], count: 1 }) };
      throw missing(target, state, visibility);
    }
    case 'service': {
      const service = state.service(target.namespace, target.name);
      if (service !== undefined) return { kind: 'service', service, address: undefined };
      throw missing(target, state, visibility);
    }
    default: {
      const never: never = target;
      throw new Error(`unknown target ${JSON.stringify(never)}`);
    }
  }
}

/** Why a pod or Service is not found, with the nearest name that is: in its namespace, or the nearest namespace. */
function missing(target: TargetText & { readonly kind: 'pod' | 'service' }, state: ClusterState, visibility: Visibility): NsguardError {
  const { namespace, name } = target;
  const what = target.kind === 'pod' ? 'running pod' : 'Service';
  const unread = visibility.unread(target.kind === 'pod' ? 'pods' : 'services', namespace);
  if (unread !== undefined) {
    const instead = target.kind === 'pod' ? `; name its pods by their labels (${namespace}/app=...) or address instead` : '; give its ClusterIP or its pods instead';
    return usage(`no ${what} ${namespace}/${name} could be found: ${unread}${instead}`);
  }
  const pods = state.podGroups(namespace).flatMap((g) => g.names);
  const services = state.serviceNames(namespace);
  if (pods.length === 0 && services.length === 0 && state.namespace(namespace) === undefined) {
    const near = nearest(namespace, namespaceNames(state));
    return usage(`no namespace ${namespace} in the snapshot${near === undefined ? '' : `; did you mean ${near}?`}`);
  }
  const near = nearest(name, target.kind === 'pod' ? pods : services);
  const spelled = (n: string): string => (target.kind === 'pod' ? `${namespace}/${n}` : `service/${namespace}/${n}`);
  // The other kind of the same name: `ns/mysql` for the Service mysql, or the reverse.
  const other =
    target.kind === 'pod' && services.includes(name)
      ? `A Service of that name exists: service/${namespace}/${name} (${name}.${namespace})`
      : target.kind === 'service' && pods.includes(name)
        ? `A pod of that name exists: ${namespace}/${name}`
        : undefined;
  const hints = [near === undefined ? undefined : `did you mean ${spelled(near)}?`, other].filter((h) => h !== undefined);
  return usage(`no ${what} ${namespace}/${name} in the snapshot${hints.length === 0 ? '' : `; ${hints.join(' ')}`}`);
}

/** Namespaces the snapshot knows: listed, or holding pods (a dump may leave the Namespace out). */
function namespaceNames(state: ClusterState): string[] {
  return [...new Set([...state.namespaces().map((ns) => ns.name), ...[...state.podNames()].map(([ns]) => ns)])].sort();
}
