// `nsguard check -o sarif`: SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) for code-scanning
// UIs, GitHub's among them, which annotate the file and line each finding points at. One run; a rule
// descriptor per rule id; a result per finding at the line its object starts. Objects read from standard
// input have no file: their results carry only the object's name (a logical location).
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RuleId } from '../policy/checks/decision.ts';
import { RULES } from '../policy/checks/rules.ts';
import type { CheckRun, ReportedFinding } from './check-report.ts';
import { NOT_JUDGED, reportedFindings } from './check-report.ts';
import type { ObjectSource } from './object-sources.ts';
import { VERSION } from './version.ts';

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** The base relative file URIs are resolved against: the directory check ran in, as GitHub's checkout root is. */
const SOURCE_ROOT = 'SRCROOT';
const RULE_IDS = Object.keys(RULES) as RuleId[];

export interface SarifOptions {
  /** Where docs/ is published (ending in `/`), for each rule's helpUri; without it, rules carry their help text only. */
  readonly docsUrl: string | undefined;
  /** The directory file paths are made relative to. */
  readonly cwd: string;
  /** Objects not judged then fail the run: their notifications are errors. */
  readonly failOnSkipped: boolean;
}

export function sarifReport(run: CheckRun, options: SarifOptions) {
  const findings = reportedFindings(run);
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'nsguard',
            version: VERSION,
            semanticVersion: VERSION,
            ...(options.docsUrl === undefined ? {} : { informationUri: new URL('checks.md', options.docsUrl).href }),
            rules: RULE_IDS.map((id) => ({
              id,
              shortDescription: { text: RULES[id] },
              ...(options.docsUrl === undefined ? {} : { helpUri: new URL(`checks.md#${id}`, options.docsUrl).href }),
              help: { text: `${RULES[id]} See nsguard's docs/checks.md, section ${id}.` },
              defaultConfiguration: { level: id === 'not-modelled' ? 'warning' : 'error' },
            })),
          },
        },
        originalUriBaseIds: { [SOURCE_ROOT]: { uri: pathToFileURL(options.cwd + sep).href } },
        invocations: [
          {
            executionSuccessful: true,
            // An object nsguard does not judge is never a silent pass: each is said here, at its place.
            toolExecutionNotifications: run.skipped.map((s) => ({
              level: options.failOnSkipped ? 'error' : 'warning',
              message: { text: `${s.kind} ${s.name} was not judged: ${NOT_JUDGED}` },
              locations: [location(s.source, `${s.kind} ${s.name}`, options.cwd)],
            })),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: findings.map((f) => result(f, options.cwd)),
      },
    ],
  };
}

function result(f: ReportedFinding, cwd: string) {
  return {
    ruleId: f.rule,
    ruleIndex: RULE_IDS.indexOf(f.rule),
    level: f.severity === 'deny' ? 'error' : 'warning',
    message: { text: f.message },
    locations: [location(f, `${f.kind} ${f.namespace === null ? f.name : `${f.namespace}/${f.name}`}`, cwd)],
    properties: {
      kind: f.kind,
      namespace: f.namespace,
      name: f.name,
      operation: f.operation,
      severity: f.severity,
      document: f.document,
      item: f.item,
      directions: f.directions,
      pods: f.pods,
      ports: f.ports,
      policies: f.policies,
    },
  };
}

/** The file and line where the object starts (none for standard input), and the object by name. */
function location(source: ObjectSource, object: string, cwd: string) {
  const logicalLocations = [{ fullyQualifiedName: object, kind: 'object' }];
  if (source.file === '-') return { logicalLocations };
  return {
    physicalLocation: {
      artifactLocation: artifact(source.file, cwd),
      ...(source.line === null ? {} : { region: { startLine: source.line, ...(source.column === null ? {} : { startColumn: source.column }) } }),
    },
    logicalLocations,
  };
}

/** A path under the working directory as a relative URI against SRCROOT; any other as a file: URI. */
function artifact(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const path = resolve(cwd, file);
  const inside = relative(cwd, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return { uri: pathToFileURL(path).href };
  return { uri: inside.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SOURCE_ROOT };
}
