// The inputs every offline command shares: the configuration and the cluster snapshot.
import { ClusterState } from '../cluster/cluster-state.ts';
import type { LoadReport } from '../cluster/state-file.ts';
import { loadState, readObjectsFromFile } from '../cluster/state-file.ts';
import { DEFAULT_CONFIG, loadConfig } from '../config/load-config.ts';
import type { Config } from '../policy/model.ts';

export async function configFrom(file: string | undefined): Promise<Config> {
  return file === undefined ? DEFAULT_CONFIG : loadConfig(file);
}

export interface Snapshot {
  readonly state: ClusterState;
  readonly report: LoadReport;
}

/** A state file read whole, with every pod name kept: commands name pods the user asks about. */
export async function snapshotFrom(file: string): Promise<Snapshot> {
  const state = new ClusterState({ keepPodNames: true });
  const report = loadState(await readObjectsFromFile(file), state);
  return { state, report };
}
