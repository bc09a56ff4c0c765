// `--config FILE` of a running server: loaded at start (a bad file stops the start), then re-read when
// it changes, as the kubelet updates a mounted ConfigMap. A new version that does not load (bad YAML,
// an unknown key, a template that fails its self-check) is logged and refused: the current one keeps
// deciding, so an edit can never leave a replica judging with half a configuration.
import type { Logger } from 'pino';
import { NsguardError } from '../errors.ts';
import { watchChanges } from '../files/watch-changes.ts';
import type { Config } from '../policy/objects/model.ts';
import { DEFAULT_CONFIG, loadConfig } from './load-config.ts';

export type ConfigEvent = { readonly type: 'reloaded'; readonly config: Config } | { readonly type: 'rejected'; readonly error: Error };

export interface ConfigSource {
  current(): Config;
  /** Told of each reload, accepted or refused; returns a function that stops telling. */
  subscribe(listener: (event: ConfigEvent) => void): () => void;
  close(): void;
}

/** Without a file: the defaults, for good. */
export async function openConfigSource(options: { readonly file: string | undefined; readonly logger: Logger; readonly debounceMs?: number }): Promise<ConfigSource> {
  const { file, logger } = options;
  if (file === undefined) return { current: () => DEFAULT_CONFIG, subscribe: () => () => undefined, close: () => undefined };
  let config = await loadConfig(file);
  const listeners = new Set<(event: ConfigEvent) => void>();
  const tell = (event: ConfigEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const reload = async (): Promise<void> => {
    try {
      config = await loadConfig(file);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error({ err, file, code: err instanceof NsguardError ? err.code : undefined }, 'configuration change refused: keeping the current configuration');
      tell({ type: 'rejected', error: err });
      return;
    }
    logger.info({ file, mode: config.mode }, 'configuration reloaded');
    tell({ type: 'reloaded', config });
  };
  const watching = watchChanges([file], reload, { logger, what: 'configuration', ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }) });
  return {
    current: () => config,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      watching.close();
      listeners.clear();
    },
  };
}
