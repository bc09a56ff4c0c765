// The `--config FILE` YAML: every key optional, unknown keys refused (a misspelt key would otherwise
// silently leave a default in force), each bad value reported with its file, line, key path and value.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { NsguardError } from '../errors.ts';
import { parseCidr, parseIp } from '../policy/netpol/cidr.ts';
import type { AuditConfig, Cidr, Config, DnsConfig, EnvironmentFromName, IngressControllerConfig, Labels, MonitoringConfig, PolicyManifest, Protocol, Selector, Template } from '../policy/objects/model.ts';
import { FLAVOURS, ISOLATIONS, MODES, PROTOCOLS } from '../policy/objects/model.ts';
import { checkTemplates } from '../policy/generate/check-templates.ts';
import { GENERATED_PREFIX, INHERITED_PREFIX, MANAGED_BY_LABEL } from '../policy/objects/nsguard-metadata.ts';
import type { Fields } from '../policy/objects/parse-fields.ts';
import { isFields, isPortName, showValue } from '../policy/objects/parse-fields.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';
import { parseSelector } from '../policy/objects/parse-selector.ts';
import { DEFAULT_TEMPLATE_NAME, defaultTemplate, fillPlaceholders, unknownPlaceholders } from '../policy/generate/templates.ts';

function knownCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr === undefined) throw new Error(`built-in CIDR ${text} does not parse`);
  return cidr;
}

const DEFAULT_DNS: DnsConfig = {
  namespace: 'kube-system',
  podLabels: { 'k8s-app': 'kube-dns' },
  port: 53,
  protocols: ['UDP', 'TCP'],
  nodeLocalIPs: [],
  serviceIPs: [],
};
// The ports web backends listen on by convention; every other port of every pod (metrics, debug and
// admin endpoints) stays closed to the ingress controller, which faces the internet.
const DEFAULT_INGRESS_CONTROLLER: IngressControllerConfig = { namespaces: ['ingress-nginx'], ipBlocks: [], ports: [80, 443, 8080, 8443] };
const DEFAULT_MONITORING: MonitoringConfig = { namespaceLabels: { role: 'monitoring' }, ports: ['metrics', 9090] };

// Data stores by their usual images, labels and ports: what an attacker inside the cluster wants first.
const DEFAULT_AUDIT: AuditConfig = {
  sensitive: {
    images: ['mysql', 'mariadb', 'postgres', 'postgresql', 'redis', 'valkey', 'mongo', 'mongodb', 'cassandra', 'elasticsearch', 'opensearch', 'etcd', 'memcached', 'clickhouse-server', 'cockroach'],
    labels: { 'app.kubernetes.io/component': ['database', 'db'], tier: ['database', 'db'], app: ['mysql', 'mariadb', 'postgres', 'postgresql', 'redis', 'mongodb'] },
    ports: [3306, 5432, 6379, 27017, 9042, 9200, 2379, 11211],
  },
  webhook: { namespace: 'nsguard', podLabels: { 'app.kubernetes.io/name': 'nsguard' }, port: 8443 },
  apiserverAddresses: [],
};

/** docs/checks.md ("Review budget") has the measurements behind it. */
const DEFAULT_REVIEW_BUDGET = 3_000_000;

export const DEFAULT_CONFIG: Config = {
  mode: 'enforce',
  environmentLabel: 'env',
  separateEnvironments: [['prod', 'test']],
  podCIDRs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(knownCidr),
  dns: DEFAULT_DNS,
  adminGroups: ['system:masters'],
  adminUsers: [],
  exemptNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'nsguard'],
  defaultIsolation: 'strict',
  defaultTemplate: 'default',
  environmentFromName: [
    { suffix: '-prod', environment: 'prod' },
    { suffix: '-test', environment: 'test' },
  ],
  exemptNamespaceSelector: undefined,
  controllerUsers: ['system:serviceaccount:nsguard:nsguard'],
  // Calico's manifests/apiserver.yaml and the tigera-operator (Calico); tigera-system for Calico Enterprise.
  calicoApiServerUsers: ['system:serviceaccount:calico-apiserver:calico-apiserver', 'system:serviceaccount:tigera-system:tigera-apiserver'],
  ingressController: DEFAULT_INGRESS_CONTROLLER,
  monitoring: DEFAULT_MONITORING,
  templates: new Map([[DEFAULT_TEMPLATE_NAME, defaultTemplate({ dns: DEFAULT_DNS, ingressController: DEFAULT_INGRESS_CONTROLLER, monitoring: DEFAULT_MONITORING })]]),
  reviewBudget: DEFAULT_REVIEW_BUDGET,
  // Twice client-node's 30 s abort of a silent watch, and room for the list/watch backoff (capped at
  // 30 s) to ride out an apiserver restart, without the replica flapping out of the Service.
  maxOutOfSyncSeconds: 60,
  flavour: 'kubernetes',
  audit: DEFAULT_AUDIT,
};

export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NsguardError('NSG_CONFIG_READ', `${file}: cannot read the configuration file: ${reason}`, { cause: error });
  }
  return parseConfig(text, file);
}

type Path = readonly (string | number)[];

export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const [syntax] = doc.errors;
  if (syntax !== undefined) {
    // The library's message ends with a code excerpt after the first line; the first line has the position.
    const first = (syntax.message.split('\n')[0] ?? '').replace(/:$/, '');
    // The library's own advice for this one (use parseAllDocuments) is meant for programmers, not users.
    const summary = syntax.code === 'MULTIPLE_DOCS' ? first.replace(/^.*? at line/, 'a second document (---) at line') : first;
    throw new NsguardError('NSG_CONFIG_PARSE', `${file}: not valid YAML: ${summary}`, { cause: syntax });
  }
  const root: unknown = doc.toJS();
  const read = new Reader(file, doc, lineCounter);
  if (root === null || root === undefined) return DEFAULT_CONFIG;
  const top = read.fields(root, []);
  read.onlyKeys(top, [], Object.keys(DEFAULT_CONFIG));
  const partial = {
    mode: read.optional(top, ['mode'], DEFAULT_CONFIG.mode, (v, p) => read.oneOf(v, p, MODES)),
    flavour: read.optional(top, ['flavour'], DEFAULT_CONFIG.flavour, (v, p) => read.oneOf(v, p, FLAVOURS)),
    environmentLabel: read.optional(top, ['environmentLabel'], DEFAULT_CONFIG.environmentLabel, (v, p) => read.labelKey(v, p)),
    separateEnvironments: read.optional(top, ['separateEnvironments'], DEFAULT_CONFIG.separateEnvironments, (v, p) =>
      read.list(v, p, (pair, q) => read.environmentPair(pair, q)),
    ),
    podCIDRs: read.optional(top, ['podCIDRs'], DEFAULT_CONFIG.podCIDRs, (v, p) => read.list(v, p, (c, q) => read.cidr(c, q))),
    dns: top['dns'] === undefined ? DEFAULT_CONFIG.dns : read.dns(top['dns'], ['dns']),
    adminGroups: read.optional(top, ['adminGroups'], DEFAULT_CONFIG.adminGroups, (v, p) => read.list(v, p, (s, q) => read.text(s, q))),
    adminUsers: read.optional(top, ['adminUsers'], DEFAULT_CONFIG.adminUsers, (v, p) => read.list(v, p, (s, q) => read.text(s, q))),
    exemptNamespaces: read.optional(top, ['exemptNamespaces'], DEFAULT_CONFIG.exemptNamespaces, (v, p) =>
      read.list(v, p, (s, q) => read.namespaceName(s, q)),
    ),
    defaultIsolation: read.optional(top, ['defaultIsolation'], DEFAULT_CONFIG.defaultIsolation, (v, p) => read.oneOf(v, p, ISOLATIONS)),
    defaultTemplate: read.optional(top, ['defaultTemplate'], DEFAULT_CONFIG.defaultTemplate, (v, p) => read.text(v, p)),
    environmentFromName: read.optional(top, ['environmentFromName'], DEFAULT_CONFIG.environmentFromName, (v, p) =>
      read.list(v, p, (rule, q) => read.environmentFromName(rule, q)),
    ),
    exemptNamespaceSelector: read.optional(top, ['exemptNamespaceSelector'], DEFAULT_CONFIG.exemptNamespaceSelector, (v, p) => read.selector(v, p)),
    controllerUsers: read.optional(top, ['controllerUsers'], DEFAULT_CONFIG.controllerUsers, (v, p) => read.list(v, p, (s, q) => read.text(s, q))),
    calicoApiServerUsers: read.optional(top, ['calicoApiServerUsers'], DEFAULT_CONFIG.calicoApiServerUsers, (v, p) => read.list(v, p, (s, q) => read.text(s, q))),
    ingressController: read.optional(top, ['ingressController'], DEFAULT_CONFIG.ingressController, (v, p) => read.ingressController(v, p)),
    monitoring: read.optional(top, ['monitoring'], DEFAULT_CONFIG.monitoring, (v, p) => read.monitoring(v, p)),
    reviewBudget: read.optional(top, ['reviewBudget'], DEFAULT_CONFIG.reviewBudget, (v, p) => read.positiveInteger(v, p)),
    maxOutOfSyncSeconds: read.optional(top, ['maxOutOfSyncSeconds'], DEFAULT_CONFIG.maxOutOfSyncSeconds, (v, p) => read.seconds(v, p)),
    audit: read.optional(top, ['audit'], DEFAULT_CONFIG.audit, (v, p) => read.audit(v, p)),
  };
  const given = read.optional(top, ['templates'], new Map<string, Template>(), (v, p) => read.templates(v, p));
  // The built-in template follows the dns, ingressController and monitoring keys unless replaced.
  const templates = new Map([[DEFAULT_TEMPLATE_NAME, defaultTemplate(partial)], ...given]);
  if (!templates.has(partial.defaultTemplate)) {
    throw read.bad(['defaultTemplate'], partial.defaultTemplate, `the name of a template (${[...templates.keys()].join(', ')})`);
  }
  const config = { ...partial, templates };
  const failures = checkTemplates(config);
  if (failures.length > 0) throw new NsguardError('NSG_TEMPLATE', `${file}: templates fail the checks nsguard applies to every write (${failures.length} ${failures.length === 1 ? 'case' : 'cases'}):\n  ${failures.join('\n  ')}`);
  return config;
}

// Kubernetes name syntax (apimachinery validation): checked here so a typo fails at startup instead of
// never matching any namespace or label.
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  return prefixOk && name.length <= 63 && LABEL_NAME.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

/** Validators over the YAML's plain values; the document is kept only to find the line of a bad key. */
class Reader {
  readonly #file: string;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  bad(path: Path, value: unknown, expected: string): NsguardError {
    const key = path.length === 0 ? 'the top level' : showPath(path);
    return new NsguardError('NSG_CONFIG_KEY', `${this.#at(path)}: ${key} is ${showValue(value)}, expected ${expected}`);
  }

  /** `nsguard.yaml line 4`, or the file alone when the node has no position. */
  #at(path: Path): string {
    const node = path.length === 0 ? this.#doc.contents : this.#doc.getIn(path, true);
    const range = node !== null && typeof node === 'object' && 'range' in node ? node.range : undefined;
    return Array.isArray(range) && typeof range[0] === 'number' ? `${this.#file} line ${this.#lines.linePos(range[0]).line}` : this.#file;
  }

  optional<T>(fields: Fields, path: Path, fallback: T, parse: (value: unknown, path: Path) => T): T {
    const key = path[path.length - 1] as string;
    return fields[key] === undefined ? fallback : parse(fields[key], path);
  }

  fields(value: unknown, path: Path): Fields {
    if (!isFields(value)) throw this.bad(path, value, 'a mapping');
    return value;
  }

  onlyKeys(fields: Fields, path: Path, known: readonly string[]): void {
    for (const key of Object.keys(fields)) {
      if (!known.includes(key)) {
        const keyPath = [...path, key];
        const message = `${this.#at(keyPath)}: unknown key ${showPath(keyPath)} (value ${showValue(fields[key])}), expected one of ${known.join(', ')}`;
        throw new NsguardError('NSG_CONFIG_KEY', message);
      }
    }
  }

  list<T>(value: unknown, path: Path, each: (item: unknown, path: Path) => T): readonly T[] {
    if (!Array.isArray(value)) throw this.bad(path, value, 'a list');
    return value.map((item: unknown, i) => each(item, [...path, i]));
  }

  text(value: unknown, path: Path): string {
    if (typeof value !== 'string' || value === '') throw this.bad(path, value, 'a non-empty string');
    return value;
  }

  oneOf<T extends string>(value: unknown, path: Path, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) throw this.bad(path, value, `one of ${allowed.join(', ')}`);
    return value as T;
  }

  labelKey(value: unknown, path: Path): string {
    if (typeof value !== 'string' || !isLabelKey(value)) throw this.bad(path, value, 'a label key such as env or example.com/env');
    return value;
  }

  environmentPair(value: unknown, path: Path): readonly [string, string] {
    const expected = 'a pair of two different environment names (label values), such as [prod, test]';
    if (!Array.isArray(value) || value.length !== 2) throw this.bad(path, value, expected);
    const [a, b] = value.map((v: unknown, i) => {
      if (typeof v !== 'string' || v === '' || !isLabelValue(v)) throw this.bad([...path, i], v, 'an environment name (a label value)');
      return v;
    });
    if (a === undefined || b === undefined || a === b) throw this.bad(path, value, expected);
    return [a, b];
  }

  environmentFromName(value: unknown, path: Path): EnvironmentFromName {
    const fields = this.fields(value, path);
    this.onlyKeys(fields, path, ['suffix', 'environment']);
    const environment = fields['environment'];
    if (typeof environment !== 'string' || environment === '' || !isLabelValue(environment)) {
      throw this.bad([...path, 'environment'], environment, 'an environment name (a label value)');
    }
    return { suffix: this.text(fields['suffix'], [...path, 'suffix']), environment };
  }

  cidr(value: unknown, path: Path): Cidr {
    const cidr = typeof value === 'string' ? parseCidr(value) : undefined;
    if (cidr === undefined) throw this.bad(path, value, 'a CIDR such as 10.0.0.0/8 or fd00::/48');
    return cidr;
  }

  ip(value: unknown, path: Path): string {
    if (typeof value !== 'string' || parseIp(value) === undefined) throw this.bad(path, value, 'an IP address such as 169.254.20.10');
    return value;
  }

  namespaceName(value: unknown, path: Path): string {
    if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) throw this.bad(path, value, 'a namespace name');
    return value;
  }

  dns(value: unknown, path: Path): DnsConfig {
    const fields = this.fields(value, path);
    const defaults = DEFAULT_CONFIG.dns;
    this.onlyKeys(fields, path, Object.keys(defaults));
    const at = (key: keyof DnsConfig): Path => [...path, key];
    return {
      namespace: this.optional(fields, at('namespace'), defaults.namespace, (v, p) => this.namespaceName(v, p)),
      podLabels: this.optional(fields, at('podLabels'), defaults.podLabels, (v, p) => this.labels(v, p)),
      port: this.optional(fields, at('port'), defaults.port, (v, p) => this.port(v, p)),
      protocols: this.optional(fields, at('protocols'), defaults.protocols, (v, p) => this.protocols(v, p)),
      nodeLocalIPs: this.optional(fields, at('nodeLocalIPs'), defaults.nodeLocalIPs, (v, p) => this.list(v, p, (ip, q) => this.ip(ip, q))),
      serviceIPs: this.optional(fields, at('serviceIPs'), defaults.serviceIPs, (v, p) => this.list(v, p, (ip, q) => this.ip(ip, q))),
    };
  }

  selector(value: unknown, path: Path): Selector {
    try {
      return parseSelector(value, showPath(path), { where: this.#file, object: 'configuration' });
    } catch (error) {
      throw this.bad(path, value, `a label selector (matchLabels, matchExpressions): ${(error as Error).message}`);
    }
  }

  ingressController(value: unknown, path: Path): IngressControllerConfig {
    const fields = this.fields(value, path);
    this.onlyKeys(fields, path, Object.keys(DEFAULT_INGRESS_CONTROLLER));
    return {
      namespaces: this.optional(fields, [...path, 'namespaces'], DEFAULT_INGRESS_CONTROLLER.namespaces, (v, p) => this.list(v, p, (s, q) => this.namespaceName(s, q))),
      ipBlocks: this.optional(fields, [...path, 'ipBlocks'], DEFAULT_INGRESS_CONTROLLER.ipBlocks, (v, p) => this.list(v, p, (c, q) => this.cidr(c, q))),
      ports: this.optional(fields, [...path, 'ports'], DEFAULT_INGRESS_CONTROLLER.ports, (v, p) => {
        const ports = this.ports(v, p);
        // A rule with an empty port list opens every port, which is what this key exists to prevent.
        if (ports.length === 0) throw this.bad(p, v, 'at least one port number or container port name');
        return ports;
      }),
    };
  }

  monitoring(value: unknown, path: Path): MonitoringConfig {
    const fields = this.fields(value, path);
    this.onlyKeys(fields, path, Object.keys(DEFAULT_MONITORING));
    const namespaceLabels = this.optional(fields, [...path, 'namespaceLabels'], DEFAULT_MONITORING.namespaceLabels, (v, p) => this.labels(v, p));
    // No labels would select every namespace: monitoring access for the whole cluster.
    if (Object.keys(namespaceLabels).length === 0) throw this.bad([...path, 'namespaceLabels'], namespaceLabels, 'at least one label (an empty set matches every namespace)');
    const ports = this.optional(fields, [...path, 'ports'], DEFAULT_MONITORING.ports, (v, p) => this.ports(v, p));
    return { namespaceLabels, ports };
  }

  audit(value: unknown, path: Path): AuditConfig {
    const fields = this.fields(value, path);
    this.onlyKeys(fields, path, Object.keys(DEFAULT_AUDIT));
    const sensitive = fields['sensitive'] === undefined ? DEFAULT_AUDIT.sensitive : this.sensitive(fields['sensitive'], [...path, 'sensitive']);
    const webhookPath = [...path, 'webhook'];
    const webhookFields = fields['webhook'] === undefined ? {} : this.fields(fields['webhook'], webhookPath);
    this.onlyKeys(webhookFields, webhookPath, Object.keys(DEFAULT_AUDIT.webhook));
    const defaults = DEFAULT_AUDIT.webhook;
    return {
      sensitive,
      webhook: {
        namespace: this.optional(webhookFields, [...webhookPath, 'namespace'], defaults.namespace, (v, p) => this.namespaceName(v, p)),
        podLabels: this.optional(webhookFields, [...webhookPath, 'podLabels'], defaults.podLabels, (v, p) => this.labels(v, p)),
        port: this.optional(webhookFields, [...webhookPath, 'port'], defaults.port, (v, p) => this.port(v, p)),
      },
      apiserverAddresses: this.optional(fields, [...path, 'apiserverAddresses'], DEFAULT_AUDIT.apiserverAddresses, (v, p) => this.list(v, p, (ip, q) => this.ip(ip, q))),
    };
  }

  sensitive(value: unknown, path: Path): AuditConfig['sensitive'] {
    const fields = this.fields(value, path);
    const defaults = DEFAULT_AUDIT.sensitive;
    this.onlyKeys(fields, path, Object.keys(defaults));
    return {
      images: this.optional(fields, [...path, 'images'], defaults.images, (v, p) => this.list(v, p, (s, q) => this.text(s, q))),
      labels: this.optional(fields, [...path, 'labels'], defaults.labels, (v, p) =>
        Object.fromEntries(
          Object.entries(this.fields(v, p)).map(([key, values]) => {
            if (!isLabelKey(key)) throw this.bad([...p, key], values, 'a label key such as app');
            return [key, this.list(values, [...p, key], (s, q) => this.text(s, q))];
          }),
        ),
      ),
      ports: this.optional(fields, [...path, 'ports'], defaults.ports, (v, p) => this.list(v, p, (n, q) => this.port(n, q))),
    };
  }

  /** Each template is a list of NetworkPolicy manifests, checked as the API would check them once filled. */
  templates(value: unknown, path: Path): Map<string, Template> {
    const fields = this.fields(value, path);
    return new Map(
      Object.entries(fields).map(([name, policies]) => {
        if (name === '' || !isLabelValue(name)) throw this.bad([...path, name], policies, 'a template name usable as a label value (letters, digits, -, _, .)');
        const manifests = this.list(policies, [...path, name], (m, q) => this.templatePolicy(m, q, name));
        const names = manifests.map((m) => (m['metadata'] as Fields)['name']);
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice !== undefined) throw this.bad([...path, name], policies, `policies with different names (${String(twice)} appears twice)`);
        return [name, { name, policies: manifests }];
      }),
    );
  }

  templatePolicy(value: unknown, path: Path, template: string): PolicyManifest {
    const fields = this.fields(value, path);
    this.onlyKeys(fields, path, ['apiVersion', 'kind', 'metadata', 'spec']);
    const metadata = this.fields(fields['metadata'], [...path, 'metadata']);
    this.onlyKeys(metadata, [...path, 'metadata'], ['name', 'labels', 'annotations']);
    const name = metadata['name'];
    if (typeof name !== 'string' || !name.startsWith(GENERATED_PREFIX) || name.startsWith(INHERITED_PREFIX)) {
      throw this.bad([...path, 'metadata', 'name'], name, `a name starting with ${GENERATED_PREFIX} (and not ${INHERITED_PREFIX}, kept for inherited copies)`);
    }
    const unknown = unknownPlaceholders(JSON.stringify(fields));
    if (unknown.length > 0) throw this.bad(path, `\${${unknown[0] ?? ''}}`, 'placeholders among ${namespace}, ${env}, ${template}');
    // Filled with sample values, as for a real namespace: the result must be a valid NetworkPolicy.
    const sample = { namespace: 'example', env: 'prod', template };
    // Label values may use placeholders too ("any string"): they are checked as they will be once filled.
    const labels = this.optional(metadata, [...path, 'metadata', 'labels'], {}, (v, p) => this.labels(v, p, (value) => fillPlaceholders(value, sample) as string));
    if (Object.hasOwn(labels, MANAGED_BY_LABEL)) throw this.bad([...path, 'metadata', 'labels', MANAGED_BY_LABEL], labels[MANAGED_BY_LABEL], 'no such label: nsguard sets it');
    try {
      parseNetworkPolicy({ ...(fillPlaceholders(fields, sample) as Fields), metadata: { ...metadata, namespace: 'example' } }, this.#file);
    } catch (error) {
      throw this.bad(path, name, `a valid NetworkPolicy: ${(error as Error).message}`);
    }
    return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', ...fields };
  }

  /** `filled`: the value as it will be written, when that is not the value as given (template placeholders). */
  labels(value: unknown, path: Path, filled: (value: string) => string = (v) => v): Labels {
    const fields = this.fields(value, path);
    return Object.fromEntries(
      Object.entries(fields).map(([key, v]) => {
        if (!isLabelKey(key)) throw this.bad([...path, key], v, 'a label key such as k8s-app');
        if (typeof v !== 'string' || !isLabelValue(filled(v))) throw this.bad([...path, key], v, 'a label value (a string; quote numbers)');
        return [key, v];
      }),
    );
  }

  positiveInteger(value: unknown, path: Path): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw this.bad(path, value, 'a whole number above 0');
    return value;
  }

  seconds(value: unknown, path: Path): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw this.bad(path, value, 'a whole number of seconds, at least 1');
    return value;
  }

  /** Port numbers or container port names (IANA_SVC_NAME), as a NetworkPolicy rule takes them. */
  ports(value: unknown, path: Path): readonly (number | string)[] {
    return this.list(value, path, (port, q) => (typeof port === 'string' && isPortName(port) ? port : this.port(port, q)));
  }

  port(value: unknown, path: Path): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
      throw this.bad(path, value, 'a port number from 1 to 65535');
    }
    return value;
  }

  protocols(value: unknown, path: Path): readonly Protocol[] {
    const protocols = this.list(value, path, (p, q) => this.oneOf(p, q, PROTOCOLS));
    // An empty list would make the DNS check look at no traffic at all.
    if (protocols.length === 0) throw this.bad(path, value, `a non-empty list of ${PROTOCOLS.join(', ')}`);
    return [...new Set(protocols)];
  }
}

/** `dns.port`, `separateEnvironments[0][1]`. */
function showPath(path: Path): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}
