import t from 'tap';
import type { ClusterState } from '../../../src/cluster/cluster-state.ts';
import { parseConfig } from '../../../src/config/load-config.ts';
import type { Generation } from '../../../src/policy/generate/generation.ts';
import { generationFor, nameOf, needsUpdate, removalOrder } from '../../../src/policy/generate/generation.ts';
import type { Config, Policy } from '../../../src/policy/objects/model.ts';
import { clusterFrom, configWith, policy } from '../../support/cluster.ts';

// A `web` template beside the default one, using every placeholder.
const CONFIG = parseConfig(
  `
templates:
  web:
    - metadata: { name: nsguard-allow-dns }
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ]
            ports: [ { protocol: UDP, port: 53 }, { protocol: TCP, port: 53 } ]
    - metadata: { name: nsguard-allow-peers, labels: { team-template: "\${template}" } }
      spec:
        podSelector: {}
        policyTypes: [Ingress]
        ingress:
          - from:
              - namespaceSelector: { matchLabels: { env: "\${env}" } }
              - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: "\${namespace}" } }
    - metadata: { name: nsguard-deny-all }
      spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
`,
  'test.yaml',
);

const DEFAULT_NAMES = ['nsguard-allow-dns', 'nsguard-allow-same-namespace', 'nsguard-allow-ingress-controller', 'nsguard-allow-monitoring', 'nsguard-default-deny'];
const WEB_NAMES = ['nsguard-allow-dns', 'nsguard-allow-peers', 'nsguard-deny-all'];

const namespace = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): string =>
  `---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n  annotations: ${JSON.stringify(annotations)}\n`;

const netpol = (ns: string, name: string, labels: Record<string, string>, annotations: Record<string, string>, spec: string): string =>
  `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: ${JSON.stringify(labels)}\n  annotations: ${JSON.stringify(annotations)}\nspec: ${spec}\n`;

const ALLOW_FRONTEND_SPEC = '{ podSelector: { matchLabels: { app: api } }, ingress: [ { from: [ { podSelector: { matchLabels: { app: frontend } } } ], ports: [ { port: 8080 } ] } ] }';
const ALLOW_DB_SPEC = '{ podSelector: {}, policyTypes: [Egress], egress: [ { to: [ { namespaceSelector: { matchLabels: { team: db } } } ], ports: [ { port: 5432 } ] } ] }';

/**
 * platform-prod (template web) ← shop-prod (template default, one own policy, nsguard's own policies, a
 * copy inherited from platform-prod) ← the child under test.
 */
const FAMILY =
  namespace('platform-prod', { env: 'prod' }, { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'web' }) +
  netpol('platform-prod', 'allow-db', {}, {}, ALLOW_DB_SPEC) +
  namespace('shop-prod', { env: 'prod' }, { 'nsguard.io/isolation': 'strict', 'nsguard.io/template': 'default', 'nsguard.io/parent': 'platform-prod' }) +
  netpol('shop-prod', 'allow-frontend', { team: 'shop' }, { owner: 'jane' }, ALLOW_FRONTEND_SPEC) +
  netpol('shop-prod', 'nsguard-default-deny', { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/template': 'web' }, {}, '{ podSelector: {}, policyTypes: [Ingress, Egress] }') +
  netpol(
    'shop-prod',
    'nsguard-inherit-allow-db',
    { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/inherit': 'true' },
    { 'nsguard.io/inherited-from': 'platform-prod/allow-db' },
    ALLOW_DB_SPEC,
  );

function generation(state: ClusterState, name: string, config: Config = CONFIG): Generation {
  const ns = state.namespace(name);
  if (ns === undefined) throw new Error(`no namespace ${name} in the fixture`);
  return generationFor(ns, state, config);
}

const names = (g: Generation): string[] => g.policies.map((p) => p.policy.name);
const reasons = (g: Generation): string[] => g.problems.map((p) => p.reason);

t.test('exempt namespaces get nothing, whatever their annotations', async (t) => {
  const state = clusterFrom(
    namespace('kube-system', {}, { 'nsguard.io/isolation': 'strict' }) + namespace('tools', { 'nsguard.io/exempt': 'true' }, { 'nsguard.io/isolation': 'strict' }) + namespace('shop'),
  );
  const listed = generation(state, 'kube-system');
  t.equal(listed.exempt, true, 'a namespace in exemptNamespaces is exempt');
  t.strictSame(listed.policies, []);
  t.equal(listed.template, undefined);

  const config: Config = { ...CONFIG, exemptNamespaceSelector: { requirements: [{ key: 'nsguard.io/exempt', operator: 'In', values: ['true'] }] } };
  t.equal(generation(state, 'tools', config).exempt, true, 'a namespace matching exemptNamespaceSelector is exempt');
  t.strictSame(generation(state, 'tools', config).policies, []);
  t.equal(generation(state, 'tools').exempt, false, 'without the selector it is not');
  t.equal(generation(state, 'shop', config).exempt, false, 'a namespace the selector does not match is not');
});

t.test('isolation levels', async (t) => {
  const state = clusterFrom(
    namespace('strict-ns', {}, { 'nsguard.io/isolation': 'strict' }) +
      namespace('ingress-ns', {}, { 'nsguard.io/isolation': 'ingress' }) +
      namespace('none-ns', {}, { 'nsguard.io/isolation': 'none' }) +
      namespace('bare') +
      namespace('typo', {}, { 'nsguard.io/isolation': 'full' }),
  );
  const strict = generation(state, 'strict-ns');
  t.strictSame(names(strict), DEFAULT_NAMES, 'strict: the default template in creation order');
  t.strictSame(strict.problems, []);
  t.equal(strict.template, 'default');
  for (const { manifest, policy } of strict.policies) {
    t.equal(policy.namespace, 'strict-ns', `${policy.name} is placed in the namespace`);
    t.equal(policy.labels['app.kubernetes.io/managed-by'], 'nsguard', `${policy.name} is labelled managed-by nsguard`);
    t.equal(policy.labels['nsguard.io/template'], 'default', `${policy.name} carries its template`);
    t.equal(nameOf(manifest), policy.name);
  }
  t.ok(strict.policies.some((p) => p.policy.types.has('egress')), 'strict egress-isolates');

  const ingress = generation(state, 'ingress-ns');
  t.strictSame(names(ingress), DEFAULT_NAMES.filter((n) => n !== 'nsguard-allow-dns'), 'ingress: the egress-only DNS rule is dropped');
  for (const { policy } of ingress.policies) t.strictSame([...policy.types], ['ingress'], `${policy.name} governs ingress only`);

  const none = generation(state, 'none-ns');
  t.equal(none.isolation, 'none');
  t.equal(none.exempt, false);
  t.strictSame(none.policies, [], 'none: nothing');

  t.equal(generation(state, 'bare').isolation, 'strict', 'no annotation: the configured default');
  t.equal(generation(state, 'bare', { ...CONFIG, defaultIsolation: 'ingress' }).isolation, 'ingress', 'which follows the configuration');

  const typo = generation(state, 'typo', { ...CONFIG, defaultIsolation: 'ingress' });
  t.equal(typo.isolation, 'ingress', 'an invalid value does not switch isolation off: the default applies');
  t.strictSame(reasons(typo), ['InvalidIsolation']);
  t.match(typo.problems[0]?.message, /nsguard\.io\/isolation=full .* ingress applies/);
  t.equal(typo.policies.length, DEFAULT_NAMES.length - 1);
});

t.test('templates', async (t) => {
  const state = clusterFrom(
    namespace('shop-prod', { env: 'prod' }, { 'nsguard.io/template': 'web' }) + namespace('sandbox', {}, { 'nsguard.io/template': 'web' }) + namespace('odd', {}, { 'nsguard.io/template': 'nope' }),
  );
  const web = generation(state, 'shop-prod');
  t.equal(web.template, 'web');
  t.strictSame(names(web), WEB_NAMES);
  const peers = web.policies.find((p) => p.policy.name === 'nsguard-allow-peers');
  t.strictSame(peers?.manifest['spec'], {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop-prod' } } }] }],
  }, 'placeholders are filled with the namespace and its environment');
  t.equal(peers?.policy.labels['team-template'], 'web', '${template} is the template name');
  t.equal(peers?.policy.labels['nsguard.io/template'], 'web');

  const noEnv = generation(state, 'sandbox').policies.find((p) => p.policy.name === 'nsguard-allow-peers');
  t.strictSame(noEnv?.policy.ingress[0]?.peers?.[0], { kind: 'namespaces', namespaceSelector: { requirements: [{ key: 'env', operator: 'In', values: [''] }] }, podSelector: undefined }, 'no environment label: ${env} is empty');

  const odd = generation(state, 'odd');
  t.equal(odd.template, 'default', 'an unknown template falls back to the default one');
  t.strictSame(names(odd), DEFAULT_NAMES);
  t.strictSame(reasons(odd), ['UnknownTemplate']);
  t.match(odd.problems[0]?.message, /template nope .*not configured; template default applies/);
});

t.test('a child gets copies of its parent policies', async (t) => {
  const state = clusterFrom(FAMILY + namespace('shop-feature', { env: 'prod' }, { 'nsguard.io/parent': 'shop-prod', 'nsguard.io/template': 'default' }));
  const child = generation(state, 'shop-feature');
  t.strictSame(child.problems, []);
  t.equal(child.parent, 'shop-prod');
  t.equal(child.template, 'web', 'the template is the root of the chain: platform-prod names web');
  t.strictSame(names(child), [...WEB_NAMES, 'nsguard-inherit-allow-db', 'nsguard-inherit-allow-frontend'], 'template policies first, then the copies by name');
  t.notOk(names(child).some((n) => n.includes('default-deny')), "the parent's generated template policies are not copied");

  const copy = child.policies.find((p) => p.policy.name === 'nsguard-inherit-allow-frontend')?.policy;
  const original = state.policies('shop-prod').find((p) => p.name === 'allow-frontend');
  if (copy === undefined || original === undefined) throw new Error('missing copy or original');
  t.equal(copy.namespace, 'shop-feature');
  t.strictSame(copy.labels, { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/inherit': 'true' }, "the copy carries nsguard's labels, not the original's");
  t.strictSame(copy.annotations, { 'nsguard.io/inherited-from': 'shop-prod/allow-frontend' });
  t.strictSame([copy.podSelector, copy.ingress, copy.egress, [...copy.types]], [original.podSelector, original.ingress, original.egress, [...original.types]], 'the same rules as the original');

  const transitive = child.policies.find((p) => p.policy.name === 'nsguard-inherit-allow-db')?.policy;
  t.strictSame(transitive?.annotations, { 'nsguard.io/inherited-from': 'platform-prod/allow-db' }, "a grandparent's policy passes through keeping its name and origin");
  t.ok(transitive?.types.has('egress'));
});

t.test('an ingress-isolated child keeps only the ingress half of copies', async (t) => {
  const state = clusterFrom(FAMILY + namespace('shop-feature', { env: 'prod' }, { 'nsguard.io/parent': 'shop-prod', 'nsguard.io/isolation': 'ingress' }));
  const child = generation(state, 'shop-feature');
  t.strictSame(names(child), ['nsguard-allow-peers', 'nsguard-deny-all', 'nsguard-inherit-allow-frontend'], 'the egress-only copy is dropped');
});

t.test('a parent that cannot be used is a problem, and the namespace stands alone', async (t) => {
  const cases: { name: string; yaml: string; child: string; reason: string; message: RegExp }[] = [
    {
      name: 'a missing parent',
      yaml: namespace('orphan', {}, { 'nsguard.io/parent': 'gone' }),
      child: 'orphan',
      reason: 'ParentMissing',
      message: /parent namespace gone .*does not exist/,
    },
    {
      name: 'a cycle a → b → a',
      yaml: namespace('a', {}, { 'nsguard.io/parent': 'b' }) + namespace('b', {}, { 'nsguard.io/parent': 'a' }) + netpol('b', 'own', {}, {}, ALLOW_FRONTEND_SPEC),
      child: 'a',
      reason: 'ParentCycle',
      message: /cycle: a → b → a/,
    },
    {
      name: 'a namespace naming itself',
      yaml: namespace('selfish', {}, { 'nsguard.io/parent': 'selfish' }),
      child: 'selfish',
      reason: 'ParentCycle',
      message: /cycle: selfish → selfish/,
    },
    {
      name: 'a child of another environment than its parent',
      yaml: FAMILY + namespace('shop-test', { env: 'test' }, { 'nsguard.io/parent': 'shop-prod' }),
      child: 'shop-test',
      reason: 'ParentEnvironment',
      message: /parent namespace shop-prod is env=prod but this namespace has env=test/,
    },
    {
      name: 'a child without environment under a prod parent',
      yaml: FAMILY + namespace('loose', {}, { 'nsguard.io/parent': 'shop-prod' }),
      child: 'loose',
      reason: 'ParentEnvironment',
      message: /has no environment label/,
    },
  ];
  for (const c of cases) {
    const g = generation(clusterFrom(c.yaml), c.child);
    t.strictSame(reasons(g), [c.reason], `${c.name}: ${c.reason}`);
    t.match(g.problems[0]?.message, c.message, `${c.name}: the message says why`);
    t.equal(g.parent, undefined, `${c.name}: no parent is used`);
    t.strictSame(names(g), DEFAULT_NAMES, `${c.name}: its own (default) template, no copies`);
  }
});

const BASE = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: nsguard-allow-web, namespace: shop, labels: { app.kubernetes.io/managed-by: nsguard, nsguard.io/template: web } }
spec:
  podSelector: { matchLabels: { app: web, tier: front } }
  policyTypes: [Ingress]
  ingress: [ { from: [ { namespaceSelector: { matchLabels: { env: prod } } } ], ports: [ { port: 80 }, { port: 443 } ] } ]
`;

t.test('needsUpdate compares as values', async (t) => {
  const desired = policy(BASE);
  const cases: { name: string; current: string; expect: boolean }[] = [
    { name: 'the same policy', current: BASE, expect: false },
    {
      name: 'keys and matchLabels written in another order',
      current: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
spec:
  ingress: [ { ports: [ { port: 80, protocol: TCP }, { port: 443 } ], from: [ { namespaceSelector: { matchLabels: { env: prod } } } ] } ]
  policyTypes: [Ingress]
  podSelector: { matchLabels: { tier: front, app: web } }
metadata: { labels: { nsguard.io/template: web, app.kubernetes.io/managed-by: nsguard }, namespace: shop, name: nsguard-allow-web }
`,
      expect: false,
    },
    { name: 'matchLabels as the equivalent In expressions', current: BASE.replace('{ matchLabels: { app: web, tier: front } }', '{ matchExpressions: [ { key: tier, operator: In, values: [front] }, { key: app, operator: In, values: [web] } ] }'), expect: false },
    { name: 'an extra label or annotation someone added', current: BASE.replace('nsguard.io/template: web }', 'nsguard.io/template: web, extra: x }, annotations: { kubectl.kubernetes.io/last-applied-configuration: "{}" }'), expect: false },
    { name: 'a changed port', current: BASE.replace('{ port: 443 }', '{ port: 8443 }'), expect: true },
    { name: 'a port dropped', current: BASE.replace(', { port: 443 }', ''), expect: true },
    { name: 'the managed-by label lost', current: BASE.replace('app.kubernetes.io/managed-by: nsguard, ', ''), expect: true },
    { name: 'the template label changed', current: BASE.replace('nsguard.io/template: web', 'nsguard.io/template: other'), expect: true },
    { name: 'egress added to policyTypes', current: BASE.replace('policyTypes: [Ingress]', 'policyTypes: [Ingress, Egress]'), expect: true },
    { name: 'a wider pod selector', current: BASE.replace('{ matchLabels: { app: web, tier: front } }', '{ matchLabels: { app: web } }'), expect: true },
    { name: 'another namespace selector', current: BASE.replace('env: prod', 'env: test'), expect: true },
  ];
  for (const c of cases) t.equal(needsUpdate(policy(c.current), desired), c.expect, c.name);
  const withOrigin = (origin: string): Policy => ({ ...desired, annotations: { 'nsguard.io/inherited-from': origin } });
  t.equal(needsUpdate(desired, withOrigin('a/b')), true, 'a missing nsguard annotation needs an update');
  t.equal(needsUpdate(withOrigin('a/c'), withOrigin('a/b')), true, 'so does a changed one');
});

t.test('removalOrder: copies first, then each template backwards', async (t) => {
  const state = clusterFrom(FAMILY + namespace('shop-feature', { env: 'prod' }, { 'nsguard.io/parent': 'shop-prod' }));
  const generated = generation(state, 'shop-feature', CONFIG).policies.map((p) => p.policy);
  const defaults = generation(clusterFrom(namespace('shop')), 'shop', CONFIG).policies.map((p) => p.policy);
  const order = removalOrder([...generated, ...defaults].reverse(), CONFIG).map((p) => `${p.namespace}/${p.name}`);
  t.strictSame(order.slice(0, 2), ['shop-feature/nsguard-inherit-allow-db', 'shop-feature/nsguard-inherit-allow-frontend'], 'inherited copies go first');
  const defaultOrder = order.filter((n) => n.startsWith('shop/'));
  t.strictSame(defaultOrder, [...DEFAULT_NAMES].reverse().map((n) => `shop/${n}`), 'the default template in reverse creation order');
  t.ok(defaultOrder.indexOf('shop/nsguard-default-deny') < defaultOrder.indexOf('shop/nsguard-allow-dns'), 'the default deny goes before DNS is cut');
  const webOrder = order.filter((n) => n.startsWith('shop-feature/nsguard-') && !n.includes('inherit'));
  t.strictSame(webOrder, [...WEB_NAMES].reverse().map((n) => `shop-feature/${n}`));
});

t.test('removalOrder keeps the default deny before DNS when names carry placeholders', async (t) => {
  const templated = (dns: string, deny: string): Config =>
    parseConfig(
      `
defaultTemplate: named
templates:
  named:
    - metadata: { name: "${dns}" }
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress: [ { to: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } } ], ports: [ { protocol: UDP, port: 53 }, { protocol: TCP, port: 53 } ] } ]
    - metadata: { name: "${deny}" }
      spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
`,
      'test.yaml',
    );
  // Names chosen so that name order alone would remove DNS first.
  const cases: { name: string; config: Config; expect: string[] }[] = [
    { name: '${namespace} in the names', config: templated('nsguard-${namespace}-allow-dns', 'nsguard-${namespace}-zz-deny'), expect: ['nsguard-shop-prod-zz-deny', 'nsguard-shop-prod-allow-dns'] },
    { name: '${env} and ${template} in the names', config: templated('nsguard-${env}-allow-dns', 'nsguard-zz-${template}-${env}'), expect: ['nsguard-zz-named-prod', 'nsguard-prod-allow-dns'] },
  ];
  for (const c of cases) {
    const leftovers = generation(clusterFrom(namespace('shop-prod', { env: 'prod' })), 'shop-prod', c.config).policies.map((p) => p.policy);
    t.strictSame(leftovers.map((p) => p.name).sort(), [...c.expect].sort(), `${c.name}: generated as expected`);
    t.strictSame(removalOrder(leftovers, c.config).map((p) => p.name), c.expect, `${c.name}: the deny is removed first, so DNS is never cut in between`);
  }
});

t.test('removalOrder without the template (it left the config): denies first, DNS last', async (t) => {
  const leftovers = generation(clusterFrom(namespace('shop')), 'shop', CONFIG).policies.map((p) => p.policy);
  const gone = { ...CONFIG, templates: new Map() };
  const order = removalOrder(leftovers, gone).map((p) => p.name);
  t.equal(order[0], 'nsguard-default-deny', 'the pure deny goes first');
  t.equal(order[order.length - 1], 'nsguard-allow-dns', 'DNS last: every other egress-isolating policy is gone before it');
});

t.test('removalOrder without the template: DNS is read from port, protocol and peers, a rule without ports included', async (t) => {
  const gone: Config = { ...CONFIG, templates: new Map(), dns: { ...CONFIG.dns, nodeLocalIPs: ['169.254.20.10'] } };
  const leftover = (name: string, spec: string): Policy =>
    policy(netpol('shop', name, { 'app.kubernetes.io/managed-by': 'nsguard', 'nsguard.io/template': 'removed' }, {}, spec));
  const egress = (rule: string): string => `{ podSelector: {}, policyTypes: [Egress], egress: [ ${rule} ] }`;
  const KUBE_SYSTEM = 'to: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } } ]';
  const deny = leftover('zz-deny', '{ podSelector: {}, policyTypes: [Egress] }');
  const https = leftover('mm-allow-https', egress(`{ ${KUBE_SYSTEM}, ports: [ { protocol: TCP, port: 443 } ] }`));
  // Named first so that, unless it counts as allowing DNS, it goes before the HTTPS policy.
  const cases: { name: string; rule: string; dns: boolean }[] = [
    { name: 'a rule without ports (every port)', rule: `{ ${KUBE_SYSTEM} }`, dns: true },
    { name: '53 over UDP', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: UDP, port: 53 } ] }`, dns: true },
    { name: '53 over TCP only', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: TCP, port: 53 } ] }`, dns: true },
    { name: 'every UDP port', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: UDP } ] }`, dns: true },
    { name: 'a range spanning 53', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: UDP, port: 1, endPort: 1024 } ] }`, dns: true },
    { name: 'a named UDP port (it may name 53)', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: UDP, port: dns } ] }`, dns: true },
    { name: '53 to the node-local cache', rule: '{ to: [ { ipBlock: { cidr: 169.254.20.10/32 } } ], ports: [ { protocol: UDP, port: 53 } ] }', dns: true },
    { name: '53 over SCTP only', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: SCTP, port: 53 } ] }`, dns: false },
    { name: 'a named SCTP port', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: SCTP, port: dns } ] }`, dns: false },
    { name: 'another port', rule: `{ ${KUBE_SYSTEM}, ports: [ { protocol: UDP, port: 123 } ] }`, dns: false },
    { name: 'every port, to the own namespace only', rule: '{ to: [ { podSelector: {} } ] }', dns: false },
    { name: '53 to a namespace without DNS', rule: '{ to: [ { namespaceSelector: { matchLabels: { team: db } } } ], ports: [ { protocol: UDP, port: 53 } ] }', dns: false },
  ];
  for (const c of cases) {
    const order = removalOrder([leftover('aa-candidate', egress(c.rule)), https, deny], gone).map((p) => p.name);
    const expect = c.dns ? ['zz-deny', 'mm-allow-https', 'aa-candidate'] : ['zz-deny', 'aa-candidate', 'mm-allow-https'];
    t.strictSame(order, expect, `${c.name}: ${c.dns ? 'allows DNS, so it goes last' : 'does not allow DNS, so it goes with the other allows'}`);
  }
});

t.test('generationFor does not depend on the configuration object identity', async (t) => {
  // configWith() keeps DEFAULT_CONFIG's templates: the default template is there.
  const g = generation(clusterFrom(namespace('plain')), 'plain', configWith());
  t.strictSame(names(g), DEFAULT_NAMES);
});
