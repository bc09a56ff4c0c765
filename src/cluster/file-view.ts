// The file-backed cluster view (`nsguard serve --state FILE`): the snapshot is read at start (a bad file
// stops the start) and re-read when it changes; a bad new version is logged and the old one kept, so a
// half-written file never leaves the webhook judging against nothing.
import type { Logger } from 'pino';
import { watchChanges } from '../files/watch-changes.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { ClusterState } from './cluster-state.ts';
import { loadStateFile } from './load-state-file.ts';

export interface FileView {
  /** The current snapshot; a reload swaps it whole, so a check in progress keeps a consistent one. */
  current(): ClusterView;
  close(): void;
}

export async function openFileView(file: string, logger: Logger, options: { debounceMs?: number } = {}): Promise<FileView> {
  let state = await load(file, logger, 'state file loaded');
  const watching = watchChanges(
    [file],
    async () => {
      try {
        state = await load(file, logger, 'state file reloaded');
      } catch (err) {
        logger.error({ err, file }, 'state file reload failed: keeping the previous snapshot');
      }
    },
    { logger, what: 'state file', ...options },
  );
  return { current: () => state, close: () => watching.close() };
}

async function load(file: string, logger: Logger, message: string): Promise<ClusterState> {
  const { state, report } = await loadStateFile(file);
  logger.info({ file, ...report }, message);
  return state;
}
