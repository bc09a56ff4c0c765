// Equivalence classes of endpoints. A path's verdict depends on the source as the egress subject (which
// rules select it) and as a peer (what the destination's rules read of it), and on the destination as
// the ingress subject and as a peer (its labels, its namespace's labels, its addresses, its named ports).
// A peer is read only through what some policy names (mentions.ts): labels projected onto the named keys
// and values, addresses onto the named CIDRs, container ports onto the named ports. Endpoints alike in
// all of it answer every path alike, so the audit judges one representative per class.
import { parseIp } from '../policy/netpol/cidr.ts';
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import type { Labels, Namespace, PodGroup } from '../policy/objects/model.ts';
import type { LabelMentions, Mentions } from './mentions.ts';
import { NAMESPACE_NAME_KEY } from './mentions.ts';
import type { AuditPaths } from './paths.ts';

/** A value no selector names: present, but only its presence can matter. */
const OTHER = '\u0001';

export class EndpointClasses {
  readonly #paths: AuditPaths;
  readonly #mentions: Mentions;
  readonly #namespaces = new WeakMap<Namespace, string>();
  readonly #peers = new WeakMap<PodGroup, string>();

  constructor(paths: AuditPaths) {
    this.#paths = paths;
    this.#mentions = paths.mentions;
  }

  /** Sources with equal keys reach the same ports of every destination. */
  sourceKey(endpoint: Endpoint): string {
    return `${this.#paths.subjectKey(endpoint, 'egress')}|${this.peerKey(endpoint)}`;
  }

  /** Destinations with equal keys are reached on the same ports from every source. */
  destinationKey(endpoint: Endpoint): string {
    return `${this.#paths.subjectKey(endpoint, 'ingress')}|${this.peerKey(endpoint)}`;
  }

  /** Equal for endpoints that every peer and port of every policy matches alike. */
  peerKey(endpoint: Endpoint): string {
    if (endpoint.kind === 'external') return `ip ${this.#addresses([endpoint.ip])}`;
    const { group, namespace } = endpoint;
    let pod = this.#peers.get(group);
    if (pod === undefined) {
      pod = `${project(group.labels, this.#mentions.podLabels)}#${this.#addresses(group.ips)}#${this.#ports(group)}`;
      this.#peers.set(group, pod);
    }
    let ns = this.#namespaces.get(namespace);
    if (ns === undefined) {
      const labels = this.#mentions.namespaceLabels.has(NAMESPACE_NAME_KEY) ? { ...namespace.labels, [NAMESPACE_NAME_KEY]: namespace.name } : namespace.labels;
      this.#namespaces.set(namespace, (ns = project(labels, this.#mentions.namespaceLabels)));
    }
    return `${ns}/${pod}`;
  }

  /** Which named CIDRs each address falls in; unknown addresses (the pod CIDRs stand in) are one class. */
  #addresses(ips: readonly string[]): string {
    const { cidrs } = this.#mentions;
    if (cidrs.length === 0) return '';
    if (ips.length === 0) return '?';
    const seen = new Set<string>();
    for (const text of ips) {
      const ip = parseIp(text);
      seen.add(ip === undefined ? '!' : cidrs.map((c) => (c.family === ip.family && c.first <= ip.value && ip.value <= c.last ? '1' : '0')).join(''));
    }
    return [...seen].sort().join(',');
  }

  /** The named ports a rule may resolve against this destination. */
  #ports(group: PodGroup): string {
    if (group.ports === 'unknown') return '?';
    const { portNames } = this.#mentions;
    if (portNames.size === 0) return '';
    return group.ports
      .filter((p) => p.name !== undefined && portNames.has(p.name))
      .map((p) => `${p.name ?? ''}/${p.protocol}/${p.port}`)
      .sort()
      .join(',');
  }
}

/** The labels as the selectors see them: named keys only, values they do not name folded into one. */
function project(labels: Labels, mentions: LabelMentions): string {
  const parts: string[] = [];
  for (const key of Object.keys(labels).sort()) {
    const named = mentions.get(key);
    if (named === undefined) continue;
    const value = labels[key] as string;
    parts.push(`${key}=${named === 'any' || named.has(value) ? value : OTHER}`);
  }
  return parts.join('\u0002');
}
