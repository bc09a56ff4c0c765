// Reload-on-change for files mounted from Secrets and ConfigMaps: the kubelet swaps a `..data` symlink,
// which a watch on the file itself misses, so the directories are watched and the reader re-reads, but
// only when a watched file itself changed: anything else written in the same directory (a log, other
// files) must not make a webhook re-read a 100 MB snapshot.
import { type FSWatcher, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

export interface ChangeWatch {
  close(): void;
}

export interface ChangeWatchOptions {
  readonly logger: Logger;
  /** What is watched, for the log line when watching fails. */
  readonly what: string;
  /** Quiet time after the last event: an editor or the kubelet writes in several steps. */
  readonly debounceMs?: number;
}

/**
 * Runs `reload` after changes in the directories of `files`: never two at once, and events during a
 * run cause exactly one more run. `reload` handles its own errors (it keeps the old content).
 */
export function watchChanges(files: readonly string[], reload: () => Promise<void>, options: ChangeWatchOptions): ChangeWatch {
  let seen = signature(files);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const now = signature(files);
        if (now === seen) continue;
        seen = now;
        await reload();
      } while (again && !closed);
    } finally {
      running = false;
    }
  };

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), options.debounceMs ?? 100);
    timer.unref();
  };

  const watchers: FSWatcher[] = [...new Set(files.map((f) => dirname(f)))].map((dir) => {
    // Not persistent: the listening server keeps the process alive, the watcher must not.
    const watcher = watch(dir, { persistent: false }, schedule);
    watcher.on('error', (err) => options.logger.error({ err, dir }, `${options.what} directory watch failed: changes are no longer picked up`));
    return watcher;
  });

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/**
 * What identifies the files' content without reading it: through symlinks (a `..data` swap shows as a
 * new inode), size and modification time. A file that cannot be stat'ed (mid-swap) counts as changed.
 */
function signature(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const s = statSync(file, { bigint: true });
        return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch {
        return 'unreadable';
      }
    })
    .join('|');
}
