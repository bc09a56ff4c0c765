// The audit's example cluster (test/fixtures/audit/cluster.yaml, with its nsguard.yaml), audited in
// process the way the CLI audits a state file.
import type { AuditReport } from '../../src/audit/report.ts';
import { auditState, flowInput } from '../../src/cli/audit.ts';
import { AuditObjects } from '../../src/cluster/audit-objects.ts';
import type { ClusterState } from '../../src/cluster/cluster-state.ts';
import { loadStateFile } from '../../src/cluster/load-state-file.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { fixture } from '../support/cli.ts';

export const CLUSTER = fixture('audit/cluster.yaml');
export const CONFIG = fixture('audit/nsguard.yaml');

export interface Audited {
  readonly report: AuditReport;
  readonly state: ClusterState;
}

export async function auditFile(file: string = CLUSTER, flows?: { file: string; with?: string }): Promise<Audited> {
  const config = await loadConfig(CONFIG);
  const objects = new AuditObjects(config.audit.sensitive);
  const { state } = await loadStateFile(file, { keepPodNames: true, observe: objects.observe });
  const options = flows === undefined ? {} : { flows: await flowInput(flows.file, flows.with, state) };
  return { report: auditState(state, objects, config, `state file ${file}`, options), state };
}
