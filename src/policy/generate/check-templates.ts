// Every template run through the engine before nsguard starts: generated into a fresh namespace of each
// environment and isolation level, policy by policy in creation order, as the webhook will judge the
// controller's writes. A template that would break DNS or cross environments is a configuration error.
import type { CalicoObjects, ClusterView } from '../objects/cluster-view.ts';
import { namespaceNamed } from '../netpol/endpoint.ts';
import { judge } from '../checks/judge.ts';
import type { Config, Isolation, Namespace, PodGroup, Policy, Selector } from '../objects/model.ts';
import { ISOLATION_ANNOTATION, TEMPLATE_ANNOTATION } from '../objects/nsguard-metadata.ts';
import { generationFor } from './generation.ts';
import { calicoSystemObjects } from './calico-system.ts';
import type { CalicoPolicy, Tier } from '../calico/model.ts';
import type { CalicoPolicyChange } from '../objects/change.ts';
import { selects } from '../netpol/selector.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';
import { byName } from '../objects/by-name.ts';

const ISOLATING: readonly Isolation[] = ['strict', 'ingress'];
const SAMPLE_NAMESPACE = 'nsguard-template-check';

/** One line per failure: which template, for which namespace, which policy, and the engine's finding. */
export function checkTemplates(config: Config): string[] {
  const environments = [undefined, ...new Set(config.separateEnvironments.flat())];
  const failures: string[] = [];
  if (config.flavour === 'calico') {
    const failure = systemFailure(config);
    if (failure !== undefined) return [failure];
  }
  for (const template of config.templates.keys()) {
    for (const isolation of ISOLATING) {
      for (const env of environments) {
        const failure = firstFailure(config, template, isolation, env);
        if (failure !== undefined) failures.push(failure);
      }
    }
  }
  return failures;
}

function firstFailure(config: Config, template: string, isolation: Isolation, env: string | undefined): string | undefined {
  const namespace: Namespace = {
    name: SAMPLE_NAMESPACE,
    labels: { [METADATA_NAME_LABEL]: SAMPLE_NAMESPACE, ...(env !== undefined && { [config.environmentLabel]: env }) },
    annotations: { [ISOLATION_ANNOTATION]: isolation, [TEMPLATE_ANNOTATION]: template },
    terminating: false,
  };
  const view = new SampleView([namespace, ...supportNamespaces(config)], config.flavour === 'calico' ? calicoSystemObjects(config) : undefined);
  const requester = { username: config.controllerUsers[0] ?? 'nsguard', groups: [] };
  for (const { policy } of generationFor(namespace, view, config).policies) {
    const decision = judge({ kind: 'NetworkPolicy', operation: 'CREATE', namespace: namespace.name, name: policy.name, before: undefined, after: policy }, requester, view, { ...config, mode: 'enforce' });
    const where = `template ${template} (isolation ${isolation}, ${env === undefined ? 'no environment' : `${config.environmentLabel}=${env}`}): creating ${policy.name}`;
    if (!decision.allowed) return `${where}: ${decision.violations.map((v) => `[${v.rule}] ${v.message}`).join('; ')}`;
    view.add(policy);
  }
  return undefined;
}

/** The Calico flavour's system policy, created in a cluster of the support namespaces and one of each environment. */
function systemFailure(config: Config): string | undefined {
  const { tier, policy } = calicoSystemObjects(config);
  const samples = [undefined, ...new Set(config.separateEnvironments.flat())].map((env) => namespaceNamed(`${SAMPLE_NAMESPACE}${env === undefined ? '' : `-${env}`}`));
  const labelled = samples.map((ns, i) => (i === 0 ? ns : { ...ns, labels: { ...ns.labels, [config.environmentLabel]: ns.name.slice(SAMPLE_NAMESPACE.length + 1) } }));
  const view = new SampleView([...labelled, ...supportNamespaces(config)], { tier, policy: undefined });
  const requester = { username: config.controllerUsers[0] ?? 'nsguard', groups: [] };
  const change: CalicoPolicyChange = {
    kind: 'CalicoPolicy',
    operation: 'CREATE',
    policyKind: 'GlobalNetworkPolicy',
    group: 'v3',
    staged: false,
    namespace: undefined,
    name: policy.name,
    backendName: policy.backendName,
    before: undefined,
    after: policy,
  };
  const decision = judge(change, requester, view, { ...config, mode: 'enforce' });
  if (decision.allowed) return undefined;
  return `flavour calico: creating GlobalNetworkPolicy ${policy.name}: ${decision.violations.map((v) => `[${v.rule}] ${v.message}`).join('; ')}`;
}

/** The namespaces templates usually point at, present as in a real cluster. */
function supportNamespaces(config: Config): Namespace[] {
  const names = new Set([config.dns.namespace, ...config.ingressController.namespaces]);
  names.delete(SAMPLE_NAMESPACE);
  return [...names].map(namespaceNamed);
}

/** A cluster with a few namespaces and no pods (the checks then judge witness pods). */
class SampleView implements ClusterView {
  readonly #namespaces: readonly Namespace[];
  readonly #policies = new Map<string, Policy[]>();
  readonly #calico: CalicoObjects | undefined;

  /** `system`: the Calico flavour's tier and, once created, its policy. */
  constructor(namespaces: readonly Namespace[], system?: { readonly tier: Tier; readonly policy: CalicoPolicy | undefined }) {
    this.#namespaces = namespaces;
    this.#calico =
      system === undefined
        ? undefined
        : { tiers: [system.tier], namespaced: () => [], global: system.policy === undefined ? [] : [system.policy], staged: () => [] };
  }

  add(policy: Policy): void {
    // By name, as every view lists them (ClusterView.policies).
    this.#policies.set(policy.namespace, [...this.policies(policy.namespace), policy].sort(byName));
  }

  namespace(name: string): Namespace | undefined {
    return this.#namespaces.find((ns) => ns.name === name);
  }

  namespaces(): Iterable<Namespace> {
    return this.#namespaces;
  }

  namespacesMatching(selector: Selector): Iterable<Namespace> {
    return this.#namespaces.filter((ns) => selects(selector, ns.labels));
  }

  namespaceLookupCost(): number {
    return this.#namespaces.length;
  }

  podGroups(): Iterable<PodGroup> {
    return [];
  }

  podGroupsMatching(): Iterable<PodGroup> {
    return [];
  }

  policies(namespace: string): readonly Policy[] {
    return this.#policies.get(namespace) ?? [];
  }

  podGroupsWithIp(): Iterable<PodGroup> {
    return [];
  }

  calico(): CalicoObjects | undefined {
    return this.#calico;
  }
}
