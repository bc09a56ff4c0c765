// `nsguard explain --state FILE [--config FILE] FROM TO [--port N/PROTO] [-o text|json|yaml]`, and
// `kubectl nsguard explain` on the live cluster. The reachability evaluator's answer for one path, per
// direction, naming the deciding policies and rules (explain-path.ts). A Service stands for the paths to
// its endpoints on the port its port maps to. Exit 0 open, 1 closed or unknown, 2 bad input (as
// `kubectl auth can-i`).
import { EXPLAIN_COLLECTIONS } from '../cluster/collections.ts';
import { NsguardError } from '../errors.ts';
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoint } from '../policy/netpol/endpoint.ts';
import { describeLabels } from '../policy/netpol/selector.ts';
import type { ServiceBackends } from '../policy/netpol/service-backends.ts';
import { describeServicePort, serviceBackends, servicePort } from '../policy/netpol/service-backends.ts';
import type { Protocol, Service, ServicePort } from '../policy/objects/model.ts';
import { PROTOCOLS } from '../policy/objects/model.ts';
import { stringify } from 'yaml';
import { NSGUARD, requireSource, type Host } from './cluster-source.ts';
import { parseCommand, printHelp, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import type { PathAnswer, PathContext, PortQuery } from './explain-path.ts';
import { describeQuery, explainPath } from './explain-path.ts';
import type { Target } from './explain-targets.ts';
import { namespaceOfText, parseTarget, resolveTarget, TARGET_FORMS } from './explain-targets.ts';
import { configFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';

export const EXPLAIN = {
  name: 'explain',
  operands: 'FROM TO',
  summary: `Is the path FROM → TO open, and which policies and rules decide it, per direction (FROM and TO: ${TARGET_FORMS}).`,
  exits: '0 open, 1 closed or unknown, 2 bad input (as kubectl auth can-i)',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'the cluster snapshot: kubectl get namespaces,networkpolicies,pods,services,endpointslices -A -o yaml (required)' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    port: { type: 'string', short: 'p', value: 'N/PROTO', help: "the port asked about, e.g. 53/UDP, or a name (a Service's port, or a container port of TO); without it, open means open on some TCP port" },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: ['text', 'json', 'yaml'], help: 'how to print the answer' },
    namespace: { type: 'string', short: 'n', value: 'NS', default: 'default', help: 'the namespace of a pod or labels given without one' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

/** `--port` as written: a number or a name, and a protocol. */
interface AskedPort {
  readonly port: number | string;
  readonly protocol: Protocol;
}

export async function explain(args: readonly string[], io: CommandIo, host: Host = NSGUARD): Promise<number> {
  const spec = host.spec(EXPLAIN);
  const parsed = parseCommand(spec, args);
  if (parsed.help) return printHelp(spec, io);
  const { values, positionals } = parsed;
  const output = values.output ?? 'text';
  if (positionals.length !== 2) throw new NsguardError('NSG_USAGE', `nsguard explain: expected FROM and TO (${TARGET_FORMS}), got ${positionals.length} arguments`);
  const asked = values.port === undefined ? undefined : askedPort(values.port);
  const config = await configFrom(values.config);
  const source = requireSource('explain', await host.source('explain', values));
  const texts = positionals.map((p) => parseTarget(p, source.namespace));
  const namespaces = texts.map(namespaceOfText);
  const named = namespaces.filter((ns) => ns !== undefined);
  // Names alone need only their namespaces read; an address may belong to any namespace.
  const { state, visibility } = await source.read({ collections: EXPLAIN_COLLECTIONS, keepPodNames: true, namespaces: named, narrow: named.length === namespaces.length });
  for (const note of visibility.notes()) io.err(`${host.program} explain: ${note}`);
  const [from, to] = texts.map((t) => resolveTarget(t, state, visibility)) as [Target, Target];

  const caveats: string[] = [];
  const calicoUnread = visibility.unread('calico', '');
  if (calicoUnread !== undefined) caveats.push(`${calicoUnread}: Calico's policies may decide this path`);
  for (const [i, text] of texts.entries()) {
    const target = [from, to][i] as Target;
    if (text.kind !== 'ip' || target.kind !== 'endpoint' || target.endpoint.kind !== 'external') continue;
    const missed = visibility.missed('pods') ?? visibility.missed('services');
    if (missed !== undefined) caveats.push(`${text.ip} matched no pod or Service that could be read (${missed}): judged as an address outside the cluster`);
  }
  const ctx: PathContext = { state, config, visibility, caveats };
  const answer = explainTargets(from, to, asked, ctx);
  io.out(output === 'text' ? answer.text : structured(answer.json, output));
  return answer.open ? 0 : 1;
}

/** `53/UDP`, `3306` (TCP), or a name (`mysql/TCP`, `dns/UDP`). */
function askedPort(text: string): AskedPort {
  const [portText = '', protocolText = 'TCP'] = text.split('/');
  const protocol = protocolText.toUpperCase() as Protocol;
  if (!PROTOCOLS.includes(protocol) || text.split('/').length > 2 || portText === '') {
    throw new NsguardError('NSG_USAGE', `nsguard explain: --port ${JSON.stringify(text)}: expected N/PROTO with PROTO one of ${PROTOCOLS.join(', ')}`);
  }
  if (!/^\d+$/.test(portText)) return { port: portText, protocol };
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new NsguardError('NSG_USAGE', `nsguard explain: --port ${port} is outside 1-65535`);
  return { port, protocol };
}

/** A named port of a pod (or pods by labels) asked about directly. */
function endpointQuery(asked: AskedPort | undefined, to: Endpoint): PortQuery | undefined {
  if (asked === undefined) return undefined;
  if (typeof asked.port === 'number') return { protocol: asked.protocol, port: asked.port };
  const ports = to.kind === 'pod' && to.group.ports !== 'unknown' ? to.group.ports : [];
  const named = ports.find((p) => p.name === asked.port && p.protocol === asked.protocol);
  if (named === undefined) throw new NsguardError('NSG_USAGE', `nsguard explain: --port ${asked.port}/${asked.protocol}: ${describeEndpoint(to)} has no ${asked.protocol} container port named ${asked.port}`);
  return { protocol: asked.protocol, port: named.port };
}

/**
 * The Service port a path to `service` is about. A headless Service's name resolves to its pods, so a
 * number that is none of its ports is a port on them as it is; a ClusterIP Service's port is one of its own.
 */
function servicePortFor(service: Service, asked: AskedPort | undefined): ServicePort | undefined {
  const ports = service.ports.map(describeServicePort).join(', ') || 'none';
  const named = `Service ${service.namespace}/${service.name}`;
  if (asked === undefined) {
    if (service.headless || service.ports.length <= 1) return service.headless ? undefined : service.ports[0];
    throw new NsguardError('NSG_USAGE', `nsguard explain: ${named} has several ports (${ports}): say which with --port`);
  }
  const port = servicePort(service, asked);
  if (port !== undefined) return port;
  if (service.headless && typeof asked.port === 'number') return { name: undefined, port: asked.port, protocol: asked.protocol, targetPort: asked.port };
  throw new NsguardError('NSG_USAGE', `nsguard explain: ${named} has no ${asked.protocol} port ${asked.port} (its ports: ${ports})`);
}

function describeService(service: Service, address: string | undefined): string {
  return `Service ${service.namespace}/${service.name}${address === undefined ? '' : ` (${address})`}`;
}

/** Where a Service's traffic goes, one line: its selector, or the slices that list its endpoints. */
function describeBackends(service: Service, port: ServicePort | undefined, resolved: ServiceBackends): string {
  const via = service.selector === undefined ? 'the endpoints its EndpointSlices list' : `the running pods labelled ${describeLabels(service.selector)}`;
  const listed = resolved.backends.length === 0 ? 'none' : resolved.backends.map((b) => describeEndpoint(b.endpoint)).join('; ');
  const named = describeService(service, undefined);
  return port === undefined ? `${named} stands for ${via}: ${listed}` : `${named} sends port ${describeServicePort(port)} to target port ${port.targetPort} of ${via}: ${listed}`;
}

interface Side {
  /** The endpoints it stands for, each with the port asked on it when it is TO. */
  readonly ends: readonly { readonly endpoint: Endpoint; readonly query: PortQuery | undefined }[];
  readonly title: string;
  /** The port asked, as this side is addressed (a Service's own port, not its target). */
  readonly port: string;
  readonly lines: readonly string[];
  readonly json: Readonly<Record<string, unknown>> | undefined;
}

/** FROM or TO as the endpoints traffic really leaves or reaches. */
function sideOf(target: Target, asked: AskedPort | undefined, isTo: boolean, ctx: PathContext): Side {
  if (target.kind === 'endpoint') {
    const { endpoint } = target;
    const query = isTo ? endpointQuery(asked, endpoint) : undefined;
    return { ends: [{ endpoint, query }], title: describeEndpoint(endpoint), port: describeQuery(query), lines: [], json: undefined };
  }
  const { service, address } = target;
  if (service.externalName !== undefined) {
    throw new NsguardError('NSG_USAGE', `nsguard explain: ${describeService(service, undefined)} is an alias for ${service.externalName}, outside the cluster: give its address instead`);
  }
  const port = isTo ? servicePortFor(service, asked) : undefined;
  const resolved = serviceBackends(ctx.state, service, port);
  const lines = [`  ${describeBackends(service, port, resolved)}`, ...resolved.unreached.map((u) => `  not reached: ${describeEndpoint(u.endpoint)} (${u.why})`)];
  if (resolved.backends.length === 0) lines.push(`  ${describeService(service, undefined)} has no endpoint to send to: the path goes nowhere`);
  return {
    ends: resolved.backends.map((b) => ({ endpoint: b.endpoint, query: port === undefined || b.port === undefined ? undefined : { protocol: port.protocol, port: b.port } })),
    title: describeService(service, address),
    port: port === undefined ? describeQuery(undefined) : `${port.protocol} ${port.port}`,
    lines,
    json: {
      namespace: service.namespace,
      name: service.name,
      address: address ?? null,
      port: port === undefined ? null : { port: port.port, protocol: port.protocol, name: port.name ?? null, targetPort: port.targetPort },
      selector: service.selector ?? null,
      endpoints: resolved.backends.map((b) => describeEndpoint(b.endpoint)),
      unreached: resolved.unreached.map((u) => ({ endpoint: describeEndpoint(u.endpoint), why: u.why })),
    },
  };
}

/**
 * Between pods and addresses, one path; with a Service on either side, the path to (or from) each of
 * its endpoints, open when every one is (traffic may land on any), closed when it has none.
 */
function explainTargets(from: Target, to: Target, asked: AskedPort | undefined, ctx: PathContext): PathAnswer {
  const source = sideOf(from, asked, false, ctx);
  const destination = sideOf(to, asked, true, ctx);
  const paths = source.ends.flatMap((a) => destination.ends.map((b) => explainPath(a.endpoint, b.endpoint, b.query, ctx)));
  if (source.json === undefined && destination.json === undefined) return paths[0] as PathAnswer;
  const open = paths.length > 0 && paths.every((p) => p.open);
  // One path known closed closes the Service's; else one that could not be judged leaves it unknown.
  const said = open ? 'open' : paths.length === 0 || paths.some((p) => p.known && !p.open) ? 'closed' : 'unknown';
  const head = `${source.title} → ${destination.title} on ${destination.port}: ${said}${paths.length > 1 ? ` (${paths.filter((p) => p.open).length} of ${paths.length} paths open)` : ''}`;
  return {
    open,
    text: [head, ...source.lines, ...destination.lines, ...paths.map((p) => p.text)].join('\n'),
    known: said !== 'unknown',
    json: {
      from: source.title,
      to: destination.title,
      open,
      ...(said === 'unknown' ? { unknown: true } : {}),
      ...(source.json === undefined ? {} : { fromService: source.json }),
      ...(destination.json === undefined ? {} : { toService: destination.json }),
      paths: paths.map((p) => p.json),
    },
  };
}

/** The JSON answer as JSON or YAML. */
function structured(value: unknown, output: 'json' | 'yaml'): string {
  return output === 'json' ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}
