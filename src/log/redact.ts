// Logs leave the cluster (log shippers, stores with wider access than Secrets), and what is logged comes
// from clients: an annotation, an error text or a URL may hold a token. Values under secret-sounding
// keys and strings that look like credentials are replaced, and everything logged is cut to a bound,
// before anything is written.
import { clip } from '../json-value.ts';

export const REDACTED = '[REDACTED]';

/** A logged string field: a name, a URL, an error message. */
export const FIELD_CHARS = 1024;
const STACK_CHARS = 4096;
const ERROR_SCALARS = 16;

const SENSITIVE_WORD = 'token|secret|passw(?:or)?d|credential|api[-_.]?key|private[-_.]?key|authorization|bearer|cookie';
const SENSITIVE_KEY = new RegExp(SENSITIVE_WORD, 'i');

const SENSITIVE_TEXT: readonly (readonly [RegExp, string])[] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, REDACTED],
  // JWTs (service account tokens, OIDC id tokens): base64url header `{"` is `eyJ`.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, REDACTED],
  // `access_token=...` in a query, `token: ...` in a message, `"password": "..."` in an error's JSON:
  // the key stays, the value goes. Matching starts at the word, so a long run of letters costs one pass.
  [new RegExp(`(${SENSITIVE_WORD})([\\w.-]*"?\\s*[:=]\\s*"?)([^\\s"&,;}\\]]+)`, 'gi'), `$1$2${REDACTED}`],
];

// One test decides whether any pattern can match: most logged strings (uids, names, groups) hold none
// of these words, and skip the replacements.
const MAY_BE_SENSITIVE = new RegExp(`${SENSITIVE_WORD}|eyJ|Basic|-----BEGIN`, 'i');

// Cut before the patterns run (their cost grows with the text), with a margin so that a secret
// straddling the final cut is still long enough to be recognised.
const REDACTION_MARGIN = 512;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Redacted and at most `max` characters. */
export function redactText(text: string, max = FIELD_CHARS): string {
  const head = text.length > max + REDACTION_MARGIN ? text.slice(0, max + REDACTION_MARGIN) : text;
  if (!MAY_BE_SENSITIVE.test(head)) return clip(head, max);
  return clip(
    SENSITIVE_TEXT.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), head),
    max,
  );
}

/**
 * An error as it is logged: its text may quote a client's value (a token in a field an error names), so
 * it is redacted and cut like any other field. Of what else it carries only scalars are kept (an API
 * error's statusCode and reason, a system error's code); a cause or a response body is not serialised.
 */
export function errorFields(err: unknown): Record<string, string | number | boolean> {
  if (!(err instanceof Error)) return { type: typeof err, message: redactText(String(err)) };
  const fields: Record<string, string | number | boolean> = { type: redactText(err.name, 64), message: redactText(err.message) };
  if (err.stack !== undefined) fields['stack'] = redactText(err.stack, STACK_CHARS);
  for (const [key, value] of Object.entries(err).slice(0, ERROR_SCALARS)) {
    if (key in fields || key === 'cause') continue;
    if (typeof value === 'number' || typeof value === 'boolean') fields[clip(key, 64)] = value;
    else if (typeof value === 'string') fields[clip(key, 64)] = redactText(value, 256);
  }
  return fields;
}

export interface RedactLimits {
  /** Characters of strings and keys in all, across the whole value. */
  readonly chars: number;
  readonly depth: number;
  /** Array items and object keys kept per container; the rest is counted in a marker. */
  readonly items: number;
}

/** The debug line's bound: a whole request fits when it is ordinary, and never more than 64 KiB. */
export const DETAIL_LIMITS: RedactLimits = { chars: 56 * 1024, depth: 24, items: 64 };

// What a value costs beyond its text: quotes, separators, brackets. Counted so that the budget bounds
// the JSON written, not just the strings in it.
const PUNCTUATION = 4;

/**
 * A copy of a client's value that is safe and small to log: sensitive keys and strings redacted,
 * strings cut to FIELD_CHARS, containers cut to `items`, nothing deeper than `depth`, and no more than
 * `chars` characters in all (what is left out is marked).
 */
export function redact(value: unknown, limits: RedactLimits = DETAIL_LIMITS): unknown {
  const budget = { chars: limits.chars };
  return copy(value, 0, limits, budget);
}

function copy(value: unknown, depth: number, limits: RedactLimits, budget: { chars: number }): unknown {
  budget.chars -= PUNCTUATION;
  if (budget.chars <= 0) return '[...]';
  if (typeof value === 'string') {
    const text = redactText(value, Math.min(FIELD_CHARS, budget.chars));
    budget.chars -= text.length;
    return text;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= limits.depth) return '[...]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.items).map((item) => copy(item, depth + 1, limits, budget));
    if (value.length > limits.items) kept.push(`[${value.length - limits.items} more]`);
    return kept;
  }
  const entries = Object.entries(value);
  const kept: [string, unknown][] = [];
  for (const [key, inner] of entries.slice(0, limits.items)) {
    const name = clip(key, 128);
    budget.chars -= name.length + PUNCTUATION;
    kept.push([name, isSensitiveKey(key) ? REDACTED : copy(inner, depth + 1, limits, budget)]);
  }
  if (entries.length > limits.items) kept.push(['[more]', `${entries.length - limits.items} more keys`]);
  // fromEntries defines properties, so a `__proto__` key from JSON stays a plain key.
  return Object.fromEntries(kept);
}
