// The configuration the README shows is the configuration the code has: the defaults block parses to
// DEFAULT_CONFIG, and the template example is accepted (it passes the start-up template check).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_CONFIG, parseConfig } from '../src/config/load-config.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function yamlBlockAfter(heading: string, startingWith: string): string {
  const section = README.slice(README.indexOf(heading));
  const block = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((text) => text.startsWith(startingWith));
  if (block === undefined) throw new Error(`no yaml block starting with ${startingWith} after ${heading}`);
  return block;
}

t.test('the defaults the README lists are the defaults', async (t) => {
  const config = parseConfig(yamlBlockAfter('## Configuration', 'mode:'), 'README.md');
  const { templates, ...rest } = config;
  const { templates: defaultTemplates, ...defaults } = DEFAULT_CONFIG;
  t.same(rest, defaults);
  t.same([...templates.entries()], [...defaultTemplates.entries()]);
});

t.test('the README template example is a valid template', async (t) => {
  const config = parseConfig(yamlBlockAfter('## Namespace onboarding', 'templates:'), 'README.md');
  t.same(
    config.templates.get('restricted')?.policies.map((p) => (p['metadata'] as { name: string }).name),
    ['nsguard-allow-dns', 'nsguard-allow-from-gateway', 'nsguard-default-deny'],
  );
});
