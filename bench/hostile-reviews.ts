// What a hostile client sends nsguard (issue 13), for the soak: reviews the apiserver never sends,
// bodies past the parse limits, and honest reviews that cost the most to judge. Each says what nsguard
// must answer; anything else is a wrong answer, and `allowed: true` to a forged one a wrong allow.
import { TARGETS } from './generate-cluster.ts';
import { SCENARIOS } from './reviews.ts';

export interface HostileReview {
  readonly name: string;
  readonly body: Buffer;
  /** `refused`: a 4xx; `judged`: an AdmissionReview, allowed or not; `denied`: one that is not allowed. */
  readonly expect: 'refused' | 'judged' | 'denied';
}

type Json = Record<string, unknown>;

const allowed = SCENARIOS.find((s) => s.name === 'validate-allowed');
if (allowed === undefined) throw new Error('bench/reviews.ts has no validate-allowed scenario');
const BASE = JSON.parse(allowed.body) as { request: Json };

function review(change: (request: Json) => void): Buffer {
  const copy = structuredClone(BASE);
  change(copy.request);
  return Buffer.from(JSON.stringify(copy));
}

function bigPolicy(rules: number, namespaceLabels: Json, name: string): Buffer {
  return review((request) => {
    request['name'] = name;
    request['object'] = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: TARGETS.prod },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: Array.from({ length: rules }, (_, i) => ({ from: [{ namespaceSelector: { matchLabels: namespaceLabels }, podSelector: { matchLabels: { app: `a${i}` } } }] })),
      },
    };
  });
}

const text = JSON.stringify(BASE);

export const HOSTILE: readonly HostileReview[] = [
  { name: 'connect', expect: 'refused', body: review((r) => void (r['operation'] = 'CONNECT')) },
  { name: 'namespace-mismatch', expect: 'refused', body: review((r) => void (r['namespace'] = TARGETS.test)) },
  { name: 'no-namespace', expect: 'refused', body: review((r) => void delete r['namespace']) },
  { name: 'unserved-kind', expect: 'refused', body: review((r) => void (r['kind'] = { group: 'x'.repeat(1 << 20), version: 'v1', kind: 'Junk' })) },
  { name: 'kindless-object', expect: 'refused', body: review((r) => void delete (r['object'] as Json)['kind']) },
  { name: 'duplicate-key', expect: 'refused', body: Buffer.from(text.replace('"operation":"CREATE"', '"operation":"DELETE","operation":"CREATE"')) },
  { name: 'not-utf8', expect: 'refused', body: Buffer.concat([Buffer.from(text.slice(0, 40)), Buffer.from([0xff, 0xfe]), Buffer.from(text.slice(40))]) },
  { name: 'deep-5000', expect: 'refused', body: Buffer.from(text.replace('"spec":{', `"deep":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)},"spec":{`)) },
  { name: 'values-2.4m', expect: 'refused', body: Buffer.from(text.replace('"dryRun":false', `"junk":[${'{},'.repeat(2_400_000)}{}],"dryRun":false`)) },
  { name: 'not-json', expect: 'refused', body: Buffer.from(`${text.slice(0, 100)}`) },
  // Honest, and the costliest to judge: nsguard must answer them, within its budget.
  { name: 'policy-6000-rules', expect: 'judged', body: bigPolicy(6000, { env: 'dev' }, 'many-rules') },
  { name: 'policy-6000-rules-test', expect: 'denied', body: bigPolicy(6000, { env: 'test' }, 'many-rules-test') },
];
