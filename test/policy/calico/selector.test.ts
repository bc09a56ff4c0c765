import t from 'tap';
import { CalicoSelectorError, MAX_SELECTOR_CHARS, MAX_SELECTOR_DEPTH, calicoSelects, describeCalicoSelector, parseCalicoSelector } from '../../../src/policy/calico/selector.ts';

const WEB = { app: 'web', tier: 'frontend', 'kubernetes.io/metadata.name': 'shop-prod' };
const DB = { app: 'mysql', tier: 'db', version: 'v8.0.1' };
const BARE = {};

// selector, then whether it selects WEB, DB and an object with no labels.
const matches: [string, boolean, boolean, boolean][] = [
  ['', true, true, true],
  ['all()', true, true, true],
  ['  all(  )  ', true, true, true],
  ['app == "web"', true, false, false],
  ["app == 'web'", true, false, false],
  ['app != "web"', false, true, true],
  ['app in {"web", "api"}', true, false, false],
  ['app in {"web",}', true, false, false],
  ['app in {}', false, false, false],
  ['app not in {"web"}', false, true, true],
  ['app not  in {}', true, true, true],
  ['has(tier)', true, true, false],
  ['has( tier )', true, true, false],
  ['!has(tier)', false, false, true],
  ['!!has(tier)', true, true, false],
  ['version contains ".0"', false, true, false],
  ['version starts with "v8"', false, true, false],
  ['version starts  with "v8"', false, true, false],
  ['version ends with ".1"', false, true, false],
  ['app == "web" || app == "mysql" && tier == "frontend"', true, false, false],
  ['(app == "web" || app == "mysql") && tier == "db"', false, true, false],
  ['!app == "web"', false, true, true],
  ['!(app == "web" || app == "mysql")', false, false, true],
  ['has(app) && !has(version)', true, false, false],
  ['kubernetes.io/metadata.name == "shop-prod"', true, false, false],
  ['!has(kubernetes.io/metadata.name) || kubernetes.io/metadata.name not in {"kube-system"}', true, true, true],
  ['global()', true, true, true],
  ['app=="web"&&tier=="frontend"', true, false, false],
  ['app contains"e"', true, false, false],
  ['tier == \'fr"ontend\'', false, false, false],
];

t.test('each operator, absent labels, precedence and quoting as Calico evaluates them', async (t) => {
  for (const [text, web, db, bare] of matches) {
    const selector = parseCalicoSelector(text);
    t.strictSame([calicoSelects(selector, WEB), calicoSelects(selector, DB), calicoSelects(selector, BARE)], [web, db, bare], JSON.stringify(text));
    // The canonical text parses back to a selector that means the same.
    const again = parseCalicoSelector(describeCalicoSelector(selector));
    t.strictSame([calicoSelects(again, WEB), calicoSelects(again, DB), calicoSelects(again, BARE)], [web, db, bare], `${JSON.stringify(text)} through its canonical text`);
  }
});

t.test('the canonical text is Calico\'s', async (t) => {
  t.equal(describeCalicoSelector(parseCalicoSelector('a == "x" && (b in {"2", "1"} || !has(c))')), '(a == "x" && (b in {"1", "2"} || !has(c)))');
  t.equal(describeCalicoSelector(parseCalicoSelector('a == \'say "hi"\'')), 'a == \'say "hi"\'');
  t.equal(describeCalicoSelector(parseCalicoSelector('')), 'all()');
});

// selector, then the error and the 1-based column it names.
const errors: [string, RegExp, number][] = [
  ['app = "web"', /^expected ==$/, 5],
  ['app == web', /^expected a quoted string after ==, found the label "web"$/, 8],
  ['app == "web', /^unterminated string: no closing "$/, 8],
  ['app', /^expected an operator after the label "app", found the end of the selector$/, 4],
  ['app is "web"', /^expected an operator \(==, !=, in, not in, contains, starts with, ends with\) after the label "app"$/, 5],
  ['app starts "w"', /^expected starts with after the label "app"$/, 5],
  ['app in ("a")', /^expected a set such as \{"a", "b"\} after in, found \($/, 8],
  ['app in {"a" "b"}', /^expected \} to close the set, found the string "b"$/, 13],
  ['has()', /^expected a label name in has\(\.\.\.\)$/, 5],
  ['has(app', /^expected \) to close has\(app$/, 8],
  ['all(x)', /^expected \) after all\($/, 5],
  ['(app == "web"', /^expected \) to close the \( at column 1, found the end of the selector$/, 14],
  ['app == "web")', /^unexpected \) after a complete selector$/, 13],
  ['app == "web" & tier == "x"', /^expected &&$/, 14],
  ['app == "web" | tier == "x"', /^expected \|\|$/, 14],
  ['&& app == "web"', /^expected a label, has\(\), all\(\), global\(\), ! or \(, found &&$/, 1],
  ['app == "web" &&', /^expected a label, has\(\), all\(\), global\(\), ! or \(, found the end of the selector$/, 16],
  ['app == "web"\n', /^unexpected character "\\n"$/, 13],
  ['app == "a" app == "b"', /^unexpected the label "app" after a complete selector$/, 12],
];

t.test('a selector that does not parse is an error naming the column', async (t) => {
  for (const [text, message, column] of errors) {
    t.throws(() => parseCalicoSelector(text), { name: 'CalicoSelectorError', message, column }, JSON.stringify(text));
  }
});

t.test('hostile selectors get an error, not a stack overflow or a long parse', async (t) => {
  const deep = `${'('.repeat(100_000)}all()${')'.repeat(100_000)}`;
  t.throws(() => parseCalicoSelector(deep), new CalicoSelectorError(`the selector is longer than ${MAX_SELECTOR_CHARS} characters`, MAX_SELECTOR_CHARS + 1));
  const nested = `${'('.repeat(MAX_SELECTOR_DEPTH + 1)}all()${')'.repeat(MAX_SELECTOR_DEPTH + 1)}`;
  t.throws(() => parseCalicoSelector(nested), { message: `parentheses nest deeper than ${MAX_SELECTOR_DEPTH} levels`, column: MAX_SELECTOR_DEPTH + 1 });
  const atLimit = `${'('.repeat(MAX_SELECTOR_DEPTH)}all()${')'.repeat(MAX_SELECTOR_DEPTH)}`;
  t.ok(calicoSelects(parseCalicoSelector(atLimit), BARE), 'as deep as the limit parses');
  const negations = `${'!'.repeat(MAX_SELECTOR_CHARS - 10)}has(a)`;
  t.ok(calicoSelects(parseCalicoSelector(negations), { a: 'x' }), 'a run of ! collapses to one, as in Calico');
  const wide = Array.from({ length: 1000 }, (_, i) => `a${i} == "x"`).join(' || ');
  t.equal(calicoSelects(parseCalicoSelector(wide), { a999: "x" }), true, 'long flat selectors are fine');
});
