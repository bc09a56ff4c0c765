// Every template run through the engine before nsguard starts: generated into a fresh namespace of each
// environment and isolation level, policy by policy in creation order, as the webhook will judge the
// controller's writes. A template that would break DNS or cross environments is a configuration error.
import type { CalicoObjects, ClusterView } from '../objects/cluster-view.ts';
import { namespaceNamed } from '../netpol/endpoint.ts';
import { judge } from '../checks/judge.ts';
import type { Config, Isolation, Namespace, PodGroup, Policy, Selector } from '../objects/model.ts';
import { ISOLATION_ANNOTATION, TEMPLATE_ANNOTATION } from '../objects/nsguard-metadata.ts';
import { generationFor } from './generation.ts';
import { selects } from '../netpol/selector.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';

const ISOLATING: readonly Isolation[] = ['strict', 'ingress'];
const SAMPLE_NAMESPACE = 'nsguard-template-check';

/** One line per failure: which template, for which namespace, which policy, and the engine's finding. */
export function checkTemplates(config: Config): string[] {
  const environments = [undefined, ...new Set(config.separateEnvironments.flat())];
  const failures: string[] = [];
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
  const view = new SampleView([namespace, ...supportNamespaces(config)]);
  const requester = { username: config.controllerUsers[0] ?? 'nsguard', groups: [] };
  for (const { policy } of generationFor(namespace, view, config).policies) {
    const decision = judge({ kind: 'NetworkPolicy', operation: 'CREATE', namespace: namespace.name, name: policy.name, before: undefined, after: policy }, requester, view, { ...config, mode: 'enforce' });
    const where = `template ${template} (isolation ${isolation}, ${env === undefined ? 'no environment' : `${config.environmentLabel}=${env}`}): creating ${policy.name}`;
    if (!decision.allowed) return `${where}: ${decision.violations.map((v) => `[${v.rule}] ${v.message}`).join('; ')}`;
    view.add(policy);
  }
  return undefined;
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

  constructor(namespaces: readonly Namespace[]) {
    this.#namespaces = namespaces;
  }

  add(policy: Policy): void {
    this.#policies.set(policy.namespace, [...this.policies(policy.namespace), policy]);
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
    return undefined;
  }
}
