// Each rule id in one line, for reports that list the rules beside their findings (check -o sarif);
// docs/checks.md has a heading per rule id with the whole story.
import type { RuleId } from './decision.ts';

export const RULES: Readonly<Record<RuleId, string>> = {
  'dns-egress': 'A pod that resolves names before a change must still reach the DNS pods on the DNS port, over UDP and TCP, after it.',
  'env-boundary': 'No path may open between two environments that must stay apart (prod and test by default).',
  'isolation-tamper': 'Only nsguard and admins may change the policies nsguard generates and the annotations and labels they rely on.',
  'review-budget': 'A change too costly to judge within the review budget is denied in every mode.',
  'not-modelled': 'A Calico policy uses something nsguard does not evaluate: the verdict stands on the rest, and this says what was not judged.',
};
