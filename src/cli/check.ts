// `nsguard check --state FILE [--config FILE] [--delete] [--fail-on-skipped] [-o text|json|yaml|sarif|junit] FILE...`
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
import { stringify } from 'yaml';
import type { CheckedObject, CheckRun, SkippedObject } from './check-report.ts';
import { jsonReport, NOT_JUDGED, textReport } from './check-report.ts';
import { junitReport } from './check-junit.ts';
import { withOrderNote } from './check-order.ts';
import { sarifReport } from './check-sarif.ts';
import { CHECK_COLLECTIONS } from '../cluster/collections.ts';
import { NSGUARD, requireSource, type Host } from './cluster-source.ts';
import { parseCommand, printHelp, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { configFrom, objectsFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';

/** The kinds the webhook judges, by `apiVersion/kind` as a file spells them. */
const JUDGED: ReadonlyMap<string, KindHandler> = new Map(
  HANDLERS.filter((h) => h.paths.includes('validate')).map((h) => [`${h.kind.group === '' ? '' : `${h.kind.group}/`}${h.kind.version}/${h.kind.kind}`, h]),
);

export const CHECK = {
  name: 'check',
  operands: '[FILE...]',
  summary: 'Admit the objects of FILE(s), in order, against the cluster as the webhook would; each allowed one is applied before the next is judged.',
  exits: '0 all allowed, 1 something denied (or not judged, with --fail-on-skipped), 2 bad input',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'the cluster snapshot: kubectl get namespaces,networkpolicies,pods -A -o yaml (required)' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    filename: { type: 'string', short: 'f', multiple: true, value: 'FILE', help: 'objects to check, as kubectl -f takes them; - is standard input' },
    delete: { type: 'boolean', help: 'judge the deletion of the objects instead' },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: ['text', 'json', 'yaml', 'sarif', 'junit'], help: 'how to print the results; json and yaml follow schemas/check-report.schema.json' },
    namespace: { type: 'string', short: 'n', value: 'NS', default: 'default', help: 'the namespace of objects that name none' },
    as: { type: 'string', value: 'USER', default: 'nsguard-check', help: 'the user the changes are judged as' },
    'as-group': { type: 'string', multiple: true, value: 'GROUP', help: 'a group of that user' },
    'fail-on-skipped': { type: 'boolean', help: 'exit 1 when an object is of a kind nsguard does not judge' },
    'docs-url': { type: 'string', value: 'URL', help: "where nsguard's docs/ is published, for the rules' help links in -o sarif" },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function check(args: readonly string[], io: CommandIo, host: Host = NSGUARD): Promise<number> {
  const spec = host.spec(CHECK);
  const parsed = parseCommand(spec, args);
  if (parsed.help) return printHelp(spec, io);
  const { values, positionals } = parsed;
  const source = requireSource('check', await host.source('check', values));
  const files = [...positionals, ...values.filename];
  if (files.length === 0) throw new NsguardError('NSG_USAGE', 'nsguard check: name at least one FILE of objects to check (or -f FILE, - for standard input)');
  const docsUrl = docsBase(values['docs-url']);
  const config = await configFrom(values.config);
  const objects = await objectsFrom('check', files, io);
  // A pipeline whose generator failed hands over nothing: that must not pass as "all allowed".
  if (objects.length === 0) throw new NsguardError('NSG_USAGE', `nsguard check: no objects in ${files.join(', ')}: nothing to judge`);
  const { state, visibility } = await source.read({ collections: CHECK_COLLECTIONS, keepPodNames: true, namespaces: namespacesOf(objects, source.namespace), narrow: false });
  for (const note of visibility.notes()) io.err(`${host.program} check: ${note}`);
  const output = values.output ?? 'text';

  const results: CheckedObject[] = [];
  const skipped: SkippedObject[] = [];
  objects.forEach((raw, index) => {
    const request = admissionRequest(raw, index, state, { delete: values.delete, namespace: source.namespace, user: values.as, groups: values['as-group'] });
    if (request === undefined) {
      skipped.push({ kind: String(raw.object['kind']), name: objectName(raw), where: raw.where, source: raw.source });
      return;
    }
    const judged = validateRequest(request, state, config).decision;
    const decision = withOrderNote(request, judged, { objects, after: index, defaultNamespace: source.namespace }, state, config);
    const kind = request.kind.group.includes('projectcalico.org') ? kindName(request.kind) : request.kind.kind;
    results.push({ kind, namespace: request.namespace, name: request.name, operation: request.operation, decision, source: raw.source });
    if (decision.allowed) apply(request, raw, state);
  });

  const run: CheckRun = { mode: config.mode, results, skipped };
  const failOnSkipped = values['fail-on-skipped'];
  io.out(render(run, output, { failOnSkipped, docsUrl }));
  for (const s of skipped) io.err(`nsguard check: ${s.kind} ${s.name} (${s.where}) was not judged: ${NOT_JUDGED}`);
  const denied = results.some((r) => !r.decision.allowed);
  return denied || (failOnSkipped && skipped.length > 0) ? 1 : 0;
}

function render(run: CheckRun, output: (typeof CHECK.flags.output.choices)[number], options: { failOnSkipped: boolean; docsUrl: string | undefined }): string {
  switch (output) {
    case 'text':
      return textReport(run);
    case 'json':
      return JSON.stringify(jsonReport(run), null, 2);
    case 'yaml':
      return stringify(jsonReport(run)).trimEnd();
    case 'sarif':
      return JSON.stringify(sarifReport(run, { docsUrl: options.docsUrl, cwd: process.cwd(), failOnSkipped: options.failOnSkipped }), null, 2);
    case 'junit':
      return junitReport(run, options.failOnSkipped);
    default: {
      const never: never = output;
      throw new Error(`unknown output ${String(never)}`);
    }
  }
}

/** --docs-url as a base that `checks.md#rule` resolves against: absolute http(s), ending in `/`. */
function docsBase(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new NsguardError('NSG_USAGE', `nsguard check: --docs-url must be an absolute http(s) URL, not ${JSON.stringify(value)}`);
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** The namespaces the objects are in (or, naming none, are put in), or are: those a tenant's read must see. */
function namespacesOf(objects: readonly RawObject[], namespace: string): string[] {
  return [
    ...new Set(
      objects.map(({ object }) => {
        const metadata = object['metadata'];
        const own = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)[object['kind'] === 'Namespace' ? 'name' : 'namespace'] : undefined;
        return typeof own === 'string' && own !== '' ? own : namespace;
      }),
    ),
  ];
}

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
