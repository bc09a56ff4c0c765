// The audit line: exactly one per admission answer, fixed fields, so that "who changed which policy,
// and what did nsguard say" is one grep or one log-store query. Its shape is a contract (test pins it).
import jsonpatch from 'fast-json-patch';
import type { Logger } from 'pino';
import type { AdmissionRequest, JsonPatchOperation, WebhookName } from '../admission/types.ts';
import type { RuleId, Verdict } from '../policy/checks/decision.ts';
import type { Mode } from '../policy/objects/model.ts';
import { FIELD_CHARS, REDACTED, isSensitiveKey, redact, redactText } from '../log/redact.ts';
import { isRecord } from '../json-value.ts';

export const AUDIT_MESSAGE = 'admission';

export interface DiffEntry {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

export interface AuditEntry {
  readonly webhook: WebhookName;
  readonly uid: string;
  readonly operation: string;
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly user: string;
  readonly groups: readonly string[];
  readonly dryRun: boolean;
  /** `null` on mutate: defaults are stamped in every mode. */
  readonly mode: Mode | null;
  /** `error`: nsguard could not judge; `allowed` is then false on validate and true on mutate. */
  readonly verdict: Verdict | 'error';
  readonly allowed: boolean;
  readonly rules: readonly RuleId[];
  readonly messages: readonly string[];
  /** UPDATE: old object to new as a short JSON patch. Mutate: the patch nsguard returned. Else null. */
  readonly diff: readonly DiffEntry[] | null;
  readonly durationMs: number;
}

// Caps keep one line readable and below log shippers' line limits (16 KiB in Docker's json-file,
// Fluent Bit's default buffer 32 KiB) whatever the object holds; whatever a client sends, a line stays
// under 64 KiB: strings 1 KiB, groups 32 (32 KiB), messages 20 × 500, diff 2 KiB, error 1 + 4 KiB.
const MAX_DIFF_JSON = 2048;
const MAX_VALUE_JSON = 200;
const MAX_MESSAGES = 20;
const MAX_MESSAGE_CHARS = 500;
const MAX_GROUPS = 32;

export function writeAudit(logger: Logger, entry: AuditEntry, err?: unknown): void {
  const fields = {
    ...entry,
    uid: redactText(entry.uid),
    operation: redactText(entry.operation),
    kind: redactText(entry.kind),
    namespace: entry.namespace === null ? null : redactText(entry.namespace),
    name: entry.name === null ? null : redactText(entry.name),
    user: redactText(entry.user),
    groups: capList(entry.groups, MAX_GROUPS, FIELD_CHARS),
    messages: capList(entry.messages, MAX_MESSAGES, MAX_MESSAGE_CHARS),
  };
  if (err === undefined) logger.info(fields, AUDIT_MESSAGE);
  else logger.error({ ...fields, err }, AUDIT_MESSAGE);
}

/**
 * What an UPDATE changed, without the fields the apiserver rewrites on every write. Null when there is
 * no UPDATE, or when the objects cannot be compared: the audit line must be written whatever they hold.
 */
export function updateDiff(request: AdmissionRequest): DiffEntry[] | null {
  if (request.operation !== 'UPDATE' || !isRecord(request.oldObject) || !isRecord(request.object)) return null;
  try {
    return shortPatch(jsonpatch.compare(withoutNoise(request.oldObject), withoutNoise(request.object)));
  } catch {
    return null;
  }
}

export function shortPatch(patch: readonly JsonPatchOperation[]): DiffEntry[] {
  const out: DiffEntry[] = [];
  let size = 2;
  for (const [index, operation] of patch.entries()) {
    const entry = shorten(operation);
    size += JSON.stringify(entry).length + 1;
    if (size > MAX_DIFF_JSON) {
      out.push({ op: 'more', path: '', value: patch.length - index });
      break;
    }
    out.push(entry);
  }
  return out;
}

// A diff value is cut to MAX_VALUE_JSON characters of JSON: no need to copy more of it.
const DIFF_VALUE_LIMITS = { chars: MAX_VALUE_JSON, depth: 8, items: 16 };

function shorten(operation: JsonPatchOperation): DiffEntry {
  const entry: { op: string; path: string; value?: unknown; from?: string } = { op: operation.op, path: redactText(operation.path, MAX_VALUE_JSON) };
  if ('from' in operation) entry.from = redactText(operation.from, MAX_VALUE_JSON);
  if ('value' in operation) {
    const key = operation.path.slice(operation.path.lastIndexOf('/') + 1).replaceAll('~1', '/').replaceAll('~0', '~');
    const value = isSensitiveKey(key) ? REDACTED : redact(operation.value, DIFF_VALUE_LIMITS);
    const json = JSON.stringify(value) ?? 'null';
    entry.value = json.length <= MAX_VALUE_JSON ? value : `${json.slice(0, MAX_VALUE_JSON - 3)}...`;
  }
  return entry;
}

// managedFields and resourceVersion change on every write; last-applied-configuration repeats the
// whole object a second time. None of them says what the user changed.
function withoutNoise(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = object.metadata;
  if (!isRecord(metadata)) return object;
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...rest } = metadata;
  const annotations = rest.annotations;
  if (isRecord(annotations) && 'kubectl.kubernetes.io/last-applied-configuration' in annotations) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _l, ...kept } = annotations;
    rest.annotations = kept;
  }
  return { ...object, metadata: rest };
}

function capList(texts: readonly string[], items: number, chars: number): string[] {
  const kept = texts.slice(0, items).map((text) => redactText(text, chars));
  if (texts.length > items) kept.push(`(${texts.length - items} more)`);
  return kept;
}

