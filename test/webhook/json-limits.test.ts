import t from 'tap';
import { checkJsonShape, countMembers, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../src/webhook/json-limits.ts';

const shape = (text: string) => checkJsonShape(Buffer.from(text, 'utf8'));

t.test('depth up to the limit passes; one more level is refused before parsing', async (t) => {
  const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  t.match(shape(nested(MAX_JSON_DEPTH)), { ok: true });
  t.strictSame(shape(nested(MAX_JSON_DEPTH + 1)), {
    ok: false,
    problem: 'json-limit',
    message: `the body nests deeper than ${MAX_JSON_DEPTH} levels: no AdmissionReview does`,
  });
  t.match(shape(`{"a":${'{"b":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`), { ok: false, problem: 'json-limit' }, 'objects count as arrays do');
});

t.test('values are counted: strings, keys, containers, numbers and literals', async (t) => {
  // {"a":[1,true,null,"x"]}: the object, the key, the array and its four items.
  const small = shape('{"a":[1,true,null,"x"]}');
  t.match(small, { ok: true, members: 1 });
  const many = `[${Array.from({ length: MAX_JSON_VALUES }, () => '{}').join(',')}]`;
  t.strictSame(shape(many), { ok: false, problem: 'json-limit', message: `the body holds more than ${MAX_JSON_VALUES} JSON values: no AdmissionReview does` });
  const numbers = `[${Array.from({ length: MAX_JSON_VALUES }, (_, i) => i % 10).join(',')}]`;
  t.match(shape(numbers), { ok: false, problem: 'json-limit' }, 'a list of numbers counts each one');
  t.match(shape(`[${Array.from({ length: MAX_JSON_VALUES - 1 }, () => '1').join(', ')}]`), { ok: true }, 'whitespace separates values');
});

t.test('brackets, colons and escaped quotes inside strings are not structure', async (t) => {
  const text = JSON.stringify({ 'a:b': '{[ "quoted" \\ ]}', c: ['x"y', '\\"', ':::'] });
  t.match(shape(text), { ok: true, members: 2 });
  t.equal(countMembers(JSON.parse(text)), 2);
  t.match(shape(`"${'['.repeat(500)}"`), { ok: true }, 'a string of brackets is one value at depth 0');
});

t.test('members counted in the bytes and in the parsed value differ exactly when a key repeats', async (t) => {
  const agree = (text: string) => {
    const scanned = shape(text);
    return scanned.ok && scanned.members === countMembers(JSON.parse(text));
  };
  t.ok(agree('{"a":1,"b":{"c":[{"d":2},{"d":3}]}}'), 'the same key in sibling objects is no repeat');
  t.ok(agree('{"__proto__":{"x":1},"constructor":2}'), '__proto__ is an own key of parsed JSON');
  t.notOk(agree('{"a":1,"a":2}'));
  t.notOk(agree('{"request":{"operation":"DELETE","operation":"CREATE"}}'), 'deep');
  t.notOk(agree('{"a":1,"\\u0061":2}'), 'the same key spelled with an escape');
  t.notOk(agree('{"a":{"x":1,"y":2},"a":3}'), 'a repeated key whose first value was an object');
});

t.test('a body that is not UTF-8 is refused', async (t) => {
  t.strictSame(checkJsonShape(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), { ok: false, problem: 'invalid-json', message: 'the body is not valid UTF-8' });
  t.match(shape('{"ü":"✓"}'), { ok: true, members: 1 });
});

t.test('malformed JSON within the limits passes the scan, for JSON.parse to name the fault', async (t) => {
  t.match(shape('{"a": '), { ok: true });
  t.match(shape('"unterminated'), { ok: true });
  t.match(shape(']]]'), { ok: true });
});
