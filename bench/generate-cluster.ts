// A synthetic cluster in the state-file format (a kubectl `v1 List`, as JSON), seeded so two runs write
// the same bytes. Shaped like a multi-tenant cluster: deployments whose replicas share labels (with a
// pod-template-hash), statefulsets whose pods each carry their own pod-name label, prod/test/other
// namespaces, kube-system with CoreDNS, ingress-nginx, monitoring, nsguard's generated defaults per
// isolated namespace (as examples/cluster.yaml has them) and a few tenant policies per namespace.
//
// `node bench/generate-cluster.ts --namespaces 10000 --pods 150000 --out FILE`
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

export interface ClusterSize {
  readonly namespaces: number;
  readonly pods: number;
  readonly seed?: number;
}

export interface GeneratedCluster {
  readonly file: string;
  readonly namespaces: number;
  readonly pods: number;
  readonly policies: number;
  readonly bytes: number;
}

/**
 * Namespaces the load scenarios address: they exist at every size, so a scenario's verdict does not
 * depend on which tenants the seed happened to make.
 */
export const TARGETS = {
  /** env=prod, isolated, with a `web` deployment and a `mysql` statefulset. */
  prod: 'shop-prod',
  /** env=test twin of shop-prod: what a NotIn [prod] selector reaches. */
  test: 'shop-test',
  /** Opted out (`nsguard.io/isolation: none`, no defaults): an egress policy here decides DNS alone. */
  optedOut: 'legacy-other',
  /** A tenant policy present in `prod`, for the DELETE scenario. */
  tenantPolicy: 'web-to-mysql',
} as const;

type Json = Record<string, unknown>;

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'nsguard' };
const TEAMS = ['shop', 'payments', 'search', 'ads', 'identity', 'billing', 'media', 'data', 'ml', 'growth', 'infra', 'mobile'];
const APPS = ['web', 'api', 'worker', 'cache', 'gateway', 'auth', 'catalog', 'cart', 'orders', 'notify', 'reports', 'ingest'];
const STATEFUL_APPS = ['mysql', 'postgres', 'redis', 'kafka', 'elasticsearch', 'zookeeper'];
const TIERS: Readonly<Record<string, string>> = { web: 'frontend', gateway: 'frontend', cache: 'cache' };
const STATEFUL_PORTS: Readonly<Record<string, number>> = { mysql: 3306, postgres: 5432, redis: 6379, kafka: 9092, elasticsearch: 9200, zookeeper: 2181 };

/** mulberry32: tiny, fast, and the same sequence on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A JSON `List` written item by item, so 150k pods never sit in memory as one string. */
class ListWriter {
  readonly #out: ReturnType<typeof createWriteStream>;
  #buffer: string[] = [];
  #size = 0;
  #first = true;
  bytes = 0;
  count = { Namespace: 0, Pod: 0, NetworkPolicy: 0 };

  constructor(file: string) {
    this.#out = createWriteStream(file);
    this.#push('{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[\n');
  }

  async item(kind: 'Namespace' | 'Pod' | 'NetworkPolicy', object: Json): Promise<void> {
    this.count[kind]++;
    this.#push((this.#first ? '' : ',\n') + JSON.stringify(object));
    this.#first = false;
    if (this.#size > 1 << 20) await this.#flush();
  }

  async close(): Promise<void> {
    this.#push('\n]}\n');
    await this.#flush();
    this.#out.end();
    await once(this.#out, 'close');
  }

  #push(text: string): void {
    this.#buffer.push(text);
    this.#size += text.length;
    this.bytes += Buffer.byteLength(text);
  }

  async #flush(): Promise<void> {
    const chunk = this.#buffer.join('');
    this.#buffer = [];
    this.#size = 0;
    if (!this.#out.write(chunk)) await once(this.#out, 'drain');
  }
}

function namespace(name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name }, annotations },
    status: { phase: 'Active' },
  };
}

interface PortSpec {
  readonly name: string;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

function pod(ns: string, name: string, labels: Record<string, string>, ports: readonly PortSpec[], ip: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'main', image: 'registry.example/app:1', ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })) }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

function policy(ns: string, name: string, spec: Json, labels?: Record<string, string>): Json {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, ...(labels === undefined ? {} : { labels }) }, spec };
}

/** The five policies nsguard generates for an isolated namespace (examples/cluster.yaml). */
function defaults(ns: string): Json[] {
  return [
    policy(ns, 'nsguard-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, MANAGED_BY),
    policy(ns, 'nsguard-allow-same-namespace', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }], policyTypes: ['Ingress', 'Egress'] }, MANAGED_BY),
    policy(
      ns,
      'nsguard-allow-dns',
      {
        podSelector: {},
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
          },
        ],
        policyTypes: ['Egress'],
      },
      MANAGED_BY,
    ),
    policy(ns, 'nsguard-allow-ingress-controller', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }], policyTypes: ['Ingress'] }, MANAGED_BY),
    policy(ns, 'nsguard-allow-monitoring', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] }], policyTypes: ['Ingress'] }, MANAGED_BY),
  ];
}

function hash(rand: () => number, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
  return text;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

export async function generateCluster(size: ClusterSize, file: string): Promise<GeneratedCluster> {
  const rand = random(size.seed ?? 7);
  const out = new ListWriter(file);
  let ipCounter = 0;
  // 10.64.0.0/10 holds 4M addresses: unique pod IPs at any size this generator makes.
  const nextIp = (): string => {
    const n = (64 << 16) + ++ipCounter;
    return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  };
  let podsLeft = size.pods;
  const emit = async (ns: string, name: string, labels: Record<string, string>, ports: readonly PortSpec[]): Promise<void> => {
    if (podsLeft <= 0) return;
    podsLeft--;
    await out.item('Pod', pod(ns, name, labels, ports, nextIp()));
  };

  // Infrastructure every cluster has; counted in the namespace total when there is room.
  const infra: [string, Record<string, string>][] = [
    ['kube-system', {}],
    ['ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }],
    ['monitoring', { role: 'monitoring' }],
  ];
  const fixed: [string, Record<string, string>, Record<string, string>][] = [
    [TARGETS.prod, { env: 'prod', team: 'shop' }, {}],
    [TARGETS.test, { env: 'test', team: 'shop' }, {}],
    [TARGETS.optedOut, { env: 'other', team: 'legacy' }, { 'nsguard.io/isolation': 'none' }],
  ];
  if (size.namespaces > 0) {
    for (const [name, labels] of infra) await out.item('Namespace', namespace(name, labels));
    for (const [name, labels, annotations] of fixed) await out.item('Namespace', namespace(name, labels, annotations));
  }
  const tenants = Math.max(0, size.namespaces - infra.length - fixed.length);
  const tenantNames: string[] = [];
  const tenantIsolated: boolean[] = [];
  for (let i = 0; i < tenants; i++) {
    const team = pick(rand, TEAMS);
    const roll = rand();
    const env = roll < 0.4 ? 'prod' : roll < 0.75 ? 'test' : 'other';
    const name = `${team}-${env}-${i}`;
    // About one namespace in ten opted out of isolation: the migration backlog every cluster has.
    const isolated = rand() >= 0.1;
    tenantNames.push(name);
    tenantIsolated.push(isolated);
    await out.item('Namespace', namespace(name, { env, team, ...(rand() < 0.3 ? { 'cost-center': `cc-${Math.floor(rand() * 50)}` } : {}) }, isolated ? {} : { 'nsguard.io/isolation': 'none' }));
  }

  if (size.namespaces > 0) {
    for (const ns of [TARGETS.prod, TARGETS.test]) {
      for (const p of defaults(ns)) await out.item('NetworkPolicy', p);
      await out.item(
        'NetworkPolicy',
        policy(ns, TARGETS.tenantPolicy, { podSelector: { matchLabels: { app: 'mysql' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 3306, protocol: 'TCP' }] }], policyTypes: ['Ingress'] }),
      );
    }
  }
  for (let i = 0; i < tenants; i++) {
    const ns = tenantNames[i] as string;
    if (!tenantIsolated[i]) continue;
    for (const p of defaults(ns)) await out.item('NetworkPolicy', p);
    const extra = 1 + Math.floor(rand() * 3);
    for (let j = 0; j < extra; j++) {
      const to = pick(rand, STATEFUL_APPS);
      const from = pick(rand, APPS);
      await out.item(
        'NetworkPolicy',
        policy(ns, `${from}-to-${to}-${j}`, {
          podSelector: { matchLabels: { app: to } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }], ports: [{ port: STATEFUL_PORTS[to] ?? 8080, protocol: 'TCP' }] }],
          policyTypes: ['Ingress'],
        }),
      );
    }
  }

  // Pods: infrastructure first, then the fixed targets, then tenants until the budget is spent.
  if (size.namespaces > 0) {
    const dnsHash = hash(rand, 10);
    for (let r = 0; r < 2; r++) await emit('kube-system', `coredns-${dnsHash}-${hash(rand, 5)}`, { 'k8s-app': 'kube-dns', 'pod-template-hash': dnsHash }, [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }]);
    const ingressHash = hash(rand, 9);
    for (let r = 0; r < 2; r++) await emit('ingress-nginx', `ingress-nginx-controller-${ingressHash}-${hash(rand, 5)}`, { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller', 'pod-template-hash': ingressHash }, [{ name: 'http', port: 80 }, { name: 'https', port: 443 }]);
    await emit('monitoring', 'prometheus-k8s-0', { 'app.kubernetes.io/name': 'prometheus', 'statefulset.kubernetes.io/pod-name': 'prometheus-k8s-0' }, [{ name: 'web', port: 9090 }]);
    for (const ns of [TARGETS.prod, TARGETS.test, TARGETS.optedOut]) {
      const webHash = hash(rand, 9);
      for (let r = 0; r < 3; r++) await emit(ns, `web-${webHash}-${hash(rand, 5)}`, { app: 'web', tier: 'frontend', team: 'shop', 'pod-template-hash': webHash }, [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9102 }]);
      for (let r = 0; r < 2; r++) await emit(ns, `mysql-${r}`, { app: 'mysql', team: 'shop', 'statefulset.kubernetes.io/pod-name': `mysql-${r}`, 'controller-revision-hash': 'mysql-6d8f' }, [{ name: 'mysql', port: 3306 }, { name: 'metrics', port: 9104 }]);
    }
  }
  // Spread the rest over tenants with some skew: a few big namespaces, many small ones.
  for (let i = 0; i < tenants && podsLeft > 0; i++) {
    const ns = tenantNames[i] as string;
    const team = ns.slice(0, ns.indexOf('-'));
    const fair = podsLeft / (tenants - i);
    let budget = i === tenants - 1 ? podsLeft : Math.max(1, Math.round(fair * (0.3 + rand() * 1.4)));
    const sets = new Set<string>();
    while (budget > 0 && podsLeft > 0) {
      if (rand() < 0.8) {
        const app = pick(rand, APPS);
        const templateHash = hash(rand, 9);
        const replicas = Math.min(budget, 1 + Math.floor(rand() * 6));
        const labels = { app, tier: TIERS[app] ?? 'backend', team, 'pod-template-hash': templateHash, 'app.kubernetes.io/version': `1.${Math.floor(rand() * 20)}.0` };
        for (let r = 0; r < replicas; r++) await emit(ns, `${app}-${templateHash}-${hash(rand, 5)}`, labels, [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9102 }]);
        budget -= replicas;
      } else {
        const app = pick(rand, STATEFUL_APPS);
        // StatefulSet names are unique in a namespace, and so are the pod names derived from them.
        const set = sets.has(app) ? `${app}-${sets.size}` : app;
        sets.add(set);
        const replicas = Math.min(budget, 1 + Math.floor(rand() * 3));
        for (let r = 0; r < replicas; r++) {
          await emit(ns, `${set}-${r}`, { app, team, 'statefulset.kubernetes.io/pod-name': `${set}-${r}`, 'controller-revision-hash': `${app}-${hash(rand, 8)}` }, [{ name: app.slice(0, 15), port: STATEFUL_PORTS[app] ?? 8080 }, { name: 'metrics', port: 9104 }]);
        }
        budget -= replicas;
      }
    }
  }
  await out.close();
  return { file, namespaces: out.count.Namespace, pods: out.count.Pod, policies: out.count.NetworkPolicy, bytes: out.bytes };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      namespaces: { type: 'string', default: '10000' },
      pods: { type: 'string', default: '150000' },
      seed: { type: 'string', default: '7' },
      out: { type: 'string', default: 'bench/results/cluster.json' },
    },
  });
  const started = performance.now();
  const result = await generateCluster({ namespaces: Number(values.namespaces), pods: Number(values.pods), seed: Number(values.seed) }, values.out);
  console.log(JSON.stringify({ ...result, ms: Math.round(performance.now() - started) }));
}
