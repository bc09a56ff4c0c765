// `nsguard check -o junit`: JUnit XML as GitLab's test report and Jenkins' junit step read it. A test
// suite per input file, a test case per object: a denial is a <failure> (its violations, one per line),
// warnings (and violations that warn or audit mode let through) go to the case's <system-out>, which
// both show beside a passing test, and an object nsguard does not judge is <skipped>, or a <failure> with
// --fail-on-skipped, so the report fails exactly when the exit code does.
import { formatFinding } from '../policy/checks/decision.ts';
import type { CheckedObject, CheckRun, SkippedObject } from './check-report.ts';
import { describeResult, NOT_JUDGED } from './check-report.ts';
import type { ObjectSource } from './object-sources.ts';

interface TestCase {
  readonly name: string;
  readonly source: ObjectSource;
  readonly failure?: { readonly type: string; readonly lines: readonly string[] };
  readonly skipped?: string;
  readonly out: readonly string[];
}

export function junitReport(run: CheckRun, failOnSkipped: boolean): string {
  // In file order, judged or not.
  const cases = [...run.results.map(judgedCase), ...run.skipped.map((s) => skippedCase(s, failOnSkipped))].sort(
    (a, b) => a.source.document - b.source.document || (a.source.item ?? -1) - (b.source.item ?? -1),
  );
  const byFile = new Map<string, TestCase[]>();
  for (const c of cases) {
    const list = byFile.get(c.source.file);
    if (list === undefined) byFile.set(c.source.file, [c]);
    else list.push(c);
  }
  const count = (list: readonly TestCase[]) =>
    `tests="${list.length}" failures="${list.filter((c) => c.failure !== undefined).length}" errors="0" skipped="${list.filter((c) => c.skipped !== undefined).length}"`;
  const suites = [...byFile].map(([file, list]) => {
    const suiteName = file === '-' ? '(stdin)' : file;
    return [`  <testsuite name="${attribute(suiteName)}" ${count(list)}>`, ...list.map((c) => testCase(c, suiteName)), '  </testsuite>'].join('\n');
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="nsguard check" ${count(cases)}>`, ...suites, '</testsuites>'].join('\n');
}

function judgedCase(r: CheckedObject): TestCase {
  const { decision } = r;
  const reported = [...(decision.allowed ? decision.violations : []), ...decision.warnings].map((f) => `warning: ${formatFinding(f)}`);
  return {
    name: describeResult(r),
    source: r.source,
    ...(decision.allowed ? {} : { failure: { type: [...new Set(decision.violations.map((v) => v.rule))].join(','), lines: decision.violations.map(formatFinding) } }),
    out: reported,
  };
}

function skippedCase(s: SkippedObject, failOnSkipped: boolean): TestCase {
  const why = `not judged: ${NOT_JUDGED}`;
  return { name: `${s.kind} ${s.name}`, source: s.source, ...(failOnSkipped ? { failure: { type: 'not-judged', lines: [why] } } : { skipped: why }), out: [] };
}

function testCase(c: TestCase, suiteName: string): string {
  const where = `${c.source.file === '-' ? '' : ` file="${attribute(c.source.file)}"`}${c.source.line === null ? '' : ` line="${c.source.line}"`}`;
  const body = [
    ...(c.failure === undefined ? [] : [`      <failure type="${attribute(c.failure.type)}" message="${attribute(c.failure.lines[0] ?? '')}">${text(c.failure.lines.join('\n'))}</failure>`]),
    ...(c.skipped === undefined ? [] : [`      <skipped message="${attribute(c.skipped)}"/>`]),
    ...(c.out.length === 0 ? [] : [`      <system-out>${text(c.out.join('\n'))}</system-out>`]),
  ];
  const open = `    <testcase name="${attribute(c.name)}" classname="${attribute(suiteName)}"${where}`;
  return body.length === 0 ? `${open}/>` : [`${open}>`, ...body, '    </testcase>'].join('\n');
}

/**
 * Character data: markup characters escaped (so `]]>` cannot end anything), and every character XML 1.0
 * does not allow at all (C0 controls but tab, newline and return; lone surrogates; U+FFFE, U+FFFF) replaced
 * by U+FFFD, since not even a character reference may carry them.
 */
export function text(value: string): string {
  return value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; tab, newline and return as references, which attribute normalisation keeps. */
export function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
