// Raw requests to the test API server for the tests of its validation and admission: the typed
// clients would rename or drop fields (a NetworkPolicy's `from`), and these tests need the Status as sent.
import type { TestApiServer } from './test-api-server.ts';

export interface Answer {
  readonly code: number;
  readonly body: Record<string, unknown>;
}

/** A request as the user a bearer token names (undefined: anonymous), answered with its code and body. */
export async function sendAs(server: TestApiServer, token: string | undefined, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const response = await fetch(server.url + path, {
    method,
    headers: { Accept: 'application/json', ...(token !== undefined && { Authorization: `Bearer ${token}` }), ...(body !== undefined && { 'Content-Type': contentType }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function send(server: TestApiServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  return sendAs(server, undefined, method, path, body, contentType);
}

/** The messages of a 422's causes, one per field error. */
export function causesOf(body: Record<string, unknown>): string[] {
  const details = body['details'] as { causes?: { field: string; message: string }[] } | undefined;
  return (details?.causes ?? []).map((c) => c.message);
}

export function networkPolicy(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, ...metadata }, spec: { podSelector: {}, ...spec } };
}
