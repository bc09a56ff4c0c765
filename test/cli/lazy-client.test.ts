// The Kubernetes client is about 20 MiB of heap: commands on a state file, and `serve --state`, must not
// load it. A resolve hook in a child process sees every module the commands load.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const main = new URL('../../src/cli/main.ts', import.meta.url).href;
const example = fileURLToPath(new URL('../../examples/cluster.yaml', import.meta.url));
const policy = fileURLToPath(new URL('../fixtures/check/mysql-from-other-envs.yaml', import.meta.url));

const script = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('@kubernetes/client-node')) loaded.push(specifier); return next(specifier, context); } });
const { run } = await import(${JSON.stringify(main)});
const io = { out() {}, err() {}, readStdin: async () => '', colour: false };
const codes = [];
for (const args of ${JSON.stringify([
  ['check', '--state', example, policy],
  ['explain', '--state', example, 'shop-test/web-6f7c9d5b8-k2j4m', 'shop-prod/mysql-0', '--port', '3306/TCP'],
  ['audit', '--state', example],
])}) codes.push(await run(args, io));
process.stdout.write(JSON.stringify({ loaded, codes }));
`;

t.test('the commands, serve among them, load no Kubernetes client when they read a state file', async (t) => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(child.status, 0, child.stderr);
  const { loaded, codes } = JSON.parse(child.stdout) as { loaded: string[]; codes: number[] };
  t.ok(codes.every((code) => code === 0 || code === 1), `each command judged (exit codes ${codes.join(', ')})`);
  t.same(loaded, [], 'no module of @kubernetes/client-node was resolved');
});
