import type { CalicoPolicyChange, PolicyChange } from '../objects/change.ts';
import type { Budget } from './budget.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import { calicoMaySelect, calicoSelected, changedPolicies } from './calico-endpoints.ts';
import { NO_FINDINGS, type Check, type CheckInput, type CheckResult } from './check.ts';
import { describeClosedSide, describeEffect, describeEndpoints, joinAnd } from './describe.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { EndpointSet, describeEndpoint, namespaceOf, podEndpoint } from '../netpol/endpoint.ts';
import type { Config, Direction, DnsConfig, Policy, Protocol } from '../objects/model.ts';
import { hasPort, portRange } from '../netpol/port-set.ts';
import type { FindingFields, PolicyMention } from './finding-fields.ts';
import { podMentions, sidePolicies, uniquePolicies } from './finding-fields.ts';
import { dnsHints, keepDnsFix } from './dns-hints.ts';
import { peerCost } from '../netpol/rule-index.ts';
import { selectorFromLabels, selects } from '../netpol/selector.ts';
import { representativeLabels, witnessDnsPod, witnessPod } from '../netpol/witness.ts';
import type { PathEvaluator, PathReport } from '../paths/path-evaluator.ts';
import { changePaths, sidePorts } from '../paths/path-evaluator.ts';

/** One (DNS target, protocol) the source cannot reach on the DNS port, with the verdict that says why. */
export interface DnsFailure {
  readonly target: Endpoint;
  readonly protocol: Protocol;
  readonly report: PathReport;
}

/**
 * Where pods send DNS queries. With NodeLocal DNSCache the node-local addresses (only an ipBlock reaches
 * them: the cache listens on the node's network); otherwise the DNS pods, or CoreDNS as a witness.
 */
export function dnsTargets(view: ClusterView, dns: DnsConfig): Endpoint[] {
  if (dns.nodeLocalIPs.length > 0) return dns.nodeLocalIPs.map((ip) => ({ kind: 'external', ip }));
  const groups = [...view.podGroupsMatching(dns.namespace, selectorFromLabels(dns.podLabels))];
  return (groups.length > 0 ? groups : [witnessDnsPod(dns)]).map((group) => podEndpoint(view, group));
}

/** Empty when `source` reaches every DNS target on the DNS port over every configured protocol. */
export function dnsFailures(paths: PathEvaluator, source: Endpoint, targets: readonly Endpoint[], dns: DnsConfig): DnsFailure[] {
  const failures: DnsFailure[] = [];
  for (const target of targets) {
    const ports = paths.openPorts(source, target);
    if (dns.protocols.every((protocol) => hasPort(ports, protocol, dns.port))) continue;
    const report = paths.report(source, target);
    for (const protocol of dns.protocols) if (!hasPort(ports, protocol, dns.port)) failures.push({ target, protocol, report });
  }
  return failures;
}

/** `dnsFailures(...).length === 0`, without building the verdicts that explain a failure. */
export function resolvesNames(paths: PathEvaluator, source: Endpoint, targets: readonly Endpoint[], dns: DnsConfig): boolean {
  return targets.every((target) => {
    const ports = paths.openPorts(source, target);
    return dns.protocols.every((protocol) => hasPort(ports, protocol, dns.port));
  });
}

export function isDnsPod(endpoint: Endpoint, dns: DnsConfig): boolean {
  return endpoint.kind === 'pod' && endpoint.group.namespace === dns.namespace && selects(selectorFromLabels(dns.podLabels), endpoint.group.labels);
}

/**
 * `dns-egress`: deny when a pod, running or witnessed, resolves names before the change and not after;
 * pods that could not resolve before are a warning, so broken DNS can be repaired step by step.
 */
export function checkDnsEgress({ view, change, config, budget }: CheckInput<PolicyChange>): CheckResult {
  // A policy that limits no egress and cannot select the DNS pods touches no pod's DNS: the common
  // ingress-only write in a tenant namespace costs nothing here (affectedSources would find no source).
  if (change.namespace !== config.dns.namespace && !change.before?.types.has('egress') && !change.after?.types.has('egress')) return NO_FINDINGS;
  const targets = dnsTargets(view, config.dns);
  const { before, after } = changePaths(view, change, config.podCIDRs, 'must', budget);
  return judgeDns(view, change, affectedSources(view, change, targets, config.dns, budget), targets, before, after, config, budget);
}

/** `dns-egress` for a Calico policy: the pods it may select for egress, or every pod when it may guard DNS. */
export function checkCalicoDnsEgress({ view, change, config, budget }: CheckInput<CalicoPolicyChange>): CheckResult {
  const { dns } = config;
  const targets = dnsTargets(view, dns);
  const { before, after } = changePaths(view, change, config.podCIDRs, 'must', budget);
  const objects = changedPolicies(view, change);
  const sources = new EndpointSet(budget);
  for (const policy of objects) if (policy.types.has('egress')) for (const source of calicoSelected(view, policy, budget)) sources.add(source);
  const guardsDns = objects.some((p) => p.types.has('ingress') && targets.some((t) => calicoMaySelect(p, t)));
  if (guardsDns) addEveryPod(view, sources);
  return judgeDns(view, change, sources.items.filter((s) => !isDnsPod(s, dns)), targets, before, after, config, budget);
}

/**
 * Deny when a source resolves names before the change and not after; one message per cause, naming the
 * sources it holds for.
 */
function judgeDns(
  view: ClusterView,
  change: PolicyChange | CalicoPolicyChange,
  sources: readonly Endpoint[],
  targets: readonly Endpoint[],
  before: PathEvaluator,
  after: PathEvaluator,
  config: Config,
  budget: Budget,
): CheckResult {
  const { dns } = config;

  // The DNS pods are named in the cause of every pod that cannot reach them: described once each.
  const targetNames = new Map<Endpoint, string>();
  const describeTarget = (target: Endpoint): string => {
    let name = targetNames.get(target);
    if (name === undefined) targetNames.set(target, (name = describeEndpoint(target)));
    return name;
  };
  // Sources that fail alike share one finding; the failures of the first one name the policies.
  const lost = new Map<string, { sources: Endpoint[]; failures: readonly DnsFailure[] }>();
  const broken = new Map<string, { sources: Endpoint[]; failures: readonly DnsFailure[] }>();
  for (const source of sources) {
    const failuresAfter = dnsFailures(after, source, targets, dns);
    if (failuresAfter.length === 0) continue;
    const cause = explainDnsFailures(failuresAfter, dns, describeTarget) + dnsHints(source, failuresAfter, after, view, config, budget);
    const hadDns = resolvesNames(before, source, targets, dns);
    const bucket = hadDns ? lost : broken;
    const same = bucket.get(cause);
    if (same === undefined) bucket.set(cause, { sources: [source], failures: failuresAfter });
    else same.sources.push(source);
  }
  // Where Kubernetes egress rules are what fails, the message ends with the policy that fixes it (made once
  // per namespace: every source of a NetworkPolicy's egress is in its own namespace).
  const fixes = new Map<string, string>();
  const fix = (sources: readonly Endpoint[], failures: readonly DnsFailure[]): string => {
    const source = sources[0];
    if (after.kind !== 'kubernetes' || source?.kind !== 'pod' || failingSides(failures, dns).egress.length === 0) return '';
    const namespace = source.group.namespace;
    let text = fixes.get(namespace);
    if (text === undefined) fixes.set(namespace, (text = `. ${keepDnsFix(namespace, dns)}`));
    return text;
  };
  const violations = [...lost].map(([cause, { sources, failures }]) => ({
    rule: 'dns-egress' as const,
    message: `${describeEffect(change, 'cuts', 'would cut')} DNS for ${describeEndpoints(sources)}: ${cause}${fix(sources, failures)}`,
    ...dnsFailureFields(sources, failures, dns),
  }));
  const warnings = [...broken].map(([cause, { sources, failures }]) => ({
    rule: 'dns-egress' as const,
    message: `DNS is already broken for ${describeEndpoints(sources)}: ${cause}${fix(sources, failures)}`,
    ...dnsFailureFields(sources, failures, dns),
  }));
  return { violations, warnings };
}

/**
 * Pods whose DNS the change can touch: those the policy selects before or after (egress side), and,
 * when it selects the DNS pods for ingress, every pod of the cluster (it can cut them all off).
 */
function affectedSources(view: ClusterView, change: PolicyChange, targets: readonly Endpoint[], dns: DnsConfig, budget: Budget): Endpoint[] {
  const objects = [change.before, change.after].filter((p): p is Policy => p !== undefined);
  const namespace = namespaceOf(view, change.namespace);
  const sources = new EndpointSet(budget);
  if (objects.some((p) => p.types.has('egress'))) {
    for (const p of objects) for (const group of view.podGroupsMatching(change.namespace, p.podSelector)) sources.add(podEndpoint(view, group));
    for (const p of objects) {
      const labels = representativeLabels(p.podSelector);
      if (labels !== undefined) sources.add({ kind: 'pod', group: witnessPod(change.namespace, labels), namespace });
    }
  }
  const guardsDns = (p: Policy): boolean =>
    p.types.has('ingress') && targets.some((t) => t.kind === 'pod' && selects(p.podSelector, t.group.labels));
  if (change.namespace === dns.namespace && objects.some(guardsDns)) {
    addEveryPod(view, sources);
    for (const p of objects) for (const rule of p.ingress) for (const peer of rule.peers ?? []) {
      budget.spend(peerCost(peer));
      if (peer.kind !== 'namespaces' || peer.podSelector === undefined) continue;
      const labels = representativeLabels(peer.podSelector);
      if (labels === undefined) continue;
      budget.spend(view.namespaceLookupCost(peer.namespaceSelector));
      for (const ns of view.namespacesMatching(peer.namespaceSelector)) sources.add({ kind: 'pod', group: witnessPod(ns.name, labels), namespace: ns });
    }
  }
  // DNS servers answer queries; they do not need to reach themselves.
  return sources.items.filter((s) => !isDnsPod(s, dns));
}

/** Every pod of the cluster, and one with no labels in each namespace: a policy guarding DNS can cut them all off. */
function addEveryPod(view: ClusterView, sources: EndpointSet): void {
  for (const ns of view.namespaces()) for (const group of view.podGroups(ns.name)) sources.add(podEndpoint(view, group));
  for (const ns of view.namespaces()) sources.add({ kind: 'pod', group: witnessPod(ns.name, {}), namespace: ns });
}

/** The failures on the egress side of the source, and on the ingress side of each DNS target. */
function failingSides(failures: readonly DnsFailure[], dns: DnsConfig): { egress: DnsFailure[]; ingress: [Endpoint, DnsFailure[]][] } {
  const egress = failures.filter((f) => !hasPort(sidePorts(f.report, 'egress'), f.protocol, dns.port));
  const ingress = failures.filter((f) => !hasPort(sidePorts(f.report, 'ingress'), f.protocol, dns.port));
  return { egress, ingress: unique(ingress.map((f) => f.target)).map((target) => [target, ingress.filter((f) => f.target === target)]) };
}

/** Which direction fails, on which protocols, and which policies isolate that side. */
export function explainDnsFailures(failures: readonly DnsFailure[], dns: DnsConfig, describeTarget: (target: Endpoint) => string): string {
  const parts: string[] = [];
  const { egress, ingress } = failingSides(failures, dns);
  if (egress.length > 0) {
    const first = egress[0] as DnsFailure;
    parts.push(
      `egress to ${describeEndpoints(unique(egress.map((f) => f.target)), describeTarget)} on ${protocolsAt(egress, dns.port)} is not allowed ` +
        `(${describeClosedSide(first.report, 'egress', first.protocol, dns.port, 'them')})`,
    );
  }
  for (const [target, mine] of ingress) {
    const first = mine[0] as DnsFailure;
    parts.push(
      `ingress of ${describeEndpoints([target], describeTarget)} from them on ${protocolsAt(mine, dns.port)} is not allowed ` +
        `(${describeClosedSide(first.report, 'ingress', first.protocol, dns.port, 'it')})`,
    );
  }
  return parts.join('; ');
}

/** The fields of a DNS finding: the sources and DNS pods, the DNS port per failing protocol, the policies that keep it shut. */
function dnsFailureFields(sources: readonly Endpoint[], failures: readonly DnsFailure[], dns: DnsConfig): FindingFields {
  const { egress, ingress } = failingSides(failures, dns);
  const closing = (direction: Direction, first: DnsFailure): PolicyMention[] => sidePolicies(first.report, direction, false, portRange(first.protocol, dns.port, dns.port));
  return {
    directions: [...(egress.length > 0 ? ['egress' as const] : []), ...(ingress.length > 0 ? ['ingress' as const] : [])],
    pods: [...podMentions(sources, 'from'), ...podMentions(unique(failures.map((f) => f.target)), 'to')],
    ports: unique(failures.map((f) => f.protocol)).map((protocol) => ({ protocol, port: dns.port, endPort: dns.port })),
    policies: uniquePolicies([...(egress.length > 0 ? closing('egress', egress[0] as DnsFailure) : []), ...ingress.flatMap(([, mine]) => closing('ingress', mine[0] as DnsFailure))]),
  };
}

function protocolsAt(failures: readonly DnsFailure[], port: number): string {
  return joinAnd([...new Set(failures.map((f) => f.protocol))].map((p) => `${p} ${port}`));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export const DNS_EGRESS: Check<PolicyChange> = { rule: 'dns-egress', run: checkDnsEgress };
export const CALICO_DNS_EGRESS: Check<CalicoPolicyChange> = { rule: 'dns-egress', run: checkCalicoDnsEgress };
