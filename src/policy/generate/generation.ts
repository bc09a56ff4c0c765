// What nsguard generates in a namespace: its template's policies (cut to its isolation level) and the
// copies of its parent's policies, each as the manifest to apply and as the Policy the cluster view
// will hold once applied. Pure: the controller and `nsguard generate` both come through here.
import type { ClusterView } from '../objects/cluster-view.ts';
import { environmentOf } from '../checks/environments.ts';
import { namespaceNamed, type Endpoint } from '../netpol/endpoint.ts';
import type { Config, Isolation, Namespace, Policy, PolicyManifest, Template } from '../objects/model.ts';
import {
  INHERIT_LABEL,
  INHERITED_FROM_ANNOTATION,
  INHERITED_PREFIX,
  ISOLATION_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  PARENT_ANNOTATION,
  TEMPLATE_ANNOTATION,
  TEMPLATE_LABEL,
  isGenerated,
  isInheritedCopy,
  isIsolation,
} from '../objects/nsguard-metadata.ts';
import { parseNetworkPolicy } from '../objects/parse-network-policy.ts';
import { ruleMatchesPeer } from '../netpol/peer-match.ts';
import { policyManifest } from '../objects/policy-manifest.ts';
import { sameRules } from '../objects/policy-equality.ts';
import { hasPort } from '../netpol/port-set.ts';
import { resolveRulePorts } from '../netpol/reachability.ts';
import { selects } from '../netpol/selector.ts';
import type { TemplateValues } from './templates.ts';
import { PLACEHOLDERS, fillPlaceholders, isolationPart } from './templates.ts';
import { witnessPod } from '../netpol/witness.ts';

/** Why a namespace is not generated exactly as its annotations ask; shown as an Event and an annotation. */
export type ProblemReason = 'ParentMissing' | 'ParentCycle' | 'ParentEnvironment' | 'UnknownTemplate' | 'InvalidIsolation' | 'NameTooLong';

export interface GenerationProblem {
  readonly reason: ProblemReason;
  readonly message: string;
}

export interface DesiredPolicy {
  readonly manifest: PolicyManifest;
  readonly policy: Policy;
}

export interface Generation {
  readonly namespace: string;
  /** Exempt namespaces get nothing, whatever their annotations say. */
  readonly exempt: boolean;
  readonly isolation: Isolation;
  /** The template applied (the parent's when there is a parent), undefined when nothing is generated. */
  readonly template: string | undefined;
  /** The parent whose policies are copied, when it exists and fits. */
  readonly parent: string | undefined;
  /** In creation order. */
  readonly policies: readonly DesiredPolicy[];
  readonly problems: readonly GenerationProblem[];
}

export function isExempt(namespace: Pick<Namespace, 'name' | 'labels'>, config: Pick<Config, 'exemptNamespaces' | 'exemptNamespaceSelector'>): boolean {
  if (config.exemptNamespaces.includes(namespace.name)) return true;
  return config.exemptNamespaceSelector !== undefined && selects(config.exemptNamespaceSelector, namespace.labels);
}

/** The longest name the API accepts for a NetworkPolicy (a DNS subdomain). */
const MAX_NAME_LENGTH = 253;

export function generationFor(namespace: Namespace, view: ClusterView, config: Config): Generation {
  const problems: GenerationProblem[] = [];
  const nothing = (exempt: boolean, isolation: Isolation): Generation => ({ namespace: namespace.name, exempt, isolation, template: undefined, parent: undefined, policies: [], problems });
  if (isExempt(namespace, config)) return nothing(true, 'none');

  const isolation = isolationOf(namespace, config, problems);
  const lineage = resolveParent(namespace, view, config, problems);
  if (isolation === 'none') return nothing(false, isolation);

  const template = templateOf(lineage.templateSource, config, problems);
  const env = environmentOf(namespace, config) ?? '';
  const values = { namespace: namespace.name, env, template: template.name };
  const fromTemplate = template.policies.map((raw) => generated(fillPlaceholders(raw, values) as PolicyManifest, namespace.name, { [TEMPLATE_LABEL]: template.name }, {}));
  const copies = lineage.parent === undefined ? [] : inheritedCopies(lineage.parent, namespace.name, view, problems);
  const policies = [...fromTemplate, ...copies]
    .map((manifest) => isolationPart(manifest, isolation))
    .filter((manifest): manifest is PolicyManifest => manifest !== undefined)
    .map((manifest) => ({ manifest, policy: parseNetworkPolicy(manifest, `template ${template.name}`) }));
  return { namespace: namespace.name, exempt: false, isolation, template: template.name, parent: lineage.parent?.name, policies, problems };
}

function isolationOf(namespace: Namespace, config: Config, problems: GenerationProblem[]): Isolation {
  const value = namespace.annotations[ISOLATION_ANNOTATION];
  if (value === undefined || isIsolation(value)) return value ?? config.defaultIsolation;
  // A typo must not switch isolation off: the default applies, and the problem is shown.
  problems.push({ reason: 'InvalidIsolation', message: `annotation ${ISOLATION_ANNOTATION}=${value} is not one of strict, ingress, none; ${config.defaultIsolation} applies` });
  return config.defaultIsolation;
}

interface Lineage {
  /** The parent to copy from; undefined when there is none or it cannot be used. */
  readonly parent: Namespace | undefined;
  /** The namespace whose template annotation decides: the root of a valid parent chain. */
  readonly templateSource: Namespace;
}

/**
 * Follows `nsguard.io/parent` up to the root. A missing parent, a cycle or a parent of another
 * environment is a problem, and the namespace then stands alone (its own template, no copies).
 */
function resolveParent(namespace: Namespace, view: ClusterView, config: Config, problems: GenerationProblem[]): Lineage {
  const alone: Lineage = { parent: undefined, templateSource: namespace };
  const parentName = namespace.annotations[PARENT_ANNOTATION];
  if (parentName === undefined) return alone;
  const parent = view.namespace(parentName);
  if (parent === undefined) {
    problems.push({ reason: 'ParentMissing', message: `parent namespace ${parentName} (annotation ${PARENT_ANNOTATION}) does not exist; nothing is inherited` });
    return alone;
  }
  const chain = [namespace.name];
  let root = parent;
  for (;;) {
    if (chain.includes(root.name)) {
      problems.push({ reason: 'ParentCycle', message: `${PARENT_ANNOTATION} annotations form a cycle: ${[...chain, root.name].join(' → ')}; nothing is inherited` });
      return alone;
    }
    chain.push(root.name);
    const next = root.annotations[PARENT_ANNOTATION];
    const above = next === undefined ? undefined : view.namespace(next);
    if (above === undefined) break;
    root = above;
  }
  const parentEnv = environmentOf(parent, config);
  const ownEnv = environmentOf(namespace, config);
  if (parentEnv !== undefined && ownEnv !== parentEnv) {
    const own = ownEnv === undefined ? 'no environment label' : `${config.environmentLabel}=${ownEnv}`;
    problems.push({ reason: 'ParentEnvironment', message: `parent namespace ${parent.name} is ${config.environmentLabel}=${parentEnv} but this namespace has ${own}; a child holds its parent's environment, so nothing is inherited` });
    return alone;
  }
  return { parent, templateSource: root };
}

function templateOf(source: Namespace, config: Config, problems: GenerationProblem[]): Template {
  const name = source.annotations[TEMPLATE_ANNOTATION] ?? config.defaultTemplate;
  const template = config.templates.get(name);
  if (template !== undefined) return template;
  const fallback = config.templates.get(config.defaultTemplate);
  if (fallback === undefined) throw new Error(`the default template ${config.defaultTemplate} is not configured`);
  problems.push({ reason: 'UnknownTemplate', message: `template ${name} (annotation ${TEMPLATE_ANNOTATION} on namespace ${source.name}) is not configured; template ${fallback.name} applies` });
  return fallback;
}

/** A template's policy placed in `namespace`, carrying the labels that mark it generated. */
function generated(manifest: PolicyManifest, namespace: string, labels: Record<string, string>, annotations: Record<string, string>): PolicyManifest {
  const metadata = (manifest['metadata'] ?? {}) as Record<string, unknown>;
  const ownLabels = (metadata['labels'] ?? {}) as Record<string, string>;
  const ownAnnotations = (metadata['annotations'] ?? {}) as Record<string, string>;
  return {
    ...manifest,
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      ...metadata,
      namespace,
      labels: { ...ownLabels, ...labels, [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { ...ownAnnotations, ...annotations },
    },
  };
}

/**
 * The parent's own policies and the copies it inherited itself (so inheritance is transitive), but not
 * its template policies: the child generates those from the same template.
 */
function inheritedCopies(parent: Namespace, namespace: string, view: ClusterView, problems: GenerationProblem[]): PolicyManifest[] {
  const copies: PolicyManifest[] = [];
  for (const policy of view.policies(parent.name)) {
    if (isGenerated(policy) && !isInheritedCopy(policy)) continue;
    const copy = isInheritedCopy(policy);
    const name = copy ? policy.name : `${INHERITED_PREFIX}${policy.name}`;
    if (name.length > MAX_NAME_LENGTH) {
      problems.push({ reason: 'NameTooLong', message: `policy ${parent.name}/${policy.name} is not inherited: the copy's name ${INHERITED_PREFIX}${policy.name} would exceed ${MAX_NAME_LENGTH} characters` });
      continue;
    }
    const origin = (copy ? policy.annotations[INHERITED_FROM_ANNOTATION] : undefined) ?? `${parent.name}/${policy.name}`;
    copies.push(
      policyManifest(policy, {
        name,
        namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [INHERIT_LABEL]: 'true' },
        annotations: { [INHERITED_FROM_ANNOTATION]: origin },
      }),
    );
  }
  return copies.sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
}

export function nameOf(manifest: PolicyManifest): string {
  const metadata = manifest['metadata'] as Record<string, unknown> | undefined;
  return typeof metadata?.['name'] === 'string' ? metadata['name'] : '';
}

/**
 * Whether the stored policy must be rewritten: its rules or selector differ, or it lost a label or
 * annotation nsguard sets. Compared as values, so the API's key order and defaults cause no rewrite.
 */
export function needsUpdate(current: Policy, desired: Policy): boolean {
  if (!sameRules(current, desired)) return true;
  const missing = (want: Readonly<Record<string, string>>, have: Readonly<Record<string, string>>): boolean => Object.entries(want).some(([k, v]) => have[k] !== v);
  return missing(desired.labels, current.labels) || missing(desired.annotations, current.annotations);
}


/**
 * The order in which generated policies that are no longer wanted are removed: inherited copies first,
 * then each template's policies in the reverse of their creation order, so every intermediate state is
 * one the webhook allowed on the way up (DNS stays allowed until nothing egress-isolates the pods).
 */
export function removalOrder(leftovers: readonly Policy[], config: Config): Policy[] {
  // Without its template's order (the template left the config), what isolates without allowing goes
  // first, and what allows egress to DNS last. Peers count, or a rule open on every port to the pods'
  // own namespace would tie with the policy that does allow DNS. DNS is where the template check looks
  // for it: the DNS pods (their namespace known by its name label) or the node-local addresses. Their
  // container ports are unknown here, so a named port counts as possibly DNS: kept late, a policy only
  // keeps DNS longer.
  const { dns } = config;
  const dnsServers: Endpoint[] = [
    { kind: 'pod', group: witnessPod(dns.namespace, dns.podLabels), namespace: namespaceNamed(dns.namespace) },
    ...dns.nodeLocalIPs.map((ip): Endpoint => ({ kind: 'external', ip })),
  ];
  const allowsDns = (policy: Policy): boolean =>
    policy.egress.some((rule) =>
      dnsServers.some((server) => {
        if (!ruleMatchesPeer(rule, policy.namespace, server, config.podCIDRs, 'may')) return false;
        const ports = resolveRulePorts(rule, server, 'may');
        return dns.protocols.some((protocol) => hasPort(ports, protocol, dns.port));
      }),
    );
  const unordered = (policy: Policy): number => {
    if (policy.ingress.length === 0 && policy.egress.length === 0) return 1;
    return allowsDns(policy) ? 3_000_000 : 2_000_000;
  };
  const rank = (policy: Policy): number => {
    if (isInheritedCopy(policy)) return 0;
    const template = config.templates.get(policy.labels[TEMPLATE_LABEL] ?? '');
    if (template === undefined) return unordered(policy);
    const exact = template.policies.findIndex((m) => nameOf(m) === policy.name);
    const index = exact !== -1 ? exact : template.policies.findIndex((m) => namePattern(nameOf(m), policy.namespace, template.name).test(policy.name));
    return index === -1 ? unordered(policy) : 2 + 1_000_000 - index;
  };
  return leftovers
    .map((policy) => [rank(policy), policy] as const)
    .sort(([rankA, a], [rankB, b]) => rankA - rankB || a.name.localeCompare(b.name))
    .map(([, policy]) => policy);
}

/**
 * A template policy's name as generated in `namespace`: the policy tells its namespace and template,
 * not the environment the namespace had, so `${env}` matches any label value.
 */
function namePattern(written: string, namespace: string, template: string): RegExp {
  const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns: TemplateValues = { namespace: literal(namespace), env: '[-A-Za-z0-9_.]*', template: literal(template) };
  const byPlaceholder = new Map(PLACEHOLDERS.map((name) => [`\${${name}}`, patterns[name]]));
  const parts = written.split(/(\$\{[^}]*\})/).map((part) => byPlaceholder.get(part) ?? literal(part));
  return new RegExp(`^${parts.join('')}$`);
}
