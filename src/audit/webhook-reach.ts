// Can the apiserver still call nsguard's webhook pods? nsguard's own namespace is isolated like any
// other, and a policy there that shuts out the apiserver makes every NetworkPolicy write fail (the
// webhook fails closed). The apiserver calls from its own addresses (kubeadm, EKS, AKS with VNet
// integration) or through the konnectivity agents in kube-system (GKE, AKS): each known source is judged.
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import { describeEndpoint, namespaceOf, podEndpoint } from '../policy/netpol/endpoint.ts';
import { hasPort } from '../policy/netpol/port-set.ts';
import { selectorFromLabels } from '../policy/netpol/selector.ts';
import { witnessPod } from '../policy/netpol/witness.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config, Labels } from '../policy/objects/model.ts';
import { finding, namespaceRef, portsText } from './findings.ts';
import { describeSide } from './matrix.ts';
import type { AuditPaths } from './paths.ts';
import type { AuditFinding, WebhookReach, WebhookSource } from './report.ts';

/** The labels the upstream konnectivity agent carries (manifests/base/network-policy.yaml lets both in). */
const KONNECTIVITY_LABELS: readonly Labels[] = [{ 'k8s-app': 'konnectivity-agent' }, { app: 'konnectivity-agent' }];

export interface WebhookSection {
  readonly reach: WebhookReach;
  readonly findings: readonly AuditFinding[];
}

export function auditWebhook(view: ClusterView, config: Config, paths: AuditPaths, apiserverAddresses: readonly string[]): WebhookSection {
  const { webhook } = config.audit;
  const running = [...view.podGroupsMatching(webhook.namespace, selectorFromLabels(webhook.podLabels))];
  const pods = running.reduce((n, g) => n + g.count, 0);
  // No pods in the state: a pod as the Deployment makes it stands in.
  const targets: Endpoint[] =
    running.length > 0
      ? running.map((g) => podEndpoint(view, g))
      : [{ kind: 'pod', group: witnessPod(webhook.namespace, webhook.podLabels, [{ name: 'https', port: webhook.port, protocol: 'TCP' }]), namespace: namespaceOf(view, webhook.namespace) }];
  const agents = KONNECTIVITY_LABELS.flatMap((labels) => [...view.podGroupsMatching('kube-system', selectorFromLabels(labels))]).map((g) => podEndpoint(view, g));
  const callers: Endpoint[] = [...[...new Set([...apiserverAddresses, ...config.audit.apiserverAddresses])].map((ip): Endpoint => ({ kind: 'external', ip })), ...agents];
  const judged = targets.map((target) =>
    callers.map((caller): WebhookSource => {
      const why = paths.explain(caller, target, 'must');
      return {
        source: `${describeEndpoint(caller)} → ${describeEndpoint(target)}`,
        reachable: hasPort(why.ports, 'TCP', webhook.port),
        ports: portsText(why.ports),
        egress: describeSide(why.egress, caller),
        ingress: describeSide(why.ingress, target),
      };
    }),
  );
  const sources = judged.flat();
  // The apiserver takes one of the ways: reachable when each webhook pod is reached over one of them.
  const reachable = callers.length === 0 ? null : judged.every((ways) => ways.some((w) => w.reachable));
  const findings: AuditFinding[] = [];
  if (reachable === false) {
    findings.push(
      finding(
        'webhook-unreachable',
        'high',
        webhook.namespace,
        `webhook pods in ${webhook.namespace}`,
        `the apiserver cannot reach nsguard's webhook pods in ${webhook.namespace} on TCP ${webhook.port} from ${callers.map(describeEndpoint).join(', ')}: ` +
          `${sources.filter((s) => !s.reachable).map((s) => `${s.source}: ${s.ingress}`).join('; ')}. With failurePolicy Fail every NetworkPolicy and Namespace write is refused`,
        [namespaceRef(webhook.namespace)],
      ),
    );
  }
  return { reach: { namespace: webhook.namespace, port: webhook.port, pods, reachable, sources }, findings };
}
