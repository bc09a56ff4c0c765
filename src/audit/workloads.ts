// Workloads no policy isolates, per direction, the sensitive ones (data stores, by image, label or port)
// first: with no ingress isolation any pod of the cluster reaches them, with no egress isolation they
// reach anything.
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoint } from '../policy/netpol/endpoint.ts';
import type { PodGroup, SensitiveWorkloads } from '../policy/objects/model.ts';
import { finding, podRefs } from './findings.ts';
import type { AuditPaths } from './paths.ts';
import type { NamespacePods } from './population.ts';
import type { AuditFinding, Severity, Workload } from './report.ts';

export interface Isolation {
  readonly ingress: boolean;
  readonly egress: boolean;
}

export interface WorkloadsSection {
  readonly workloads: readonly Workload[];
  readonly findings: readonly AuditFinding[];
  readonly isolation: ReadonlyMap<PodGroup, Isolation>;
}

/** `postgres` for `registry.example/db/postgres:16.2@sha256:...`. */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const last = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon === -1 ? last : last.slice(0, colon);
}

export function isSensitiveImage(image: string, sensitive: SensitiveWorkloads): boolean {
  return sensitive.images.includes(imageName(image));
}

/** Why the group is sensitive: its sensitive images (found while loading), labels and ports. */
export function sensitivity(group: PodGroup, images: readonly string[], sensitive: SensitiveWorkloads): string[] {
  const reasons = images.map((image) => `image ${image}`);
  for (const [key, values] of Object.entries(sensitive.labels)) {
    const value = group.labels[key];
    if (value !== undefined && values.includes(value)) reasons.push(`label ${key}=${value}`);
  }
  if (group.ports !== 'unknown') for (const p of group.ports) if (sensitive.ports.includes(p.port)) reasons.push(`port ${p.port}/${p.protocol}`);
  return [...new Set(reasons)];
}

export function auditWorkloads(
  populations: readonly NamespacePods[],
  paths: AuditPaths,
  exempt: (namespace: string) => boolean,
  sensitive: SensitiveWorkloads,
  sensitiveImages: (group: PodGroup) => readonly string[],
): WorkloadsSection {
  const isolation = new Map<PodGroup, Isolation>();
  const found: { workload: Workload; endpoint: Endpoint }[] = [];
  for (const { namespace, running } of populations) {
    for (const endpoint of running) {
      const { group } = endpoint;
      const state = { ingress: paths.isolatedBy(endpoint, 'ingress').length > 0, egress: paths.isolatedBy(endpoint, 'egress').length > 0 };
      isolation.set(group, state);
      // Exempt namespaces are left open on purpose (docs/configuration.md): counted, not reported.
      if ((state.ingress && state.egress) || exempt(namespace.name)) continue;
      const workload: Workload = {
        namespace: namespace.name,
        pods: group.names,
        count: group.count,
        labels: group.labels,
        sensitive: sensitivity(group, sensitiveImages(group), sensitive),
        ingressIsolated: state.ingress,
        egressIsolated: state.egress,
      };
      found.push({ workload, endpoint });
    }
  }
  found.sort((a, b) => rank(a.workload) - rank(b.workload));
  return {
    workloads: found.map((f) => f.workload),
    findings: found.map(({ workload, endpoint }) => {
      const open = [workload.ingressIsolated ? undefined : 'ingress', workload.egressIsolated ? undefined : 'egress'].filter((d) => d !== undefined);
      const what = workload.sensitive.length > 0 ? ` (sensitive: ${workload.sensitive.join(', ')})` : '';
      const effects = [workload.ingressIsolated ? undefined : 'any pod of the cluster may connect to them', workload.egressIsolated ? undefined : 'they may connect anywhere'].filter((e) => e !== undefined);
      return finding(
        'unprotected-workload',
        severityOf(workload),
        workload.namespace,
        describeEndpoint(endpoint),
        `${describeEndpoint(endpoint)}${what}: no policy selects them for ${open.join(' or ')}, so ${effects.join(' and ')}`,
        podRefs([endpoint]),
      );
    }),
    isolation,
  };
}

/** Sensitive without ingress isolation is the worst case; egress alone on an ordinary pod the least. */
function severityOf(w: Workload): Severity {
  if (w.sensitive.length > 0) return w.ingressIsolated ? 'medium' : 'high';
  return w.ingressIsolated ? 'low' : 'medium';
}

function rank(w: Workload): number {
  return (w.sensitive.length > 0 ? 0 : 2) + (w.ingressIsolated ? 1 : 0);
}
