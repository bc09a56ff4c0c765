// labelSelector and fieldSelector query parameters of the test API server, in the string syntax of
// k8s.io/apimachinery/pkg/labels (`a=b,c!=d,e in (f,g),h notin (i),j,!k`) and pkg/fields. Field
// selectors cover metadata.name and metadata.namespace, which every kind supports, and the fields the
// real registry adds for Events (what `kubectl describe` selects on) and Namespaces.
import { badRequest } from './test-api-status.ts';
import type { KubeObject } from './test-api-object.ts';
import { metadataOf } from './test-api-object.ts';
import type { ApiResource } from './test-api-resources.ts';

export type ObjectFilter = (object: KubeObject) => boolean;

/** Splits on commas outside parentheses, so `env in (a,b),app=x` is two requirements. */
function requirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

function labelRequirement(req: string): LabelTest {
  const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req);
  if (set !== null) {
    const [, key = '', op, list = ''] = set;
    const values = new Set(list.split(',').map((v) => v.trim()));
    // NotIn matches objects lacking the key, as in the API.
    return op === 'in' ? (l) => l[key] !== undefined && values.has(l[key]) : (l) => l[key] === undefined || !values.has(l[key]);
  }
  const cmp = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=()]*)$/.exec(req);
  if (cmp !== null) {
    const [, key = '', op, value] = cmp;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  const exists = /^(!?)([^\s!=()]+)$/.exec(req);
  if (exists !== null) {
    const [, not, key = ''] = exists;
    return not === '!' ? (l) => l[key] === undefined : (l) => l[key] !== undefined;
  }
  throw badRequest(`unable to parse requirement: ${JSON.stringify(req)}`);
}

function labelsOf(object: KubeObject): Readonly<Record<string, string>> {
  const labels = metadataOf(object)['labels'];
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : {};
}

export function parseLabelSelector(text: string | null): ObjectFilter | undefined {
  if (text === null || text.trim() === '') return undefined;
  const tests = requirements(text).map(labelRequirement);
  return (object) => {
    const labels = labelsOf(object);
    return tests.every((test) => test(labels));
  };
}

type FieldGetter = (object: KubeObject) => unknown;

const field = (path: string): FieldGetter => (object) => path.split('.').reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), object);

/** Every kind: generic.ObjectMetaFieldsSet. */
const META_FIELDS: Readonly<Record<string, FieldGetter>> = { 'metadata.name': field('metadata.name'), 'metadata.namespace': field('metadata.namespace') };

/**
 * EventToSelectableFields (pkg/registry/core/event/strategy.go): the object the Event is about, reason,
 * type and the reporting controller, under each API version's names (events.k8s.io/v1 says `regarding`
 * and `reportingController` where core/v1 says `involvedObject` and `reportingComponent`).
 */
function eventFields(about: string, reporting: string): Record<string, FieldGetter> {
  const reference = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];
  return {
    ...META_FIELDS,
    ...Object.fromEntries(reference.map((f) => [`${about}.${f}`, field(`${about}.${f}`)])),
    reason: field('reason'),
    type: field('type'),
    [reporting]: field(reporting),
  };
}

/** The fields each kind can be selected on, keyed by group/version/resource; others have META_FIELDS only. */
const KIND_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldGetter>>>> = {
  // core/v1's `source` falls back to reportingComponent.
  '/v1/events': { ...eventFields('involvedObject', 'reportingComponent'), source: (o) => field('source.component')(o) || field('reportingComponent')(o) },
  'events.k8s.io/v1/events': eventFields('regarding', 'reportingController'),
  '/v1/namespaces': { ...META_FIELDS, 'status.phase': field('status.phase') },
};

export function parseFieldSelector(text: string | null, resource: Pick<ApiResource, 'group' | 'version' | 'resource'>): ObjectFilter | undefined {
  if (text === null || text.trim() === '') return undefined;
  const key = `${resource.group}/${resource.version}/${resource.resource}`;
  const fields = KIND_FIELDS[key] ?? META_FIELDS;
  const tests = requirements(text).map((req): ObjectFilter => {
    const m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(req);
    if (m === null) throw badRequest(`invalid field selector: ${JSON.stringify(req)}`);
    const [, name = '', op, value] = m;
    const get = fields[name];
    if (get === undefined) throw badRequest(`field label not supported: ${name}`);
    // An absent field selects as the empty string, so `involvedObject.namespace=` matches cluster-scoped objects.
    const read = (o: KubeObject): string => String(get(o) ?? '');
    return op === '!=' ? (o) => read(o) !== value : (o) => read(o) === value;
  });
  return (object) => tests.every((test) => test(object));
}

/**
 * The field selector `kubectl describe` lists Events with (client-go's GetFieldSelector on the object's
 * reference), across every namespace for a cluster-scoped object: `involvedObject.namespace=` then
 * selects Events whose object has no namespace.
 */
export function describeSelector(kind: string, name: string, namespace: string, uid: string | undefined): string {
  const terms = { 'involvedObject.kind': kind, 'involvedObject.name': name, 'involvedObject.namespace': namespace, ...(uid !== undefined && { 'involvedObject.uid': uid }) };
  return Object.entries(terms)
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join(',');
}

export function bothFilters(a: ObjectFilter | undefined, b: ObjectFilter | undefined): ObjectFilter {
  return (object) => (a === undefined || a(object)) && (b === undefined || b(object));
}
