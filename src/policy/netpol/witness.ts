import type { ContainerPort, DnsConfig, Labels, Namespace, PodGroup, Requirement, Selector } from '../objects/model.ts';

// A witness stands for "any pod (or namespace) that could exist": checks judge what a policy does to
// pods that are not running yet, so a change cannot slip through because the cluster happens to be empty.

const FILLER = 'nsguard-witness';

/**
 * The smallest label set a selector selects, or undefined when nothing can satisfy it. Keys the
 * selector does not name stay absent, so `NotIn`/`DoesNotExist` on other keys still hold.
 */
export function representativeLabels(selector: Selector, base: Labels = {}): Labels | undefined {
  const labels: Record<string, string> = { ...base };
  // Linear in the selector's size, which a tenant chooses: pushed, not copied per requirement, and value
  // lists intersected through Sets.
  const byKey = new Map<string, Requirement[]>();
  for (const r of selector.requirements) {
    const same = byKey.get(r.key);
    if (same === undefined) byKey.set(r.key, [r]);
    else same.push(r);
  }
  for (const [key, reqs] of byKey) {
    const mustExist = reqs.some((r) => r.operator === 'In' || r.operator === 'Exists');
    const mustNotExist = reqs.some((r) => r.operator === 'DoesNotExist');
    if (mustExist && mustNotExist) return undefined;
    if (mustNotExist) {
      delete labels[key];
      continue;
    }
    if (!mustExist) {
      // Only NotIn: absent satisfies it, unless the base already carries an excluded value.
      const current = labels[key];
      if (current !== undefined && reqs.some((r) => r.values.includes(current))) delete labels[key];
      continue;
    }
    const excluded = new Set(reqs.filter((r) => r.operator === 'NotIn').flatMap((r) => r.values));
    let allowed: string[] | undefined;
    for (const r of reqs) {
      if (r.operator !== 'In') continue;
      const values = r.values.length > 8 ? new Set(r.values) : undefined;
      allowed = (allowed ?? r.values).filter((v) => (values === undefined ? r.values.includes(v) : values.has(v)));
    }
    const current = labels[key];
    const candidates = allowed ?? (current !== undefined ? [current, FILLER] : [FILLER]);
    const value = candidates.find((v) => !excluded.has(v)) ?? freshValue(excluded, allowed);
    if (value === undefined) return undefined;
    labels[key] = value;
  }
  return labels;
}

function freshValue(excluded: ReadonlySet<string>, allowed: readonly string[] | undefined): string | undefined {
  if (allowed !== undefined) return undefined;
  for (let i = 0; ; i++) if (!excluded.has(`${FILLER}-${i}`)) return `${FILLER}-${i}`;
}

export function witnessPod(namespace: string, labels: Labels, ports: readonly ContainerPort[] | 'unknown' = 'unknown'): PodGroup {
  return { namespace, labels, ports, count: 1, names: [], ips: [], witness: true };
}

/** When the state holds no DNS pods, CoreDNS as deployed by kubeadm and most distributions stands in. */
export function witnessDnsPod(dns: DnsConfig): PodGroup {
  return witnessPod(dns.namespace, dns.podLabels, [
    { name: 'dns', port: dns.port, protocol: 'UDP' },
    { name: 'dns-tcp', port: dns.port, protocol: 'TCP' },
    { name: 'metrics', port: 9153, protocol: 'TCP' },
  ]);
}

export const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

/** "Any namespace of environment X": labelled only with the environment, as `kubectl create ns` plus the
 * env label gives. Its name is not a valid namespace name, so it can never collide with a real one. */
export function witnessNamespace(environmentLabel: string, env: string): Namespace {
  const name = `<any namespace labelled ${environmentLabel}=${env}>`;
  return {
    name,
    labels: { [environmentLabel]: env, [METADATA_NAME_LABEL]: `${FILLER}-${env}` },
    annotations: {},
    terminating: false,
    witness: true,
  };
}
