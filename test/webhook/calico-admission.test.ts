// Calico writes over HTTPS in each install mode, judged by the real admission over a cluster with issue
// 15's namespaces: whole responses, and one audit line per answer.
import t from 'tap';
import { createAdmission } from '../../src/admission/admission.ts';
import { clusterFrom, configWith } from '../support/cluster.ts';
import { CLUSTER } from '../support/calico.ts';
import { auditLines, serveAdmission, type Tap } from './harness.ts';
import { aggregatedGlobalPolicy, backendGlobalPolicy, calicoctlGlobalPolicy, kubernetesFieldsPolicy, nativeNamespacedPolicy } from './calico-reviews.ts';

interface Response {
  readonly response: { uid: string; allowed: boolean; status?: { code: number; reason: string; message: string }; warnings?: string[] };
}

async function serve(t: Tap) {
  const admission = createAdmission({ view: () => clusterFrom(CLUSTER), config: () => configWith(), unready: () => undefined });
  return serveAdmission(t, admission);
}

const TCP_LEFT_OUT = /creating GlobalNetworkPolicy allow-dns-and-system \(tier default\) cuts DNS for .* egress rule 0 allows UDP 53 but not TCP 53/;

const cases = [
  { name: 'the Calico API server (aggregated v3) sends the GlobalNetworkPolicy of issue 15 under its stored name: denied, TCP DNS left out', body: aggregatedGlobalPolicy, allowed: false, kind: 'GlobalNetworkPolicy.projectcalico.org', says: TCP_LEFT_OUT },
  { name: 'calicoctl writes the same policy as a CRD: denied alike', body: calicoctlGlobalPolicy, allowed: false, kind: 'GlobalNetworkPolicy.crd.projectcalico.org', says: TCP_LEFT_OUT },
  { name: 'the native v3 CRD of the namespace isolation of issue 15 confines egress to app-ns: denied, DNS cut', body: nativeNamespacedPolicy, allowed: false, kind: 'NetworkPolicy.projectcalico.org', says: 'Calico NetworkPolicy app-ns/namespace-isolation (tier default) selects them for egress' },
  { name: "the Calico API server's backend write of what it admitted is not judged again", body: backendGlobalPolicy, allowed: true, kind: 'GlobalNetworkPolicy.crd.projectcalico.org', says: undefined },
] as const;

for (const c of cases) {
  t.test(c.name, async (t) => {
    const h = await serve(t);
    const res = await h.request({ path: '/validate', body: c.body });
    t.equal(res.status, 200);
    const { response } = res.json as Response;
    t.equal(response.uid, (c.body['request'] as { uid: string }).uid, 'uid echoed');
    t.equal(response.allowed, c.allowed, JSON.stringify(response));
    if (c.says !== undefined) {
      t.equal(response.status?.code, 403);
      t.match(response.status?.message, c.says);
    } else {
      t.equal(response.status, undefined);
    }
    const lines = auditLines(h.logs);
    t.equal(lines.length, 1, 'one audit line');
    t.equal(lines[0]?.['kind'], c.kind);
    t.equal(lines[0]?.['allowed'], c.allowed);
  });
}

t.test('a Calico policy written with Kubernetes fields is refused with what Calico expects', async (t) => {
  const h = await serve(t);
  const res = await h.request({ path: '/validate', body: kubernetesFieldsPolicy });
  const { response } = res.json as Response;
  t.equal(response.allowed, false);
  t.match(response.status?.message, 'spec.ingress[0].from');
  t.match(response.status?.message, 'source and destination (from is a Kubernetes NetworkPolicy field');
  t.equal(auditLines(h.logs).length, 1);
});

t.test('a v3 review whose object names another policy is refused before judging', async (t) => {
  const h = await serve(t);
  const body = structuredClone(aggregatedGlobalPolicy) as { request: { object: { metadata: { name: string } } } };
  body.request.object.metadata.name = 'default.something-else';
  const res = await h.request({ path: '/validate', body });
  t.equal(res.status, 400);
  t.match((res.json as { message: string }).message, 'request.object.metadata.name is "default.something-else", but request.name is "allow-dns-and-system"');
});
