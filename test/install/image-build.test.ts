// The image runs src/ compiled by its build stage (tsconfig.build.json), not the sources: a source the
// compiler cannot emit, or a path that only resolves from src/, would break the image and nothing else.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { TSC, imageNodeFlags, imageScript } from '../../bench/spawn-server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

t.test('the sources compile as the build stage compiles them, and the compiled CLI runs', async (t) => {
  // Laid out as the image is: /app/package.json, /app/node_modules, /app/dist.
  const app = mkdtempSync(join(tmpdir(), 'nsguard-image-'));
  t.teardown(() => rmSync(app, { recursive: true, force: true }));
  cpSync(join(root, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
  execFileSync(process.execPath, [join(root, TSC), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { encoding: 'utf8' });
  const run = (...args: string[]) => execFileSync(process.execPath, [...imageNodeFlags(), join(app, imageScript()), ...args], { cwd: app, encoding: 'utf8' });
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  t.equal(run('--version').trim(), `nsguard ${version}`);
  t.match(run('serve', '--help'), /^usage: nsguard serve/m);
  const check = spawnSync(process.execPath, [join(app, imageScript()), 'check', '--state', join(root, 'examples/cluster.yaml'), '-o', 'json', join(root, 'test/fixtures/check/mysql-from-other-envs.yaml')], { encoding: 'utf8' });
  t.equal(check.status, 1, 'the compiled policy core denies');
  t.match(JSON.parse(check.stdout), { allowed: false, results: [{ violations: [{ rule: 'env-boundary' }] }] });
  // The kubectl plugin's release archive is laid out alike, with its launcher beside dist/ (plugins/nsguard.yaml).
  cpSync(join(root, 'bin'), join(app, 'bin'), { recursive: true });
  const plugin = (...args: string[]) => execFileSync(process.execPath, [join(app, 'bin/kubectl-nsguard.js'), ...args], { cwd: app, encoding: 'utf8' });
  t.equal(plugin('--version').trim(), `kubectl nsguard ${version}`);
  t.match(plugin('explain', '--help'), /^usage: kubectl nsguard explain \[options\] FROM TO$/m, 'the compiled commands, without src/ beside it');
});
