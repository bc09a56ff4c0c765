// Witness labels for Calico selectors: found for what can be selected, and found (or given up on) in
// bounded work for selectors built to make the search explode.
import t from 'tap';
import { calicoWitnessLabels } from '../../../src/policy/calico/witness-labels.ts';
import { calicoSelects, parseCalicoSelector } from '../../../src/policy/calico/selector.ts';

/** `(k0 == "a" || k0 == "b") && ... && (k{n-1} == ...)`: 2^n conjunctions. */
const choices = (n: number): string => Array.from({ length: n }, (_, i) => `(k${i} == "a" || k${i} == "b")`).join(' && ');

t.test('a selector that selects something gets labels it selects', async (t) => {
  for (const text of [`${choices(40)} && has(team)`, `${choices(40)} || all()`, 'app == "web" && !has(tier)', `!(${choices(3)})`]) {
    const selector = parseCalicoSelector(text);
    const labels = calicoWitnessLabels(selector);
    t.not(labels, undefined, text);
    if (labels !== undefined) t.ok(calicoSelects(selector, labels), `${text} selects ${JSON.stringify(labels)}`);
  }
});

t.test('a selector that can select nothing is given up on at once, however many choices come before', async (t) => {
  // Each took 2^40 steps before: the false factor came last, so no conjunction was ever tried or counted.
  for (const text of [`${choices(40)} && !all()`, `!all() && ${choices(40)}`, `${choices(20)} && (${choices(20)} && !all())`, `${choices(40)} && global()`]) {
    // Without the fix this never returned (2^40 steps); the file's timeout fails it.
    t.equal(calicoWitnessLabels(parseCalicoSelector(text)), undefined, text);
  }
});
