// One path of `nsguard explain`, FROM → TO on the port asked: per direction whether it is open and which
// policies and rules decide (Kubernetes semantics here, Calico's chain in explain-calico.ts), what was
// not readable (a direction whose policies could not be listed is unknown, never open), and whether the
// path crosses a boundary the checks guard.
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { Visibility } from '../cluster/visibility.ts';
import { Budget } from '../policy/checks/budget.ts';
import { describePolicies, describePolicy } from '../policy/checks/describe.ts';
import { boundaryBetween, describeBoundary } from '../policy/checks/path-refusal.ts';
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoint } from '../policy/netpol/endpoint.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import { describePorts, hasPort, portRange } from '../policy/netpol/port-set.ts';
import type { DirectionVerdict } from '../policy/netpol/reachability.ts';
import { evaluatePath } from '../policy/netpol/reachability.ts';
import type { Config, Protocol } from '../policy/objects/model.ts';
import { calicoPaths } from '../policy/paths/calico-paths.ts';
import { calicoJson, calicoLines } from './explain-calico.ts';

export interface PortQuery {
  readonly protocol: Protocol;
  readonly port: number;
}

export interface PathContext {
  readonly state: ClusterState;
  readonly config: Config;
  readonly visibility: Visibility;
  /** What the whole answer could not see (Calico's policies, where an address may live). */
  readonly caveats: readonly string[];
}

export interface PathAnswer {
  /** Open on the port asked, and everything that decides it could be read. */
  readonly open: boolean;
  /** Open or closed for sure; otherwise unknown, and never open. */
  readonly known: boolean;
  readonly text: string;
  readonly json: Readonly<Record<string, unknown>>;
}

/** Without a port, open means open on at least one TCP port. */
export function isOpenFor(ports: PortSet, query: PortQuery | undefined): boolean {
  return query === undefined ? ports.TCP.length > 0 : hasPort(ports, query.protocol, query.port);
}

export function describeQuery(query: PortQuery | undefined): string {
  return query === undefined ? 'any TCP port' : `${query.protocol} ${query.port}`;
}

export function explainPath(from: Endpoint, to: Endpoint, query: PortQuery | undefined, ctx: PathContext): PathAnswer {
  const { state, config, visibility } = ctx;
  // A direction is judged by its subject's namespace's policies: unread, it cannot be judged.
  const unread = [from, to].map((subject) => (subject.kind === 'pod' ? visibility.unread('networkpolicies', subject.namespace.name) : undefined));
  const caveats = [...ctx.caveats];
  for (const end of [from, to]) {
    const missed = end.kind === 'pod' ? visibility.unread('namespaces', end.namespace.name) : undefined;
    const caveat = `${missed}: its labels are unknown`;
    if (missed !== undefined && !caveats.includes(caveat)) caveats.push(caveat);
  }

  // `must`: a path is reported open only if it is open whatever the unknowns (IPs of witnesses) are.
  let seen: boolean;
  /** Per direction, whether it is open on the port asked (as far as it could be read). */
  let sides: boolean[];
  let lines: string[];
  let json: Record<string, unknown>;
  const calico = state.calico();
  if (calico !== undefined) {
    const report = calicoPaths((ns) => state.policies(ns), calico, config.podCIDRs, 'must', new Budget(Number.MAX_SAFE_INTEGER)).report(from, to);
    if (report.kind !== 'calico') throw new Error('a Calico evaluator answered in another semantics');
    const { verdict } = report;
    const asked = query === undefined ? undefined : portRange(query.protocol, query.port, query.port);
    const isOpen = (ports: PortSet): boolean => isOpenFor(ports, query);
    seen = isOpen(verdict.must);
    sides = [isOpen(verdict.egress.must), isOpen(verdict.ingress.must)];
    lines = calicoLines(verdict, asked, isOpen, unread);
    json = { ports: describePorts(verdict.must), semantics: 'calico', ...calicoJson(verdict, asked, isOpen) };
  } else {
    const verdict = evaluatePath({ policies: (ns) => state.policies(ns), podCIDRs: config.podCIDRs, reading: 'must' }, from, to);
    seen = isOpenFor(verdict.ports, query);
    sides = [isOpenFor(verdict.egress.ports, query), isOpenFor(verdict.ingress.ports, query)];
    lines = [verdict.egress, verdict.ingress].flatMap((side, i) => {
      const missed = unread[i];
      return missed === undefined ? describeSide(side, query) : [`  ${side.direction} of ${describeEndpoint(side.subject)}: unknown (${missed})`];
    });
    if (query === undefined && seen) lines.unshift(`  open on ${describePorts(verdict.ports)}`);
    json = { ports: describePorts(verdict.ports), egress: sideJson(verdict.egress, query, unread[0]), ingress: sideJson(verdict.ingress, query, unread[1]) };
  }

  // Known when everything it depends on was read, or when a direction that was read closes it anyway.
  const known = caveats.length === 0 && (unread.every((u) => u === undefined) || sides.some((open, i) => !open && unread[i] === undefined));
  const open = known && seen;
  const said = known ? (seen ? 'open' : 'closed') : `unknown (${seen ? 'open' : 'closed'} as far as it could be read)`;
  const boundary = boundaryBetween(from, to, config);
  const notes = [...caveats, ...(boundary === undefined ? [] : [describeBoundary(boundary, open)])];
  return {
    open,
    known,
    text: [`${describeEndpoint(from)} → ${describeEndpoint(to)} on ${describeQuery(query)}: ${said}`, ...lines, ...notes.map((n) => `  ${n}`)].join('\n'),
    json: { from: describeEndpoint(from), to: describeEndpoint(to), port: query ?? null, open, ...(known ? {} : { unknown: true }), ...json, notes },
  };
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

function sideJson(s: DirectionVerdict, query: PortQuery | undefined, unread: string | undefined) {
  return {
    subject: describeEndpoint(s.subject),
    applies: s.applies,
    ...(unread === undefined ? {} : { unknown: unread }),
    isolated: s.isolatedBy.length > 0,
    open: unread === undefined && isOpenFor(s.ports, query),
    ports: describePorts(s.ports),
    isolatedBy: s.isolatedBy.map(describePolicy),
    allowedBy: s.allowedBy.map((a) => ({ policy: describePolicy(a.policy), rule: a.index, ports: describePorts(a.ports), decides: isOpenFor(a.ports, query) })),
  };
}
