// The inputs every offline command shares: the configuration and the cluster snapshot.
import type { LoadedState } from '../cluster/load-state-file.ts';
import { loadStateFile } from '../cluster/load-state-file.ts';
import { DEFAULT_CONFIG, loadConfig } from '../config/load-config.ts';
import type { Config } from '../policy/objects/model.ts';

export async function configFrom(file: string | undefined): Promise<Config> {
  return file === undefined ? DEFAULT_CONFIG : loadConfig(file);
}

/** A state file's snapshot with every pod name kept: commands name pods the user asks about. */
export async function snapshotFrom(file: string): Promise<LoadedState> {
  return loadStateFile(file, { keepPodNames: true });
}
