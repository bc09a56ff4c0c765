// Per-kind validation of the test API server, after the real strategies' Validate/ValidateUpdate for
// what nsguard writes: NetworkPolicy (pkg/apis/networking/validation), Lease
// (pkg/apis/coordination/validation), Event (pkg/apis/core/validation/events.go, by API version) and
// Namespace (ValidateNamespace); every kind's ObjectMeta (rest.BeforeCreate's generic check).
import type { KubeObject } from './test-api-object.ts';
import { isObject, metadataOf } from './test-api-object.ts';
import type { ApiResource } from './test-api-resources.ts';
import type { FieldError, NameRule } from './test-api-validation.ts';
import {
  fieldError,
  isDns1123Subdomain,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  nameIsDnsLabel,
  nameIsDnsSubdomain,
  parseCidr,
  pathSegmentName,
  strictSubset,
  validateLabelSelector,
  validateObjectMeta,
} from './test-api-validation.ts';

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {});
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

/** ValidateNetworkPolicyPort: protocol, port number or name, endPort only after a numeric port. */
function validatePort(port: Record<string, unknown>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  if (port['protocol'] !== undefined && !PROTOCOLS.includes(text(port['protocol']))) errors.push(fieldError.notSupported(`${at}.protocol`, port['protocol'], PROTOCOLS));
  const value = port['port'];
  const endPort = port['endPort'];
  if (typeof value === 'number') {
    errors.push(...isValidPortNum(value).map((m) => fieldError.invalid(`${at}.port`, value, m)));
    if (typeof endPort === 'number') {
      if (endPort < value) errors.push(fieldError.invalid(`${at}.endPort`, endPort, 'must be greater than or equal to `port`'));
      errors.push(...isValidPortNum(endPort).map((m) => fieldError.invalid(`${at}.endPort`, endPort, m)));
    }
  } else if (typeof value === 'string') {
    if (endPort !== undefined) errors.push(fieldError.invalid(`${at}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
    errors.push(...isValidPortName(value).map((m) => fieldError.invalid(`${at}.port`, value, m)));
  } else if (endPort !== undefined) errors.push(fieldError.invalid(`${at}.endPort`, endPort, 'may not be specified when `port` is not specified'));
  return errors;
}

/** ValidateIPBlock: a CIDR, and each `except` a strict subset of it. */
function validateIpBlock(block: Record<string, unknown>, at: string): FieldError[] {
  const cidrText = text(block['cidr']);
  if (cidrText === '') return [fieldError.required(`${at}.cidr`)];
  const invalidCidr = (field: string, value: string): FieldError => fieldError.invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
  const cidr = parseCidr(cidrText);
  if (cidr === undefined) return [invalidCidr(`${at}.cidr`, cidrText)];
  return list(block['except']).flatMap((value, i) => {
    const exceptAt = `${at}.except[${i}]`;
    const except = parseCidr(text(value));
    if (except === undefined) return [invalidCidr(exceptAt, text(value))];
    return strictSubset(except, cidr) ? [] : [fieldError.invalid(exceptAt, value, 'must be a strict subset of `cidr`')];
  });
}

/** ValidateNetworkPolicyPeer: at least one peer type, and ipBlock alone. */
function validatePeer(peer: Record<string, unknown>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const present = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((key) => peer[key] !== undefined && peer[key] !== null);
  if (peer['podSelector'] !== undefined) errors.push(...validateLabelSelector(peer['podSelector'], `${at}.podSelector`));
  if (peer['namespaceSelector'] !== undefined) errors.push(...validateLabelSelector(peer['namespaceSelector'], `${at}.namespaceSelector`));
  if (peer['ipBlock'] !== undefined) errors.push(...validateIpBlock(record(peer['ipBlock']), `${at}.ipBlock`));
  if (present.length === 0) errors.push(fieldError.required(at, 'must specify a peer'));
  else if (present.length > 1 && present.includes('ipBlock')) errors.push(fieldError.forbidden(at, 'may not specify both ipBlock and another peer'));
  return errors;
}

function validateNetworkPolicySpec(spec: Record<string, unknown>): FieldError[] {
  const errors = validateLabelSelector(spec['podSelector'], 'spec.podSelector');
  for (const [direction, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    list(spec[direction]).forEach((rule, i) => {
      const at = `spec.${direction}[${i}]`;
      list(record(rule)['ports']).forEach((port, j) => errors.push(...validatePort(record(port), `${at}.ports[${j}]`)));
      list(record(rule)[peers]).forEach((peer, j) => errors.push(...validatePeer(record(peer), `${at}.${peers}[${j}]`)));
    });
  }
  const types = list(spec['policyTypes']);
  if (types.length > POLICY_TYPES.length) return [...errors, fieldError.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes')];
  types.forEach((type, i) => {
    if (!POLICY_TYPES.includes(text(type))) errors.push(fieldError.notSupported(`spec.policyTypes[${i}]`, type, POLICY_TYPES));
  });
  return errors;
}

function validateLeaseSpec(spec: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const duration = spec['leaseDurationSeconds'];
  if (typeof duration === 'number' && duration <= 0) errors.push(fieldError.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = spec['leaseTransitions'];
  if (typeof transitions === 'number' && transitions < 0) errors.push(fieldError.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  if (text(spec['preferredHolder']) !== '' && text(spec['strategy']) === '') errors.push(fieldError.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errors;
}

/** An Event in the internal shape the validation reads, whichever API version carried it. */
interface EventFields {
  readonly namespace: string;
  readonly involvedNamespace: string;
  readonly eventTime: unknown;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly action: string;
  readonly reason: string;
  readonly message: string;
  readonly type: string;
  /** The core/v1-only fields set (by their internal names), which events.k8s.io/v1 creates must leave unset. */
  readonly legacySet: readonly string[];
}

function eventFields(object: KubeObject, eventsApi: boolean): EventFields {
  const about = record(object[eventsApi ? 'regarding' : 'involvedObject']);
  const source = record(object[eventsApi ? 'deprecatedSource' : 'source']);
  const legacy: [string, unknown][] = [
    ['firstTimestamp', object[eventsApi ? 'deprecatedFirstTimestamp' : 'firstTimestamp']],
    ['lastTimestamp', object[eventsApi ? 'deprecatedLastTimestamp' : 'lastTimestamp']],
    ['count', object[eventsApi ? 'deprecatedCount' : 'count']],
    ['source', text(source['component']) + text(source['host'])],
  ];
  return {
    namespace: text(metadataOf(object)['namespace']),
    involvedNamespace: text(about['namespace']),
    eventTime: object['eventTime'],
    reportingController: text(object[eventsApi ? 'reportingController' : 'reportingComponent']),
    reportingInstance: text(object['reportingInstance']),
    action: text(object['action']),
    reason: text(object['reason']),
    message: text(object[eventsApi ? 'note' : 'message']),
    type: text(object['type']),
    legacySet: legacy.filter(([, value]) => value !== undefined && value !== null && value !== 0 && value !== '').map(([name]) => name),
  };
}

/**
 * legacyValidateEvent: without eventTime the Event lives where its object does (an object without a
 * namespace: in `default`); with eventTime, such an Event goes in `default` or `kube-system`, and the
 * reporting fields, action and reason are required, within their limits.
 */
function legacyValidateEvent(e: EventFields): FieldError[] {
  const errors: FieldError[] = [];
  const mismatch = fieldError.invalid('involvedObject.namespace', e.involvedNamespace, 'does not match event.namespace');
  if (e.eventTime === undefined || e.eventTime === null) {
    if (e.involvedNamespace === '' ? e.namespace !== '' && e.namespace !== 'default' : e.namespace !== e.involvedNamespace) errors.push(mismatch);
  } else {
    if (e.involvedNamespace === '' && e.namespace !== 'default' && e.namespace !== 'kube-system') errors.push(mismatch);
    if (e.reportingController === '') errors.push(fieldError.required('reportingController'));
    errors.push(...isQualifiedName(e.reportingController).map((m) => fieldError.invalid('reportingController', e.reportingController, m)));
    const limited: [string, string, number][] = [['reportingInstance', e.reportingInstance, 128], ['action', e.action, 128], ['reason', e.reason, 128]];
    for (const [field, value, max] of limited) {
      if (value === '') errors.push(fieldError.required(field));
      if (value.length > max) errors.push(fieldError.invalid(field, '', `can have at most ${max} characters`));
    }
    if (e.message.length > 1024) errors.push(fieldError.invalid('message', '', 'can have at most 1024 characters'));
  }
  errors.push(...isDns1123Subdomain(e.namespace).map((m) => fieldError.invalid('namespace', e.namespace, m)));
  return errors;
}

/** ValidateEventCreate: core/v1 (and events.k8s.io/v1beta1) stop at the legacy rules; events.k8s.io/v1 is strict. */
function validateEvent(object: KubeObject, eventsApi: boolean): FieldError[] {
  const e = eventFields(object, eventsApi);
  const errors = legacyValidateEvent(e);
  if (!eventsApi) return errors;
  if (e.eventTime === undefined || e.eventTime === null) errors.push(fieldError.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errors.push(fieldError.invalid('type', '', `has invalid value: ${e.type}`));
  for (const field of e.legacySet) errors.push(fieldError.invalid(field, '', 'needs to be unset'));
  return errors;
}

/** metav1.MicroTime decodes with RFC3339Micro, whose `.000000` takes exactly six digits. */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

/**
 * What the JSON decoder refuses before any validation runs (HTTP 400): a Lease's int32 fields holding
 * a fraction, its MicroTimes in another format. undefined when the object decodes.
 */
export function decodeProblem(resource: ApiResource, object: KubeObject): string | undefined {
  if (`${resource.group}/${resource.resource}` !== 'coordination.k8s.io/leases') return undefined;
  const spec = record(object['spec']);
  for (const key of ['leaseDurationSeconds', 'leaseTransitions']) {
    if (spec[key] !== undefined && spec[key] !== null && !Number.isInteger(spec[key])) return `json: cannot unmarshal ${JSON.stringify(spec[key])} into Go struct field LeaseSpec.spec.${key} of type int32`;
  }
  for (const key of ['acquireTime', 'renewTime']) {
    const value = spec[key];
    if (value !== undefined && value !== null && !(typeof value === 'string' && MICRO_TIME.test(value))) return `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse`;
  }
  return undefined;
}

/** The kind's own name rule, for the kinds whose strategy runs ValidateObjectMeta. */
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  '/v1/namespaces': nameIsDnsLabel,
  '/v1/pods': nameIsDnsSubdomain,
  '/v1/configmaps': nameIsDnsSubdomain,
  'networking.k8s.io/v1/networkpolicies': nameIsDnsSubdomain,
  'coordination.k8s.io/v1/leases': nameIsDnsSubdomain,
  // Strict validation of events.k8s.io/v1 creates; core/v1 Events keep the generic rule.
  'events.k8s.io/v1/events': nameIsDnsSubdomain,
};

/** Field errors for an object about to be stored (create, or the result of an update or patch). */
export function validateObject(resource: ApiResource, object: KubeObject): FieldError[] {
  const key = `${resource.group}/${resource.version}/${resource.resource}`;
  const metadata = metadataOf(object);
  // rest.BeforeCreate/BeforeUpdate check every kind's metadata with the weakest name rule.
  const errors = validateObjectMeta(metadata, resource.namespaced, NAME_RULES[key] ?? pathSegmentName);
  const spec = record(object['spec']);
  switch (key) {
    case 'networking.k8s.io/v1/networkpolicies':
      return [...errors, ...validateNetworkPolicySpec(spec)];
    case 'coordination.k8s.io/v1/leases':
      return [...errors, ...validateLeaseSpec(spec)];
    case '/v1/events':
      return [...errors, ...validateEvent(object, false)];
    case 'events.k8s.io/v1/events':
      return [...errors, ...validateEvent(object, true)];
    case '/v1/namespaces':
      return [
        ...errors,
        ...list(spec['finalizers']).flatMap((f, i) => isQualifiedName(text(f)).map((m) => fieldError.invalid(`spec.finalizers[${i}]`, f, m))),
      ];
    default:
      return errors;
  }
}

/** `Kind.group`, as NewInvalid names the kind. */
export function qualifiedKind(resource: ApiResource): string {
  return resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
}
