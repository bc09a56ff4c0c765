// Calico flow logs, one JSON object a line, as the flow aggregator writes them and as calicoctl and Whisker
// export them: `source_namespace`, `source_name` (`-` when aggregated away, then `source_name_aggr` such
// as `web-7d9f-*`), `source_ip`, the same for `dest_`, `dest_port`, and `proto` (or Whisker's `protocol`)
// by name or number.
import type { FlowEnd, FlowRecord } from './flow-record.ts';
import { flowError, portOf, protocolOf, textOf } from './flow-record.ts';

export function isCalicoFlow(object: Readonly<Record<string, unknown>>): boolean {
  return 'dest_port' in object || 'source_namespace' in object || 'dest_namespace' in object;
}

/** Undefined for a record of a protocol without ports (ICMP). */
export function calicoRecord(object: Readonly<Record<string, unknown>>, file: string, line: number): FlowRecord | undefined {
  const protocolField = object['proto'] ?? object['protocol'];
  if (protocolField === undefined) throw flowError(file, line, 'proto (or protocol) is missing');
  const protocol = protocolOf(protocolField);
  if (protocol === undefined) return undefined;
  return { line, source: end(object, 'source'), destination: end(object, 'dest'), port: portOf(object['dest_port'], file, line, 'dest_port'), protocol };
}

function end(object: Readonly<Record<string, unknown>>, side: 'source' | 'dest'): FlowEnd {
  return {
    namespace: textOf(object[`${side}_namespace`]),
    pod: textOf(object[`${side}_name`]) ?? textOf(object[`${side}_name_aggr`]),
    ip: textOf(object[`${side}_ip`]),
  };
}
