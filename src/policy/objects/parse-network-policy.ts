// networking.k8s.io/v1 NetworkPolicy (client-node V1NetworkPolicy, as the API serves it) into a Policy,
// with the API's defaults applied and its validation repeated, since state files never went through it.
import { parseCidr } from '../netpol/cidr.ts';
import type { Cidr, Direction, IpBlock, Peer, Policy, PortSpec, Rule } from './model.ts';
import type { ObjectContext } from './parse-fields.ts';
import { invalidField, isPortName, optionalList, parseProtocol, requireFields, requirePortNumber } from './parse-fields.ts';
import { parseObjectHead } from './parse-object-head.ts';
import { parseSelector } from './parse-selector.ts';

const POLICY_TYPES: Readonly<Record<string, Direction>> = { Ingress: 'ingress', Egress: 'egress' };

export function parseNetworkPolicy(raw: unknown, where: string): Policy {
  const head = parseObjectHead(raw, { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespaced: true }, where);
  const { ctx } = head;
  const spec = requireFields(head.fields['spec'], 'spec', ctx);
  // The API schema marks podSelector required and always serves it; a missing one is a hand-written slip,
  // and guessing "every pod" would isolate more than its author meant.
  if (spec['podSelector'] === undefined || spec['podSelector'] === null) {
    throw invalidField(ctx, 'spec.podSelector', undefined, 'a label selector ({} selects every pod)');
  }
  const podSelector = parseSelector(spec['podSelector'], 'spec.podSelector', ctx);
  const ingress = parseRules(spec['ingress'], 'spec.ingress', 'from', ctx);
  const egress = parseRules(spec['egress'], 'spec.egress', 'to', ctx);
  const types = parsePolicyTypes(spec['policyTypes'], egress.length > 0, ctx);
  return {
    namespace: head.namespace ?? '',
    name: head.name,
    podSelector,
    types,
    // Rules of a direction missing from policyTypes are ignored by every implementation; dropping them
    // here keeps the checks from counting rules that allow nothing.
    ingress: types.has('ingress') ? ingress : [],
    egress: types.has('egress') ? egress : [],
    labels: head.labels,
    annotations: head.annotations,
  };
}

/** API defaulting (SetDefaults_NetworkPolicySpec): absent or empty means Ingress, plus Egress when
 * there are egress rules. */
function parsePolicyTypes(raw: unknown, hasEgressRules: boolean, ctx: ObjectContext): ReadonlySet<Direction> {
  const list = optionalList(raw, 'spec.policyTypes', ctx) ?? [];
  if (list.length === 0) return new Set<Direction>(hasEgressRules ? ['ingress', 'egress'] : ['ingress']);
  return new Set(
    list.map((t, i) => {
      const direction = typeof t === 'string' && Object.hasOwn(POLICY_TYPES, t) ? POLICY_TYPES[t] : undefined;
      if (direction === undefined) throw invalidField(ctx, `spec.policyTypes[${i}]`, t, 'Ingress or Egress');
      return direction;
    }),
  );
}

function parseRules(raw: unknown, path: string, peersKey: 'from' | 'to', ctx: ObjectContext): readonly Rule[] {
  const list = optionalList(raw, path, ctx) ?? [];
  return list.map((r, i) => {
    const rulePath = `${path}[${i}]`;
    const rule = requireFields(r, rulePath, ctx);
    const peers = optionalList(rule[peersKey], `${rulePath}.${peersKey}`, ctx) ?? [];
    const ports = optionalList(rule['ports'], `${rulePath}.ports`, ctx) ?? [];
    // An empty or missing from/to or ports list matches everything, just as an absent one does.
    return {
      peers: peers.length === 0 ? undefined : peers.map((p, j) => parsePeer(p, `${rulePath}.${peersKey}[${j}]`, ctx)),
      ports: ports.length === 0 ? undefined : ports.map((p, j) => parsePort(p, `${rulePath}.ports[${j}]`, ctx)),
    };
  });
}

function parsePeer(raw: unknown, path: string, ctx: ObjectContext): Peer {
  const peer = requireFields(raw, path, ctx);
  const present = (key: string): boolean => peer[key] !== undefined && peer[key] !== null;
  const podSelector = present('podSelector') ? parseSelector(peer['podSelector'], `${path}.podSelector`, ctx) : undefined;
  if (present('ipBlock')) {
    // ValidateNetworkPolicyPeer: an ipBlock stands alone.
    if (present('podSelector') || present('namespaceSelector')) {
      throw invalidField(ctx, path, peer, 'ipBlock alone, without podSelector or namespaceSelector');
    }
    return { kind: 'ipBlock', ipBlock: parseIpBlock(peer['ipBlock'], `${path}.ipBlock`, ctx) };
  }
  if (present('namespaceSelector')) {
    return { kind: 'namespaces', namespaceSelector: parseSelector(peer['namespaceSelector'], `${path}.namespaceSelector`, ctx), podSelector };
  }
  if (podSelector !== undefined) return { kind: 'pods', podSelector };
  throw invalidField(ctx, path, peer, 'podSelector, namespaceSelector or ipBlock');
}

function parseIpBlock(raw: unknown, path: string, ctx: ObjectContext): IpBlock {
  const block = requireFields(raw, path, ctx);
  const cidr = parseCidrField(block['cidr'], `${path}.cidr`, ctx);
  const except = (optionalList(block['except'], `${path}.except`, ctx) ?? []).map((e, i) => {
    const exceptPath = `${path}.except[${i}]`;
    const c = parseCidrField(e, exceptPath, ctx);
    // ValidateIPBlock: each except must be a strict subset of cidr.
    const inside = c.family === cidr.family && c.first >= cidr.first && c.last <= cidr.last;
    if (!inside || (c.first === cidr.first && c.last === cidr.last)) {
      throw invalidField(ctx, exceptPath, e, `a CIDR strictly inside ${cidr.text}`);
    }
    return c;
  });
  return { cidr, except };
}

function parseCidrField(raw: unknown, path: string, ctx: ObjectContext): Cidr {
  const cidr = typeof raw === 'string' ? parseCidr(raw) : undefined;
  if (cidr === undefined) throw invalidField(ctx, path, raw, 'a CIDR such as 10.0.0.0/8 or fd00::/64');
  return cidr;
}

function parsePort(raw: unknown, path: string, ctx: ObjectContext): PortSpec {
  const entry = requireFields(raw, path, ctx);
  const protocol = parseProtocol(entry, path, ctx);
  const port = entry['port'] ?? undefined;
  const endPort = entry['endPort'] ?? undefined;
  if (port === undefined) {
    if (endPort !== undefined) throw invalidField(ctx, `${path}.endPort`, endPort, 'no endPort when port is absent');
    return { protocol, kind: 'all' };
  }
  if (typeof port === 'string') {
    // IntOrString: a string is always a port name, and names must be IANA_SVC_NAME, so "80" is invalid.
    if (!isPortName(port)) {
      throw invalidField(ctx, `${path}.port`, port, 'a port number or a port name (IANA_SVC_NAME: 1-15 of a-z, 0-9, -, with a letter)');
    }
    if (endPort !== undefined) throw invalidField(ctx, `${path}.endPort`, endPort, 'no endPort with a named port');
    return { protocol, kind: 'named', name: port };
  }
  const from = requirePortNumber(port, `${path}.port`, ctx);
  if (endPort === undefined) return { protocol, kind: 'range', from, to: from };
  const to = requirePortNumber(endPort, `${path}.endPort`, ctx);
  if (to < from) throw invalidField(ctx, `${path}.endPort`, endPort, `a port number at least port ${from}`);
  return { protocol, kind: 'range', from, to };
}
