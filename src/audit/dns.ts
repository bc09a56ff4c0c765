// Pods, and pods that could exist, that cannot resolve names: running groups, a new pod in each namespace,
// and a pod for each selector of an egress policy (the witnesses the webhook's dns-egress check uses),
// with the reason and the DNS pitfalls the webhook names. Judged once per class of source: the DNS
// targets are the same for every source, so the source's class decides.
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { EndpointSet, describeEndpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoints } from '../policy/checks/describe.ts';
import { dnsTargets, isDnsPod } from '../policy/checks/dns-egress.ts';
import { hasPort } from '../policy/netpol/port-set.ts';
import { representativeLabels, witnessPod } from '../policy/netpol/witness.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config, PodGroup } from '../policy/objects/model.ts';
import type { EndpointClasses } from './endpoint-classes.ts';
import { finding, podRefs } from './findings.ts';
import type { AuditPaths } from './paths.ts';
import type { NamespacePods } from './population.ts';
import type { AuditFinding, DnsProblem } from './report.ts';

export interface DnsSection {
  readonly problems: readonly DnsProblem[];
  readonly findings: readonly AuditFinding[];
  /** Running groups that cannot resolve names. */
  readonly failing: ReadonlySet<PodGroup>;
}

export function auditDns(view: ClusterView, config: Config, populations: readonly NamespacePods[], paths: AuditPaths, classes: EndpointClasses): DnsSection {
  const targets = dnsTargets(view, config.dns);
  // Whether a class resolves names is the same everywhere; why not names its namespace's policies.
  const resolves = new Map<string, boolean>();
  const reasons = new Map<string, string | undefined>();
  const { dns } = config;
  const reachesAll = (source: Endpoint): boolean =>
    targets.every((target) => {
      const ports = paths.openPorts(source, target, 'must');
      return dns.protocols.every((protocol) => hasPort(ports, protocol, dns.port));
    });
  const problems: DnsProblem[] = [];
  const findings: AuditFinding[] = [];
  const failing = new Set<PodGroup>();
  for (const { namespace, running, newPod } of populations) {
    const sources = new EndpointSet();
    for (const endpoint of running) sources.add(endpoint);
    sources.add(newPod);
    for (const policy of view.policies(namespace.name)) {
      if (!policy.types.has('egress')) continue;
      const labels = representativeLabels(policy.podSelector);
      if (labels !== undefined) sources.add({ kind: 'pod', group: witnessPod(namespace.name, labels), namespace });
    }
    const byReason = new Map<string, Endpoint[]>();
    for (const source of sources.items) {
      // DNS servers answer queries; they need not reach themselves.
      if (source.kind !== 'pod' || isDnsPod(source, dns)) continue;
      const key = classes.sourceKey(source);
      let ok = resolves.get(key);
      if (ok === undefined) resolves.set(key, (ok = reachesAll(source)));
      if (ok) continue;
      const local = `${namespace.name}|${key}`;
      let reason = reasons.get(local);
      if (!reasons.has(local)) reasons.set(local, (reason = paths.dnsProblem(source, targets)));
      if (reason === undefined) continue;
      const couldExist = source.group.witness === true;
      if (!couldExist) failing.add(source.group);
      problems.push({ namespace: namespace.name, pods: couldExist ? [] : source.group.names, count: couldExist ? 0 : source.group.count, labels: source.group.labels, couldExist, reason });
      const same = byReason.get(reason);
      if (same === undefined) byReason.set(reason, [source]);
      else same.push(source);
    }
    for (const [reason, endpoints] of byReason) {
      const running = endpoints.some((e) => e.kind === 'pod' && e.group.witness !== true);
      findings.push(
        finding(
          'dns',
          running ? 'high' : 'medium',
          namespace.name,
          describeEndpoints(endpoints, describeEndpoint),
          `${describeEndpoints(endpoints, describeEndpoint)} cannot resolve names: ${reason}`,
          podRefs(endpoints),
        ),
      );
    }
  }
  return { problems, findings, failing };
}
