// The apiserver's object validation building blocks, after k8s.io/apimachinery/pkg/util/validation
// (names, qualified names, label values, ports, CIDRs), pkg/api/validation/objectmeta.go (ObjectMeta)
// and pkg/apis/meta/v1/validation (label selectors). Errors are field errors, reported as the API
// reports them: a 422 Invalid naming each field (test-api-status.ts builds the Status).
import { isIP } from 'node:net';
import { isObject } from './test-api-object.ts';

export type FieldErrorType = 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueTooLong';

export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  /** As field.Error.ErrorBody() words it: `Invalid value: "x": detail`. */
  readonly message: string;
}

/** %v-ish rendering of a bad value, as field errors print it: strings quoted, the rest as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? 'null';
}

export const fieldError = {
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, message: `Invalid value: ${shown(value)}: ${detail}` }),
  required: (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, message: detail === '' ? 'Required value' : `Required value: ${detail}` }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${shown(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
};

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const whole = (pattern: string): RegExp => new RegExp(`^${pattern}$`);

/** validation.IsDNS1123Label: at most 63 characters of [a-z0-9-], alphanumeric at both ends. */
export function isDns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push('must be no more than 63 characters');
  if (!whole(DNS1123_LABEL).test(value)) {
    errors.push(`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`);
  }
  return errors;
}

/** validation.IsDNS1123Subdomain: at most 253 characters, dot-separated labels. */
export function isDns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push('must be no more than 253 characters');
  if (!whole(DNS1123_SUBDOMAIN).test(value)) {
    errors.push(`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`);
  }
  return errors;
}

/** validation.IsQualifiedName: `[prefix/]name`, the prefix a DNS subdomain, the name 63 characters at most. */
export function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errors: string[] = [];
  if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    name = rest;
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else if (parts.length > 2) {
    return [`a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push('name part must be no more than 63 characters');
  if (!whole(QUALIFIED_NAME).test(name)) {
    errors.push(`name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`);
  }
  return errors;
}

/** validation.IsValidLabelValue: empty, or at most 63 characters of a qualified name's alphabet. */
export function isValidLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push('must be no more than 63 characters');
  if (value !== '' && !whole(QUALIFIED_NAME).test(value)) {
    errors.push(`a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(${QUALIFIED_NAME})?')`);
  }
  return errors;
}

/** validation.IsValidPortNum. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** validation.IsValidPortName: an IANA_SVC_NAME (RFC 6335). */
export function isValidPortName(name: string): string[] {
  const errors: string[] = [];
  if (name.length > 15) errors.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errors.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) errors.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errors.push("must not contain consecutive hyphens ('--')");
  if (name.startsWith('-') || name.endsWith('-')) errors.push("must not begin or end with a hyphen ('-')");
  return errors;
}

export interface Cidr {
  readonly family: 4 | 6;
  /** The address as a bigint, host bits kept. */
  readonly address: bigint;
  readonly prefix: number;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** An IPv6 address as 8 groups of 16 bits: `::` filled with zeros, a dotted IPv4 tail as the last two. */
function ipv6ToBigInt(ip: string): bigint {
  const groups = (text: string): string[] => (text === '' ? [] : text.split(':'));
  const withTail = ip.includes('.') ? ip.replace(/[\d.]+$/, (v4) => ((n) => `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`)(ipv4ToBigInt(v4))) : ip;
  const [head = '', tail] = withTail.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/**
 * A CIDR as the strict parser takes it (netip.ParsePrefix: no leading zeros in IPv4 octets, a decimal
 * prefix length in range), or undefined.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const ip = text.slice(0, slash);
  const length = text.slice(slash + 1);
  const family = isIP(ip);
  // A zone (`fe80::1%eth0`) is an address of one host's link, never a CIDR.
  if ((family !== 4 && family !== 6) || ip.includes('%') || !/^(0|[1-9]\d{0,2})$/.test(length)) return undefined;
  if (family === 4 && ip.split('.').some((octet) => octet.length > 1 && octet.startsWith('0'))) return undefined;
  const prefix = Number(length);
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { family, address: family === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip), prefix };
}

/** `inner` is a strict subset of `outer`: the same family, a longer prefix, and inside it. */
export function strictSubset(inner: Cidr, outer: Cidr): boolean {
  const bits = outer.family === 4 ? 32n : 128n;
  const shift = bits - BigInt(outer.prefix);
  return inner.family === outer.family && inner.prefix > outer.prefix && inner.address >> shift === outer.address >> shift;
}

/** ValidateLabels (metadata.labels and selectors' matchLabels): qualified-name keys, valid values. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isObject(labels)) return [fieldError.invalid(field, labels, 'must be a map of strings')];
  return Object.entries(labels).flatMap(([key, value]) => [
    ...isQualifiedName(key).map((m) => fieldError.invalid(field, key, m)),
    ...(typeof value === 'string' ? isValidLabelValue(value).map((m) => fieldError.invalid(`${field}.${key}`, value, m)) : [fieldError.invalid(`${field}.${key}`, value, 'must be a string')]),
  ]);
}

/** apimachinery's TotalAnnotationSizeLimitB. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** ValidateAnnotations: keys are qualified names (checked lowercased), 256 KiB of keys and values in all. */
export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isObject(annotations)) return [fieldError.invalid(field, annotations, 'must be a map of strings')];
  const errors = Object.keys(annotations).flatMap((key) => isQualifiedName(key.toLowerCase()).map((m) => fieldError.invalid(field, key, m)));
  const size = Object.entries(annotations).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  if (size > ANNOTATIONS_MAX_BYTES) errors.push(fieldError.tooLong(field, ANNOTATIONS_MAX_BYTES));
  return errors;
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** metav1validation.ValidateLabelSelector: matchLabels as labels, matchExpressions' operators and values. */
export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  if (selector === undefined || selector === null) return [];
  if (!isObject(selector)) return [fieldError.invalid(field, selector, 'must be a label selector')];
  const errors = validateLabels(selector['matchLabels'], `${field}.matchLabels`);
  const expressions = selector['matchExpressions'];
  if (expressions === undefined || expressions === null) return errors;
  if (!Array.isArray(expressions)) return [...errors, fieldError.invalid(`${field}.matchExpressions`, expressions, 'must be a list')];
  expressions.forEach((expression: unknown, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const e = isObject(expression) ? expression : {};
    const values = Array.isArray(e['values']) ? (e['values'] as unknown[]) : [];
    const operator = e['operator'];
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) errors.push(fieldError.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) errors.push(fieldError.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else errors.push(fieldError.notSupported(`${at}.operator`, operator, SELECTOR_OPERATORS));
    const key = typeof e['key'] === 'string' ? e['key'] : '';
    errors.push(...isQualifiedName(key).map((m) => fieldError.invalid(`${at}.key`, key, m)));
    values.forEach((value, j) => {
      const text = typeof value === 'string' ? value : '';
      errors.push(...isValidLabelValue(text).map((m) => fieldError.invalid(`${at}.values[${j}]`, value, m)));
    });
  });
  return errors;
}

/** How a kind names its objects: apimachinery's NameIsDNSSubdomain, NameIsDNSLabel, or path.ValidatePathSegmentName. */
export type NameRule = (name: string, prefix: boolean) => string[];

export const nameIsDnsSubdomain: NameRule = (name, prefix) => isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDnsLabel: NameRule = (name, prefix) => isDns1123Label(prefix ? maskTrailingDash(name) : name);
/** Every kind's name is at least a valid path segment (rest.BeforeCreate checks it whatever the kind's own rule). */
export const pathSegmentName: NameRule = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

/** A generateName may end in '-': the random suffix follows it. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

/** Finalizer names without a '/' that the API knows (pkg/apis/core/helper.standardFinalizers). */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** ValidateObjectMeta on create: name (or generateName), namespace by scope, labels, annotations, finalizers. */
export function validateObjectMeta(metadata: Record<string, unknown>, namespaced: boolean, nameRule: NameRule): FieldError[] {
  const errors: FieldError[] = [];
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const generateName = typeof metadata['generateName'] === 'string' ? metadata['generateName'] : '';
  if (generateName !== '') errors.push(...nameRule(generateName, true).map((m) => fieldError.invalid('metadata.generateName', generateName, m)));
  if (name === '' && generateName === '') errors.push(fieldError.required('metadata.name', 'name or generateName is required'));
  else if (name !== '') errors.push(...nameRule(name, false).map((m) => fieldError.invalid('metadata.name', name, m)));
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
  if (namespaced) {
    if (namespace === '') errors.push(fieldError.required('metadata.namespace'));
    else errors.push(...isDns1123Label(namespace).map((m) => fieldError.invalid('metadata.namespace', namespace, m)));
  } else if (namespace !== '') errors.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  errors.push(...validateLabels(metadata['labels'], 'metadata.labels'));
  errors.push(...validateAnnotations(metadata['annotations'], 'metadata.annotations'));
  const finalizers = Array.isArray(metadata['finalizers']) ? (metadata['finalizers'] as unknown[]) : [];
  finalizers.forEach((finalizer, i) => {
    const text = typeof finalizer === 'string' ? finalizer : '';
    const at = `metadata.finalizers[${i}]`;
    errors.push(...isQualifiedName(text).map((m) => fieldError.invalid(at, finalizer, m)));
    if (!text.includes('/') && !STANDARD_FINALIZERS.has(text)) errors.push(fieldError.invalid(at, finalizer, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errors;
}
