// Where traffic to a Service lands. kube-proxy (or its eBPF twin) rewrites the destination to one of the
// Service's endpoints and the Service port to that endpoint's target port before any NetworkPolicy is
// applied, so a path to a Service is judged as the paths to each endpoint, on its target port.
import type { ClusterView, ServiceView } from '../objects/cluster-view.ts';
import type { PodGroup, Protocol, Service, ServicePort } from '../objects/model.ts';
import type { Endpoint } from './endpoint.ts';
import { podEndpoint } from './endpoint.ts';
import { selectorFromLabels } from './selector.ts';

/** A view that can say which pod holds an address, by name. */
export interface AddressView extends ClusterView {
  /** The pods holding `ip`, each with its name where the view keeps it. */
  podsWithIp(ip: string): readonly { readonly group: PodGroup; readonly name: string | undefined }[];
}

/** What an address is in the cluster: no pod, one pod, or (a stale dump) several. */
export type AddressOwner = { readonly kind: 'none' } | { readonly kind: 'pod'; readonly endpoint: Endpoint } | { readonly kind: 'pods'; readonly endpoints: readonly Endpoint[] };

/** An address means the one pod holding it, not every pod of its group. */
export function ownerOf(view: AddressView, ip: string): AddressOwner {
  const endpoints = view.podsWithIp(ip).map(({ group, name }) => podEndpoint(view, name === undefined ? { ...group, ips: [ip] } : { ...group, names: [name], count: 1, ips: [ip] }));
  const [first] = endpoints;
  if (first === undefined) return { kind: 'none' };
  return endpoints.length === 1 ? { kind: 'pod', endpoint: first } : { kind: 'pods', endpoints };
}

export interface Backend {
  readonly endpoint: Endpoint;
  /** The port the Service port arrives at on it; undefined when no Service port was asked about. */
  readonly port: number | undefined;
}

export interface ServiceBackends {
  readonly backends: readonly Backend[];
  /** Pods the selector picks that the asked port does not reach (no container port of that name). */
  readonly unreached: readonly { readonly endpoint: Endpoint; readonly why: string }[];
}

/**
 * The endpoints of `service` and where `port` (one of its ports) arrives on each. With a selector they
 * are the running pods it picks in the Service's namespace, a named target port read on each pod (the
 * EndpointSlice controller leaves out pods without it); without one, the addresses of its
 * EndpointSlices, each a pod or an address outside the cluster, the port as the slice gives it.
 */
export function serviceBackends(view: AddressView & ServiceView, service: Service, port: ServicePort | undefined): ServiceBackends {
  if (service.selector === undefined) {
    const backends: Backend[] = [];
    for (const slice of view.endpointSlices(service.namespace, service.name)) {
      const target = port === undefined ? undefined : slice.ports.find((p) => p.name === port.name && p.protocol === port.protocol);
      // A slice that does not list the port serves no traffic on it.
      if (port !== undefined && target === undefined) continue;
      for (const ip of slice.addresses) {
        const owner = ownerOf(view, ip);
        const endpoints = owner.kind === 'none' ? [{ kind: 'external', ip } as const] : owner.kind === 'pod' ? [owner.endpoint] : owner.endpoints;
        for (const endpoint of endpoints) backends.push({ endpoint, port: target?.port });
      }
    }
    return { backends, unreached: [] };
  }
  const backends: Backend[] = [];
  const unreached: { endpoint: Endpoint; why: string }[] = [];
  for (const group of view.podGroupsMatching(service.namespace, selectorFromLabels(service.selector))) {
    const endpoint = podEndpoint(view, group);
    if (port === undefined || typeof port.targetPort === 'number') {
      backends.push({ endpoint, port: port === undefined ? undefined : (port.targetPort as number) });
      continue;
    }
    const named = group.ports === 'unknown' ? undefined : group.ports.find((p) => p.name === port.targetPort && p.protocol === port.protocol);
    if (named === undefined) unreached.push({ endpoint, why: `no ${port.protocol} container port named ${port.targetPort}` });
    else backends.push({ endpoint, port: named.port });
  }
  return { backends, unreached };
}

/** The Service port asked about, by number or by name, of the protocol. */
export function servicePort(service: Service, asked: { readonly port: number | string; readonly protocol: Protocol }): ServicePort | undefined {
  return service.ports.find((p) => p.protocol === asked.protocol && (typeof asked.port === 'number' ? p.port === asked.port : p.name === asked.port));
}

/** `53/UDP (dns) → dns`, how a Service port reads in a message. */
export function describeServicePort(port: ServicePort): string {
  return `${port.port}/${port.protocol}${port.name === undefined ? '' : ` (${port.name})`}`;
}
