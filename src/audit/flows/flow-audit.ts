// Observed flows against the policies: the flows the policies deny now, the flows a proposed change
// (`--with`) would deny, and the rules no observed flow used (candidates for tightening). A record's pod
// is found by name (or, for Calico's aggregated names, by a prefix all of whose pods are in one group)
// or by address; one that matches no pod, or several groups, is reported, never guessed.
import type { Endpoint } from '../../policy/netpol/endpoint.ts';
import { describeEndpoint, podEndpoint } from '../../policy/netpol/endpoint.ts';
import { blockOverlapsRange, parseCidr, parseIp } from '../../policy/netpol/cidr.ts';
import { hasPort } from '../../policy/netpol/port-set.ts';
import { selects } from '../../policy/netpol/selector.ts';
import type { ClusterView } from '../../policy/objects/cluster-view.ts';
import type { Config, Namespace, PodGroup, Policy, Protocol } from '../../policy/objects/model.ts';
import type { CalicoObjects } from '../../policy/objects/cluster-view.ts';
import { finding, podRefs } from '../findings.ts';
import { describeSide } from '../matrix.ts';
import type { AuditPaths, PathExplanation } from '../paths.ts';
import { auditPaths } from '../paths.ts';
import type { AuditFinding, FlowReport, ObservedFlow, UnknownEndpoint, UnusedRule } from '../report.ts';
import type { FlowEnd, ParsedFlows } from './flow-record.ts';
import { byName } from '../../policy/objects/by-name.ts';

/** What `--with FILE` would write, as `kubectl apply` would: policies created or replaced, namespaces relabelled. */
export interface FlowChange {
  readonly policies: readonly Policy[];
  readonly namespaces: readonly Namespace[];
}

export interface FlowInput {
  readonly file: string;
  readonly parsed: ParsedFlows;
  /** The group a running pod counts in (the view keeps every pod name for this). */
  readonly findPod: (namespace: string, name: string) => PodGroup | undefined;
  readonly change: FlowChange | undefined;
}

type Side = { readonly group: PodGroup; readonly name: string } | { readonly ip: string };

interface Flow {
  readonly from: Side;
  readonly to: Side;
  readonly port: number;
  readonly protocol: Protocol;
  count: number;
  readonly lines: number[];
}

interface Judged {
  readonly flow: ObservedFlow;
  readonly endpoints: readonly Endpoint[];
}

/** Line numbers a flow lists; the count says how many records there were. */
const LINES_KEPT = 5;

export function auditFlows(input: FlowInput, view: ClusterView, config: Config, namespaces: readonly string[], calico: CalicoObjects | undefined, paths: AuditPaths): { report: FlowReport; findings: readonly AuditFinding[] } {
  const unknown: UnknownEndpoint[] = [];
  const groupIds = new Map<PodGroup, number>();
  const sideKey = (side: Side): string => ('ip' in side ? `ip ${side.ip}` : `g${groupIds.get(side.group) ?? groupIds.set(side.group, groupIds.size).size - 1}`);
  const flows = new Map<string, Flow>();
  for (const record of input.parsed.records) {
    const from = resolve(record.source, view, input.findPod, config);
    const to = resolve(record.destination, view, input.findPod, config);
    for (const [side, end] of [[from, record.source], [to, record.destination]] as const) {
      if (typeof side === 'string') unknown.push({ line: record.line, endpoint: describeEnd(end), reason: side });
    }
    if (typeof from === 'string' || typeof to === 'string') continue;
    const key = `${sideKey(from)}>${sideKey(to)}>${record.port}/${record.protocol}`;
    const flow = flows.get(key);
    if (flow === undefined) flows.set(key, { from, to, port: record.port, protocol: record.protocol, count: 1, lines: [record.line] });
    else {
      flow.count++;
      if (flow.lines.length < LINES_KEPT) flow.lines.push(record.line);
    }
  }

  const denied: Judged[] = [];
  const allowed: Flow[] = [];
  const used = new Set<string>();
  const seen = new Set<string>();
  for (const flow of flows.values()) {
    const from = endpointIn(view, flow.from);
    const to = endpointIn(view, flow.to);
    for (const e of [from, to]) if (e.kind === 'pod') seen.add(e.group.namespace);
    const why = paths.explain(from, to, 'may');
    if (!hasPort(why.ports, flow.protocol, flow.port)) {
      denied.push({ flow: observed(flow, from, to, why), endpoints: [from, to] });
      continue;
    }
    allowed.push(flow);
    for (const side of [why.egress, why.ingress]) for (const o of side.openedBy) if (hasPort(o.ports, flow.protocol, flow.port)) used.add(o.rule);
  }

  let deniedByChange: Judged[] | undefined;
  if (input.change !== undefined) {
    const changed = withChange(view, input.change);
    const after = auditPaths(changed, config, namespaces, calico);
    deniedByChange = [];
    for (const flow of allowed) {
      const from = endpointIn(changed, flow.from);
      const to = endpointIn(changed, flow.to);
      const why = after.explain(from, to, 'may');
      if (!hasPort(why.ports, flow.protocol, flow.port)) deniedByChange.push({ flow: observed(flow, from, to, why), endpoints: [from, to] });
    }
  }

  const unusedRules: UnusedRule[] = [...seen].sort().flatMap((namespace) => paths.allowingRules(namespace).filter((rule) => !used.has(rule)).map((rule) => ({ rule, namespace })));
  const flowFinding = (check: 'flow-denied' | 'flow-denied-by-change', { flow: f, endpoints }: Judged): AuditFinding =>
    finding(
      check,
      check === 'flow-denied' ? 'medium' : 'high',
      endpoints.find((e): e is Endpoint & { kind: 'pod' } => e.kind === 'pod')?.group.namespace ?? null,
      `${f.from} → ${f.to} on ${f.protocol} ${f.port}`,
      `${f.from} → ${f.to} on ${f.protocol} ${f.port} was observed ${f.count} time${f.count === 1 ? '' : 's'} (${input.file} line ${f.lines.join(', ')}) ` +
        `but ${check === 'flow-denied' ? 'the policies deny it' : 'the change would deny it'}: ${f.reason}`,
      podRefs(endpoints),
    );
  const findings = [...denied.map((j) => flowFinding('flow-denied', j)), ...(deniedByChange ?? []).map((j) => flowFinding('flow-denied-by-change', j))];
  return {
    report: {
      format: input.parsed.format,
      records: input.parsed.records.length + input.parsed.skipped,
      flows: flows.size,
      denied: denied.map((j) => j.flow),
      deniedByChange: deniedByChange?.map((j) => j.flow) ?? null,
      unknown,
      unusedRules,
    },
    findings,
  };
}

function resolve(end: FlowEnd, view: ClusterView, findPod: FlowInput['findPod'], config: Config): Side | string {
  const { namespace, pod, ip } = end;
  if (namespace !== undefined && pod !== undefined) {
    const star = pod.indexOf('*');
    if (star === -1) {
      const group = findPod(namespace, pod);
      return group === undefined ? `no pod ${namespace}/${pod} in the cluster` : { group, name: `${namespace}/${pod}` };
    }
    const prefix = pod.slice(0, star);
    const groups = [...view.podGroups(namespace)].filter((g) => g.names.some((n) => n.startsWith(prefix)));
    if (groups.length === 1) return { group: groups[0] as PodGroup, name: `${namespace}/${pod}` };
    return groups.length === 0 ? `no pod of ${namespace} is named ${pod}` : `${namespace}/${pod} names pods of ${groups.length} groups with different labels or ports`;
  }
  if (ip !== undefined) {
    const parsed = parseIp(ip);
    if (parsed === undefined) return `${ip} is not an IP address`;
    const groups = [...view.podGroupsWithIp(ip)];
    if (groups.length === 1) return { group: groups[0] as PodGroup, name: describeEndpoint(podEndpoint(view, groups[0] as PodGroup)) };
    if (groups.length > 1) return `${ip} is held by pods of ${groups.length} groups (host network)`;
    const host = parseCidr(`${ip}/${parsed.family === 4 ? 32 : 128}`);
    const inPods = host !== undefined && config.podCIDRs.some((c) => blockOverlapsRange({ cidr: c, except: [] }, host));
    return inPods ? `no pod holds ${ip}, an address of the pod network` : { ip };
  }
  return 'the record names neither a pod nor an address';
}

function describeEnd(end: FlowEnd): string {
  if (end.namespace !== undefined && end.pod !== undefined) return `${end.namespace}/${end.pod}`;
  return end.ip ?? end.namespace ?? '(nothing)';
}

function endpointIn(view: ClusterView, side: Side): Endpoint {
  return 'ip' in side ? { kind: 'external', ip: side.ip } : podEndpoint(view, side.group);
}

function sideName(side: Side): string {
  return 'ip' in side ? side.ip : side.name;
}

function observed(flow: Flow, from: Endpoint, to: Endpoint, why: PathExplanation): ObservedFlow {
  const closed = [why.egress, why.ingress]
    .filter((s) => !hasPort(s.ports, flow.protocol, flow.port))
    .map((s) => `${s.direction}: ${describeSide({ ...s, openedBy: s.openedBy.filter((o) => hasPort(o.ports, flow.protocol, flow.port)) }, s.direction === 'egress' ? from : to)}`);
  return { from: sideName(flow.from), to: sideName(flow.to), port: flow.port, protocol: flow.protocol, count: flow.count, lines: flow.lines, reason: closed.join('; ') };
}

/** The view as it would be once the change is applied. */
function withChange(view: ClusterView, change: FlowChange): ClusterView {
  const namespaces = new Map(change.namespaces.map((ns) => [ns.name, ns]));
  const all = (): Namespace[] => [...[...view.namespaces()].map((ns) => namespaces.get(ns.name) ?? ns), ...change.namespaces.filter((ns) => view.namespace(ns.name) === undefined)];
  const byNamespace = new Map<string, Policy[]>();
  for (const p of change.policies) byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p]);
  return {
    namespace: (name) => namespaces.get(name) ?? view.namespace(name),
    namespaces: all,
    namespacesMatching: (selector) => all().filter((ns) => selects(selector, ns.labels)),
    namespaceLookupCost: () => all().length,
    podGroups: (namespace) => view.podGroups(namespace),
    podGroupsMatching: (namespace, selector) => view.podGroupsMatching(namespace, selector),
    policies: (namespace) => {
      const added = byNamespace.get(namespace);
      if (added === undefined) return view.policies(namespace);
      const names = new Set(added.map((p) => p.name));
      return [...view.policies(namespace).filter((p) => !names.has(p.name)), ...added].sort(byName);
    },
    podGroupsWithIp: (ip) => view.podGroupsWithIp(ip),
    calico: () => view.calico(),
  };
}
