import { stringify } from 'yaml';
import type { Budget } from './budget.ts';
import { allowDns } from '../generate/templates.ts';
import { blockContainsIp, parseIp } from '../netpol/cidr.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import { describePolicy } from './describe.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { namespaceOf } from '../netpol/endpoint.ts';
import type { Config, DnsConfig, Protocol } from '../objects/model.ts';
import { hasPort } from '../netpol/port-set.ts';
import type { DnsFailure } from './dns-egress.ts';
import type { EvaluationContext } from '../netpol/reachability.ts';
import { endpointFacts } from '../calico/endpoint-facts.ts';
import { policyRef } from '../calico/model.ts';
import { matchRule } from '../calico/rule-match.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { NO_PORTS, union } from '../netpol/port-set.ts';
import type { CalicoPaths, PathEvaluator } from '../paths/path-evaluator.ts';
import { sidePorts } from '../paths/path-evaluator.ts';
import { describeCalicoPolicy } from './describe-calico.ts';
import { isolatingPolicies, resolveRulePorts } from '../netpol/reachability.ts';
import { peerCost } from '../netpol/rule-index.ts';
import { describeSelector, selects } from '../netpol/selector.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';

/**
 * The policy that keeps DNS for the pods of `namespace`, as one line of YAML a message can end with: the
 * generated DNS policy (templates.ts), so it uses the configured DNS selector.
 */
export function keepDnsFix(namespace: string, dns: DnsConfig): string {
  return `To keep DNS, apply this NetworkPolicy before any policy that isolates their egress: ${dnsFixYaml(namespace, dns)}`;
}

const PLACEHOLDER = 'nsguard-fix-namespace';
/** Names YAML writes plain: a letter first (no number), and not a word the core schema reads as a value. */
const PLAIN_NAME = /^[a-z][-a-z0-9]*$/;
const YAML_WORDS = new Set(['true', 'false', 'null']);
/** The YAML around the namespace, per DNS configuration: stringified once, not for every denial (~90 µs). */
const fixAround = new WeakMap<DnsConfig, readonly [string, string]>();

function dnsFixYaml(namespace: string, dns: DnsConfig): string {
  if (!PLAIN_NAME.test(namespace) || YAML_WORDS.has(namespace)) return fixManifestYaml(namespace, dns);
  let around = fixAround.get(dns);
  if (around === undefined) {
    const text = fixManifestYaml(PLACEHOLDER, dns);
    const at = text.indexOf(PLACEHOLDER);
    fixAround.set(dns, (around = [text.slice(0, at), text.slice(at + PLACEHOLDER.length)]));
  }
  return `${around[0]}${namespace}${around[1]}`;
}

/** The fix as the YAML library writes it, whole: what dnsFixYaml must equal (test/policy/checks/dns-hints.test.ts). */
export function fixManifestYaml(namespace: string, dns: DnsConfig): string {
  const { spec } = allowDns(dns);
  const manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-dns', namespace }, spec };
  return stringify(manifest, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

/**
 * The mistakes that break DNS in real clusters, recognised in the policies that isolate the pod, so
 * the message says what to fix rather than only what fails.
 */
export function dnsHints(source: Endpoint, failures: readonly DnsFailure[], paths: PathEvaluator, view: ClusterView, config: Config, budget: Budget): string {
  const { dns } = config;
  const egressFailures = failures.filter((f) => !hasPort(sidePorts(f.report, 'egress'), f.protocol, dns.port));
  if (source.kind !== 'pod' || egressFailures.length === 0) return '';
  const failing = new Set(egressFailures.map((f) => f.protocol));
  const target = egressFailures[0]?.target as Endpoint;
  const hints = paths.kind === 'kubernetes' ? kubernetesHints(source, target, failing, paths.context, view, config, budget) : calicoHints(source, target, failing, paths, config, budget);
  if (dns.nodeLocalIPs.length > 0) {
    hints.push(
      `pods resolve through NodeLocal DNSCache at ${dns.nodeLocalIPs.join(', ')}, which listens on the node's network: no podSelector matches it, only an ipBlock such as ${dns.nodeLocalIPs[0]}/32 does`,
    );
  }
  const unique = [...new Set(hints)];
  if (unique.length === 0) return '';
  // One hint per rule: a policy of thousands of rules would make a message of megabytes.
  const more = unique.length > MAX_HINTS ? ` (and ${unique.length - MAX_HINTS} more like these)` : '';
  return `. ${unique.slice(0, MAX_HINTS).join('. ')}${more}`;
}

const MAX_HINTS = 5;

/** A rule that lets DNS through on some protocols and not on the others. */
function protocolHint(where: string, ports: PortSet, failing: ReadonlySet<Protocol>, dns: DnsConfig): string | undefined {
  const missing = dns.protocols.filter((p) => failing.has(p) && !hasPort(ports, p, dns.port));
  const present = dns.protocols.filter((p) => hasPort(ports, p, dns.port));
  if (present.length === 0 || missing.length === 0) return undefined;
  return `${where} allows ${present.join('/')} ${dns.port} but not ${missing.join('/')} ${dns.port}: resolvers retry over TCP when an answer is too large for UDP, so allow both`;
}

function kubernetesHints(source: Endpoint & { kind: 'pod' }, target: Endpoint, failing: ReadonlySet<Protocol>, ctx: EvaluationContext, view: ClusterView, config: Config, budget: Budget): string[] {
  const { dns } = config;
  const hints: string[] = [];
  const dnsNamespace = namespaceOf(view, dns.namespace);
  for (const policy of isolatingPolicies(ctx.policies(source.group.namespace), 'egress', source)) {
    policy.egress.forEach((rule, index) => {
      budget.spend(1 + (rule.ports?.length ?? 0));
      const where = `${describePolicy(policy)} egress rule ${index}`;
      const split = protocolHint(where, resolveRulePorts(rule, target, ctx.reading), failing, dns);
      if (split !== undefined) hints.push(split);
      for (const peer of rule.peers ?? []) {
        budget.spend(peerCost(peer));
        if (peer.kind === 'namespaces' && !selects(peer.namespaceSelector, dnsNamespace.labels)) {
          const byName = peer.namespaceSelector.requirements.find(
            (r) => r.operator === 'In' && r.values.includes(dns.namespace) && dnsNamespace.labels[r.key] === undefined,
          );
          if (byName !== undefined) {
            hints.push(
              `${where} selects namespaces by ${byName.key}=${dns.namespace}, a label ${dns.namespace} does not carry: every namespace is labelled ${METADATA_NAME_LABEL}=<its name>, so select ${METADATA_NAME_LABEL}=${dns.namespace}`,
            );
          }
        }
        if (peer.kind === 'pods' && policy.namespace !== dns.namespace && selects(peer.podSelector, dns.podLabels)) {
          hints.push(
            `in ${where} the peer podSelector ${describeSelector(peer.podSelector)} stands alone, so it selects pods in ${policy.namespace}, not in ${dns.namespace}: put namespaceSelector and podSelector in the same peer (one list item) to mean both`,
          );
        }
        if (peer.kind === 'ipBlock') {
          const serviceIp = dns.serviceIPs.find((text) => {
            const ip = parseIp(text);
            return ip !== undefined && blockContainsIp(peer.ipBlock, ip);
          });
          if (serviceIp !== undefined) {
            hints.push(
              `${where} allows ipBlock ${peer.ipBlock.cidr.text}, which holds the DNS Service ClusterIP ${serviceIp}; most CNIs apply NetworkPolicy after the Service address is translated to a pod address (DNAT), so this does not reach the DNS pods: allow the DNS pods by namespaceSelector and podSelector instead`,
            );
          }
        }
      }
    });
  }
  return hints;
}

/**
 * The Allow rules of the Calico policies that select the pod for egress, each taken whole: a Kubernetes
 * NetworkPolicy's rule becomes one Calico rule per protocol, which together are that one rule.
 */
function calicoHints(source: Endpoint & { kind: 'pod' }, target: Endpoint, failing: ReadonlySet<Protocol>, paths: CalicoPaths, config: Config, budget: Budget): string[] {
  const hints: string[] = [];
  const from = endpointFacts(source, undefined);
  const to = endpointFacts(target, undefined);
  for (const { policies } of paths.selecting('egress', source)) {
    for (const policy of policies) {
      const byRule = new Map<number, PortSet>();
      policy.egress.forEach((rule, index) => {
        budget.spend(1);
        if (rule.action !== 'Allow') return;
        const match = matchRule(rule, policy, from, to, config.podCIDRs);
        if (match.truth === 'no') return;
        const key = rule.origin ?? index;
        byRule.set(key, union(byRule.get(key) ?? NO_PORTS, match.possible));
      });
      for (const [index, ports] of byRule) {
        const split = protocolHint(`${describeCalicoPolicy(policyRef(policy))} egress rule ${index}`, ports, failing, config.dns);
        if (split !== undefined) hints.push(split);
      }
    }
  }
  return hints;
}
