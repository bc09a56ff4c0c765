// The configuration the docs show is the configuration the code has: the defaults block parses to
// DEFAULT_CONFIG, and the template example is accepted (it passes the start-up template check).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_CONFIG, parseConfig } from '../src/config/load-config.ts';

function yamlBlockIn(page: string, startingWith: string): string {
  const section = readFileSync(new URL(`../docs/${page}`, import.meta.url), 'utf8');
  const block = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((text) => text.startsWith(startingWith));
  if (block === undefined) throw new Error(`no yaml block starting with ${startingWith} in docs/${page}`);
  return block;
}

t.test('the defaults docs/configuration.md lists are the defaults', async (t) => {
  const config = parseConfig(yamlBlockIn('configuration.md', 'mode:'), 'docs/configuration.md');
  const { templates, ...rest } = config;
  const { templates: defaultTemplates, ...defaults } = DEFAULT_CONFIG;
  t.same(rest, defaults);
  t.same([...templates.entries()], [...defaultTemplates.entries()]);
});

t.test('the docs/onboarding.md template example is a valid template', async (t) => {
  const config = parseConfig(yamlBlockIn('onboarding.md', 'templates:'), 'docs/onboarding.md');
  t.same(
    config.templates.get('restricted')?.policies.map((p) => (p['metadata'] as { name: string }).name),
    ['nsguard-allow-dns', 'nsguard-allow-from-gateway', 'nsguard-default-deny'],
  );
});
