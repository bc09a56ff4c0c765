// v1 Namespace (client-node V1Namespace) into the core's Namespace.
import type { Namespace } from './model.ts';
import { optionalFields, optionalString } from './parse-fields.ts';
import { parseObjectHead } from './parse-object-head.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';


export function parseNamespace(raw: unknown, where: string): Namespace {
  const head = parseObjectHead(raw, { kind: 'Namespace', apiVersion: 'v1', namespaced: false }, where);
  const { ctx } = head;
  const status = optionalFields(head.fields['status'], 'status', ctx);
  const phase = optionalString(status?.['phase'], 'status.phase', ctx);
  const deletion = head.metadata['deletionTimestamp'];
  const uid = optionalString(head.metadata['uid'], 'metadata.uid', ctx);
  const resourceVersion = optionalString(head.metadata['resourceVersion'], 'metadata.resourceVersion', ctx);
  return {
    name: head.name,
    ...(uid !== undefined && { uid }),
    ...(resourceVersion !== undefined && { resourceVersion }),
    // Hand-written state files often leave the name label out; a real cluster always has it (the API
    // server overwrites it with the name), and a policy selecting on it must see the same namespaces here.
    labels: { ...head.labels, [METADATA_NAME_LABEL]: head.name },
    annotations: head.annotations,
    terminating: phase === 'Terminating' || (deletion !== undefined && deletion !== null),
  };
}
