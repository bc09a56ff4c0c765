// One observed connection, whatever tool recorded it, with the line it came from.
import { NsguardError } from '../../errors.ts';
import type { Protocol } from '../../policy/objects/model.ts';
import { PROTOCOLS } from '../../policy/objects/model.ts';

/** A side as the record names it: a pod by namespace and name (Calico may give only a name prefix, `web-7d9f-*`), or an address. */
export interface FlowEnd {
  readonly namespace: string | undefined;
  readonly pod: string | undefined;
  readonly ip: string | undefined;
}

export interface FlowRecord {
  readonly line: number;
  readonly source: FlowEnd;
  readonly destination: FlowEnd;
  readonly port: number;
  readonly protocol: Protocol;
}

export type FlowFormat = 'calico' | 'hubble' | 'csv';

export interface ParsedFlows {
  readonly format: FlowFormat;
  readonly records: readonly FlowRecord[];
  /** Records of protocols without ports (ICMP) or of what is not a connection: counted, not judged. */
  readonly skipped: number;
}

export function flowError(file: string, line: number, message: string, cause?: unknown): NsguardError {
  return new NsguardError('NSG_FLOWS_PARSE', `${file} line ${line}: ${message}`, cause === undefined ? undefined : { cause });
}

/** `TCP`, `tcp`, `6`: TCP, UDP or SCTP; undefined for protocols without ports. */
export function protocolOf(value: unknown): Protocol | undefined {
  const text = String(value).toUpperCase();
  const byNumber: Readonly<Record<string, Protocol>> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP' };
  return byNumber[text] ?? (PROTOCOLS.includes(text as Protocol) ? (text as Protocol) : undefined);
}

export function portOf(value: unknown, file: string, line: number, field: string): number {
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw flowError(file, line, `${field} is ${JSON.stringify(value) ?? 'missing'}, expected a port number from 1 to 65535`);
  }
  return port;
}

/** A non-empty string field, or undefined for absent, empty and Calico's `-` (not known at this aggregation). */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== '-' ? value : undefined;
}
