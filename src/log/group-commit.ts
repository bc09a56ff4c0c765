// Group commit of log lines: every line logged during one turn of the event loop is written to the
// destination with one write, and the answers waiting on those lines are sent after it. The audit
// contract holds (no answer before its line is in stdout; a stuck stdout makes answers wait, a broken
// one stops the process), and a busy replica pays for one write per turn instead of one per answer.
import type { DestinationStream } from 'pino';

export interface Committer {
  /** Runs `send` once every line logged so far is in the destination. */
  afterCommit(send: () => void): void;
}

export interface CommitLog extends DestinationStream, Committer {}

/** For a logger that writes each line as it is logged: there is nothing to wait for. */
export const WRITTEN_AT_ONCE: Committer = { afterCommit: (send) => send() };

/**
 * `onSendError` hears of an answer that could not be sent; without it the first such error is thrown once
 * the whole batch has been tried.
 * `target` must write synchronously (pino.destination with `sync: true`): its write returns once the
 * text is in the pipe, or blocks while the pipe is full, which is what holds the answers back.
 */
export function groupCommit(target: { write(text: string): unknown }, { onSendError }: { readonly onSendError?: (err: unknown) => void } = {}): CommitLog {
  let lines: string[] = [];
  let waiting: (() => void)[] = [];
  let scheduled = false;
  const commit = (): void => {
    scheduled = false;
    const text = lines.join('');
    const sends = waiting;
    lines = [];
    waiting = [];
    if (text !== '') target.write(text);
    // One answer that fails to send must not strand the others of the batch.
    let failed: { err: unknown } | undefined;
    for (const send of sends) {
      try {
        send();
      } catch (err) {
        if (onSendError === undefined) failed ??= { err };
        else onSendError(err);
      }
    }
    if (failed !== undefined) throw failed.err;
  };
  // setImmediate runs after the poll phase: the requests whose bytes arrived in this turn have all
  // been answered into the batch by then.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(commit);
  };
  return {
    write(line: string) {
      lines.push(line);
      schedule();
    },
    afterCommit(send) {
      waiting.push(send);
      schedule();
    },
  };
}
