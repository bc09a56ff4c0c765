// The reachability matrix, namespace × namespace and environment × environment, computed on classes.
//
// Between two different namespaces a path's verdict depends only on the source's class and the
// destination's class (endpoint-classes.ts): no rule of one namespace matches the other's pods by its own
// namespace. So the audit judges each (source class, destination class) once, then:
// - a namespace's row is what its source classes reach, per destination class; namespaces with equal
//   rows are one row class;
// - a namespace's column is what each row class reaches among its destination classes;
// - namespaces of one environment with equal row class and column are one group: the namespace matrix is
//   groups × groups, and the environment matrix sums it.
// Paths inside one namespace (where `podSelector` peers do match) are judged per pair of classes found
// together in some namespace, and reported per namespace.
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoint } from '../policy/netpol/endpoint.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import { NO_PORTS, describePorts, isEmpty, union } from '../policy/netpol/port-set.ts';
import type { Config } from '../policy/objects/model.ts';
import { environmentOf } from '../policy/checks/environments.ts';
import { joinAnd } from '../policy/checks/describe.ts';
import type { EndpointClasses } from './endpoint-classes.ts';
import { finding, namespaceRef, portsText } from './findings.ts';
import type { AuditPaths, SideExplanation } from './paths.ts';
import type { NamespacePods } from './population.ts';
import type { AuditFinding, EnvironmentCell, GroupCell, Matrix, NamespaceGroup, PathExample, PortsState } from './report.ts';

export interface MatrixSection {
  readonly matrix: Matrix;
  readonly findings: readonly AuditFinding[];
  /** Per namespace: its pods reaching each other. */
  readonly internal: ReadonlyMap<string, PortsState>;
  /** Per namespace: the id of its group. */
  readonly groupOf: ReadonlyMap<string, string>;
}

/** Namespaces a finding lists by name before "and N more"; PolicyReport results stay small too. */
const LISTED = 10;

interface Member {
  readonly endpoint: Endpoint;
  readonly source: number;
  readonly destination: number;
}

/** A class and up to two members from different namespaces, so a cross-namespace pair can be found. */
interface ClassOf {
  readonly id: number;
  readonly reps: Endpoint[];
}

class Classes {
  readonly #byKey = new Map<string, ClassOf>();
  readonly list: ClassOf[] = [];

  id(key: string, endpoint: Endpoint): number {
    let c = this.#byKey.get(key);
    if (c === undefined) {
      c = { id: this.list.length, reps: [] };
      this.#byKey.set(key, c);
      this.list.push(c);
    }
    if (c.reps.length < 2 && c.reps.every((r) => namespaceOfEndpoint(r) !== namespaceOfEndpoint(endpoint))) c.reps.push(endpoint);
    return c.id;
  }
}

function namespaceOfEndpoint(e: Endpoint): string {
  return e.kind === 'pod' ? e.namespace.name : '';
}

export function auditMatrix(config: Config, populations: readonly NamespacePods[], paths: AuditPaths, classes: EndpointClasses): MatrixSection {
  const sources = new Classes();
  const destinations = new Classes();
  const members: Member[][] = populations.map(({ running, newPod }) =>
    [...running, newPod].map((endpoint) => ({
      endpoint,
      source: sources.id(classes.sourceKey(endpoint), endpoint),
      destination: destinations.id(classes.destinationKey(endpoint), endpoint),
    })),
  );

  // What each source class reaches in another namespace, per destination class (only open entries).
  const reach = new Map<number, Map<number, PortSet>>();
  const reachOf = (source: number): Map<number, PortSet> => {
    let row = reach.get(source);
    if (row !== undefined) return row;
    row = new Map();
    const s = sources.list[source] as ClassOf;
    for (const d of destinations.list) {
      const pair = crossPair(s.reps, d.reps);
      if (pair === undefined) continue;
      const ports = paths.openPorts(pair[0], pair[1], 'may');
      if (!isEmpty(ports)) row.set(d.id, ports);
    }
    reach.set(source, row);
    return row;
  };

  // Row classes: namespaces whose source classes reach the same destination classes on the same ports.
  const rowBySignature = new Map<string, number>();
  const rowByKey = new Map<string, number>();
  const rows: Map<number, PortSet>[] = [];
  const rowOf = members.map((list) => {
    const signature = [...new Set(list.map((m) => m.source))].sort((a, b) => a - b);
    const sigKey = signature.join(',');
    let id = rowBySignature.get(sigKey);
    if (id !== undefined) return id;
    const row = new Map<number, PortSet>();
    for (const s of signature) for (const [d, ports] of reachOf(s)) row.set(d, union(row.get(d) ?? NO_PORTS, ports));
    const key = [...row].sort(([a], [b]) => a - b).map(([d, ports]) => `${d}:${describePorts(ports)}`).join(';');
    id = rowByKey.get(key);
    if (id === undefined) {
      id = rows.length;
      rowByKey.set(key, id);
      rows.push(row);
    }
    rowBySignature.set(sigKey, id);
    return id;
  });

  // Columns: what each row class reaches among a namespace's destination classes.
  const columnBySignature = new Map<string, { key: string; ports: Map<number, PortSet> }>();
  const columnOf = members.map((list) => {
    const signature = [...new Set(list.map((m) => m.destination))].sort((a, b) => a - b);
    const sigKey = signature.join(',');
    let column = columnBySignature.get(sigKey);
    if (column === undefined) {
      const ports = new Map<number, PortSet>();
      rows.forEach((row, r) => {
        let open = NO_PORTS;
        for (const d of signature) open = union(open, row.get(d) ?? NO_PORTS);
        if (!isEmpty(open)) ports.set(r, open);
      });
      column = { key: [...ports].map(([r, p]) => `${r}:${describePorts(p)}`).join(';'), ports };
      columnBySignature.set(sigKey, column);
    }
    return column;
  });

  // Groups: one environment, one row class, one column.
  const groupByKey = new Map<string, { group: NamespaceGroup & { namespaces: string[] }; row: number; column: Map<number, PortSet>; members: number[] }>();
  const groupOf = new Map<string, string>();
  populations.forEach(({ namespace }, i) => {
    const environment = environmentOf(namespace, config) ?? null;
    const column = columnOf[i] as { key: string; ports: Map<number, PortSet> };
    const key = `${environment ?? '\u0000'}|${rowOf[i] as number}|${column.key}`;
    let entry = groupByKey.get(key);
    if (entry === undefined) {
      entry = { group: { id: `g${groupByKey.size + 1}`, environment, namespaces: [] }, row: rowOf[i] as number, column: column.ports, members: [] };
      groupByKey.set(key, entry);
    }
    entry.group.namespaces.push(namespace.name);
    entry.members.push(i);
    groupOf.set(namespace.name, entry.group.id);
  });
  const groups = [...groupByKey.values()];

  const separated = (a: string | null, b: string | null): boolean =>
    a !== null && b !== null && config.separateEnvironments.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const example = (from: number, to: number): PathExample | undefined => {
    for (const s of members[from] ?? []) {
      const row = reachOf(s.source);
      for (const d of members[to] ?? []) {
        if (!row.has(d.destination)) continue;
        const why = paths.explain(s.endpoint, d.endpoint, 'may');
        return { from: describeEndpoint(s.endpoint), to: describeEndpoint(d.endpoint), ports: portsText(why.ports), egress: describeSide(why.egress, s.endpoint), ingress: describeSide(why.ingress, d.endpoint) };
      }
    }
    return undefined;
  };

  const cells: GroupCell[] = [];
  const findings: AuditFinding[] = [];
  const envCells = new Map<string, { ports: PortSet; pairs: number; example: PathExample | null }>();
  for (const a of groups) {
    for (const b of groups) {
      const ports = b.column.get(a.row);
      const only = a === b && a.members.length === 1;
      if (ports === undefined || only) continue;
      const from = a.members[0] as number;
      const to = (a === b ? b.members[1] : b.members[0]) as number;
      const path = example(from, to);
      if (path === undefined) continue;
      const apart = separated(a.group.environment, b.group.environment);
      cells.push({ from: a.group.id, to: b.group.id, separated: apart, ports: portsText(ports), example: path });
      const pairs = a.members.length * b.members.length - (a === b ? a.members.length : 0);
      const envKey = `${a.group.environment ?? '\u0000'}|${b.group.environment ?? '\u0000'}`;
      const env = envCells.get(envKey);
      if (env === undefined) envCells.set(envKey, { ports, pairs, example: path });
      else envCells.set(envKey, { ports: union(env.ports, ports), pairs: env.pairs + pairs, example: env.example });
      if (apart) findings.push(separatedFinding(a.group, b.group, ports, path));
    }
  }
  cells.sort((x, y) => Number(y.separated) - Number(x.separated));

  const environments = orderEnvironments(populations.map(({ namespace }) => environmentOf(namespace, config) ?? null), config);
  const environmentCells: EnvironmentCell[] = environments
    .flatMap((from) => environments.map((to) => ({ from, to })))
    .map(({ from, to }) => {
      const env = envCells.get(`${from ?? '\u0000'}|${to ?? '\u0000'}`);
      return {
        from,
        to,
        separated: separated(from, to),
        open: env !== undefined,
        namespacePairs: env?.pairs ?? 0,
        ports: env === undefined ? 'none' : portsText(env.ports),
        example: env?.example ?? null,
      };
    })
    .sort((x, y) => Number(y.separated) - Number(x.separated));

  const internal = new Map<string, PortsState>();
  const inside = new Map<string, PortSet>();
  populations.forEach(({ namespace }, i) => {
    let open = NO_PORTS;
    for (const s of members[i] ?? []) {
      for (const d of members[i] ?? []) {
        const key = `${s.source},${d.destination}`;
        let ports = inside.get(key);
        if (ports === undefined) inside.set(key, (ports = paths.openPorts(s.endpoint, d.endpoint, 'may')));
        open = union(open, ports);
      }
    }
    internal.set(namespace.name, { open: !isEmpty(open), ports: portsText(open) });
  });

  return {
    matrix: { reading: 'may', environmentLabel: config.environmentLabel, environments, environmentCells, groups: groups.map((g) => g.group), cells },
    findings,
    internal,
    groupOf,
  };
}

/** A member of each class that lie in different namespaces; none when both classes live in one namespace alone. */
function crossPair(from: readonly Endpoint[], to: readonly Endpoint[]): [Endpoint, Endpoint] | undefined {
  for (const s of from) for (const d of to) if (namespaceOfEndpoint(s) !== namespaceOfEndpoint(d)) return [s, d];
  return undefined;
}

/** What opens one side of a path: the rules that allow it, or that nothing isolates it. */
export function describeSide(side: SideExplanation, subject: Endpoint): string {
  if (side.isolatedBy.length === 0) return `no policy isolates ${side.direction} of ${describeEndpoint(subject)}`;
  if (side.openedBy.length === 0) return `nothing allows it (${side.direction === 'egress' ? 'egress' : 'ingress'}-isolated by ${joinAnd(side.isolatedBy)})`;
  const rules = [...new Set(side.openedBy.map((o) => o.rule))];
  return `${joinAnd(rules)} allow${rules.length === 1 ? 's' : ''} it`;
}

/** Separated environments in the configured order, then the others by name, namespaces without the label last. */
function orderEnvironments(found: readonly (string | null)[], config: Config): (string | null)[] {
  const present = new Set(found);
  const ordered: (string | null)[] = [];
  for (const pair of config.separateEnvironments) for (const env of pair) if (present.has(env) && !ordered.includes(env)) ordered.push(env);
  const rest = [...present].filter((e): e is string => e !== null && !ordered.includes(e)).sort();
  return [...ordered, ...rest, ...(present.has(null) ? [null] : [])];
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, LISTED);
  return names.length > LISTED ? `${shown.join(', ')} and ${names.length - LISTED} more` : joinAnd(shown);
}

function separatedFinding(from: NamespaceGroup, to: NamespaceGroup, ports: PortSet, path: PathExample): AuditFinding {
  const subject = `${from.environment ?? ''} ${listed(from.namespaces)} → ${to.environment ?? ''} ${listed(to.namespaces)}`;
  const refs = [...from.namespaces.slice(0, LISTED), ...to.namespaces.slice(0, LISTED)].filter((n, i, all) => all.indexOf(n) === i).map(namespaceRef);
  return finding(
    'env-reachable',
    'high',
    null,
    subject,
    `namespaces of ${from.environment ?? ''} (${listed(from.namespaces)}) reach namespaces of ${to.environment ?? ''} (${listed(to.namespaces)}) on ${portsText(ports)}, ` +
      `though ${from.environment ?? ''} and ${to.environment ?? ''} must stay apart: for one, ${path.from} → ${path.to} on ${path.ports}: egress: ${path.egress}; ingress: ${path.ingress}`,
    refs,
  );
}
