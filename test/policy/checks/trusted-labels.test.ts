// `isolation-tamper` on the namespace labels generated policies trust: the labels the templates'
// namespace selectors read (role=monitoring by default), exemptNamespaceSelector's and the environment
// label may be set, changed or removed only by nsguard and admins, on CREATE as on UPDATE.
import t from 'tap';
import type { ClusterState } from '../../../src/cluster/cluster-state.ts';
import { parseConfig } from '../../../src/config/load-config.ts';
import type { NamespaceChange, Requester } from '../../../src/policy/objects/change.ts';
import type { Namespace } from '../../../src/policy/objects/model.ts';
import { trustedNamespaceLabels } from '../../../src/policy/checks/trusted-labels.ts';
import { ADMIN, clusterFrom, configWith, storedNamespace } from '../../support/cluster.ts';
import type { JudgeCase } from '../../support/judge-cases.ts';
import { runJudgeCases } from '../../support/judge-cases.ts';

const CONTROLLER: Requester = { username: 'system:serviceaccount:nsguard:nsguard', groups: ['system:serviceaccounts'] };
const STRICT = { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default' };

const ns = (name: string, labels: Record<string, string>, annotations: Record<string, string> = STRICT): Namespace => storedNamespace(name, labels, annotations);

const cluster = (): ClusterState =>
  clusterFrom(
    'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop-prod, labels: { env: prod }, annotations: { nsguard.io/isolation: strict, nsguard.io/template: default } }\n---\n' +
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: monitoring, labels: { role: monitoring } }\n',
  );

const creating = (after: Namespace): NamespaceChange => ({ kind: 'Namespace', operation: 'CREATE', name: after.name, before: undefined, after });
const relabelling = (before: Namespace, after: Namespace): NamespaceChange => ({ kind: 'Namespace', operation: 'UPDATE', name: after.name, before, after });

const shop = (labels: Record<string, string>): Namespace => ns('shop-prod', labels);

const GATEWAY_TEMPLATE = parseConfig(
  `templates:
  gated:
    - metadata: { name: nsguard-allow-dns }
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } }]
            ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }]
    - metadata: { name: nsguard-allow-from-gateway }
      spec:
        podSelector: {}
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { gateway-for: "\${namespace}" } } }, { namespaceSelector: { matchExpressions: [{ key: ingress, operator: Exists }] } }] }]
`,
  'nsguard.yaml',
);
const OBSERVABILITY = parseConfig('monitoring: { namespaceLabels: { team: obs } }\n', 'nsguard.yaml');
const EXEMPTING = configWith({ exemptNamespaceSelector: { requirements: [{ key: 'nsguard.io/exempt', operator: 'In', values: ['true'] }] } });

const namespaceCase = (name: string, change: NamespaceChange, verdict: 'allowed' | 'denied', more: Partial<JudgeCase> = {}): JudgeCase => ({
  name,
  state: cluster,
  change: () => change,
  verdict,
  ...more,
});

runJudgeCases('isolation-tamper', [
  namespaceCase('a tenant creating a namespace labelled role=monitoring is denied', creating(ns('evil', { role: 'monitoring' })), 'denied', {
    mentions: ['creating with label role=monitoring on namespace evil, read by template default (nsguard-allow-monitoring): user alice@example.com may not'],
  }),
  namespaceCase('a tenant labelling its namespace role=monitoring is denied', relabelling(shop({ env: 'prod' }), shop({ env: 'prod', role: 'monitoring' })), 'denied', {
    mentions: ['setting label role=monitoring on namespace shop-prod'],
  }),
  namespaceCase('a tenant taking role=monitoring off the monitoring namespace is denied', relabelling(ns('monitoring', { role: 'monitoring' }), ns('monitoring', {})), 'denied', {
    mentions: ['removing label role=monitoring on namespace monitoring'],
  }),
  namespaceCase('a tenant changing role from monitoring to something else is denied', relabelling(ns('monitoring', { role: 'monitoring' }), ns('monitoring', { role: 'web' })), 'denied', {
    mentions: ['changing label role from monitoring to web'],
  }),
  namespaceCase('a tenant changing role between values no generated policy selects is allowed', relabelling(shop({ env: 'prod', role: 'web' }), shop({ env: 'prod', role: 'api' })), 'allowed'),
  namespaceCase('a tenant changing another label of the monitoring namespace is allowed', relabelling(ns('monitoring', { role: 'monitoring' }), ns('monitoring', { role: 'monitoring', team: 'obs' })), 'allowed'),
  namespaceCase('an admin labelling a namespace role=monitoring is allowed', creating(ns('prometheus', { role: 'monitoring' })), 'allowed', { requester: ADMIN }),
  namespaceCase('nsguard itself may set a trusted label', relabelling(shop({ env: 'prod' }), shop({ env: 'prod', role: 'monitoring' })), 'allowed', { requester: CONTROLLER }),
  namespaceCase('the configured monitoring labels are the ones protected', creating(ns('evil', { team: 'obs' })), 'denied', { config: OBSERVABILITY, mentions: ['creating with label team=obs'] }),
  namespaceCase('role=monitoring means nothing once monitoring is configured otherwise', creating(ns('evil', { role: 'monitoring' })), 'allowed', { config: OBSERVABILITY }),
  namespaceCase('a label a custom template selects with a placeholder is protected whatever its value', creating(ns('evil', { 'gateway-for': 'shop-prod' })), 'denied', {
    config: GATEWAY_TEMPLATE,
    mentions: ['creating with label gateway-for=shop-prod on namespace evil, read by template gated (nsguard-allow-from-gateway)'],
  }),
  namespaceCase('a label a custom template selects with Exists is protected whatever its value', relabelling(shop({ env: 'prod' }), shop({ env: 'prod', ingress: 'x' })), 'denied', {
    config: GATEWAY_TEMPLATE,
    mentions: ['setting label ingress=x'],
  }),
  namespaceCase('a tenant opting its namespace out through exemptNamespaceSelector is denied', relabelling(shop({ env: 'prod' }), shop({ env: 'prod', 'nsguard.io/exempt': 'true' })), 'denied', {
    config: EXEMPTING,
    mentions: ['setting label nsguard.io/exempt=true on namespace shop-prod, read by exemptNamespaceSelector'],
  }),
  namespaceCase('a tenant creating a namespace with the environment its name gives is allowed', creating(ns('web-prod', { env: 'prod' })), 'allowed'),
  namespaceCase('a tenant creating a namespace with another environment than its name gives is denied', creating(ns('web-prod', { env: 'test' })), 'denied', {
    mentions: ['creating with label env=test on namespace web-prod, read by the environment checks'],
  }),
  namespaceCase('a tenant creating a namespace with an environment nothing gives is denied', creating(ns('scratch', { env: 'prod' })), 'denied', { mentions: ['creating with label env=prod'] }),
  namespaceCase("a tenant creating a child with its parent's environment is allowed", creating(ns('feature', { env: 'prod' }, { ...STRICT, 'nsguard.io/parent': 'shop-prod' })), 'allowed'),
  namespaceCase('a tenant adding the environment its name gives where there was none is allowed', relabelling(shop({}), shop({ env: 'prod' })), 'allowed'),
  namespaceCase('a tenant adding another environment where there was none is denied', relabelling(shop({}), shop({ env: 'test' })), 'denied', { mentions: ['setting label env=test on namespace shop-prod'] }),
  namespaceCase('a tenant adding an environment to a namespace nothing gives one is denied', relabelling(ns('scratch', {}), ns('scratch', { env: 'prod' })), 'denied', { mentions: ['setting label env=prod'] }),
  namespaceCase('an admin giving any environment is allowed', creating(ns('scratch', { env: 'prod' })), 'allowed', { requester: ADMIN }),
]);

t.test('trusted labels are read from the templates, exemptNamespaceSelector and the environment label, and the name label is never one', async (t) => {
  const summary = (config: Parameters<typeof trustedNamespaceLabels>[0]) =>
    Object.fromEntries([...trustedNamespaceLabels(config)].map(([key, label]) => [key, label.values === 'any' ? 'any' : [...label.values]]));
  t.same(summary(configWith()), { env: 'any', role: ['monitoring'] }, 'the default template selects the ingress controller and DNS by name');
  t.same(summary(GATEWAY_TEMPLATE), { env: 'any', role: ['monitoring'], 'gateway-for': 'any', ingress: 'any' });
  t.same(summary(EXEMPTING), { env: 'any', 'nsguard.io/exempt': ['true'], role: ['monitoring'] });
});
