// v1 Pod (client-node V1Pod) into the core's Pod, or nothing for pods NetworkPolicy does not govern.
import type { ContainerPort, Pod } from './model.ts';
import type { ObjectContext } from './parse-fields.ts';
import { invalidField, isPortName, optionalFields, optionalList, optionalString, parseProtocol, requireFields, requireIp, requirePortNumber } from './parse-fields.ts';
import { parseObjectHead } from './parse-object-head.ts';

/**
 * `undefined` for pods that take no part in pod networking: Succeeded/Failed pods have released their
 * IP and take no traffic, and hostNetwork pods are out of NetworkPolicy's reach (they use the node's
 * network namespace). `spec` and `status` may be absent in hand-written state files.
 */
export function parsePod(raw: unknown, where: string): Pod | undefined {
  const head = parseObjectHead(raw, { kind: 'Pod', apiVersion: 'v1', namespaced: true }, where);
  const { ctx } = head;
  const spec = optionalFields(head.fields['spec'], 'spec', ctx);
  const status = optionalFields(head.fields['status'], 'status', ctx);
  const phase = optionalString(status?.['phase'], 'status.phase', ctx);
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const hostNetwork = spec?.['hostNetwork'] ?? false;
  if (typeof hostNetwork !== 'boolean') throw invalidField(ctx, 'spec.hostNetwork', hostNetwork, 'true or false');
  if (hostNetwork) return undefined;
  return {
    namespace: head.namespace ?? '',
    name: head.name,
    labels: head.labels,
    ports: parseContainerPorts(spec?.['containers'], ctx),
    ips: parseIps(status, ctx),
  };
}

function parseContainerPorts(raw: unknown, ctx: ObjectContext): readonly ContainerPort[] {
  const containers = optionalList(raw, 'spec.containers', ctx) ?? [];
  return containers.flatMap((c, i) => {
    const path = `spec.containers[${i}]`;
    const container = requireFields(c, path, ctx);
    const ports = optionalList(container['ports'], `${path}.ports`, ctx) ?? [];
    return ports.map((p, j) => parseContainerPort(p, `${path}.ports[${j}]`, ctx));
  });
}

function parseContainerPort(raw: unknown, path: string, ctx: ObjectContext): ContainerPort {
  const entry = requireFields(raw, path, ctx);
  const name = optionalString(entry['name'], `${path}.name`, ctx);
  if (name !== undefined && !isPortName(name)) {
    throw invalidField(ctx, `${path}.name`, name, 'a port name (IANA_SVC_NAME: 1-15 of a-z, 0-9, -, with a letter)');
  }
  return { name, port: requirePortNumber(entry['containerPort'], `${path}.containerPort`, ctx), protocol: parseProtocol(entry, path, ctx) };
}

/** status.podIPs lists every family's IP on dual-stack clusters; status.podIP is the primary alone. */
function parseIps(status: Readonly<Record<string, unknown>> | undefined, ctx: ObjectContext): readonly string[] {
  const podIPs = optionalList(status?.['podIPs'], 'status.podIPs', ctx) ?? [];
  const ips = podIPs.map((entry, i) => {
    const path = `status.podIPs[${i}]`;
    return requireIp(requireFields(entry, path, ctx)['ip'], `${path}.ip`, ctx);
  });
  if (ips.length > 0) return ips;
  const podIP = status?.['podIP'];
  return podIP === undefined || podIP === null || podIP === '' ? [] : [requireIp(podIP, 'status.podIP', ctx)];
}
