import t from 'tap';
import { groupCommit } from '../../src/log/group-commit.ts';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('the lines of one turn go out in one write, and the answers waiting on them after it', async (t) => {
  const events: string[] = [];
  const log = groupCommit({ write: (text: string) => events.push(`write ${JSON.stringify(text)}`) });
  log.write('a\n');
  log.afterCommit(() => events.push('answer a'));
  log.write('b\n');
  log.afterCommit(() => events.push('answer b'));
  t.same(events, [], 'nothing is written or answered within the turn');
  await nextTurn();
  t.same(events, ['write "a\\nb\\n"', 'answer a', 'answer b']);

  log.write('c\n');
  log.afterCommit(() => events.push('answer c'));
  await nextTurn();
  t.same(events.slice(3), ['write "c\\n"', 'answer c'], 'the next turn is a batch of its own');
});

t.test('an answer whose line was written in an earlier batch is sent at once in the next turn, with no empty write', async (t) => {
  const writes: string[] = [];
  const log = groupCommit({ write: (text: string) => writes.push(text) });
  let answered = false;
  log.afterCommit(() => (answered = true));
  await nextTurn();
  t.ok(answered);
  t.same(writes, []);
});

t.test('an answer that fails to send does not strand the others of its batch', async (t) => {
  const sent: string[] = [];
  const failures: unknown[] = [];
  const log = groupCommit({ write: () => undefined }, { onSendError: (err) => failures.push(err) });
  log.afterCommit(() => sent.push('a'));
  log.afterCommit(() => {
    throw new Error('socket gone');
  });
  log.afterCommit(() => sent.push('c'));
  await nextTurn();
  t.same(sent, ['a', 'c']);
  t.match(failures, [{ message: 'socket gone' }]);
});
