// v1 Service and discovery.k8s.io/v1 EndpointSlice into what `nsguard explain` resolves a Service by:
// its addresses, its ports and their targets, and its selector (or, without one, the endpoints its
// slices list), with the API's defaults applied since state files never went through it.
import type { ContainerPort, EndpointSlice, Service, ServicePort } from './model.ts';
import type { Fields, ObjectContext } from './parse-fields.ts';
import { invalidField, isPortName, optionalFields, optionalList, optionalString, parseProtocol, requireFields, requireIp, requirePortNumber } from './parse-fields.ts';
import { parseObjectHead } from './parse-object-head.ts';
import { parseLabels } from './parse-selector.ts';

/** The label every EndpointSlice of a Service carries. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Who keeps a slice; the EndpointSlice controller keeps those of Services with a selector. */
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

/** What a live read asks for: the slices no selector explains (see parseEndpointSlice). */
export const UNSELECTED_SLICES = `${MANAGED_BY_LABEL}!=${SLICE_CONTROLLER}`;

export function parseService(raw: unknown, where: string): Service {
  const head = parseObjectHead(raw, { kind: 'Service', apiVersion: 'v1', namespaced: true }, where);
  const { ctx } = head;
  const spec = optionalFields(head.fields['spec'], 'spec', ctx) ?? {};
  const type = spec['type'] ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(type as string)) throw invalidField(ctx, 'spec.type', type, SERVICE_TYPES.join(', '));
  // clusterIPs holds every family's address (dual stack); objects written before it only clusterIP.
  const listed = optionalList(spec['clusterIPs'], 'spec.clusterIPs', ctx);
  const primary = spec['clusterIP'];
  const ips = listed ?? (primary === undefined || primary === null || primary === '' ? [] : [primary]);
  const headless = ips[0] === 'None';
  // An empty selector is no selector: the API documents that endpoints are then kept by someone else.
  const selector = parseLabels(spec['selector'], 'spec.selector', ctx);
  return {
    namespace: head.namespace ?? '',
    name: head.name,
    clusterIPs: headless || type === 'ExternalName' ? [] : ips.map((ip, i) => requireIp(ip, listed === undefined ? 'spec.clusterIP' : `spec.clusterIPs[${i}]`, ctx)),
    headless,
    externalName: type === 'ExternalName' ? optionalString(spec['externalName'], 'spec.externalName', ctx) : undefined,
    selector: Object.keys(selector).length === 0 ? undefined : selector,
    ports: (optionalList(spec['ports'], 'spec.ports', ctx) ?? []).map((p, i) => parseServicePort(p, `spec.ports[${i}]`, ctx)),
  };
}

const SERVICE_TYPES: readonly string[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/** targetPort defaults to the port; as text it names a container port (digits alone are not a name). */
function parseServicePort(raw: unknown, path: string, ctx: ObjectContext): ServicePort {
  const entry = requireFields(raw, path, ctx);
  const port = requirePortNumber(entry['port'], `${path}.port`, ctx);
  const target = entry['targetPort'] ?? port;
  let targetPort: number | string;
  if (typeof target === 'string') {
    if (!isPortName(target)) throw invalidField(ctx, `${path}.targetPort`, target, 'a port number or a container port name');
    targetPort = target;
  } else targetPort = requirePortNumber(target, `${path}.targetPort`, ctx);
  return { name: portName(entry, path, ctx), port, protocol: parseProtocol(entry, path, ctx), targetPort };
}

function portName(entry: Fields, path: string, ctx: ObjectContext): string | undefined {
  return entry['name'] === '' ? undefined : optionalString(entry['name'], `${path}.name`, ctx);
}

/**
 * The slice of a Service without a selector, or undefined for one the view need not keep: the
 * EndpointSlice controller's (their endpoints are the selected pods), one of no Service, or one of
 * host names (addressType FQDN), which no NetworkPolicy judges.
 */
export function parseEndpointSlice(raw: unknown, where: string): EndpointSlice | undefined {
  const head = parseObjectHead(raw, { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', namespaced: true }, where);
  const { ctx } = head;
  const service = head.labels[SERVICE_NAME_LABEL];
  if (service === undefined || head.labels[MANAGED_BY_LABEL] === SLICE_CONTROLLER || head.fields['addressType'] === 'FQDN') return undefined;
  return {
    namespace: head.namespace ?? '',
    name: head.name,
    service,
    // A port without a number means every port (allowed for selector-less Services): nothing to translate.
    ports: (optionalList(head.fields['ports'], 'ports', ctx) ?? []).flatMap((p, i): ContainerPort[] => {
      const path = `ports[${i}]`;
      const entry = requireFields(p, path, ctx);
      if (entry['port'] === undefined || entry['port'] === null) return [];
      return [{ name: portName(entry, path, ctx), port: requirePortNumber(entry['port'], `${path}.port`, ctx), protocol: parseProtocol(entry, path, ctx) }];
    }),
    addresses: (optionalList(head.fields['endpoints'], 'endpoints', ctx) ?? []).flatMap((e, i) => readyAddresses(e, `endpoints[${i}]`, ctx)),
  };
}

/** An endpoint's addresses if it takes traffic: `ready` unset means ready, as the API documents it. */
function readyAddresses(raw: unknown, path: string, ctx: ObjectContext): string[] {
  const entry = requireFields(raw, path, ctx);
  const ready = optionalFields(entry['conditions'], `${path}.conditions`, ctx)?.['ready'] ?? true;
  if (typeof ready !== 'boolean') throw invalidField(ctx, `${path}.conditions.ready`, ready, 'true or false');
  if (!ready) return [];
  return (optionalList(entry['addresses'], `${path}.addresses`, ctx) ?? []).map((a, i) => requireIp(a, `${path}.addresses[${i}]`, ctx));
}
