// Cilium Hubble's `hubble observe -o json`: one object a line, the flow under `flow` (or at the top in
// older releases), with `source`/`destination` (`namespace`, `pod_name`), `IP` (`source`, `destination`)
// and `l4` (`TCP`, `UDP` or `SCTP` with `destination_port`; ICMP carries no port).
import type { FlowEnd, FlowRecord } from './flow-record.ts';
import { flowError, portOf, textOf } from './flow-record.ts';

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

/** The flow of a line, or undefined for Hubble's other messages (lost events, node status). */
export function hubbleFlow(object: Fields): Fields | undefined {
  return fields(object['flow']) ?? (fields(object['l4']) !== undefined || fields(object['IP']) !== undefined ? object : undefined);
}

export function isHubbleLine(object: Fields): boolean {
  return hubbleFlow(object) !== undefined || 'lost_events' in object || 'node_status' in object;
}

/** Undefined for what is not a connection with ports. */
export function hubbleRecord(object: Fields, file: string, line: number): FlowRecord | undefined {
  const flow = hubbleFlow(object);
  if (flow === undefined) return undefined;
  const l4 = fields(flow['l4']);
  if (l4 === undefined) throw flowError(file, line, 'the flow has no l4 field');
  const protocol = (['TCP', 'UDP', 'SCTP'] as const).find((p) => fields(l4[p]) !== undefined);
  if (protocol === undefined) return undefined;
  const ip = fields(flow['IP']);
  return {
    line,
    source: end(fields(flow['source']), ip?.['source']),
    destination: end(fields(flow['destination']), ip?.['destination']),
    port: portOf(fields(l4[protocol])?.['destination_port'], file, line, `l4.${protocol}.destination_port`),
    protocol,
  };
}

function end(endpoint: Fields | undefined, ip: unknown): FlowEnd {
  return { namespace: textOf(endpoint?.['namespace']), pod: textOf(endpoint?.['pod_name']), ip: textOf(ip) };
}
