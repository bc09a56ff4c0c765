import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERROR_CODES } from '../src/errors.ts';

// The catalogue and docs/errors.md's table are one contract: users grep for these codes.
const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

for (const code of Object.keys(ERROR_CODES)) {
  t.match(doc, new RegExp(`\\| \`${code}\` \\|`), `${code} is documented in docs/errors.md`);
}
const documented = [...doc.matchAll(/\| `(NSG_[A-Z_]+)` \|/g)].map((m) => m[1]);
t.same(documented.filter((c) => !Object.hasOwn(ERROR_CODES, c as string)), [], 'docs/errors.md documents no code the catalogue lacks');
