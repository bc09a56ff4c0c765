// `nsguard check --state FILE [--config FILE] [--delete] [--fail-on-skipped] [--output text|json] FILE...`
// Admits the objects of FILE(s), in order, against the snapshot as the webhook would, applying each
// allowed one so the next is judged against the cluster as `kubectl apply` would leave it. An object of
// a kind nsguard does not judge is never a silent pass: it is named on stderr, and --fail-on-skipped
// makes it fail the run.
import type { KindHandler } from '../admission/kind-handler.ts';
import { HANDLERS, kindName } from '../admission/registry.ts';
import { validateRequest } from '../admission/validate.ts';
import type { AdmissionOperation, AdmissionRequest } from '../admission/types.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { RawObject } from '../cluster/state-file.ts';
import { loadState } from '../cluster/state-file.ts';
import { NsguardError } from '../errors.ts';
import { calicoKind, enforcedKind, isStagedKind } from '../policy/calico/calico-kinds.ts';
import { backendPolicyName } from '../policy/calico/policy-names.ts';
import type { Decision, Finding } from '../policy/checks/decision.ts';
import { formatFinding } from '../policy/checks/decision.ts';
import type { Config } from '../policy/objects/model.ts';
import { stringify } from 'yaml';
import { parseCommand, printHelp, required, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { configFrom, objectsFrom, snapshotFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';

/** The kinds the webhook judges, by `apiVersion/kind` as a file spells them. */
const JUDGED: ReadonlyMap<string, KindHandler> = new Map(
  HANDLERS.filter((h) => h.paths.includes('validate')).map((h) => [`${h.kind.group === '' ? '' : `${h.kind.group}/`}${h.kind.version}/${h.kind.kind}`, h]),
);

interface Result {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly operation: AdmissionOperation;
  readonly decision: Decision;
}

interface Skipped {
  readonly kind: string;
  readonly name: string;
  readonly where: string;
}

export const CHECK = {
  name: 'check',
  operands: '[FILE...]',
  summary: 'Admit the objects of FILE(s), in order, against a cluster snapshot as the webhook would; each allowed one is applied before the next is judged.',
  exits: '0 all allowed, 1 something denied (or not judged, with --fail-on-skipped), 2 bad input',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'the cluster snapshot: kubectl get namespaces,networkpolicies,pods -A -o yaml (required)' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    filename: { type: 'string', short: 'f', multiple: true, value: 'FILE', help: 'objects to check, as kubectl -f takes them; - is standard input' },
    delete: { type: 'boolean', help: 'judge the deletion of the objects instead' },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: ['text', 'json', 'yaml'], help: 'how to print the results' },
    namespace: { type: 'string', short: 'n', value: 'NS', default: 'default', help: 'the namespace of objects that name none' },
    as: { type: 'string', value: 'USER', default: 'nsguard-check', help: 'the user the changes are judged as' },
    'as-group': { type: 'string', multiple: true, value: 'GROUP', help: 'a group of that user' },
    'fail-on-skipped': { type: 'boolean', help: 'exit 1 when an object is of a kind nsguard does not judge' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function check(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(CHECK, args);
  if (parsed.help) return printHelp(CHECK, io);
  const { values, positionals } = parsed;
  const stateFile = required('check', 'state', values.state);
  const files = [...positionals, ...values.filename];
  if (files.length === 0) throw new NsguardError('NSG_USAGE', 'nsguard check: name at least one FILE of objects to check (or -f FILE, - for standard input)');
  const config = await configFrom(values.config);
  const { state } = await snapshotFrom(stateFile);
  const objects = await objectsFrom('check', files, io);
  const output = values.output ?? 'text';

  const results: Result[] = [];
  const skipped: Skipped[] = [];
  objects.forEach((raw, index) => {
    const request = admissionRequest(raw, index, state, { delete: values.delete, namespace: values.namespace, user: values.as, groups: values['as-group'] });
    if (request === undefined) {
      skipped.push({ kind: String(raw.object['kind']), name: objectName(raw), where: raw.where });
      return;
    }
    const { decision } = validateRequest(request, state, config);
    results.push({ kind: request.kind.group.includes('projectcalico.org') ? kindName(request.kind) : request.kind.kind, namespace: request.namespace, name: request.name, operation: request.operation, decision });
    if (decision.allowed) apply(request, raw, state);
  });

  const denied = results.some((r) => !r.decision.allowed);
  const report = (): ReturnType<typeof jsonReport> => jsonReport(results, skipped, config);
  io.out(output === 'json' ? JSON.stringify(report(), null, 2) : output === 'yaml' ? stringify(report()).trimEnd() : textReport(results, skipped));
  for (const s of skipped) io.err(`nsguard check: ${s.kind} ${s.name} (${s.where}) was not judged: ${NOT_JUDGED}`);
  return denied || (values['fail-on-skipped'] && skipped.length > 0) ? 1 : 0;
}

/** What the skipped lines say: which kinds are judged, and why a Tier is not. */
const NOT_JUDGED =
  'nsguard judges Namespace, NetworkPolicy and Calico NetworkPolicy, GlobalNetworkPolicy and their staged forms; a Calico Tier reorders every policy of the cluster and is reviewed by an admin, not judged (docs/install.md)';

function admissionRequest(
  raw: RawObject,
  index: number,
  state: ClusterState,
  options: { delete: boolean; namespace: string; user: string; groups: readonly string[] },
): AdmissionRequest | undefined {
  const apiVersion = String(raw.object['apiVersion']);
  const kind = String(raw.object['kind']);
  const judged = JUDGED.get(`${apiVersion}/${kind}`);
  if (judged === undefined) return undefined;
  const metadata = (raw.object['metadata'] ?? {}) as Record<string, unknown>;
  const namespace = judged.namespaced ? (typeof metadata['namespace'] === 'string' ? metadata['namespace'] : options.namespace) : undefined;
  const object = judged.namespaced ? { ...raw.object, metadata: { ...metadata, namespace } } : raw.object;
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const exists = stored(state, apiVersion, kind, namespace, name);
  const operation: AdmissionOperation = options.delete ? 'DELETE' : exists ? 'UPDATE' : 'CREATE';
  return {
    uid: `nsguard-check-${index + 1}`,
    kind: judged.kind,
    resource: { group: judged.kind.group, version: judged.kind.version, resource: judged.resource },
    name,
    ...(namespace === undefined ? {} : { namespace }),
    operation,
    userInfo: { username: options.user, groups: [...options.groups] },
    // The snapshot's copy is what the apiserver would send as oldObject; a file stands in for a deletion
    // of something the snapshot lacks.
    object: operation === 'DELETE' ? null : object,
    oldObject: operation === 'DELETE' && !exists ? object : null,
    dryRun: true,
  };
}

/** Whether the snapshot holds the object (the write is then an UPDATE). */
function stored(state: ClusterState, apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
  const calico = calicoKind(apiVersion, kind);
  if (calico === undefined) return namespace === undefined ? state.namespace(name) !== undefined : state.policies(namespace).some((p) => p.name === name);
  if (calico === 'Tier') return false;
  const objects = state.calico();
  const list = isStagedKind(calico) ? objects?.staged(namespace) : namespace === undefined ? objects?.global : objects?.namespaced(namespace);
  return list?.some((p) => p.backendName === backendPolicyName(name) && p.kind === enforcedKind(calico)) ?? false;
}

/** What the apiserver would store once the request is admitted. */
function apply(request: AdmissionRequest, raw: RawObject, state: ClusterState): void {
  const calico = calicoKind(raw.object['apiVersion'], request.kind.kind);
  if (request.operation !== 'DELETE') {
    loadState([{ object: request.object as Record<string, unknown>, where: raw.where }], state);
  } else if (calico !== undefined && calico !== 'Tier') {
    state.deleteCalicoPolicy({ kind: enforcedKind(calico), staged: isStagedKind(calico) }, request.namespace, request.name);
  } else if (request.kind.kind === 'NetworkPolicy') {
    state.deletePolicy(request.namespace as string, request.name);
  } else {
    state.deleteNamespace(request.name);
  }
}

function objectName(raw: RawObject): string {
  const metadata = (raw.object['metadata'] ?? {}) as Record<string, unknown>;
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '(unnamed)';
  return typeof metadata['namespace'] === 'string' ? `${metadata['namespace']}/${name}` : name;
}

function describeResult(r: Result): string {
  return `${r.kind} ${r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`} (${r.operation})`;
}

function textReport(results: readonly Result[], skipped: readonly Skipped[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${describeResult(r)}: ${r.decision.verdict}`);
    for (const v of r.decision.violations) lines.push(`  ${formatFinding(v)}`);
    for (const w of r.decision.warnings) lines.push(`  warning: ${formatFinding(w)}`);
  }
  for (const s of skipped) lines.push(`${s.kind} ${s.name}: skipped (${s.where}; not judged, see stderr)`);
  const denied = results.filter((r) => !r.decision.allowed).length;
  lines.push(`${results.length - denied} allowed, ${denied} denied, ${skipped.length} skipped`);
  return lines.join('\n');
}

function jsonReport(results: readonly Result[], skipped: readonly Skipped[], config: Config) {
  const finding = (f: Finding) => ({ rule: f.rule, message: f.message });
  return {
    allowed: results.every((r) => r.decision.allowed),
    mode: config.mode,
    results: results.map((r) => ({
      kind: r.kind,
      namespace: r.namespace ?? null,
      name: r.name,
      operation: r.operation,
      verdict: r.decision.verdict,
      allowed: r.decision.allowed,
      mode: r.decision.mode,
      violations: r.decision.violations.map(finding),
      warnings: r.decision.warnings.map(finding),
    })),
    skipped,
  };
}
