import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { imageNodeFlags, imageScript } from '../../bench/spawn-server.ts';

const root = new URL('../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const dockerignore = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string>; scripts: Record<string, string> };

// Heap sizing for a request/response server (see the Dockerfile's comment): the image, `npm start` and
// the benchmark must run nsguard alike.
const IMAGE_NODE_FLAGS = ['--max-semi-space-size=8'];

/** Instructions, continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
const of = (keyword: string) => instructions.filter((i) => i.keyword === keyword);

t.test('every stage is the official Node image of the pinned major', async (t) => {
  const pinned = /(\d+)\./.exec(pkg.devDependencies['node'] ?? '')?.[1];
  t.ok(pinned, 'package.json pins node in devDependencies');
  const froms = of('FROM');
  t.ok(froms.length >= 2, 'multi-stage');
  for (const from of froms) t.match(from.args, new RegExp(`^node:${pinned}(-[a-z0-9.-]+)?( AS \\w+)?$`, 'i'), from.args);
});

t.test('production dependencies only, from the lock file', async (t) => {
  t.ok(of('RUN').some((run) => /npm ci --omit=dev/.test(run.args)));
});

t.test('the final stage runs as a non-root numeric user', async (t) => {
  const users = of('USER');
  const last = users.at(-1)?.args ?? '';
  t.match(last, /^[1-9]\d*(:\d+)?$/, 'a numeric, non-zero uid (runAsNonRoot can only verify numbers)');
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  t.ok(instructions.findIndex((i) => i.keyword === 'USER') > lastFrom, 'set in the final stage');
});

t.test('the image compiles src/ in a build stage and runs the result: `node dist/cli/main.js serve`', async (t) => {
  const entrypoint = JSON.parse(of('ENTRYPOINT').at(-1)?.args ?? '[]') as string[];
  t.same(entrypoint, ['node', ...IMAGE_NODE_FLAGS, 'dist/cli/main.js']);
  t.same(imageNodeFlags(dockerfile), IMAGE_NODE_FLAGS, 'the benchmark reads the flags the image runs with');
  t.equal(imageScript(dockerfile), 'dist/cli/main.js', 'and the script it runs');
  const build = JSON.parse(readFileSync(new URL('tsconfig.build.json', root), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
  t.same([build.compilerOptions.rootDir, build.compilerOptions.outDir], ['src', 'dist'], 'src/cli/main.ts compiles to dist/cli/main.js');
  t.ok(existsSync(new URL('src/cli/main.ts', root)), 'src/cli/main.ts exists');
  t.ok(of('COPY').some((copy) => copy.args === 'src ./src'), 'src/ is copied into the build stage');
  t.ok(of('RUN').some((run) => run.args === 'node node_modules/typescript/bin/tsc -p tsconfig.build.json'), 'the build stage compiles with tsconfig.build.json');
  t.ok(of('COPY').some((copy) => copy.args === '--from=build /app/dist ./dist'), 'the final stage takes the compiled dist/');
  t.same(JSON.parse(of('CMD').at(-1)?.args ?? '[]'), ['serve']);
  t.ok(pkg.dependencies['reflect-metadata'] && pkg.dependencies['@peculiar/x509'] && pkg.dependencies['yaml'], 'what serve and certs load at runtime is a production dependency');
});

t.test('`npm start` runs node with the flags of the image', async (t) => {
  t.match(pkg.scripts['start'] ?? '', new RegExp(`^node ${IMAGE_NODE_FLAGS.join(' ')} src/cli/main\\.ts serve`));
});

t.test('.dockerignore keeps node_modules, tests and history out of the build context', async (t) => {
  for (const entry of ['node_modules', 'dist', 'test', '.git', 'bench', '.tap']) t.ok(dockerignore.includes(entry), entry);
});
