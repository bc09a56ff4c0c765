import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openConfigSource, type ConfigEvent } from '../../src/config/config-source.ts';
import { DEFAULT_CONFIG } from '../../src/config/load-config.ts';
import { captureLogs } from '../support/capture-logs.ts';

/**
 * The next event the source tells of. The watch does not hold the process open (a server does, in
 * production): an interval does here until the event comes.
 */
const next = (source: Awaited<ReturnType<typeof openConfigSource>>): Promise<ConfigEvent> =>
  new Promise((resolve) => {
    const alive = setInterval(() => undefined, 60_000);
    const stop = source.subscribe((event) => {
      stop();
      clearInterval(alive);
      resolve(event);
    });
  });

/** As the kubelet updates a ConfigMap volume: the new file is written beside and swapped in. */
async function swapIn(file: string, text: string): Promise<void> {
  await writeFile(`${file}.new`, text);
  await rename(`${file}.new`, file);
}

t.test('a changed file is reloaded; a bad change is refused and the current configuration kept', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'mode: enforce\n');
  const logs = captureLogs('info');
  const source = await openConfigSource({ file, logger: logs.logger, debounceMs: 10 });
  t.teardown(() => source.close());
  t.equal(source.current().mode, 'enforce');

  const reloaded = next(source);
  await swapIn(file, 'mode: warn\n');
  t.match(await reloaded, { type: 'reloaded', config: { mode: 'warn' } });
  t.equal(source.current().mode, 'warn');

  const refused = next(source);
  await swapIn(file, 'mode: block\n');
  t.match(await refused, { type: 'rejected', error: { code: 'NSG_CONFIG_KEY', message: /mode is "block"/ } });
  t.equal(source.current().mode, 'warn', 'the last good configuration keeps deciding');
  t.match(logs.lines.at(-1), { level: 50, msg: 'configuration change refused: keeping the current configuration', code: 'NSG_CONFIG_KEY' });
});

t.test('a bad file at start stops the start; no file means the defaults', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'mode: [\n');
  const logs = captureLogs('info');
  await t.rejects(openConfigSource({ file, logger: logs.logger }), { code: 'NSG_CONFIG_PARSE' });
  t.equal((await openConfigSource({ file: undefined, logger: logs.logger })).current(), DEFAULT_CONFIG);
});
