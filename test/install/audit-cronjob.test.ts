// The opt-in audit CronJob: valid objects, the image and limits of the Deployment, and RBAC derived from
// the code: one list of each kind src/cluster/live-snapshot.ts reads, and the report calls of --apply
// (src/cli/audit-live.ts) for the format the Job writes. Nothing more.
import { join } from 'node:path';
import t from 'tap';
import { AUDIT_FORMATS } from '../../src/cli/audit.ts';
import { reportCalls } from '../../src/cli/audit-live.ts';
import { AUDIT_COLLECTIONS, CALICO_COLLECTIONS } from '../../src/cluster/collections.ts';
import type { ReportFormat } from '../../src/audit/render/report-objects.ts';
import { find, idOf, isRecord, MANIFESTS, render } from './kustomize.ts';
import { renderBase } from './overlays.ts';
import { validate } from './schemas.ts';

const objects = render(join(MANIFESTS, 'overlays/audit-cronjob'));

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
function grants(role: Record<string, unknown>): string[] {
  return (role['rules'] as Rule[]).flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`)))).sort();
}

type Container = { name: string; image: string; command?: string[]; args?: string[]; resources: unknown };
const jobSpec = (find(objects, 'CronJob', 'nsguard-audit')['spec'] as { jobTemplate: { spec: { template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: Container[] } } } } }).jobTemplate.spec.template;
const container = jobSpec.spec.containers[0] as Container;
const script = (container.args ?? []).join(' ');

t.test('the overlay holds the CronJob, its account, its roles and its egress, each valid', async (t) => {
  t.same(objects.map(idOf).sort(), [
    'ClusterRole nsguard-audit',
    'ClusterRoleBinding nsguard-audit',
    'CronJob nsguard/nsguard-audit',
    'NetworkPolicy nsguard/allow-audit-apiserver-egress',
    'Role default/nsguard-audit-apiserver-endpoints',
    'RoleBinding default/nsguard-audit-apiserver-endpoints',
    'ServiceAccount nsguard/nsguard-audit',
  ]);
  validate(t, objects);
});

t.test('the Job runs the audit of the live cluster with --apply, as the Deployment runs nsguard', async (t) => {
  const format = /-o (\S+)/.exec(script)?.[1];
  t.ok(AUDIT_FORMATS.includes(format as (typeof AUDIT_FORMATS)[number]) && (format === 'policyreport' || format === 'openreports'), `a report format: ${format}`);
  t.match(script, /^node --max-semi-space-size=8 src\/cli\/main\.ts audit .*--apply/);
  t.notMatch(script, /--state/, 'the live cluster');
  t.match(script, /; test \$\? -le 1$/, 'findings (exit 1) do not fail the Job; bad input (2) does');
  const deployment = find(renderBase(), 'Deployment', 'nsguard')['spec'] as { template: { spec: { containers: Container[] } } };
  const nsguard = deployment.template.spec.containers[0] as Container;
  t.equal(container.image, nsguard.image, 'the same image');
  t.same(container.resources, nsguard.resources, 'the same requests and limits, under which bench/audit.ts measures');
  t.equal(jobSpec.spec.serviceAccountName, 'nsguard-audit');
  t.not(jobSpec.metadata.labels['app.kubernetes.io/name'], 'nsguard', "not labelled as the webhook's pods: the Service must not send reviews to it");
  const policy = find(objects, 'NetworkPolicy', 'allow-audit-apiserver-egress')['spec'] as { podSelector: { matchLabels: Record<string, string> } };
  t.same(policy.podSelector.matchLabels, jobSpec.metadata.labels, 'its egress to the apiserver selects its pods');
});

t.test('RBAC: exactly the calls the code makes', async (t) => {
  const format = /-o (\S+)/.exec(script)?.[1] as ReportFormat;
  const clusterWide = [...AUDIT_COLLECTIONS, ...CALICO_COLLECTIONS.flat()].filter((c) => c.namespace === undefined).map((c) => `${c.group}/${c.resource} list`);
  const writes = reportCalls(format).flatMap((c) => c.verbs.map((v) => `${c.group}/${c.resource} ${v}`));
  t.same(grants(find(objects, 'ClusterRole', 'nsguard-audit')), [...new Set([...clusterWide, ...writes])].sort());
  const inDefault = AUDIT_COLLECTIONS.filter((c) => c.namespace === 'default').map((c) => `${c.group}/${c.resource} list`);
  const role = find(objects, 'Role', 'nsguard-audit-apiserver-endpoints');
  t.equal((role['metadata'] as Record<string, unknown>)['namespace'], 'default');
  t.same(grants(role), inDefault.sort());
  t.same(AUDIT_COLLECTIONS.filter((c) => c.namespace !== undefined && c.namespace !== 'default'), [], 'no other namespace is read');
  for (const [kind, name] of [['ClusterRoleBinding', 'nsguard-audit'], ['RoleBinding', 'nsguard-audit-apiserver-endpoints']] as const) {
    const binding = find(objects, kind, name);
    t.same(binding['subjects'], [{ kind: 'ServiceAccount', name: 'nsguard-audit', namespace: 'nsguard' }], `${kind} binds only the audit's account`);
    t.ok(isRecord(binding['roleRef']) && binding['roleRef']['name'] === name);
  }
});
