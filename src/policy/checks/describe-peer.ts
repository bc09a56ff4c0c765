import type { Peer, PortSpec, Rule } from '../objects/model.ts';
import { describeSelector } from '../netpol/selector.ts';

export function describePeer(peer: Peer): string {
  switch (peer.kind) {
    case 'pods':
      return `podSelector ${describeSelector(peer.podSelector)}`;
    case 'namespaces':
      return peer.podSelector === undefined
        ? `namespaceSelector ${describeSelector(peer.namespaceSelector)}`
        : `namespaceSelector ${describeSelector(peer.namespaceSelector)} with podSelector ${describeSelector(peer.podSelector)}`;
    case 'ipBlock': {
      const except = peer.ipBlock.except.map((c) => c.text);
      return `ipBlock ${peer.ipBlock.cidr.text}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`;
    }
    default: {
      const never: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(never)}`);
    }
  }
}

export function describeRulePeers(rule: Rule, direction: 'ingress' | 'egress'): string {
  if (rule.peers === undefined) return `no ${direction === 'ingress' ? 'from' : 'to'} (every peer)`;
  return rule.peers.map(describePeer).join(' or ');
}

/** A rule's `ports` as written: `TCP 3306, UDP 53`, `TCP port http`, or `all ports` when it lists none. */
export function describeRulePorts(ports: readonly PortSpec[] | undefined): string {
  if (ports === undefined) return 'all ports';
  return ports
    .map((spec) => {
      switch (spec.kind) {
        case 'all':
          return `all ${spec.protocol} ports`;
        case 'range':
          return `${spec.protocol} ${spec.from === spec.to ? spec.from : `${spec.from}-${spec.to}`}`;
        case 'named':
          return `${spec.protocol} port ${spec.name}`;
        default: {
          const never: never = spec;
          throw new Error(`unknown port ${JSON.stringify(never)}`);
        }
      }
    })
    .join(', ');
}
