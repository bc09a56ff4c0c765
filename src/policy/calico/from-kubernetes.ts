// A Kubernetes NetworkPolicy as Calico runs it: the policy Calico's own converter makes of it
// (libcalico-go/lib/backend/k8s/conversion/conversion.go K8sNetworkPolicyToCalico):
// - named `knp.default.<name>`, in the `default` tier at order 1000, Allow rules only, so a policy that
//   selects a pod allows what its rules allow and the rest meets the tier's default Deny;
// - podSelector -> `projectcalico.org/orchestrator == 'k8s' && <matchLabels> && <matchExpressions>`;
// - each rule -> one Calico rule per protocol (sorted, "" for a rule with no ports) and per peer, the
//   ports of a protocol gathered in that rule; a port entry with no port means every port of its protocol;
// - peers: ipBlock -> nets [cidr] and notNets [except]; podSelector -> selector (namespaceSelector left
//   empty: the policy's own namespace); namespaceSelector -> namespaceSelector, `{}` -> all().
import type { Direction, Peer, Policy, Protocol, Requirement, Rule, Selector } from '../objects/model.ts';
import type { CalicoPolicy, CalicoPort, CalicoRule, EntityRule } from './model.ts';
import { KUBERNETES_POLICY_PREFIX } from './policy-names.ts';
import type { CalicoSelector } from './selector.ts';

/** The order Calico gives every Kubernetes NetworkPolicy within the default tier. */
export const KUBERNETES_POLICY_ORDER = 1000;

const ORCHESTRATOR: CalicoSelector = { op: 'eq', key: 'projectcalico.org/orchestrator', value: 'k8s' };

const NO_ENTITY: EntityRule = {
  selector: undefined,
  notSelector: undefined,
  namespaceSelector: undefined,
  serviceAccounts: undefined,
  nets: [],
  notNets: [],
  ports: [],
  notPorts: [],
  services: false,
};

export function calicoFromKubernetes(policy: Policy): CalicoPolicy {
  const name = `${KUBERNETES_POLICY_PREFIX}${policy.name}`;
  return {
    kind: 'NetworkPolicy',
    namespace: policy.namespace,
    name,
    backendName: name,
    tier: 'default',
    order: KUBERNETES_POLICY_ORDER,
    staged: undefined,
    selector: podSelector(policy.podSelector),
    serviceAccountSelector: undefined,
    types: policy.types,
    ingress: policy.ingress.flatMap((r, i) => convertRule(r, 'ingress', i)),
    egress: policy.egress.flatMap((r, i) => convertRule(r, 'egress', i)),
    unmodelled: [],
    labels: {},
    annotations: {},
  };
}

/** k8sSelectorToCalico for a pod selector: always restricted to Kubernetes pods. */
function podSelector(selector: Selector): CalicoSelector {
  const operands = [ORCHESTRATOR, ...selector.requirements.map(requirement)];
  return operands.length === 1 ? ORCHESTRATOR : { op: 'and', operands };
}

/** k8sSelectorToCalico for a namespace selector: `{}` selects every namespace. */
function namespaceSelector(selector: Selector): CalicoSelector {
  const operands = selector.requirements.map(requirement);
  if (operands.length === 0) return { op: 'all' };
  return operands.length === 1 ? (operands[0] as CalicoSelector) : { op: 'and', operands };
}

function requirement(r: Requirement): CalicoSelector {
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? { op: 'eq', key: r.key, value: r.values[0] as string } : { op: 'in', key: r.key, values: new Set(r.values) };
    case 'NotIn':
      return { op: 'notIn', key: r.key, values: new Set(r.values) };
    case 'Exists':
      return { op: 'has', key: r.key };
    case 'DoesNotExist':
      return { op: 'not', operand: { op: 'has', key: r.key } };
    default: {
      const never: never = r.operator;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

/** k8sRuleToCalico: the ports grouped by protocol, then one rule per protocol and peer. */
function convertRule(rule: Rule, direction: Direction, origin: number): CalicoRule[] {
  // `undefined` ports for a protocol: every port of it; the key "" (no ports at all): every protocol.
  const byProtocol = new Map<Protocol | '', CalicoPort[] | undefined>();
  if (rule.ports === undefined) byProtocol.set('', undefined);
  for (const spec of rule.ports ?? []) {
    const known = byProtocol.get(spec.protocol);
    if (spec.kind === 'all') byProtocol.set(spec.protocol, undefined);
    else if (!byProtocol.has(spec.protocol) || known !== undefined) {
      // A protocol already open on every port stays so.
      const port: CalicoPort = spec.kind === 'named' ? { kind: 'named', name: spec.name } : { kind: 'range', from: spec.from, to: spec.to };
      byProtocol.set(spec.protocol, [...(known ?? []), port]);
    }
  }
  const peers: readonly (Peer | undefined)[] = rule.peers ?? [undefined];
  return [...byProtocol.keys()].sort().flatMap((protocolName) => {
    const protocol = protocolName === '' ? undefined : { text: protocolName, modelled: protocolName };
    const ports = simplifyPorts(byProtocol.get(protocolName) ?? []);
    return peers.map((peer): CalicoRule => {
      const remote = peerEntity(peer);
      const local = { ...NO_ENTITY, ports };
      return {
        action: 'Allow',
        ipVersion: undefined,
        protocol,
        notProtocol: undefined,
        // The ports are the destination's either way; the peer is the source of ingress, the destination of egress.
        source: direction === 'ingress' ? remote : NO_ENTITY,
        destination: direction === 'ingress' ? local : { ...remote, ports },
        http: false,
        origin,
      };
    });
  });
}

function peerEntity(peer: Peer | undefined): EntityRule {
  if (peer === undefined) return NO_ENTITY;
  switch (peer.kind) {
    case 'ipBlock':
      return { ...NO_ENTITY, nets: [peer.ipBlock.cidr], notNets: peer.ipBlock.except };
    case 'pods':
      return { ...NO_ENTITY, selector: podSelector(peer.podSelector) };
    case 'namespaces':
      return { ...NO_ENTITY, selector: podSelector(peer.podSelector ?? { requirements: [] }), namespaceSelector: namespaceSelector(peer.namespaceSelector) };
    default: {
      const never: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(never)}`);
    }
  }
}

/** SimplifyPorts: named ports as they are, then numbers merged into the fewest ranges. */
function simplifyPorts(ports: readonly CalicoPort[]): readonly CalicoPort[] {
  const named = ports.filter((p) => p.kind === 'named');
  const ranges = ports.filter((p) => p.kind === 'range').toSorted((a, b) => a.from - b.from);
  const merged: { kind: 'range'; from: number; to: number }[] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last !== undefined && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else merged.push({ kind: 'range', from: r.from, to: r.to });
  }
  return [...named, ...merged];
}
