import { readFile } from 'node:fs/promises';
import { parseAllDocuments, visit } from 'yaml';
import type { Document } from 'yaml';
import { NsguardError } from '../errors.ts';
import { calicoKind, parseCalicoObject } from '../policy/calico/calico-kinds.ts';
import { parseNamespace } from '../policy/objects/parse-namespace.ts';
import { parseNetworkPolicy } from '../policy/objects/parse-network-policy.ts';
import { parsePod } from '../policy/objects/parse-pod.ts';
import { parseEndpointSlice, parseService } from '../policy/objects/parse-service.ts';
import type { ClusterState } from './cluster-state.ts';

// State files: what `kubectl get namespaces,networkpolicies,pods,services -A -o yaml` prints (one `v1 List`),
// multi-document YAML, or JSON. Objects are only split out and located here; parse-*.ts validate them.

/** One Kubernetes object and where it came from, e.g. `state.yaml document 2 item 14` (both 1-based). */
export interface RawObject {
  readonly object: Record<string, unknown>;
  readonly where: string;
}

export interface LoadReport {
  readonly namespaces: number;
  readonly policies: number;
  readonly pods: number;
  /** Pods NetworkPolicy does not govern (finished, hostNetwork). */
  readonly skippedPods: number;
  /** Calico policies (NetworkPolicy, GlobalNetworkPolicy and their staged forms) and Tiers, in either API group. */
  readonly calico: number;
  readonly services: number;
  /** Read; only those of Services without a selector are kept. */
  readonly endpointSlices: number;
  /** Every other object, counted by kind. */
  readonly skipped: Readonly<Record<string, number>>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  return Array.isArray(value) ? 'a sequence' : isMapping(value) ? 'a mapping' : `the scalar ${JSON.stringify(value)}`;
}

export function parseError(where: string, message: string, cause?: unknown): NsguardError {
  return new NsguardError('NSG_STATE_PARSE', `${where}: ${message}`, cause === undefined ? undefined : { cause });
}

/** One JS value per document, in file order, so document numbers match what a reader counts. */
function documentValues(text: string, file: string): unknown[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = source.trimStart()[0];
  if (start === '{' || start === '[') {
    // JSON.parse is far faster on big `-o json` dumps; on failure YAML parsing reports the line.
    try {
      return [JSON.parse(source)];
    } catch {
      // Not JSON after all (flow-style YAML, several documents, or broken): YAML tells which.
    }
  }
  // Merge keys (`<<`) expanded, as kubectl's YAML 1.1 expands them.
  const documents = parseAllDocuments(source, { merge: true });
  if (!Array.isArray(documents)) return [];
  return documents.map((doc, i) => {
    const where = `${file} document ${i + 1}`;
    const error = doc.errors[0];
    // yaml's message ends with a code excerpt after its first line, which already says "at line L, column C".
    if (error !== undefined) throw parseError(where, `not valid YAML: ${error.message.split('\n')[0]?.replace(/:$/, '')}`, error);
    readIntegersAsKubectl(doc);
    try {
      // Caps alias expansion, so a "billion laughs" file fails instead of filling the heap.
      return doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw parseError(where, `cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
  });
}

/**
 * Plain integers with a leading zero read as kubectl reads them (its YAML is 1.1): octal, so `port: 053`
 * is 43 and `defaultMode: 0644` is 420. Read as YAML 1.2 decimals they would judge another object than
 * the one applied. Digits 8 and 9 are no octal, and kubectl then reads the decimal, as YAML 1.2 does.
 */
function readIntegersAsKubectl(doc: Document.Parsed): void {
  visit(doc, {
    Scalar(_key, node) {
      const octal = node.type === 'PLAIN' && typeof node.value === 'number' ? /^([-+]?)0([0-7]+)$/.exec(node.source ?? '') : null;
      if (octal !== null) node.value = (octal[1] === '-' ? -1 : 1) * Number.parseInt(octal[2] as string, 8);
    },
  });
}

export function requireHead(value: unknown, where: string): Record<string, unknown> {
  if (!isMapping(value)) throw parseError(where, `expected a Kubernetes object (a mapping with apiVersion and kind), found ${describeValue(value)}`);
  for (const field of ['apiVersion', 'kind']) {
    const v = value[field];
    if (typeof v !== 'string' || v === '') throw parseError(where, `${field} is missing or not a string (found ${JSON.stringify(v) ?? 'nothing'})`);
  }
  return value;
}

/**
 * Splits a state or input file into objects; a `List` (or `PodList` and the like) into its items. A
 * state file must hold some document: an empty one is what a failed `kubectl get ... > cluster.yaml`
 * (or a reload caught mid-write) leaves, and judging against it would judge an empty cluster. An empty
 * cluster is written `kind: List` with `items: []`.
 */
export function readObjects(text: string, file: string, kind: 'state' | 'input' = 'input'): RawObject[] {
  const objects: RawObject[] = [];
  const values = documentValues(text, file);
  if (kind === 'state' && values.every((value) => value === null || value === undefined)) {
    throw parseError(file, 'holds no object: an empty file is not an empty cluster (write `apiVersion: v1`, `kind: List`, `items: []` for one)');
  }
  values.forEach((value, i) => {
    const where = `${file} document ${i + 1}`;
    if (value === null || value === undefined) return;
    const object = requireHead(value, where);
    const items = listItems(object, where);
    if (items === undefined) objects.push({ object, where });
    else items.forEach((item, j) => objects.push(listItem(object, item, `${where} item ${j + 1}`)));
  });
  return objects;
}

/** The items of a `List` or a typed list (`PodList` with items); undefined for any other object. */
export function listItems(object: Record<string, unknown>, where: string): unknown[] | undefined {
  const kind = object['kind'] as string;
  const items = object['items'];
  if (kind !== 'List' && !(kind.endsWith('List') && Array.isArray(items))) return undefined;
  // `kubectl get -A` prints `items: []` when nothing matched; some tools write `items:` (null).
  if (items === null || items === undefined) return [];
  if (!Array.isArray(items)) throw parseError(where, `items must be a sequence, found ${describeValue(items)}`);
  return items;
}

/** One item of `list` (its apiVersion and kind checked) as an object. */
export function listItem(list: Record<string, unknown>, item: unknown, where: string): RawObject {
  const kind = list['kind'] as string;
  // Typed lists from the API (`kubectl get --raw`) leave apiVersion and kind off their items.
  const filled = kind !== 'List' && isMapping(item) ? { apiVersion: list['apiVersion'], kind: kind.slice(0, -'List'.length), ...item } : item;
  return { object: requireHead(filled, where), where };
}

export function readError(file: string, cause: unknown): NsguardError {
  return new NsguardError('NSG_STATE_READ', `cannot read ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

export async function readObjectsFromFile(file: string, kind: 'state' | 'input' = 'input'): Promise<RawObject[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw readError(file, cause);
  }
  return readObjects(text, file, kind);
}

/**
 * Parses every object first and only then fills `state`, so a bad object leaves it untouched. Pods
 * and policies load even when their Namespace is not in the file: a dump may simply leave it out.
 */
export function loadState(objects: readonly RawObject[], state: ClusterState): LoadReport {
  const loader = new ObjectLoader();
  const fills = objects.map(({ object, where }) => loader.parse(object, where));
  for (const fill of fills) fill?.(state);
  return loader.report();
}

/** Parses objects into the core model one at a time, counting them for the LoadReport. */
export class ObjectLoader {
  #namespaces = 0;
  #policies = 0;
  #pods = 0;
  #skippedPods = 0;
  #calico = 0;
  #services = 0;
  #endpointSlices = 0;
  readonly #skipped = new Map<string, number>();

  /** Throws if the object is invalid; else returns what adds it to a state, or undefined if it is only counted. */
  parse(object: Record<string, unknown>, where: string): ((state: ClusterState) => void) | undefined {
    const apiVersion = object['apiVersion'];
    const kind = typeof object['kind'] === 'string' ? object['kind'] : '(no kind)';
    if (apiVersion === 'v1' && kind === 'Namespace') {
      const ns = parseNamespace(object, where);
      this.#namespaces++;
      return (state) => state.upsertNamespace(ns);
    }
    if (apiVersion === 'networking.k8s.io/v1' && kind === 'NetworkPolicy') {
      const policy = parseNetworkPolicy(object, where);
      this.#policies++;
      return (state) => state.upsertPolicy(policy);
    }
    if (apiVersion === 'v1' && kind === 'Pod') {
      const pod = parsePod(object, where);
      if (pod === undefined) {
        this.#skippedPods++;
        return undefined;
      }
      this.#pods++;
      return (state) => state.upsertPod(pod);
    }
    if (apiVersion === 'v1' && kind === 'Service') {
      const service = parseService(object, where);
      this.#services++;
      return (state) => state.upsertService(service);
    }
    if (apiVersion === 'discovery.k8s.io/v1' && kind === 'EndpointSlice') {
      const slice = parseEndpointSlice(object, where);
      this.#endpointSlices++;
      return slice === undefined ? undefined : (state) => state.upsertEndpointSlice(slice);
    }
    const calico = calicoKind(apiVersion, kind);
    if (calico !== undefined) {
      const parsed = parseCalicoObject(object, calico, where);
      this.#calico++;
      return parsed.kind === 'tier' ? (state) => state.upsertTier(parsed.tier) : (state) => state.upsertCalicoPolicy(parsed.policy);
    }
    this.#skipped.set(kind, (this.#skipped.get(kind) ?? 0) + 1);
    return undefined;
  }

  report(): LoadReport {
    return {
      namespaces: this.#namespaces,
      policies: this.#policies,
      pods: this.#pods,
      skippedPods: this.#skippedPods,
      calico: this.#calico,
      services: this.#services,
      endpointSlices: this.#endpointSlices,
      // fromEntries defines own properties, so a kind named like an Object.prototype member counts right.
      skipped: Object.fromEntries(this.#skipped),
    };
  }
}
