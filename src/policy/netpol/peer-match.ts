import { blockContainsIp, blockCoversRange, blockOverlapsRange, parseIp } from './cidr.ts';
import type { Endpoint, Reading } from './endpoint.ts';
import type { Cidr, IpBlock, Peer, Rule } from '../objects/model.ts';
import { selects } from './selector.ts';

/** Does `peer`, written in a policy of `policyNamespace`, match `endpoint`? (DESIGN.md "Peers") */
export function peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint, podCIDRs: readonly Cidr[], reading: Reading): boolean {
  switch (peer.kind) {
    case 'pods':
      // podSelector alone: pods of the policy's own namespace.
      return endpoint.kind === 'pod' && endpoint.group.namespace === policyNamespace && selects(peer.podSelector, endpoint.group.labels);
    case 'namespaces':
      // namespaceSelector (AND podSelector when both are in the same peer).
      return (
        endpoint.kind === 'pod' &&
        selects(peer.namespaceSelector, endpoint.namespace.labels) &&
        (peer.podSelector === undefined || selects(peer.podSelector, endpoint.group.labels))
      );
    case 'ipBlock':
      return ipBlockMatches(peer.ipBlock, endpoint, podCIDRs, reading);
    default: {
      const never: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(never)}`);
    }
  }
}

/** A rule with no from/to matches every peer; otherwise any of its peers (they OR). */
export function ruleMatchesPeer(rule: Rule, policyNamespace: string, endpoint: Endpoint, podCIDRs: readonly Cidr[], reading: Reading): boolean {
  if (rule.peers === undefined) return true;
  for (const peer of rule.peers) if (peerMatches(peer, policyNamespace, endpoint, podCIDRs, reading)) return true;
  return false;
}

function ipBlockMatches(block: IpBlock, endpoint: Endpoint, podCIDRs: readonly Cidr[], reading: Reading): boolean {
  const ips = endpoint.kind === 'external' ? [endpoint.ip] : endpoint.group.ips;
  if (ips.length > 0) {
    const inside = (text: string): boolean => {
      const ip = parseIp(text);
      return ip !== undefined && blockContainsIp(block, ip);
    };
    return reading === 'must' ? ips.every(inside) : ips.some(inside);
  }
  // IP unknown: the pod may have any address of the pod CIDRs.
  return reading === 'must'
    ? podCIDRs.length > 0 && podCIDRs.every((c) => blockCoversRange(block, c))
    : podCIDRs.some((c) => blockOverlapsRange(block, c));
}
