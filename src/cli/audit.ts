// `nsguard audit [--state FILE] [--config FILE] [-o|--output text|json|yaml|html|policyreport|openreports]
//                [--out FILE] [--flows FILE [--with FILE]] [--apply]`
// The whole cluster at a glance: a state file, or the live cluster (one list of each kind). Exit 0 clean,
// 1 findings, 2 bad input. docs/audit.md describes the report.
import { open, readFile } from 'node:fs/promises';
import type { AuditInput } from '../audit/audit.ts';
import { audit as runAudit } from '../audit/audit.ts';
import type { CalicoObjects } from '../policy/objects/cluster-view.ts';
import type { FlowChange, FlowInput } from '../audit/flows/flow-audit.ts';
import { parseFlows } from '../audit/flows/parse-flows.ts';
import { renderHtml } from '../audit/render/html.ts';
import { jsonChunks } from '../audit/render/json-chunks.ts';
import type { ReportFormat } from '../audit/render/report-objects.ts';
import { renderReportObjects } from '../audit/render/report-objects.ts';
import { renderText } from '../audit/render/text.ts';
import type { AuditReport } from '../audit/report.ts';
import { AuditObjects } from '../cluster/audit-objects.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import { AUDIT_COLLECTIONS } from '../cluster/collections.ts';
import { readObjectsFromFile } from '../cluster/state-file.ts';
import { NsguardError } from '../errors.ts';
import { namespaceNamed } from '../policy/netpol/endpoint.ts';
import type { Config, Namespace, Policy } from '../policy/objects/model.ts';
import { parseNamespace } from '../policy/objects/parse-namespace.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';
import { stringify } from 'yaml';
import { liveSource, NSGUARD, type Host } from './cluster-source.ts';
import { parseCommand, printHelp, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { configFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';
import { byName } from '../policy/objects/by-name.ts';

export const AUDIT_FORMATS = ['text', 'json', 'yaml', 'html', 'policyreport', 'openreports'] as const;
type Format = (typeof AUDIT_FORMATS)[number];

/** From this size on, each stage is announced on stderr: a large audit takes seconds. */
const LARGE_CLUSTER_PODS = 20_000;

export const AUDIT = {
  name: 'audit',
  operands: '',
  summary:
    'The whole cluster at a glance: unprotected workloads, pods without DNS, the environment reachability matrix, generated policies, whether the apiserver reaches the webhook, and observed flows.',
  exits: '0 clean, 1 findings, 2 bad input',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'audit this snapshot instead of the live cluster' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: AUDIT_FORMATS, help: 'the report format' },
    out: { type: 'string', value: 'FILE', help: 'write the report to FILE instead of standard output' },
    flows: { type: 'string', value: 'FILE', help: 'observed flows to judge: Calico flow logs, Hubble JSON or the documented CSV' },
    with: { type: 'string', value: 'FILE', help: 'a proposed change (NetworkPolicies, Namespaces): which observed flows it would deny' },
    apply: { type: 'boolean', help: 'write the reports (-o policyreport or openreports) to the live cluster, removing its own stale ones' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function audit(args: readonly string[], io: CommandIo, host: Host = NSGUARD): Promise<number> {
  const spec = host.spec(AUDIT);
  const parsed = parseCommand(spec, args);
  if (parsed.help) return printHelp(spec, io);
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new NsguardError('NSG_USAGE', `nsguard audit: unexpected argument ${JSON.stringify(positionals[0])} (the cluster comes from --state FILE or the live cluster)`);
  if (values.with !== undefined && values.flows === undefined) throw new NsguardError('NSG_USAGE', 'nsguard audit: --with FILE judges the flows of --flows FILE: give both');
  const output = values.output ?? 'text';
  if (values.apply && output !== 'policyreport' && output !== 'openreports') throw new NsguardError('NSG_USAGE', 'nsguard audit: --apply writes reports to the cluster: use it with -o policyreport or -o openreports');
  if (values.apply && values.state !== undefined) throw new NsguardError('NSG_USAGE', 'nsguard audit: --apply writes to the live cluster, so it audits the live cluster: drop --state');
  const config = await configFrom(values.config);
  const started = performance.now();
  const objects = new AuditObjects(config.audit.sensitive);
  const source = (await host.source('audit', values)) ?? (await liveSource('audit', { kubeconfig: undefined, context: undefined, namespace: undefined, partial: false }));
  // Flow records name pods: every name is kept so each finds its group.
  const snapshot = await source.read({ collections: AUDIT_COLLECTIONS, keepPodNames: values.flows !== undefined, observe: objects.observe, namespaces: [], narrow: false });
  const notes = snapshot.visibility.notes();
  for (const note of notes) io.err(`${host.program} audit: ${note}`);
  // Reports of a partial read would overwrite complete ones, and "stale" reports of the namespaces it
  // could not read would be deleted.
  if (values.apply && notes.length > 0) {
    throw new NsguardError('NSG_USAGE', `${host.program} audit: --apply needs the whole cluster read, and this read missed some of it (said above): nothing was applied`);
  }
  const { state } = snapshot;
  const stats = state.stats();
  const large = stats.pods >= LARGE_CLUSTER_PODS;
  const progress = (stage: string): void => {
    if (large) io.err(`nsguard audit: ${stage} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };
  progress(`read ${stats.pods} pods in ${stats.namespaces} namespaces, ${stats.policies} NetworkPolicies`);
  const report = auditState(state, objects, config, snapshot.source, {
    ...(values.flows !== undefined && { flows: await flowInput(values.flows, values.with, state) }),
    onProgress: (stage) => progress(`judging ${stage}`),
  });
  progress('writing the report');
  // Colour is for the terminal that shows stdout, never for a file.
  const chunks = render(report, output, values.out === undefined && io.colour);
  if (values.out !== undefined) await writeChunks(values.out, chunks);
  else for (const chunk of chunks) io.out(chunk);
  if (values.apply) {
    const format = output as ReportFormat;
    if (source.kubeConfig === undefined) throw new Error('--apply came with a state file after all');
    await (await import('./audit-live.ts')).applyReports(source.kubeConfig, renderReportObjects(report, format, new Date()), format, io);
  }
  progress('done');
  return report.summary.clean ? 0 : 1;
}

/** Writes the pieces to `file` as they come, in writes of about 1 MiB. */
async function writeChunks(file: string, chunks: Iterable<string>): Promise<void> {
  const fail = (cause: unknown): NsguardError => new NsguardError('NSG_USAGE', `nsguard audit: cannot write --out ${file}: ${(cause as Error).message}`, { cause });
  const handle = await open(file, 'w').catch((cause: unknown) => Promise.reject(fail(cause)));
  try {
    let pending: string[] = [];
    let size = 0;
    for (const chunk of chunks) {
      pending.push(chunk, '\n');
      size += chunk.length + 1;
      if (size < WRITE_SIZE) continue;
      await handle.write(pending.join('')).catch((cause: unknown) => Promise.reject(fail(cause)));
      pending = [];
      size = 0;
    }
    await handle.write(pending.join('')).catch((cause: unknown) => Promise.reject(fail(cause)));
  } finally {
    await handle.close();
  }
}

const WRITE_SIZE = 1 << 20;

/** The audit of a loaded cluster and what was read beside it: the one way from a snapshot to a report. */
export function auditState(state: ClusterState, objects: AuditObjects, config: Config, source: string, options: Pick<AuditInput, 'flows' | 'onProgress'> = {}): AuditReport {
  const stats = state.stats();
  const calico = state.calico();
  const namespaces = allNamespaces(state);
  return runAudit({
    view: state,
    config,
    namespaces,
    counts: { namespaces: stats.namespaces, pods: stats.pods, podGroups: stats.podGroups, policies: stats.policies, calicoPolicies: calico === undefined ? 0 : countCalico(calico, namespaces) },
    source,
    sensitiveImages: objects.sensitiveImages((ns, name) => state.findPod(ns, name)),
    apiserverAddresses: objects.apiserverAddresses(),
    ...options,
  });
}

/** The report as pieces of text, each written followed by a newline. */
function render(report: AuditReport, output: Format, colour: boolean): Iterable<string> {
  switch (output) {
    case 'text':
      return [renderText(report, { colour })];
    case 'json':
      return jsonChunks(report);
    case 'yaml':
      return [stringify(report, { lineWidth: 0 }).trimEnd()];
    case 'html':
      return renderHtml(report);
    case 'policyreport':
    case 'openreports':
      return [
        renderReportObjects(report, output, new Date())
          .map((object) => stringify(object, { lineWidth: 0 }))
          .join('---\n')
          .trimEnd(),
      ];
    default: {
      const never: never = output;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

/** Namespaces of the view, and those known only by their pods or policies (a dump may leave them out). */
function allNamespaces(state: ClusterState): Namespace[] {
  const known = new Map(state.namespaces().map((ns) => [ns.name, ns]));
  for (const [namespace] of state.policyNames()) if (!known.has(namespace)) known.set(namespace, namespaceNamed(namespace));
  for (const [namespace] of state.podNames()) if (!known.has(namespace)) known.set(namespace, namespaceNamed(namespace));
  return [...known.values()].sort(byName);
}

function countCalico(calico: CalicoObjects, namespaces: readonly Namespace[]): number {
  return calico.global.length + calico.staged(undefined).length + namespaces.reduce((n, ns) => n + calico.namespaced(ns.name).length + calico.staged(ns.name).length, 0);
}

/** The flow file, and the change of `--with`, for an audit of `state`. */
export async function flowInput(file: string, withFile: string | undefined, state: ClusterState): Promise<FlowInput> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new NsguardError('NSG_FLOWS_READ', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  return { file, parsed: parseFlows(text, file), findPod: (ns, name) => state.findPod(ns, name), change: withFile === undefined ? undefined : await changeFrom(withFile) };
}

/** The NetworkPolicies and Namespaces of the change file, as `kubectl apply` would write them. */
async function changeFrom(file: string): Promise<FlowChange> {
  const policies: Policy[] = [];
  const namespaces: Namespace[] = [];
  for (const { object, where } of await readObjectsFromFile(file)) {
    if (object['apiVersion'] === 'networking.k8s.io/v1' && object['kind'] === 'NetworkPolicy') policies.push(parseNetworkPolicy(object, where));
    else if (object['apiVersion'] === 'v1' && object['kind'] === 'Namespace') namespaces.push(parseNamespace(object, where));
    else throw new NsguardError('NSG_USAGE', `nsguard audit: ${where}: --with takes NetworkPolicies and Namespaces, not ${String(object['apiVersion'])} ${String(object['kind'])}`);
  }
  return { policies, namespaces };
}
