// A Policy back into a networking.k8s.io/v1 manifest, for the copies a child namespace inherits (the
// cluster view keeps parsed policies, not the objects). parseNetworkPolicy of the result gives back an
// equal Policy; single-valued `In` requirements read back as matchLabels, as people write them.
import type { Labels, Peer, Policy, PolicyManifest, PortSpec, Rule, Selector } from './model.ts';

export interface ManifestMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly annotations: Labels;
}

export function policyManifest(policy: Policy, metadata: ManifestMetadata): PolicyManifest {
  const types = (['ingress', 'egress'] as const).filter((d) => policy.types.has(d));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: { ...metadata.labels }, annotations: { ...metadata.annotations } },
    spec: {
      podSelector: selectorManifest(policy.podSelector),
      policyTypes: types.map((d) => (d === 'ingress' ? 'Ingress' : 'Egress')),
      ...(policy.types.has('ingress') && policy.ingress.length > 0 && { ingress: policy.ingress.map((r) => ruleManifest(r, 'from')) }),
      ...(policy.types.has('egress') && policy.egress.length > 0 && { egress: policy.egress.map((r) => ruleManifest(r, 'to')) }),
    },
  };
}

function ruleManifest(rule: Rule, peersKey: 'from' | 'to'): Record<string, unknown> {
  return {
    ...(rule.peers !== undefined && { [peersKey]: rule.peers.map(peerManifest) }),
    ...(rule.ports !== undefined && { ports: rule.ports.map(portManifest) }),
  };
}

function peerManifest(peer: Peer): Record<string, unknown> {
  switch (peer.kind) {
    case 'pods':
      return { podSelector: selectorManifest(peer.podSelector) };
    case 'namespaces':
      return { namespaceSelector: selectorManifest(peer.namespaceSelector), ...(peer.podSelector !== undefined && { podSelector: selectorManifest(peer.podSelector) }) };
    case 'ipBlock':
      return { ipBlock: { cidr: peer.ipBlock.cidr.text, ...(peer.ipBlock.except.length > 0 && { except: peer.ipBlock.except.map((c) => c.text) }) } };
    default: {
      const never: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(never)}`);
    }
  }
}

function portManifest(port: PortSpec): Record<string, unknown> {
  switch (port.kind) {
    case 'all':
      return { protocol: port.protocol };
    case 'named':
      return { protocol: port.protocol, port: port.name };
    case 'range':
      return { protocol: port.protocol, port: port.from, ...(port.to !== port.from && { endPort: port.to }) };
    default: {
      const never: never = port;
      throw new Error(`unknown port ${JSON.stringify(never)}`);
    }
  }
}

function selectorManifest(selector: Selector): Record<string, unknown> {
  // A Map, then fromEntries: assigning a key such as `__proto__` to a plain object would drop the
  // requirement, and the copy would select more pods than the policy it copies.
  const matchLabels = new Map<string, string>();
  const matchExpressions: Record<string, unknown>[] = [];
  for (const r of selector.requirements) {
    const [only] = r.values;
    if (r.operator === 'In' && r.values.length === 1 && only !== undefined && !matchLabels.has(r.key)) matchLabels.set(r.key, only);
    else matchExpressions.push({ key: r.key, operator: r.operator, ...(r.values.length > 0 && { values: [...r.values] }) });
  }
  return {
    ...(matchLabels.size > 0 && { matchLabels: Object.fromEntries(matchLabels) }),
    ...(matchExpressions.length > 0 && { matchExpressions }),
  };
}
