// Plain JSON Kubernetes objects as the test API server stores them: frozen once stored, so events, list
// snapshots and callers can share them; every write works on a copy.

export type KubeObject = Record<string, unknown>;

export function isObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function metadataOf(object: KubeObject): Record<string, unknown> {
  const metadata = object['metadata'];
  return isObject(metadata) ? metadata : {};
}

export function stringField(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A writable deep copy (objects from JSON have no cycles, dates or functions). */
export function copy(object: KubeObject): KubeObject {
  return structuredClone(object) as KubeObject;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Equality of JSON values, key order ignored (what the API compares to skip no-op writes). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (!isObject(a) || !isObject(b) || Array.isArray(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
  return keys.every((k) => sameJson(a[k], b[k]));
}

/** `metav1.Time` as the API writes it: RFC 3339, whole seconds, UTC. */
export function apiTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
