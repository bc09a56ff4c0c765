// AdmissionReview responses (admission/v1 AdmissionResponse) built from outcomes. Constructors only:
// no I/O, so every mapping is tested directly.
import type { JsonPatchOperation, MutationOutcome } from '../admission/types.ts';
import { clip } from '../json-value.ts';
import { formatFinding, type Decision, type RuleId } from '../policy/checks/decision.ts';
import { REVIEW_API_VERSION, REVIEW_KIND } from './review.ts';
import { redactText } from '../log/redact.ts';
import { fitWarnings } from './warnings.ts';

export interface AdmissionStatus {
  readonly code: number;
  readonly reason: 'Forbidden' | 'InternalError';
  readonly message: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  readonly patchType?: 'JSONPatch';
  readonly patch?: string;
}

export interface AdmissionReviewResponse {
  readonly apiVersion: typeof REVIEW_API_VERSION;
  readonly kind: typeof REVIEW_KIND;
  readonly response: AdmissionResponse;
}

export function review(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: REVIEW_API_VERSION, kind: REVIEW_KIND, response };
}

/** The rule ids behind the verdict, once each, in the order the core found them. */
export function decidingRules(decision: Decision): RuleId[] {
  return [...new Set(decision.violations.map((finding) => finding.rule))];
}

export function validationResponse(uid: string, decision: Decision): AdmissionResponse {
  const rules = decidingRules(decision);
  // Keys carry no prefix: the apiserver prepends `<webhook name>/` and refuses a key with a second `/`
  // (admission attributes checkKeyFormat), so they land as e.g. `validate.nsguard.io/verdict`.
  const auditAnnotations: Record<string, string> = { verdict: decision.verdict };
  if (rules.length > 0) auditAnnotations.rules = rules.join(',');

  const texts: string[] = [];
  // warn mode shows the violations; audit mode shows nothing, by definition of audit.
  if (decision.verdict === 'warned') texts.push(...decision.violations.map(formatFinding));
  if (decision.mode !== 'audit') texts.push(...decision.warnings.map(formatFinding));
  const warnings = fitWarnings(texts);

  return {
    uid,
    allowed: decision.allowed,
    ...(decision.allowed ? {} : { status: { code: 403, reason: 'Forbidden', message: denialMessage(decision) } }),
    ...(warnings.length > 0 ? { warnings } : {}),
    auditAnnotations,
  };
}

// kubectl prints the whole status message; a policy with thousands of rules can have as many findings.
// Each keeps its first 2 KiB and the message its first 16 KiB, the rest counted.
const FINDING_CHARS = 2048;
const MESSAGE_CHARS = 16 * 1024;

/** One `[rule-id] explanation` line per violation, within MESSAGE_CHARS. */
export function denialMessage(decision: Decision): string {
  const lines: string[] = [];
  let size = 0;
  for (const [index, finding] of decision.violations.entries()) {
    const line = clip(formatFinding(finding), FINDING_CHARS);
    if (size + line.length > MESSAGE_CHARS) {
      lines.push(`(${decision.violations.length - index} more violations)`);
      break;
    }
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** Never an allow: a check that could not run must not let the change through. */
export function validationErrorResponse(uid: string, error: unknown): AdmissionResponse {
  return {
    uid,
    allowed: false,
    status: { code: 500, reason: 'InternalError', message: `nsguard internal error while validating; retry (${oneLine(error)})` },
    auditAnnotations: { verdict: 'error' },
  };
}

export function mutationResponse(uid: string, outcome: MutationOutcome): AdmissionResponse {
  const warnings = fitWarnings(outcome.warnings);
  return {
    uid,
    allowed: true,
    ...(outcome.patch.length > 0 ? { patchType: 'JSONPatch', patch: encodePatch(outcome.patch) } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** Never a block: `kubectl create namespace` goes through, and the controller backfills the defaults. */
export function mutationErrorResponse(uid: string, error: unknown): AdmissionResponse {
  return {
    uid,
    allowed: true,
    warnings: fitWarnings([`nsguard mutation failed (${oneLine(error)}); admitted unchanged, the nsguard controller backfills its defaults`]),
  };
}

export function encodePatch(patch: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(patch)).toString('base64');
}

/** The error's text for the apiserver, which shows it to the user and writes it to its audit log. */
function oneLine(error: unknown): string {
  return redactText((error instanceof Error ? error.message : String(error)).slice(0, 1024).replace(/\s+/g, ' ').trim(), 200);
}
