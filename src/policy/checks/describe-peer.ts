import type { Peer, Rule } from '../objects/model.ts';
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
