// `nsguard generate [--config FILE] [--state FILE] [-o yaml|json] [-f FILE] FILE...`
// Prints the NetworkPolicies nsguard would generate in each Namespace of FILE(s), as the controller
// would create them, so `nsguard generate ns.yaml | kubectl apply -f -` sets a namespace up by hand;
// with `flavour: calico`, the Calico Tier and GlobalNetworkPolicy that allow DNS cluster-wide first.
import { stringify } from 'yaml';
import { withNamespaceDefaults } from '../policy/generate/namespace-defaults.ts';
import { ClusterState } from '../cluster/cluster-state.ts';
import type { RawObject } from '../cluster/state-file.ts';
import { loadState } from '../cluster/state-file.ts';
import { NsguardError } from '../errors.ts';
import type { Generation } from '../policy/generate/generation.ts';
import { generationFor } from '../policy/generate/generation.ts';
import { calicoSystemManifests } from '../policy/generate/calico-system.ts';
import type { Config, Namespace, PolicyManifest } from '../policy/objects/model.ts';
import { ISOLATION_ANNOTATION, PARENT_ANNOTATION } from '../policy/objects/nsguard-metadata.ts';
import { parseNamespace } from '../policy/objects/parse-namespace.ts';
import { GENERATE_COLLECTIONS } from '../cluster/collections.ts';
import { NSGUARD, type Host } from './cluster-source.ts';
import { parseCommand, printHelp, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { configFrom, objectsFrom } from './inputs.ts';
import type { CommandIo } from './io.ts';

export const GENERATE = {
  name: 'generate',
  operands: '[FILE...]',
  summary: 'Print the policies nsguard would generate in each Namespace of FILE(s), as the controller creates them, ready for kubectl apply -f -.',
  exits: '0 printed (problems on stderr), 2 bad input',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'a cluster snapshot, for parents and templates already in the cluster' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    filename: { type: 'string', short: 'f', multiple: true, value: 'FILE', help: 'Namespace objects, as kubectl -f takes them; - is standard input' },
    output: { type: 'string', short: 'o', value: 'FORMAT', choices: ['yaml', 'json', 'name'], help: 'how to print the policies; name prints kind.group/name a line, as kubectl -o name does' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function generate(args: readonly string[], io: CommandIo, host: Host = NSGUARD): Promise<number> {
  const spec = host.spec(GENERATE);
  const parsed = parseCommand(spec, args);
  if (parsed.help) return printHelp(spec, io);
  const { values, positionals } = parsed;
  const files = [...positionals, ...values.filename];
  if (files.length === 0) throw new NsguardError('NSG_USAGE', 'nsguard generate: name at least one FILE of Namespace objects (or -f FILE, - for standard input)');
  const config = await configFrom(values.config);
  const source = await host.source('generate', values);
  const given = namespacesOf(await objectsFrom('generate', files, io), files);
  // The parents the namespaces name are what a tenant's read must see.
  const parents = given.flatMap((ns) => ns.annotations[PARENT_ANNOTATION] ?? []);
  const snapshot = source === undefined ? undefined : await source.read({ collections: GENERATE_COLLECTIONS, keepPodNames: false, namespaces: parents, narrow: false });
  for (const note of snapshot?.visibility.notes() ?? []) io.err(`${host.program} generate: ${note}`);
  const state = snapshot?.state ?? new ClusterState();
  const output = values.output ?? 'yaml';

  const { inFileOrder, parentsFirst } = admitAll(given, state, config);
  // Parents first, each one's policies placed in the state as the controller would have written them:
  // a child copies its parent's own and inherited policies, so a grandchild in the same file gets the
  // transitive copies it will get in the cluster.
  const generated = new Map<string, readonly PolicyManifest[]>();
  for (const namespace of parentsFirst) {
    const generation = generationFor(namespace, state, config);
    for (const line of notes(generation, config)) io.err(`nsguard generate: namespace ${namespace.name}: ${line}`);
    const own = generation.policies.map((p) => p.manifest);
    loadState(own.map((object, i) => ({ object, where: `the policies generated for ${namespace.name} (${i + 1})` })), state);
    generated.set(namespace.name, own);
  }
  // The Calico flavour's tier and DNS policy come first: the namespaces' default deny relies on them.
  const manifests: PolicyManifest[] = config.flavour === 'calico' ? [...calicoSystemManifests(config)] : [];
  for (const namespace of inFileOrder) manifests.push(...(generated.get(namespace.name) ?? []));
  if (output === 'json') io.out(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2));
  else if (output === 'name') for (const m of manifests) io.out(kubectlName(m));
  else if (manifests.length > 0) io.out(manifests.map((m) => stringify(m).trimEnd()).join('\n---\n'));
  return 0;
}

/** What `kubectl ... -o name` prints for the object: `networkpolicy.networking.k8s.io/default-deny`. */
function kubectlName(manifest: PolicyManifest): string {
  const apiVersion = String(manifest['apiVersion']);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const name = String((manifest['metadata'] as { name?: unknown } | undefined)?.name);
  return `${String(manifest['kind']).toLowerCase()}${group === '' ? '' : `.${group}`}/${name}`;
}

/** Every object must be a Namespace: anything else means the wrong file was given. Repeats: the last wins. */
function namespacesOf(objects: readonly RawObject[], files: readonly string[]): Namespace[] {
  const byName = new Map<string, Namespace>();
  for (const { object, where } of objects) {
    const apiVersion = String(object['apiVersion']);
    const kind = String(object['kind']);
    if (apiVersion !== 'v1' || kind !== 'Namespace') {
      throw new NsguardError('NSG_USAGE', `nsguard generate: ${where} is a ${kind} (${apiVersion}); generate reads only Namespace (v1) objects`);
    }
    const namespace = parseNamespace(object, where);
    byName.set(namespace.name, namespace);
  }
  if (byName.size === 0) throw new NsguardError('NSG_USAGE', `nsguard generate: no Namespace objects in ${files.join(', ')}`);
  return [...byName.values()];
}

/**
 * FILE's namespaces as the mutating webhook leaves them, placed in `state` (over the snapshot's
 * versions). A parent in FILE is admitted before its children whatever the file order, since a child
 * takes its template and environment from the parent as stored.
 */
function admitAll(given: readonly Namespace[], state: ClusterState, config: Config): { inFileOrder: Namespace[]; parentsFirst: Namespace[] } {
  for (const namespace of given) state.upsertNamespace(namespace);
  const pending = new Map(given.map((ns) => [ns.name, ns]));
  const admitted = new Map<string, Namespace>();
  const parentsFirst: Namespace[] = [];
  const admit = (namespace: Namespace): Namespace => {
    const done = admitted.get(namespace.name);
    if (done !== undefined) return done;
    pending.delete(namespace.name);
    // A parent still pending is admitted first; one already in progress means a cycle, left to generationFor.
    const parent = pending.get(namespace.annotations[PARENT_ANNOTATION] ?? '');
    if (parent !== undefined) admit(parent);
    const result = withNamespaceDefaults(namespace, config, state);
    state.upsertNamespace(result);
    admitted.set(namespace.name, result);
    parentsFirst.push(result);
    return result;
  };
  const inFileOrder = given.map(admit);
  return { inFileOrder, parentsFirst };
}

/** Why a namespace gets less than its annotations ask, one line each, for stderr. */
function notes(generation: Generation, config: Config): string[] {
  const lines = generation.problems.map((p) => `${p.reason}: ${p.message}`);
  if (generation.exempt) {
    const why = config.exemptNamespaces.includes(generation.namespace) ? 'listed in exemptNamespaces' : 'its labels match exemptNamespaceSelector';
    lines.push(`exempt (${why}): nothing is generated`);
  }
  else if (generation.isolation === 'none') lines.push(`${ISOLATION_ANNOTATION}=none: nothing is generated`);
  return lines;
}
