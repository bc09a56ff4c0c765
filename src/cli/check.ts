// `nsguard check --state FILE [--config FILE] [--delete] [--output text|json] FILE...`
// Admits the objects of FILE(s), in order, against the snapshot as the webhook would, applying each
// allowed one so the next is judged against the cluster as `kubectl apply` would leave it.
import { validateRequest } from '../admission/validate.ts';
import type { AdmissionOperation, AdmissionRequest } from '../admission/types.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { RawObject } from '../cluster/state-file.ts';
import { loadState, readObjectsFromFile } from '../cluster/state-file.ts';
import { NsguardError } from '../errors.ts';
import type { Decision, Finding } from '../policy/checks/decision.ts';
import { formatFinding } from '../policy/checks/decision.ts';
import type { Config } from '../policy/objects/model.ts';
import { outputFormat, parseCommandArgs, requireOption } from './args.ts';
import { configFrom, snapshotFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';

const JUDGED: Readonly<Record<string, { group: string; resource: string; namespaced: boolean }>> = {
  'networking.k8s.io/v1/NetworkPolicy': { group: 'networking.k8s.io', resource: 'networkpolicies', namespaced: true },
  'v1/Namespace': { group: '', resource: 'namespaces', namespaced: false },
};

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

export async function check(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', args, {
    state: { type: 'string' },
    config: { type: 'string' },
    delete: { type: 'boolean', default: false },
    output: { type: 'string', short: 'o' },
    namespace: { type: 'string', short: 'n', default: 'default' },
    as: { type: 'string', default: 'nsguard-check' },
    'as-group': { type: 'string', multiple: true, default: [] },
  });
  const output = outputFormat('check', values.output, ['text', 'json']);
  const stateFile = requireOption('check', 'state', values.state);
  if (positionals.length === 0) throw new NsguardError('NSG_USAGE', 'nsguard check: name at least one FILE of objects to check');
  const config = await configFrom(values.config);
  const { state } = await snapshotFrom(stateFile);
  const objects = (await Promise.all(positionals.map(readObjectsFromFile))).flat();

  const results: Result[] = [];
  const skipped: Skipped[] = [];
  objects.forEach((raw, index) => {
    const request = admissionRequest(raw, index, state, { delete: values.delete, namespace: values.namespace, user: values.as, groups: values['as-group'] });
    if (request === undefined) {
      skipped.push({ kind: String(raw.object['kind']), name: objectName(raw), where: raw.where });
      return;
    }
    const { decision } = validateRequest(request, state, config);
    results.push({ kind: request.kind.kind, namespace: request.namespace, name: request.name, operation: request.operation, decision });
    if (decision.allowed) apply(request, raw, state);
  });

  const denied = results.some((r) => !r.decision.allowed);
  io.out(output === 'json' ? JSON.stringify(jsonReport(results, skipped, config), null, 2) : textReport(results, skipped));
  return denied ? 1 : 0;
}

function admissionRequest(
  raw: RawObject,
  index: number,
  state: ClusterState,
  options: { delete: boolean; namespace: string; user: string; groups: readonly string[] },
): AdmissionRequest | undefined {
  const apiVersion = String(raw.object['apiVersion']);
  const kind = String(raw.object['kind']);
  const judged = JUDGED[`${apiVersion}/${kind}`];
  if (judged === undefined) return undefined;
  const metadata = (raw.object['metadata'] ?? {}) as Record<string, unknown>;
  const namespace = judged.namespaced ? (typeof metadata['namespace'] === 'string' ? metadata['namespace'] : options.namespace) : undefined;
  const object = judged.namespaced ? { ...raw.object, metadata: { ...metadata, namespace } } : raw.object;
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const exists = judged.namespaced ? state.policies(namespace as string).some((p) => p.name === name) : state.namespace(name) !== undefined;
  const operation: AdmissionOperation = options.delete ? 'DELETE' : exists ? 'UPDATE' : 'CREATE';
  return {
    uid: `nsguard-check-${index + 1}`,
    kind: { group: judged.group, version: 'v1', kind },
    resource: { group: judged.group, version: 'v1', resource: judged.resource },
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

/** What the apiserver would store once the request is admitted. */
function apply(request: AdmissionRequest, raw: RawObject, state: ClusterState): void {
  if (request.operation !== 'DELETE') {
    loadState([{ object: request.object as Record<string, unknown>, where: raw.where }], state);
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
  for (const s of skipped) lines.push(`${s.kind} ${s.name}: skipped (${s.where}; nsguard judges Namespace and NetworkPolicy objects)`);
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
