// Calico rules (api/pkg/apis/projectcalico/v3/policy_common.go) with the checks Calico's validator makes
// (libcalico-go/lib/validator/v3/validator.go validateRule, validateEntityRule, and the CRD's CEL rules),
// repeated here since state files and crd.projectcalico.org/v1 writes never went through them.
import { parseCidr, parseIp } from '../netpol/cidr.ts';
import type { Cidr, Direction, Protocol } from '../objects/model.ts';
import type { Fields, ObjectContext } from '../objects/parse-fields.ts';
import { invalidField, isPortName, optionalFields, optionalList, requireFields, requireString } from '../objects/parse-fields.ts';
import type { CalicoAction, CalicoPort, CalicoProtocol, CalicoRule, EntityRule, ServiceAccountMatch, Unmodelled } from './model.ts';
import { CALICO_ACTIONS } from './model.ts';
import type { CalicoSelector } from './selector.ts';
import { CalicoSelectorError, parseCalicoSelector } from './selector.ts';
import { usesGlobal } from './truth.ts';

/** Where a rule's fields are read, and where what nsguard does not model is written down. */
export interface RuleReader {
  readonly ctx: ObjectContext;
  readonly unmodelled: Unmodelled[];
}

const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'] as const;
/** numorstring.Protocol SupportsPorts: the protocols a rule may name ports with. */
const PORT_PROTOCOLS: Readonly<Record<string, Protocol>> = { TCP: 'TCP', UDP: 'UDP', SCTP: 'SCTP', '6': 'TCP', '17': 'UDP', '132': 'SCTP' };
const ICMP_PROTOCOLS = new Set(['ICMP', 'ICMPv6', '1', '58']);
const SELECTOR_EXAMPLE = 'a Calico selector such as app == "web"';

export function parseCalicoRules(raw: unknown, path: string, direction: Direction, reader: RuleReader): readonly CalicoRule[] {
  return (optionalList(raw, path, reader.ctx) ?? []).map((r, i) => parseRule(r, `${path}[${i}]`, direction, reader));
}

/** A selector string; absent, null and `""` are `undefined` (callers know what absent means there). */
export function parseSelectorField(raw: unknown, path: string, ctx: ObjectContext): CalicoSelector | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw invalidField(ctx, path, raw, `${SELECTOR_EXAMPLE} (a Calico selector is text, not matchLabels/matchExpressions)`);
  try {
    return parseCalicoSelector(raw);
  } catch (error) {
    if (error instanceof CalicoSelectorError) throw invalidField(ctx, path, raw, `${SELECTOR_EXAMPLE}: ${error.message} at column ${error.column}`);
    throw error;
  }
}

function parseRule(raw: unknown, path: string, direction: Direction, reader: RuleReader): CalicoRule {
  const { ctx } = reader;
  const rule = requireFields(raw, path, ctx);
  // Kubernetes NetworkPolicy fields, as published examples often mix them in.
  for (const key of ['from', 'to'] as const) {
    if (rule[key] !== undefined) {
      throw invalidField(ctx, `${path}.${key}`, rule[key], `source and destination (${key} is a Kubernetes NetworkPolicy field; a Calico rule names its peers with source.selector, source.namespaceSelector and source.nets, or the same under destination)`);
    }
  }
  if (rule['ports'] !== undefined) {
    throw invalidField(ctx, `${path}.ports`, rule['ports'], 'destination.ports with protocol set on the rule (ports directly under a rule is the Kubernetes NetworkPolicy form)');
  }
  const action = rule['action'];
  if (!CALICO_ACTIONS.includes(action as CalicoAction)) throw invalidField(ctx, `${path}.action`, action, `one of ${CALICO_ACTIONS.join(', ')}`);
  const protocol = parseProtocol(rule['protocol'], `${path}.protocol`, ctx);
  const notProtocol = parseProtocol(rule['notProtocol'], `${path}.notProtocol`, ctx);
  if (protocol !== undefined && protocol.modelled === undefined) reader.unmodelled.push({ feature: 'protocol', path: `${path}.protocol` });
  const ipVersion = parseIpVersion(rule['ipVersion'], `${path}.ipVersion`, ctx);
  const portsAllowed = protocol?.modelled !== undefined;
  const source = parseEntity(rule['source'], `${path}.source`, portsAllowed, reader);
  const destination = parseEntity(rule['destination'], `${path}.destination`, portsAllowed, reader);
  checkNets([...source.nets, ...source.notNets, ...destination.nets, ...destination.notNets], ipVersion, path, rule, ctx);
  checkIcmp(rule, protocol, notProtocol, ipVersion, path, reader);
  // Services are matched on the remote side only (validateNetworkPolicy, validateGlobalNetworkPolicy).
  if (direction === 'egress' && source.services) throw invalidField(ctx, `${path}.source.services`, rule['source'], 'no services in the source of an egress rule');
  if (direction === 'ingress' && destination.services) throw invalidField(ctx, `${path}.destination.services`, rule['destination'], 'no services in the destination of an ingress rule');
  const http = optionalFields(rule['http'], `${path}.http`, ctx) !== undefined;
  if (http) {
    if (action !== 'Allow') throw invalidField(ctx, `${path}.http`, rule['http'], 'an HTTP match only on an Allow rule');
    if (direction === 'egress') throw invalidField(ctx, `${path}.http`, rule['http'], 'an HTTP match only on an ingress rule');
    if (protocol !== undefined && protocol.modelled !== 'TCP') throw invalidField(ctx, `${path}.protocol`, rule['protocol'], 'TCP or no protocol on a rule with an HTTP match');
    reader.unmodelled.push({ feature: 'http', path: `${path}.http` });
  }
  return { action: action as CalicoAction, ipVersion, protocol, notProtocol, source, destination, http };
}

function parseProtocol(raw: unknown, path: string, ctx: ObjectContext): CalicoProtocol | undefined {
  if (raw === undefined || raw === null) return undefined;
  // numorstring.Protocol: a name from a fixed list (case as written), or a number, also when quoted.
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  const isNumber = /^[0-9]{1,3}$/.test(text) && Number(text) >= 1 && Number(text) <= 255;
  if (!isNumber && !(PROTOCOL_NAMES as readonly string[]).includes(text)) {
    throw invalidField(ctx, path, raw, `one of ${PROTOCOL_NAMES.join(', ')} or a protocol number from 1 to 255`);
  }
  const canonical = isNumber ? String(Number(text)) : text;
  return { text: canonical, modelled: Object.hasOwn(PORT_PROTOCOLS, canonical) ? PORT_PROTOCOLS[canonical] : undefined };
}

function parseIpVersion(raw: unknown, path: string, ctx: ObjectContext): 4 | 6 | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw !== 4 && raw !== 6) throw invalidField(ctx, path, raw, '4 or 6');
  return raw;
}

const NO_ENTITY_FIELDS: Fields = {};

function parseEntity(raw: unknown, path: string, portsAllowed: boolean, reader: RuleReader): EntityRule {
  const { ctx } = reader;
  const entity = optionalFields(raw, path, ctx) ?? NO_ENTITY_FIELDS;
  if (entity['podSelector'] !== undefined) {
    throw invalidField(ctx, `${path}.podSelector`, entity['podSelector'], `selector, ${SELECTOR_EXAMPLE} (podSelector is a Kubernetes NetworkPolicy field)`);
  }
  if (entity['ipBlock'] !== undefined) {
    throw invalidField(ctx, `${path}.ipBlock`, entity['ipBlock'], 'nets and notNets, lists of CIDRs (ipBlock is a Kubernetes NetworkPolicy field)');
  }
  const selector = parseSelectorField(entity['selector'], `${path}.selector`, ctx);
  if (selector !== undefined && usesGlobal(selector)) {
    throw invalidField(ctx, `${path}.selector`, entity['selector'], 'no global() (it is only valid in a namespaceSelector of source or destination)');
  }
  const namespaceSelector = parseSelectorField(entity['namespaceSelector'], `${path}.namespaceSelector`, ctx);
  if (namespaceSelector !== undefined && usesGlobal(namespaceSelector)) {
    if (combinesGlobal(namespaceSelector)) {
      throw invalidField(ctx, `${path}.namespaceSelector`, entity['namespaceSelector'], 'global() alone (global() cannot be combined with other selectors)');
    }
    reader.unmodelled.push({ feature: 'hostEndpoints', path: `${path}.namespaceSelector` });
  }
  const ports = parsePorts(entity['ports'], `${path}.ports`, portsAllowed, ctx);
  const notPorts = parsePorts(entity['notPorts'], `${path}.notPorts`, portsAllowed, ctx);
  const parsed: EntityRule = {
    selector,
    notSelector: parseSelectorField(entity['notSelector'], `${path}.notSelector`, ctx),
    namespaceSelector,
    serviceAccounts: parseServiceAccounts(entity['serviceAccounts'], `${path}.serviceAccounts`, ctx),
    nets: parseNets(entity['nets'], `${path}.nets`, ctx),
    notNets: parseNets(entity['notNets'], `${path}.notNets`, ctx),
    ports,
    notPorts,
    services: optionalFields(entity['services'], `${path}.services`, ctx) !== undefined,
  };
  if (parsed.services) checkServices(entity, parsed, path, reader);
  return parsed;
}

/** `global()` under `&&` or `||`: Calico's validator refuses it (globalSelectorRegex). */
function combinesGlobal(selector: CalicoSelector): boolean {
  if (selector.op === 'not') return combinesGlobal(selector.operand);
  return (selector.op === 'and' || selector.op === 'or') && selector.operands.some(usesGlobal);
}

function parseServiceAccounts(raw: unknown, path: string, ctx: ObjectContext): ServiceAccountMatch | undefined {
  const fields = optionalFields(raw, path, ctx);
  if (fields === undefined) return undefined;
  const names = (optionalList(fields['names'], `${path}.names`, ctx) ?? []).map((n, i) => requireString(n, `${path}.names[${i}]`, ctx));
  return { names, selector: parseSelectorField(fields['selector'], `${path}.selector`, ctx) };
}

function parsePorts(raw: unknown, path: string, portsAllowed: boolean, ctx: ObjectContext): readonly CalicoPort[] {
  const list = optionalList(raw, path, ctx) ?? [];
  if (list.length > 0 && !portsAllowed) throw invalidField(ctx, path, raw, 'no ports unless the rule sets protocol to TCP, UDP or SCTP (ports only exist for those)');
  return list.map((p, i) => parsePort(p, `${path}[${i}]`, ctx));
}

const MAX_PORT_NUMBER = 65535;

/** numorstring.Port: a number, `"80"`, a range `"8000:8080"` or a port name. */
function parsePort(raw: unknown, path: string, ctx: ObjectContext): CalicoPort {
  const expected = `a port number from 0 to ${MAX_PORT_NUMBER}, a range such as "8000:8080", or a container port name`;
  const number = (text: string): number => {
    const n = Number(text);
    if (n > MAX_PORT_NUMBER) throw invalidField(ctx, path, raw, expected);
    return n;
  };
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0 || raw > MAX_PORT_NUMBER) throw invalidField(ctx, path, raw, expected);
    return { kind: 'range', from: raw, to: raw };
  }
  if (typeof raw !== 'string') throw invalidField(ctx, path, raw, expected);
  if (/^[0-9]+$/.test(raw)) {
    const n = number(raw);
    return { kind: 'range', from: n, to: n };
  }
  const range = /^([0-9]+):([0-9]+)$/.exec(raw);
  if (range !== null) {
    const from = number(range[1] as string);
    const to = number(range[2] as string);
    if (from > to) throw invalidField(ctx, path, raw, `a range whose first port is not above its last`);
    return { kind: 'range', from, to };
  }
  if (!isPortName(raw)) throw invalidField(ctx, path, raw, expected);
  return { kind: 'named', name: raw };
}

function parseNets(raw: unknown, path: string, ctx: ObjectContext): readonly Cidr[] {
  return (optionalList(raw, path, ctx) ?? []).map((n, i) => {
    // The `net` validator also takes a bare address, as the whole-length prefix.
    const text = typeof n === 'string' ? n : '';
    const ip = parseIp(text);
    const cidr = ip === undefined ? parseCidr(text) : parseCidr(`${text}/${ip.family === 4 ? 32 : 128}`);
    if (cidr === undefined) throw invalidField(ctx, `${path}[${i}]`, n, 'a CIDR such as 10.0.0.0/8 or fd00::/64, or an address');
    return { ...cidr, text };
  });
}

/** One rule matches one IP version: its nets may not mix v4 and v6, nor contradict ipVersion. */
function checkNets(nets: readonly Cidr[], ipVersion: 4 | 6 | undefined, path: string, rule: Fields, ctx: ObjectContext): void {
  const families = new Set(nets.map((n) => n.family));
  if (families.size > 1) throw invalidField(ctx, path, rule, 'nets and notNets of one IP version (a rule contains IPv4 or IPv6 CIDRs, not both)');
  const [family] = families;
  if (ipVersion !== undefined && family !== undefined && family !== ipVersion) {
    throw invalidField(ctx, `${path}.ipVersion`, ipVersion, `${family}, the version of the rule's CIDRs`);
  }
}

function checkIcmp(rule: Fields, protocol: CalicoProtocol | undefined, notProtocol: CalicoProtocol | undefined, ipVersion: 4 | 6 | undefined, path: string, reader: RuleReader): void {
  const { ctx } = reader;
  for (const key of ['icmp', 'notICMP'] as const) {
    const fields = optionalFields(rule[key], `${path}.${key}`, ctx);
    if (fields === undefined) continue;
    if (key === 'icmp' && (protocol === undefined || !ICMP_PROTOCOLS.has(protocol.text))) {
      throw invalidField(ctx, `${path}.icmp`, rule[key], 'ICMP fields only with protocol ICMP or ICMPv6');
    }
    const type = fields['type'];
    const code = fields['code'];
    if (type !== undefined && (!Number.isInteger(type) || (type as number) < 0 || (type as number) > 254)) throw invalidField(ctx, `${path}.${key}.type`, type, 'an ICMP type from 0 to 254');
    if (code !== undefined && (!Number.isInteger(code) || (code as number) < 0 || (code as number) > 255)) throw invalidField(ctx, `${path}.${key}.code`, code, 'an ICMP code from 0 to 255');
    if (code !== undefined && type === undefined) throw invalidField(ctx, `${path}.${key}.type`, type, 'an ICMP type when a code is given');
    reader.unmodelled.push({ feature: 'icmp', path: `${path}.${key}` });
  }
  for (const [p, key] of [[protocol, 'protocol'], [notProtocol, 'notProtocol']] as const) {
    if (p === undefined || ipVersion === undefined) continue;
    const wanted = p.text === 'ICMP' || p.text === '1' ? 4 : p.text === 'ICMPv6' || p.text === '58' ? 6 : ipVersion;
    if (wanted !== ipVersion) throw invalidField(ctx, `${path}.ipVersion`, ipVersion, `${wanted} with ${key} ${p.text}`);
  }
}

/** A Service match stands alone in its entity, but for the ports of a source (the CRD's CEL rules and
 * validateEntityRule): a destination Service brings its own ports. */
function checkServices(entity: Fields, parsed: EntityRule, path: string, reader: RuleReader): void {
  const { ctx } = reader;
  const services = requireFields(entity['services'], `${path}.services`, ctx);
  requireString(services['name'], `${path}.services.name`, ctx);
  const clash =
    parsed.namespaceSelector !== undefined ? 'namespaceSelector'
    : parsed.selector !== undefined || parsed.notSelector !== undefined ? 'selector or notSelector'
    : parsed.serviceAccounts !== undefined ? 'serviceAccounts'
    : parsed.nets.length > 0 || parsed.notNets.length > 0 ? 'nets or notNets'
    : path.endsWith('.destination') && (parsed.ports.length > 0 || parsed.notPorts.length > 0) ? 'ports or notPorts'
    : undefined;
  if (clash !== undefined) throw invalidField(ctx, `${path}.services`, entity['services'], `services alone, without ${clash} in the same ${path.split('.').at(-1) ?? 'entity'}`);
  reader.unmodelled.push({ feature: 'services', path: `${path}.services` });
}
