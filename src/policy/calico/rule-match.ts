// Whether a Calico policy selects an endpoint and whether a rule matches a connection, as three-valued
// answers over what nsguard does not know. The selector a rule's source or destination stands for is
// built as libcalico-go builds it for Felix (lib/backend/syncersv1/updateprocessors/rules.go
// getEndpointSelector, networkpolicyprocessor.go, globalnetworkpolicyprocessor.go).
import type { Cidr, Protocol } from '../objects/model.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { ALL_PORTS, NO_PORTS, allOf, difference, intersect, portRange, union } from '../netpol/port-set.ts';
import type { EndpointFacts } from './endpoint-facts.ts';
import { addressTruth, families } from './endpoint-facts.ts';
import type { CalicoPolicy, CalicoPort, CalicoRule, EntityRule } from './model.ts';
import type { Truth } from './truth.ts';
import { and, not, selectorTruth, truthOf } from './truth.ts';

/** The destination ports a rule matches: `sure` whatever the unknowns are, `possible` for some of them. */
export interface PortMatch {
  readonly sure: PortSet;
  readonly possible: PortSet;
}

export interface RuleMatch extends PortMatch {
  /** Whether the rule matches the two endpoints at all (on the ports above). */
  readonly truth: Truth;
}

/** Does the policy apply to the endpoint? Only pods are Calico endpoints nsguard models. */
export function selectionTruth(policy: CalicoPolicy, subject: EndpointFacts): Truth {
  if (subject.kind !== 'pod') return 'no';
  let truth: Truth;
  if (policy.kind === 'NetworkPolicy') {
    if (policy.namespace !== subject.namespace) return 'no';
    truth = selectorTruth(policy.selector, subject.labels);
  } else {
    truth = selectorTruth(policy.selector, subject.labels);
    if (policy.namespaceSelector !== undefined) truth = and(truth, selectorTruth(policy.namespaceSelector, subject.namespaceLabels));
  }
  return policy.serviceAccountSelector === undefined ? truth : and(truth, selectorTruth(policy.serviceAccountSelector, subject.serviceAccountLabels));
}

export function matchRule(rule: CalicoRule, policy: CalicoPolicy, source: EndpointFacts, destination: EndpointFacts, podCIDRs: readonly Cidr[]): RuleMatch {
  let truth = and(entityTruth(rule.source, policy, source, podCIDRs), entityTruth(rule.destination, policy, destination, podCIDRs));
  if (rule.ipVersion !== undefined) truth = and(truth, ipVersionTruth(rule.ipVersion, source, destination, podCIDRs));
  // Source ports are the client's choice, and an HTTP match looks inside requests: either may or may not hold.
  if (rule.source.ports.length > 0 || rule.source.notPorts.length > 0 || rule.http) truth = and(truth, 'maybe');
  if (truth === 'no') return { truth, sure: NO_PORTS, possible: NO_PORTS };
  return { truth, ...rulePorts(rule, destination) };
}

/**
 * An entity rule's selectors: for a NetworkPolicy, any selector (selector, serviceAccounts, notSelector)
 * confines the match to the policy's namespace unless a namespaceSelector names others; for a global policy
 * only a namespaceSelector confines it. Such a selector only ever matches Calico endpoints, never an address
 * outside the cluster; `notSelector` excludes endpoints and lets outside addresses through.
 */
function entityTruth(entity: EntityRule, policy: CalicoPolicy, endpoint: EndpointFacts, podCIDRs: readonly Cidr[]): Truth {
  let truth = addressTruth(entity.nets, entity.notNets, endpoint.addresses, podCIDRs);
  if (entity.services) truth = and(truth, 'maybe');
  const ownNamespace = policy.kind === 'NetworkPolicy' ? policy.namespace : undefined;
  const accounts = entity.serviceAccounts;
  const selects = entity.selector !== undefined || (accounts !== undefined && (accounts.names.length > 0 || accounts.selector !== undefined));
  // getEndpointSelector: the namespace part joins as soon as any selector field is set, and then the
  // rule has an endpoint selector, which no address outside the cluster matches.
  const namespaced = entity.namespaceSelector !== undefined || (ownNamespace !== undefined && entity.notSelector !== undefined);
  if (selects || namespaced) {
    if (endpoint.kind !== 'pod') return 'no';
    if (entity.namespaceSelector !== undefined) truth = and(truth, selectorTruth(entity.namespaceSelector, endpoint.namespaceLabels, false));
    else if (ownNamespace !== undefined) truth = and(truth, truthOf(endpoint.namespace === ownNamespace));
    if (entity.selector !== undefined) truth = and(truth, selectorTruth(entity.selector, endpoint.labels));
    if (accounts !== undefined) {
      const { names, selector } = accounts;
      if (names.length > 0) truth = and(truth, endpoint.serviceAccount === undefined ? 'maybe' : truthOf(names.includes(endpoint.serviceAccount)));
      if (selector !== undefined) truth = and(truth, selectorTruth(selector, endpoint.serviceAccountLabels));
    }
  }
  if (entity.notSelector !== undefined && endpoint.kind === 'pod') truth = and(truth, not(selectorTruth(entity.notSelector, endpoint.labels)));
  return truth;
}

/** A connection runs over one IP version both ends have. */
function ipVersionTruth(version: 4 | 6, source: EndpointFacts, destination: EndpointFacts, podCIDRs: readonly Cidr[]): Truth {
  const theirs = families(destination.addresses, podCIDRs);
  const shared = [...families(source.addresses, podCIDRs)].filter((f) => theirs.has(f));
  if (!shared.includes(version)) return 'no';
  return shared.length === 1 ? 'yes' : 'maybe';
}

// Port matches of rules that name no port depend on the rule alone, so each is worked out once.
const fixedPorts = new WeakMap<CalicoRule, PortMatch>();

/** protocol and notProtocol, then the destination's ports and notPorts; named ports resolve on the destination. */
function rulePorts(rule: CalicoRule, destination: EndpointFacts): PortMatch {
  const cached = fixedPorts.get(rule);
  if (cached !== undefined) return cached;
  const { protocol, notProtocol } = rule;
  const { ports, notPorts } = rule.destination;
  // Another protocol than TCP, UDP and SCTP matches none of their ports.
  let base = protocol === undefined ? ALL_PORTS : protocol.modelled === undefined ? NO_PORTS : allOf(protocol.modelled);
  if (notProtocol?.modelled !== undefined) base = difference(base, allOf(notProtocol.modelled));
  let sure = base;
  let possible = base;
  // The parser only lets ports through with a protocol that has them.
  const portProtocol = protocol?.modelled;
  if (portProtocol !== undefined && ports.length > 0) {
    const listed = resolvePorts(ports, portProtocol, destination);
    sure = intersect(sure, listed.sure);
    possible = intersect(possible, listed.possible);
  }
  if (portProtocol !== undefined && notPorts.length > 0) {
    const excluded = resolvePorts(notPorts, portProtocol, destination);
    sure = difference(sure, excluded.possible);
    possible = difference(possible, excluded.sure);
  }
  const match = { sure, possible };
  if (![...ports, ...notPorts].some((p) => p.kind === 'named')) fixedPorts.set(rule, match);
  return match;
}

/** Port 0 is accepted by Calico but is no port a connection is made to, so ranges start at 1. */
function resolvePorts(ports: readonly CalicoPort[], protocol: Protocol, destination: EndpointFacts): PortMatch {
  let sure = NO_PORTS;
  let possible = NO_PORTS;
  for (const port of ports) {
    if (port.kind === 'range') {
      const range = portRange(protocol, Math.max(port.from, 1), port.to);
      sure = union(sure, range);
      possible = union(possible, range);
      continue;
    }
    // An address outside the cluster has no named ports.
    if (destination.kind !== 'pod') continue;
    const known = destination.ports;
    if (known === 'unknown') {
      // A witness pod may give the name to any port.
      possible = union(possible, allOf(protocol));
      continue;
    }
    for (const p of known) {
      if (p.name !== port.name || p.protocol !== protocol) continue;
      sure = union(sure, portRange(protocol, p.port, p.port));
      possible = union(possible, portRange(protocol, p.port, p.port));
    }
  }
  return { sure, possible };
}
