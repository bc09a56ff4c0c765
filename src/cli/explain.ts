// `nsguard explain --state FILE [--config FILE] FROM TO [--port N/PROTO] [-o text|json|yaml]`
// The reachability evaluator's answer for one path, per direction, naming the deciding policies and
// rules; in a cluster with Calico objects, Calico's decision chain (explain-calico.ts). Exit 0 open,
// 1 closed, 2 bad input (as `kubectl auth can-i`).
import type { ClusterState } from '../cluster/cluster-state.ts';
import { NsguardError } from '../errors.ts';
import { parseIp } from '../policy/netpol/cidr.ts';
import { describePolicies, describePolicy } from '../policy/checks/describe.ts';
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoint, namespaceOf, podEndpoint } from '../policy/netpol/endpoint.ts';
import type { Labels, Protocol } from '../policy/objects/model.ts';
import { PROTOCOLS } from '../policy/objects/model.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import { describePorts, hasPort, portRange } from '../policy/netpol/port-set.ts';
import { Budget } from '../policy/checks/budget.ts';
import { calicoPaths } from '../policy/paths/calico-paths.ts';
import { calicoJson, calicoText } from './explain-calico.ts';
import type { DirectionVerdict, PathVerdict } from '../policy/netpol/reachability.ts';
import { evaluatePath } from '../policy/netpol/reachability.ts';
import { witnessPod } from '../policy/netpol/witness.ts';
import { stringify } from 'yaml';
import { parseCommand, printHelp, required, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { configFrom, snapshotFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';

interface PortQuery {
  readonly protocol: Protocol;
  readonly port: number;
}

export const EXPLAIN = {
  name: 'explain',
  operands: 'FROM TO',
  summary: 'Is the path FROM → TO open, and which policies and rules decide it, per direction (FROM and TO: ns/pod, ns/label=value,... or an IP).',
  exits: '0 open, 1 closed, 2 bad input (as kubectl auth can-i)',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'the cluster snapshot (required)' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    port: { type: 'string', short: 'p', value: 'N/PROTO', help: 'the port asked about, e.g. 53/UDP (without it, open means open on some TCP port)' },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: ['text', 'json', 'yaml'], help: 'how to print the answer' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function explain(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(EXPLAIN, args);
  if (parsed.help) return printHelp(EXPLAIN, io);
  const { values, positionals } = parsed;
  const output = values.output ?? 'text';
  const stateFile = required('explain', 'state', values.state);
  if (positionals.length !== 2) throw new NsguardError('NSG_USAGE', `nsguard explain: expected FROM and TO (ns/pod, ns/label=value,... or an IP), got ${positionals.length} arguments`);
  const config = await configFrom(values.config);
  const { state } = await snapshotFrom(stateFile);
  const from = endpointFrom(positionals[0] as string, state);
  const to = endpointFrom(positionals[1] as string, state);
  const query = values.port === undefined ? undefined : portFrom(values.port, to);

  // `must`: a path is reported open only if it is open whatever the unknowns (IPs of witnesses) are.
  const calico = state.calico();
  if (calico !== undefined) {
    const report = calicoPaths((ns) => state.policies(ns), calico, config.podCIDRs, 'must', new Budget(Number.MAX_SAFE_INTEGER)).report(from, to);
    if (report.kind !== 'calico') throw new Error('a Calico evaluator answered in another semantics');
    const { verdict } = report;
    const asked = query === undefined ? undefined : portRange(query.protocol, query.port, query.port);
    const open = isOpenFor(verdict.must, query);
    const head = `${describeEndpoint(from)} → ${describeEndpoint(to)} on ${describeQuery(query)}: ${open ? 'open' : 'closed'}`;
    const isOpen = (ports: PortSet): boolean => isOpenFor(ports, query);
    const json = () => ({ from: describeEndpoint(from), to: describeEndpoint(to), port: query ?? null, open, ports: describePorts(verdict.must), semantics: 'calico', ...calicoJson(verdict, asked, isOpen) });
    io.out(output === 'text' ? calicoText(verdict, asked, isOpen, head) : structured(json(), output));
    return open ? 0 : 1;
  }
  const verdict = evaluatePath({ policies: (ns) => state.policies(ns), podCIDRs: config.podCIDRs, reading: 'must' }, from, to);
  const open = isOpenFor(verdict.ports, query);
  io.out(output === 'text' ? textReport(verdict, query, open) : structured(jsonReport(verdict, query, open), output));
  return open ? 0 : 1;
}

/** `ns/pod`, `ns/app=web,tier=db` (any pod with exactly those labels) or an IP address. */
function endpointFrom(text: string, state: ClusterState): Endpoint {
  if (parseIp(text) !== undefined) {
    const group = state.podGroupsWithIp(text)[0];
    return group === undefined ? { kind: 'external', ip: text } : podEndpoint(state, { ...group, ips: [text] });
  }
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) throw new NsguardError('NSG_USAGE', `nsguard explain: ${JSON.stringify(text)} is not ns/pod, ns/label=value,... or an IP address`);
  const namespace = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  if (rest.includes('=')) return { kind: 'pod', group: witnessPod(namespace, labelsFrom(rest, text)), namespace: namespaceOf(state, namespace) };
  const group = state.findPod(namespace, rest);
  if (group === undefined) throw new NsguardError('NSG_USAGE', `nsguard explain: no running pod ${namespace}/${rest} in the state file`);
  return podEndpoint(state, { ...group, names: [rest], count: 1 });
}

function labelsFrom(text: string, whole: string): Labels {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    if (eq <= 0 || pair.includes('!=')) throw new NsguardError('NSG_USAGE', `nsguard explain: ${JSON.stringify(whole)}: labels are written key=value,key=value`);
    labels[key] = pair.slice(eq + 1);
  }
  return labels;
}

/** `53/UDP`, `3306` (TCP), or a named port of the destination such as `mysql/TCP`. */
function portFrom(text: string, to: Endpoint): PortQuery {
  const [portText = '', protocolText = 'TCP'] = text.split('/');
  const protocol = protocolText.toUpperCase() as Protocol;
  if (!PROTOCOLS.includes(protocol) || text.split('/').length > 2) throw new NsguardError('NSG_USAGE', `nsguard explain: --port ${JSON.stringify(text)}: expected N/PROTO with PROTO one of ${PROTOCOLS.join(', ')}`);
  if (/^\d+$/.test(portText)) {
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new NsguardError('NSG_USAGE', `nsguard explain: --port ${port} is outside 1-65535`);
    return { protocol, port };
  }
  const ports = to.kind === 'pod' && to.group.ports !== 'unknown' ? to.group.ports : [];
  const named = ports.find((p) => p.name === portText && p.protocol === protocol);
  if (named === undefined) throw new NsguardError('NSG_USAGE', `nsguard explain: --port ${JSON.stringify(text)}: ${describeEndpoint(to)} has no ${protocol} container port named ${portText}`);
  return { protocol, port: named.port };
}

/** Without a port, open means open on at least one TCP port. */
function isOpenFor(ports: PortSet, query: PortQuery | undefined): boolean {
  return query === undefined ? ports.TCP.length > 0 : hasPort(ports, query.protocol, query.port);
}

function describeQuery(query: PortQuery | undefined): string {
  return query === undefined ? 'any TCP port' : `${query.protocol} ${query.port}`;
}

function textReport(verdict: PathVerdict, query: PortQuery | undefined, open: boolean): string {
  const lines = [`${describeEndpoint(verdict.from)} → ${describeEndpoint(verdict.to)} on ${describeQuery(query)}: ${open ? 'open' : 'closed'}`];
  if (query === undefined && open) lines.push(`  open on ${describePorts(verdict.ports)}`);
  for (const side of [verdict.egress, verdict.ingress]) lines.push(...describeSide(side, query));
  return lines.join('\n');
}

function describeSide(side: DirectionVerdict, query: PortQuery | undefined): string[] {
  const head = `  ${side.direction} of ${describeEndpoint(side.subject)}`;
  if (!side.applies) return [`${head}: open (outside the cluster: no NetworkPolicy applies)`];
  if (side.isolatedBy.length === 0) return [`${head}: open (no policy selects it for ${side.direction}: every port is allowed)`];
  const deciding = side.allowedBy.filter((a) => isOpenFor(a.ports, query));
  const lines = [`${head}: ${isOpenFor(side.ports, query) ? 'open' : 'closed'}`, `    isolated by ${describePolicies(side.isolatedBy)}`];
  if (deciding.length === 0) lines.push(`    no ${side.direction} rule allows ${describeQuery(query)} ${side.direction === 'egress' ? 'to' : 'from'} the other side`);
  for (const a of deciding) lines.push(`    allowed by ${describePolicy(a.policy)} ${a.direction} rule ${a.index} (${describePorts(a.ports)})`);
  return lines;
}

function jsonReport(verdict: PathVerdict, query: PortQuery | undefined, open: boolean) {
  const side = (s: DirectionVerdict) => ({
    subject: describeEndpoint(s.subject),
    applies: s.applies,
    isolated: s.isolatedBy.length > 0,
    open: isOpenFor(s.ports, query),
    ports: describePorts(s.ports),
    isolatedBy: s.isolatedBy.map(describePolicy),
    allowedBy: s.allowedBy.map((a) => ({ policy: describePolicy(a.policy), rule: a.index, ports: describePorts(a.ports), decides: isOpenFor(a.ports, query) })),
  });
  return {
    from: describeEndpoint(verdict.from),
    to: describeEndpoint(verdict.to),
    port: query ?? null,
    open,
    ports: describePorts(verdict.ports),
    egress: side(verdict.egress),
    ingress: side(verdict.ingress),
  };
}

/** The JSON answer as JSON or YAML. */
function structured(value: unknown, output: 'json' | 'yaml'): string {
  return output === 'json' ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}
