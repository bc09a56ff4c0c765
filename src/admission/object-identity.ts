// The object as admission shows it may lack what the apiserver fills in later: a name when the client
// used generateName, and (in some paths) the namespace, which the request carries.
import { isRecord } from '../json-value.ts';
import type { AdmissionRequest } from './types.ts';

export function completed(raw: unknown, request: AdmissionRequest): unknown {
  if (!isRecord(raw)) return raw;
  const metadata = isRecord(raw['metadata']) ? raw['metadata'] : {};
  const name = typeof metadata['name'] === 'string' && metadata['name'] !== '' ? metadata['name'] : generatedName(metadata, request);
  const namespace = metadata['namespace'] ?? request.namespace;
  return { ...raw, metadata: { ...metadata, name, ...(namespace === undefined ? {} : { namespace }) } };
}

function generatedName(metadata: Record<string, unknown>, request: AdmissionRequest): string {
  const prefix = typeof metadata['generateName'] === 'string' ? metadata['generateName'] : '';
  // The suffix is chosen after admission; a placeholder keeps the name readable in messages.
  return request.name !== '' ? request.name : `${prefix}<generated>`;
}

/** The old object the review carries, or undefined when it carries none. */
export function oldObjectOf(request: AdmissionRequest): unknown {
  return request.oldObject === null || request.oldObject === undefined ? undefined : completed(request.oldObject, request);
}
