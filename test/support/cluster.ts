// Builds the core's inputs from kubectl-shaped YAML, through the same loaders the CLI uses.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { loadState, readObjects } from '../../src/cluster/state-file.ts';
import { DEFAULT_CONFIG } from '../../src/config/load-config.ts';
import { parseCidr } from '../../src/policy/netpol/cidr.ts';
import type { PolicyChange, Requester } from '../../src/policy/objects/change.ts';
import type { Config, DnsConfig, Namespace, Policy } from '../../src/policy/objects/model.ts';
import { parseNetworkPolicy } from '../../src/policy/objects/parse-network-policy.ts';

export const EXAMPLE = new URL('../../examples/cluster.yaml', import.meta.url).pathname;

/** A cluster from YAML texts (Lists or multi-document), read as a state file is. */
export function clusterFrom(...texts: string[]): ClusterState {
  const state = new ClusterState({ keepPodNames: true });
  texts.forEach((text, i) => loadState(readObjects(text, `fixture ${i + 1}`), state));
  return state;
}

/** The example cluster shipped for `npm start`, plus more objects. */
export function exampleCluster(...more: string[]): ClusterState {
  return clusterFrom(readFileSync(EXAMPLE, 'utf8'), ...more);
}

export function policy(text: string): Policy {
  return parseNetworkPolicy(parse(text), 'test');
}

/** A namespace as the apiserver stores it: with the name label it sets on every namespace. */
export function storedNamespace(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Namespace {
  return { name, labels: { 'kubernetes.io/metadata.name': name, ...labels }, annotations, terminating: false };
}

export function create(after: Policy): PolicyChange {
  return { kind: 'NetworkPolicy', operation: 'CREATE', namespace: after.namespace, name: after.name, before: undefined, after };
}

export function update(before: Policy, after: Policy): PolicyChange {
  return { kind: 'NetworkPolicy', operation: 'UPDATE', namespace: after.namespace, name: after.name, before, after };
}

export function remove(before: Policy): PolicyChange {
  return { kind: 'NetworkPolicy', operation: 'DELETE', namespace: before.namespace, name: before.name, before, after: undefined };
}

/** The policy as the cluster holds it, for UPDATE/DELETE cases. */
export function existing(state: ClusterState, namespace: string, name: string): Policy {
  const found = state.policies(namespace).find((p) => p.name === name);
  if (found === undefined) throw new Error(`no policy ${namespace}/${name} in the fixture`);
  return found;
}

export const TENANT: Requester = { username: 'alice@example.com', groups: ['tenants', 'system:authenticated'] };
export const ADMIN: Requester = { username: 'root@example.com', groups: ['system:masters', 'system:authenticated'] };

export function configWith(overrides: Partial<Omit<Config, 'dns' | 'podCIDRs'>> & { dns?: Partial<DnsConfig>; podCIDRs?: string[] } = {}): Config {
  const { dns, podCIDRs, ...rest } = overrides;
  return {
    ...DEFAULT_CONFIG,
    ...rest,
    dns: { ...DEFAULT_CONFIG.dns, ...dns },
    podCIDRs: podCIDRs === undefined ? DEFAULT_CONFIG.podCIDRs : podCIDRs.map((c) => parseCidr(c) ?? fail(`bad CIDR ${c}`)),
  };
}

function fail(message: string): never {
  throw new Error(message);
}
