import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERROR_CODES } from '../src/errors.ts';

// The catalogue and the README's table are one contract: users grep for these codes.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

for (const code of Object.keys(ERROR_CODES)) {
  t.match(readme, new RegExp(`\\| \`${code}\` \\|`), `${code} is documented in README.md "Error codes"`);
}
const documented = [...readme.matchAll(/\| `(NSG_[A-Z_]+)` \|/g)].map((m) => m[1]);
t.same(documented.filter((c) => !Object.hasOwn(ERROR_CODES, c as string)), [], 'the README documents no code the catalogue lacks');
