// The small field readers every parse-*.ts file shares, so that every bad field is reported the same way.
import { NsguardError } from '../../errors.ts';
import { parseIp } from '../netpol/cidr.ts';
import type { Protocol } from './model.ts';
import { PROTOCOLS } from './model.ts';

/** Where an object came from and what it is, for messages: `state.yaml document 3`, `NetworkPolicy prod/allow-db`. */
export interface ObjectContext {
  readonly where: string;
  readonly object: string;
}

export type Fields = Readonly<Record<string, unknown>>;

/** `"10.0.0.0/33"`, `80`, `{"ipBlock":...}`: the bad value as written, cut short so a message stays one line. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A YAML alias can make a cycle (`a: &x [*x]`), which JSON cannot write.
    text = '(a self-referencing value)';
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `state.yaml document 3: NetworkPolicy prod/x: spec.ingress[0].ports[0].port is 0, expected ...`. */
export function invalidField(ctx: ObjectContext, path: string, value: unknown, expected: string): NsguardError {
  const shown = value === undefined ? 'missing' : `is ${showValue(value)}`;
  return new NsguardError('NSG_OBJECT_INVALID', `${ctx.where}: ${ctx.object}: ${path} ${shown}, expected ${expected}`);
}

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// JSON null and an absent field decode alike in the API's Go types (nil pointer, empty map or slice), so
// the optional readers below treat both as absent.

export function requireFields(value: unknown, path: string, ctx: ObjectContext): Fields {
  if (!isFields(value)) throw invalidField(ctx, path, value, 'an object');
  return value;
}

export function optionalFields(value: unknown, path: string, ctx: ObjectContext): Fields | undefined {
  return value === undefined || value === null ? undefined : requireFields(value, path, ctx);
}

export function optionalList(value: unknown, path: string, ctx: ObjectContext): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidField(ctx, path, value, 'a list');
  return value;
}

export function requireString(value: unknown, path: string, ctx: ObjectContext): string {
  if (typeof value !== 'string' || value === '') throw invalidField(ctx, path, value, 'a non-empty string');
  return value;
}

export function optionalString(value: unknown, path: string, ctx: ObjectContext): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, path, ctx);
}

/** apimachinery IsValidPortName (IANA_SVC_NAME, RFC 6335): how container ports and named policy ports are spelled. */
export function isPortName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

/** `protocol` of a port entry (container, policy, Service or EndpointSlice port); the API defaults it to TCP. */
export function parseProtocol(entry: Fields, path: string, ctx: ObjectContext): Protocol {
  const raw = entry['protocol'] ?? 'TCP';
  if (!PROTOCOLS.includes(raw as Protocol)) throw invalidField(ctx, `${path}.protocol`, raw, PROTOCOLS.join(', '));
  return raw as Protocol;
}

export function requirePortNumber(raw: unknown, path: string, ctx: ObjectContext): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 65535) {
    throw invalidField(ctx, path, raw, 'a port number from 1 to 65535');
  }
  return raw;
}

export function requireIp(raw: unknown, path: string, ctx: ObjectContext): string {
  if (typeof raw !== 'string' || parseIp(raw) === undefined) throw invalidField(ctx, path, raw, 'an IP address');
  return raw;
}
