// labelSelector and fieldSelector query parameters of the test API server, in the string syntax of
// k8s.io/apimachinery/pkg/labels (`a=b,c!=d,e in (f,g),h notin (i),j,!k`) and pkg/fields. Field
// selectors cover metadata.name and metadata.namespace, which every kind supports.
import { badRequest } from './test-api-status.ts';
import type { KubeObject } from './test-api-object.ts';
import { metadataOf } from './test-api-object.ts';

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

const FIELDS: Readonly<Record<string, string>> = { 'metadata.name': 'name', 'metadata.namespace': 'namespace' };

export function parseFieldSelector(text: string | null): ObjectFilter | undefined {
  if (text === null || text.trim() === '') return undefined;
  const tests = requirements(text).map((req): ObjectFilter => {
    const m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(req);
    if (m === null) throw badRequest(`invalid field selector: ${JSON.stringify(req)}`);
    const [, field = '', op, value] = m;
    const key = FIELDS[field];
    if (key === undefined) throw badRequest(`field label not supported: ${field}`);
    return op === '!=' ? (o) => (metadataOf(o)[key] ?? '') !== value : (o) => (metadataOf(o)[key] ?? '') === value;
  });
  return (object) => tests.every((test) => test(object));
}

export function bothFilters(a: ObjectFilter | undefined, b: ObjectFilter | undefined): ObjectFilter {
  return (object) => (a === undefined || a(object)) && (b === undefined || b(object));
}
