// SIGTERM/SIGINT to a graceful close. The kubelet sends SIGTERM, waits terminationGracePeriodSeconds
// (30 s by default) and then kills: drain + close timeout (5 s + 10 s by default) stay well inside.
import type { Logger } from 'pino';

export interface Closable {
  close(options?: { drainMs?: number }): Promise<void>;
}

export interface SignalOptions {
  readonly logger: Logger;
  readonly signals?: readonly NodeJS.Signals[];
  /** Runs after the server closed (stop informers, flush logs); its failure makes the exit code 1. */
  readonly afterClose?: () => Promise<void> | void;
  /** Something else holding the event loop must not keep a terminating pod alive. */
  readonly forceExitAfterMs?: number;
}

/** Returns a function that removes the handlers again. */
export function closeOnSignals(server: Closable, options: SignalOptions): () => void {
  const { logger } = options;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let received = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      // A second signal: the operator is impatient; stop draining and close now.
      logger.info({ signal }, 'second signal: ending the drain');
      void server.close({ drainMs: 0 });
      return;
    }
    received = true;
    logger.info({ signal }, 'signal received: closing');
    server
      .close()
      .then(() => options.afterClose?.())
      .then(
        () => {
          process.exitCode = 0;
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exitCode = 1;
        },
      )
      .finally(() => {
        setTimeout(() => process.exit(), options.forceExitAfterMs ?? 2_000).unref();
      });
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
