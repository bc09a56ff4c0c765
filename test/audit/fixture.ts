// The audit's example cluster (test/fixtures/audit/cluster.yaml, with its nsguard.yaml), audited in
// process the way the CLI audits a state file.
import type { AuditReport } from '../../src/audit/report.ts';
import { auditState, flowInput } from '../../src/cli/audit.ts';
import { AuditObjects } from '../../src/cluster/audit-objects.ts';
import type { ClusterState } from '../../src/cluster/cluster-state.ts';
import { loadStateFile } from '../../src/cluster/load-state-file.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { CalicoObjects } from '../../src/policy/objects/cluster-view.ts';
import { auditPaths } from '../../src/audit/paths.ts';
import { populate } from '../../src/audit/population.ts';
import { namespaceNamed } from '../../src/policy/netpol/endpoint.ts';
import type { PortSet } from '../../src/policy/netpol/port-set.ts';
import { NO_PORTS, describePorts, isEmpty, union } from '../../src/policy/netpol/port-set.ts';
import type { Config } from '../../src/policy/objects/model.ts';
import { fixture } from '../support/cli.ts';

export const CLUSTER = fixture('audit/cluster.yaml');
export const CONFIG = fixture('audit/nsguard.yaml');

export interface Audited {
  readonly report: AuditReport;
  readonly state: ClusterState;
  readonly config: Config;
  readonly calico: CalicoObjects | undefined;
}

export async function auditFile(file: string = CLUSTER, flows?: { file: string; with?: string }): Promise<Audited> {
  const config = await loadConfig(CONFIG);
  const objects = new AuditObjects(config.audit.sensitive);
  const { state } = await loadStateFile(file, { keepPodNames: true, observe: objects.observe });
  const options = flows === undefined ? {} : { flows: await flowInput(flows.file, flows.with, state) };
  return { report: auditState(state, objects, config, `state file ${file}`, options), state, config, calico: state.calico() };
}

/**
 * The matrix judged without classes: every ordered pair of namespaces, every pair of their pods (and a
 * new pod in each), one by one; the cells and the insides of namespaces where the report differs.
 */
export function matrixMismatches({ report, state, config, calico }: Audited): { pairs: number; mismatches: string[] } {
  const namespaces = report.namespaces.map((n) => state.namespace(n.name) ?? namespaceNamed(n.name));
  const paths = auditPaths(state, config, namespaces.map((n) => n.name), calico);
  const populations = populate(state, namespaces);
  const text = (ports: PortSet): string => (isEmpty(ports) ? 'none' : describePorts(ports));
  const groupOf = new Map(report.namespaces.map((n) => [n.name, n.matrixGroup]));
  const cells = new Map(report.matrix.cells.map((c) => [`${c.from}>${c.to}`, c.ports]));
  let pairs = 0;
  const mismatches: string[] = [];
  for (const a of populations) {
    const sources = [...a.running, a.newPod];
    for (const b of populations) {
      let open: PortSet = NO_PORTS;
      for (const s of sources) for (const d of [...b.running, b.newPod]) open = union(open, paths.openPorts(s, d, 'may'));
      if (a === b) {
        const inside = report.namespaces.find((n) => n.name === a.namespace.name)?.internal;
        if (inside?.ports !== text(open)) mismatches.push(`${a.namespace.name} inside: ${inside?.ports} vs ${text(open)}`);
        continue;
      }
      pairs++;
      const cell = cells.get(`${groupOf.get(a.namespace.name)}>${groupOf.get(b.namespace.name)}`) ?? 'none';
      if (cell !== text(open)) mismatches.push(`${a.namespace.name} → ${b.namespace.name}: classes say ${cell}, pods say ${text(open)}`);
    }
  }
  return { pairs, mismatches: mismatches.slice(0, 10) };
}
