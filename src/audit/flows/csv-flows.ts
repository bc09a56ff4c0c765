// The documented CSV (docs/audit.md): `src_ns,src_pod,dst_ns,dst_pod,port,proto`, one connection a line,
// an optional header, `#` comments and blank lines ignored. An address outside the cluster is written
// with an empty namespace and the IP in the pod column.
import { parseIp } from '../../policy/netpol/cidr.ts';
import type { FlowEnd, FlowRecord, ParsedFlows } from './flow-record.ts';
import { flowError, portOf, protocolOf } from './flow-record.ts';

export const CSV_HEADER = 'src_ns,src_pod,dst_ns,dst_pod,port,proto';

export function parseCsvFlows(lines: readonly string[], file: string): ParsedFlows {
  const records: FlowRecord[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#') || text.replace(/\s/g, '') === CSV_HEADER) return;
    const fields = text.split(',').map((f) => f.trim());
    if (fields.length !== 6) throw flowError(file, line, `expected 6 comma-separated fields (${CSV_HEADER}), found ${fields.length}`);
    const [srcNs, srcPod, dstNs, dstPod, port, proto] = fields as [string, string, string, string, string, string];
    const protocol = protocolOf(proto);
    if (protocol === undefined) throw flowError(file, line, `proto is ${JSON.stringify(proto)}, expected TCP, UDP or SCTP`);
    records.push({ line, source: end(srcNs, srcPod, file, line, 'src'), destination: end(dstNs, dstPod, file, line, 'dst'), port: portOf(port, file, line, 'port'), protocol });
  });
  return { format: 'csv', records, skipped: 0 };
}

function end(namespace: string, pod: string, file: string, line: number, side: string): FlowEnd {
  if (namespace !== '') {
    if (pod === '') throw flowError(file, line, `${side}_pod is empty while ${side}_ns is ${namespace}`);
    return { namespace, pod, ip: undefined };
  }
  if (parseIp(pod) === undefined) throw flowError(file, line, `${side}_ns is empty, so ${side}_pod must be an IP address, not ${JSON.stringify(pod)}`);
  return { namespace: undefined, pod: undefined, ip: pod };
}
