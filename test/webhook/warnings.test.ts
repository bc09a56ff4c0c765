import t from 'tap';
import { WARNINGS_TOTAL_RUNES, fitWarnings } from '../../src/webhook/warnings.ts';

t.test('warnings that fit pass unchanged, made single-line and deduplicated', async (t) => {
  t.strictSame(fitWarnings(['[dns-egress] a\nb', '[dns-egress] a b', '  ', '[env-boundary] c\td\u0085e']), [
    '[dns-egress] a b',
    '[env-boundary] c d e',
  ]);
});

t.test('exactly at the total limit nothing is cut', async (t) => {
  const text = 'é'.repeat(WARNINGS_TOTAL_RUNES / 2);
  t.strictSame(fitWarnings([text, `${text.slice(1)}x`]), [text, `${text.slice(1)}x`], 'runes, not bytes, are counted');
});

t.test('past the limit each warning is cut to 256 runes and the rest counted', async (t) => {
  const warnings = fitWarnings(Array.from({ length: 30 }, (_, i) => `${i} ${'w'.repeat(400)}`));
  t.equal(warnings.length, 16);
  t.equal([...(warnings[0] ?? '')].length, 256);
  t.match(warnings[0], /^0 w+\.\.\.$/);
  t.equal(warnings.at(-1), '(15 more; see the nsguard audit log)');
  t.ok(warnings.reduce((sum, w) => sum + [...w].length, 0) <= WARNINGS_TOTAL_RUNES);
});
