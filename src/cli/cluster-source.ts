// Where a command's cluster comes from: a state file (`--state FILE`), or the live cluster through a
// kubeconfig (`nsguard audit` without --state, and every `kubectl nsguard` command). The live side is
// loaded only when used: client-node costs tens of MiB that a state-file run does not need.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { Collection } from '../cluster/collections.ts';
import type { ObjectObserver } from '../cluster/load-state-file.ts';
import { loadStateFile } from '../cluster/load-state-file.ts';
import { Visibility } from '../cluster/visibility.ts';
import { NsguardError } from '../errors.ts';
import type { CommandSpec, FlagSpec, FlagSpecs } from './command-spec.ts';

export interface Snapshot {
  readonly state: ClusterState;
  /** `state file x.yaml`, `cluster https://...`: where it came from, for reports. */
  readonly source: string;
  readonly visibility: Visibility;
}

export interface ReadRequest {
  /** What a live read lists; a state file holds what it holds. */
  readonly collections: readonly Collection[];
  readonly keepPodNames: boolean;
  readonly observe?: ObjectObserver;
  /** The namespaces the command is about: a tenant's read lists these where it may not list across namespaces. */
  readonly namespaces: readonly string[];
  /** Only those namespaces matter (explain between named pods): a live read lists nothing else. */
  readonly narrow: boolean;
}

export interface ClusterSource {
  /** The namespace of names and objects given without one: -n, else the kubeconfig context's, else `default`. */
  readonly namespace: string;
  read(request: ReadRequest): Promise<Snapshot>;
  /** The live cluster's, for commands that also write to it (`audit --apply`). */
  readonly kubeConfig?: KubeConfig;
}

/** Where the `kubectl nsguard` flags point; `partial`: a refusal is noted, not fatal (a tenant's credentials). */
export interface KubeTarget {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly namespace: string | undefined;
  readonly partial: boolean;
}

function stateFileSource(file: string, namespace: string | undefined): ClusterSource {
  return {
    namespace: namespace ?? 'default',
    read: async ({ keepPodNames, observe }) => ({
      state: (await loadStateFile(file, { keepPodNames, ...(observe !== undefined && { observe }) })).state,
      source: `state file ${file}`,
      visibility: new Visibility(),
    }),
  };
}

export async function liveSource(command: string, target: KubeTarget): Promise<ClusterSource> {
  return (await import('./live-source.ts')).kubeconfigSource(command, target);
}

/** The flags every `kubectl nsguard` command takes, as kubectl spells them. */
const KUBE_FLAGS = {
  kubeconfig: { type: 'string', value: 'FILE', help: 'the kubeconfig to use (default: KUBECONFIG, else ~/.kube/config, else the in-cluster service account)' },
  context: { type: 'string', value: 'NAME', help: 'the kubeconfig context to use (default: its current context)' },
  namespace: { type: 'string', short: 'n', value: 'NS', help: "the namespace of names and objects given without one, and one to read where listing across namespaces is refused (default: the context's, else default)" },
} as const satisfies FlagSpecs;

/**
 * How a command was started, which decides its flags and where it reads the cluster: `nsguard` (a state
 * file where given) or `kubectl nsguard` (always the live cluster of the kubeconfig).
 */
export interface Host {
  readonly program: string;
  spec<F extends FlagSpecs>(spec: CommandSpec<F>): CommandSpec<F>;
  /** The cluster the parsed flags name; undefined for `nsguard` without --state (each command decides). */
  source(command: string, values: Readonly<Record<string, unknown>>): Promise<ClusterSource | undefined>;
}

export const NSGUARD: Host = {
  program: 'nsguard',
  spec: (spec) => spec,
  source: async (_command, values) => (typeof values['state'] === 'string' ? stateFileSource(values['state'], text(values['namespace'])) : undefined),
};

/**
 * `kubectl nsguard`: the command's flags without --state, with the kubeconfig's (-n loses its default:
 * the context's namespace is the default, as for kubectl). The types keep the command's own: the
 * values it reads of a flag removed are undefined, and the kubeconfig flags are read here only.
 */
export const KUBECTL_PLUGIN: Host = {
  program: 'kubectl nsguard',
  spec: <F extends FlagSpecs>(spec: CommandSpec<F>): CommandSpec<F> => {
    const flags: Record<string, FlagSpec> = Object.fromEntries(Object.entries(spec.flags).filter(([name]) => name !== 'state' && name !== 'namespace'));
    return { ...spec, program: 'kubectl nsguard', flags: { ...flags, ...KUBE_FLAGS } as unknown as F };
  },
  source: async (command, values) =>
    liveSource(command, { kubeconfig: text(values['kubeconfig']), context: text(values['context']), namespace: text(values['namespace']), partial: true }),
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** For commands that cannot run without a cluster: the --state FILE they require under `nsguard`. */
export function requireSource(command: string, source: ClusterSource | undefined): ClusterSource {
  if (source === undefined) throw new NsguardError('NSG_USAGE', `nsguard ${command}: --state FILE is required`);
  return source;
}
