import t from 'tap';
import { mutateNamespace } from '../../src/admission/mutate-namespace.ts';
import type { AdmissionOperation, AdmissionRequest } from '../../src/admission/types.ts';
import { validateRequest } from '../../src/admission/validate.ts';
import { MUTATING_WEBHOOKS, VALIDATING_WEBHOOKS } from '../../src/cli/certs.ts';
import { ClusterState } from '../../src/cluster/cluster-state.ts';
import { DEFAULT_CONFIG } from '../../src/config/load-config.ts';
import { NsguardError } from '../../src/errors.ts';
import { DEFAULT_PORT } from '../../src/webhook/index.ts';
import type { AdmissionAttributes, Operation } from '../support/test-api-admission.ts';
import { evaluateMatchConditions } from '../support/test-api-admission.ts';
import { BUILTIN_RESOURCES } from '../support/test-api-resources.ts';
import { find } from './kustomize.ts';
import { renderBase, renderBaseWebhooks } from './overlays.ts';

/** No namespace exists yet: no parent to inherit from. */
const NO_NAMESPACES = { namespace: () => undefined };

interface Rule {
  readonly apiGroups: string[];
  readonly apiVersions: string[];
  readonly operations: AdmissionOperation[];
  readonly resources: string[];
  readonly scope: string;
}
interface Webhook {
  readonly name: string;
  readonly admissionReviewVersions: string[];
  readonly sideEffects: string;
  readonly failurePolicy: string;
  readonly timeoutSeconds: number;
  readonly clientConfig: { service: { name: string; namespace: string; path: string; port: number } };
  readonly rules: Rule[];
  readonly namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  readonly matchConditions?: { name: string; expression: string }[];
}

const objects = [...renderBase(), ...renderBaseWebhooks()];
const mutating = (find(objects, 'MutatingWebhookConfiguration', 'nsguard')['webhooks'] as Webhook[]);
const validating = (find(objects, 'ValidatingWebhookConfiguration', 'nsguard')['webhooks'] as Webhook[]);
const service = find(objects, 'Service', 'nsguard');
const deployment = find(objects, 'Deployment', 'nsguard');

// The kind the apiserver puts in request.kind for each resource a rule names.
const KINDS: Readonly<Record<string, string>> = {
  namespaces: 'Namespace',
  networkpolicies: 'NetworkPolicy',
  globalnetworkpolicies: 'GlobalNetworkPolicy',
  stagednetworkpolicies: 'StagedNetworkPolicy',
  stagedglobalnetworkpolicies: 'StagedGlobalNetworkPolicy',
};

function objectOf(group: string, version: string, kind: string, name: string, namespaced: boolean): Record<string, unknown> {
  const apiVersion = group === '' ? version : `${group}/${version}`;
  const metadata = namespaced ? { name, namespace: 'shop' } : { name };
  if (group === 'networking.k8s.io') return { apiVersion, kind, metadata, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  // A Calico policy: the zero spec selects every endpoint for ingress and has no rule.
  return { apiVersion, kind, metadata, ...(group === '' ? {} : { spec: {} }) };
}

/** A minimal apiserver-shaped request for one rule's group, version, resource and operation. */
function requestFor(rule: Rule, group: string, version: string, resource: string, operation: AdmissionOperation): AdmissionRequest {
  const kind = KINDS[resource];
  if (kind === undefined) throw new Error(`no kind known for resource ${resource}`);
  const object = objectOf(group, version, kind, 'probe', rule.scope === 'Namespaced');
  return {
    uid: 'probe',
    kind: { group, version, kind },
    resource: { group, version, resource },
    name: 'probe',
    ...(rule.scope === 'Namespaced' ? { namespace: 'shop' } : {}),
    operation,
    userInfo: { username: 'probe', groups: [] },
    object: operation === 'DELETE' ? null : object,
    oldObject: operation === 'CREATE' ? null : object,
  };
}

function* expand(webhook: Webhook): Generator<[Rule, string, string, string, AdmissionOperation]> {
  for (const rule of webhook.rules)
    for (const group of rule.apiGroups)
      for (const version of rule.apiVersions)
        for (const resource of rule.resources) for (const operation of rule.operations) yield [rule, group, version, resource, operation];
}

function containerPort(name: string): number {
  const spec = deployment['spec'] as { template: { spec: { containers: { ports: { name: string; containerPort: number }[] }[] } } };
  const port = spec.template.spec.containers[0]?.ports.find((p) => p.name === name);
  if (port === undefined) throw new Error(`no container port ${name}`);
  return port.containerPort;
}

t.test('the Service sends port 443 to the port the server listens on', async (t) => {
  const ports = (service['spec'] as { ports: { port: number; targetPort: number | string }[] }).ports;
  t.equal(ports.length, 1);
  t.equal(ports[0]?.port, 443);
  const target = ports[0]?.targetPort;
  t.equal(typeof target === 'string' ? containerPort(target) : target, DEFAULT_PORT, 'targetPort resolves to DEFAULT_PORT');
});

t.test('every webhook calls the nsguard Service on a path the server serves', async (t) => {
  t.same(mutating.map((w) => w.name), [...MUTATING_WEBHOOKS], 'the mutating webhooks nsguard certs patches');
  t.same(validating.map((w) => w.name), [...VALIDATING_WEBHOOKS], 'the validating webhooks nsguard certs patches');
  for (const [webhooks, path] of [[mutating, '/mutate'], [validating, '/validate']] as const) {
    for (const webhook of webhooks) {
      const port = (service['spec'] as { ports: { port: number }[] }).ports.map((p) => p.port);
      t.same(webhook.clientConfig.service, { name: 'nsguard', namespace: 'nsguard', path, port: port[0] }, `${webhook.name} → ${path}`);
      t.same(webhook.admissionReviewVersions, ['v1'], `${webhook.name}: AdmissionReview v1 only`);
      t.equal(webhook.sideEffects, 'None');
      t.equal(webhook.timeoutSeconds, 3);
    }
  }
});

t.test('failure policies: validation fails closed, namespace mutation open (the controller backfills)', async (t) => {
  for (const webhook of validating) t.equal(webhook.failurePolicy, 'Fail', webhook.name);
  for (const webhook of mutating) t.equal(webhook.failurePolicy, 'Ignore', webhook.name);
});

t.test('the validating rules are NetworkPolicy CREATE/UPDATE/DELETE, Namespace CREATE/UPDATE and the Calico policy kinds in both groups, and no other kind', async (t) => {
  const registered = validating.flatMap((w) => [...expand(w)].map(([, group, version, resource, operation]) => `${group}/${version}/${resource} ${operation}`));
  const calico = ['crd.projectcalico.org/v1', 'projectcalico.org/v3'].flatMap((gv) =>
    ['globalnetworkpolicies', 'networkpolicies', 'stagedglobalnetworkpolicies', 'stagednetworkpolicies'].flatMap((r) => ['CREATE', 'DELETE', 'UPDATE'].map((o) => `${gv}/${r} ${o}`)),
  );
  t.same(registered.sort(), [
    '/v1/namespaces CREATE',
    '/v1/namespaces UPDATE',
    ...calico.slice(0, 12),
    'networking.k8s.io/v1/networkpolicies CREATE',
    'networking.k8s.io/v1/networkpolicies DELETE',
    'networking.k8s.io/v1/networkpolicies UPDATE',
    ...calico.slice(12),
  ]);
});

t.test('every registered validating rule is a kind validateRequest judges', async (t) => {
  const view = new ClusterState();
  for (const webhook of validating) {
    for (const [rule, group, version, resource, operation] of expand(webhook)) {
      const request = requestFor(rule, group, version, resource, operation);
      let thrown: unknown;
      try {
        validateRequest(request, view, DEFAULT_CONFIG);
      } catch (err) {
        thrown = err;
      }
      t.notOk(thrown instanceof NsguardError && thrown.code === 'NSG_UNSUPPORTED_KIND', `${group}/${version} ${resource} ${operation} is judged`);
      t.equal(thrown, undefined, `${group}/${version} ${resource} ${operation} judges a minimal object without error`);
    }
  }
});

t.test('the mutating rule is Namespace CREATE, which mutateNamespace patches', async (t) => {
  const registered = mutating.flatMap((w) => [...expand(w)]);
  t.same(registered.map(([, g, v, r, o]) => `${g}/${v}/${r} ${o}`), ['/v1/namespaces CREATE']);
  for (const [rule, group, version, resource, operation] of registered) {
    const outcome = mutateNamespace(requestFor(rule, group, version, resource, operation), DEFAULT_CONFIG, NO_NAMESPACES);
    t.ok(outcome.patch.length > 0, 'a plain namespace gets the isolation defaults');
  }
});

t.test('namespaceSelectors keep nsguard out, so nsguard never needs nsguard; validation still judges kube-system', async (t) => {
  for (const webhook of [...mutating, ...validating]) {
    const [expression, ...rest] = webhook.namespaceSelector.matchExpressions;
    t.same(rest, [], webhook.name);
    t.equal(expression?.key, 'kubernetes.io/metadata.name');
    t.equal(expression?.operator, 'NotIn');
    t.ok(expression?.values.includes('nsguard'), `${webhook.name} excludes nsguard`);
  }
  for (const webhook of validating) t.same(webhook.namespaceSelector.matchExpressions[0]?.values, ['nsguard'], `${webhook.name} judges kube-system: exempt never means unchecked`);
  t.same(mutating[0]?.namespaceSelector.matchExpressions[0]?.values, DEFAULT_CONFIG.exemptNamespaces, 'mutation skips what the mutation itself exempts');
});

t.test('every map access in a matchCondition is guarded with has(): a missing key is a CEL error, and an error under Fail refuses', async (t) => {
  const expressions = validating.flatMap((w) => (w.matchConditions ?? []).map((c) => c.expression));
  for (const map of ['labels', 'annotations']) {
    for (const object of ['object', 'oldObject']) {
      const reads = expressions.join('\n').split(`${object}.metadata.${map}`).length - 1;
      const guarded = expressions.join('\n').split(`has(${object}.metadata.${map})`).length - 1;
      t.ok(reads === 2 * guarded, `${object}.metadata.${map}: each read follows its has() (${reads} reads, ${guarded} guards)`);
    }
  }
});

// What each validating webhook is sent, its matchConditions evaluated in CEL as the apiserver does.
const TENANT = { username: 'alice@example.com', groups: ['tenants', 'system:authenticated'] };
const NAMESPACE_CONTROLLER = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts'] };
const GARBAGE_COLLECTOR = { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts'] };
const CONTROLLER_MANAGER = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const NSGUARD = { username: 'system:serviceaccount:nsguard:nsguard', groups: ['system:serviceaccounts'] };
const CALICO_APISERVER = { username: 'system:serviceaccount:calico-apiserver:calico-apiserver', groups: ['system:serviceaccounts'] };
const TIGERA_APISERVER = { username: 'system:serviceaccount:tigera-system:tigera-apiserver', groups: ['system:serviceaccounts'] };
const calicoPolicy = (apiVersion: string, name: string) => ({ apiVersion, kind: 'NetworkPolicy', metadata: { name, namespace: 'shop' }, spec: {} });

const namespace = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', ...metadata } });
const named = { labels: { 'kubernetes.io/metadata.name': 'shop' } };
const netpol = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec: { podSelector: {} } };

interface Case {
  readonly name: string;
  readonly webhook: (typeof VALIDATING_WEBHOOKS)[number];
  readonly operation: Operation;
  readonly user: { username: string; groups: string[] };
  readonly object?: Record<string, unknown>;
  readonly oldObject?: Record<string, unknown>;
  /** A DELETECOLLECTION item reaches the webhook with an empty name. */
  readonly collection?: boolean;
  readonly sent: boolean;
}

const CASES: readonly Case[] = [
  { name: "a tenant's NetworkPolicy CREATE", webhook: 'networkpolicies.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: netpol, sent: true },
  { name: "a tenant's NetworkPolicy UPDATE", webhook: 'networkpolicies.validate.nsguard.io', operation: 'UPDATE', user: TENANT, object: netpol, oldObject: netpol, sent: true },
  { name: "a tenant's NetworkPolicy DELETE", webhook: 'networkpolicies.validate.nsguard.io', operation: 'DELETE', user: TENANT, oldObject: netpol, sent: true },
  { name: "a tenant's DELETECOLLECTION item", webhook: 'networkpolicies.validate.nsguard.io', operation: 'DELETE', user: TENANT, oldObject: netpol, collection: true, sent: true },
  { name: "nsguard's own apply of a generated policy", webhook: 'networkpolicies.validate.nsguard.io', operation: 'UPDATE', user: NSGUARD, object: netpol, oldObject: netpol, sent: true },
  { name: "the namespace controller's DELETECOLLECTION item", webhook: 'networkpolicies.validate.nsguard.io', operation: 'DELETE', user: NAMESPACE_CONTROLLER, oldObject: netpol, collection: true, sent: false },
  { name: "the garbage collector's DELETE", webhook: 'networkpolicies.validate.nsguard.io', operation: 'DELETE', user: GARBAGE_COLLECTOR, oldObject: netpol, sent: false },
  { name: 'a DELETE by kube-controller-manager without per-controller credentials', webhook: 'networkpolicies.validate.nsguard.io', operation: 'DELETE', user: CONTROLLER_MANAGER, oldObject: netpol, sent: false },
  { name: '`kubectl create namespace shop`: only the name label', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: namespace(named), sent: false },
  { name: 'a namespace from generateName (the apiserver sets no name label yet)', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'ci-' } }, sent: false },
  { name: 'a namespace with Pod Security labels only', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: namespace({ labels: { ...named.labels, 'pod-security.kubernetes.io/enforce': 'restricted' } }), sent: false },
  { name: 'a namespace with a foreign annotation only (kubectl apply)', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: namespace({ ...named, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }), sent: false },
  { name: 'a namespace born with an environment label', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: namespace({ labels: { ...named.labels, env: 'prod' } }), sent: true },
  { name: 'a namespace born with a label some policy may select on', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: namespace({ labels: { ...named.labels, role: 'monitoring' } }), sent: true },
  { name: 'a namespace born with an nsguard annotation', webhook: 'namespaces.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: namespace({ ...named, annotations: { 'nsguard.io/isolation': 'none' } }), sent: true },
  { name: 'a relabelled namespace', webhook: 'namespaces.validate.nsguard.io', operation: 'UPDATE', user: TENANT, object: namespace({ labels: { ...named.labels, env: 'test' } }), oldObject: namespace(named), sent: true },
  { name: 'a namespace given its first labels', webhook: 'namespaces.validate.nsguard.io', operation: 'UPDATE', user: TENANT, object: namespace(named), oldObject: namespace({}), sent: true },
  { name: 'a namespace whose annotations change', webhook: 'namespaces.validate.nsguard.io', operation: 'UPDATE', user: TENANT, object: namespace({ ...named, annotations: { 'nsguard.io/isolation': 'none' } }), oldObject: namespace(named), sent: true },
  { name: 'a namespace UPDATE of its finalizers only', webhook: 'namespaces.validate.nsguard.io', operation: 'UPDATE', user: TENANT, object: namespace({ ...named, finalizers: ['example.com/x'] }), oldObject: namespace(named), sent: false },
  { name: 'a namespace UPDATE with no labels either side', webhook: 'namespaces.validate.nsguard.io', operation: 'UPDATE', user: TENANT, object: namespace({}), oldObject: namespace({}), sent: false },
  { name: "a tenant's Calico NetworkPolicy CREATE through the Calico API server", webhook: 'calico-policies.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: calicoPolicy('projectcalico.org/v3', 'p'), sent: true },
  { name: "the namespace controller's delete of a Calico NetworkPolicy", webhook: 'calico-policies.validate.nsguard.io', operation: 'DELETE', user: NAMESPACE_CONTROLLER, oldObject: calicoPolicy('projectcalico.org/v3', 'p'), collection: true, sent: false },
  { name: "calicoctl's CREATE of the CRD", webhook: 'calico-crds.validate.nsguard.io', operation: 'CREATE', user: TENANT, object: calicoPolicy('crd.projectcalico.org/v1', 'default.p'), sent: true },
  { name: "the Calico API server's backend write of what it admitted", webhook: 'calico-crds.validate.nsguard.io', operation: 'CREATE', user: CALICO_APISERVER, object: calicoPolicy('crd.projectcalico.org/v1', 'default.p'), sent: false },
  { name: "Calico Enterprise's API server's backend write", webhook: 'calico-crds.validate.nsguard.io', operation: 'UPDATE', user: TIGERA_APISERVER, object: calicoPolicy('crd.projectcalico.org/v1', 'default.p'), oldObject: calicoPolicy('crd.projectcalico.org/v1', 'default.p'), sent: false },
];

t.test('matchConditions, evaluated in CEL: what each webhook is sent, and no condition errs', async (t) => {
  for (const c of CASES) {
    const webhook = validating.find((w) => w.name === c.webhook);
    if (webhook === undefined) throw new Error(`no webhook ${c.webhook}`);
    const kind = c.webhook.startsWith('namespaces') ? 'Namespace' : 'NetworkPolicy';
    const calicoGroup = c.webhook.startsWith('calico-crds') ? 'crd.projectcalico.org' : c.webhook.startsWith('calico') ? 'projectcalico.org' : undefined;
    const builtin = BUILTIN_RESOURCES.find((r) => r.kind === kind && r.group !== 'events.k8s.io');
    const resource =
      calicoGroup === undefined || builtin === undefined
        ? builtin
        : { ...builtin, group: calicoGroup, version: calicoGroup === 'projectcalico.org' ? 'v3' : 'v1' };
    if (resource === undefined) throw new Error(`no resource for ${kind}`);
    const subject = c.object ?? c.oldObject ?? {};
    const metadata = subject['metadata'] as Record<string, unknown>;
    const attributes: AdmissionAttributes = {
      resource,
      operation: c.operation,
      name: c.collection === true ? '' : String(metadata['name'] ?? ''),
      namespace: kind === 'NetworkPolicy' ? 'shop' : undefined,
      object: c.object,
      oldObject: c.oldObject,
      user: c.user,
      dryRun: false,
      namespaceLabels: {},
    };
    t.same(evaluateMatchConditions(webhook, attributes), { match: c.sent }, `${c.name}: ${c.sent ? 'sent' : 'not sent'}`);
  }
});
