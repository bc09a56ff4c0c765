// Goldens for user-facing text: a change to a message is a change users see, so it shows in review.
// Rewrite them only on purpose: NSGUARD_UPDATE_GOLDENS=1 npm test
import { readFileSync, writeFileSync } from 'node:fs';
import type { Test } from 'tap';

export function matchGolden(t: Test, actual: string, file: URL): void {
  if (process.env['NSGUARD_UPDATE_GOLDENS'] === '1') writeFileSync(file, actual);
  t.equal(actual, readFileSync(file, 'utf8'), `output matches ${file.pathname.split('/').slice(-2).join('/')}`);
}
