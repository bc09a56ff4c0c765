// Reload-on-change reacts to the watched files only: a log or any other file written beside a state file
// must not make the webhook re-read its snapshot, while an edit or a kubelet `..data` swap must.
import { mkdtemp, rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { watchChanges } from '../../src/files/watch-changes.ts';
import { captureLogs } from '../support/capture-logs.ts';
import { waitFor } from '../support/wait-for.ts';

const DEBOUNCE_MS = 20;

async function watched(t: { teardown(fn: () => unknown): void }, file: string): Promise<{ reloads: () => number }> {
  let reloads = 0;
  const watch = watchChanges([file], async () => void reloads++, { logger: captureLogs().logger, what: 'test file', debounceMs: DEBOUNCE_MS });
  t.teardown(() => watch.close());
  return { reloads: () => reloads };
}

t.test('writes to other files in the directory cause no reload; an edit of the file causes one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-watch-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.json');
  await writeFile(file, '{"items":[]}');
  const w = await watched(t, file);
  for (let i = 0; i < 5; i++) await writeFile(join(dir, 'serve.log'), `line ${i}\n`, { flag: 'a' });
  // Several debounce periods: a reload triggered by the log would have run by now.
  await delay(DEBOUNCE_MS * 10);
  t.equal(w.reloads(), 0, 'a log beside the state file is not a change of the state file');
  await writeFile(file, '{"items":[], "kind":"List"}');
  await waitFor(() => w.reloads() === 1, 'one reload after the edit');
  t.equal(w.reloads(), 1);
});

t.test('a kubelet-style ..data symlink swap is a change', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-watch-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, '..v1'));
  await writeFile(join(dir, '..v1', 'tls.crt'), 'one');
  await symlink('..v1', join(dir, '..data'));
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  const w = await watched(t, join(dir, 'tls.crt'));
  await mkdir(join(dir, '..v2'));
  await writeFile(join(dir, '..v2', 'tls.crt'), 'two');
  await symlink('..v2', join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  await waitFor(() => w.reloads() === 1, 'a reload after the swap');
  t.equal(w.reloads(), 1);
});
