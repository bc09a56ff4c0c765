// Logs leave the cluster (log shippers, stores with wider access than Secrets), and the objects logged
// are user-written: an annotation may hold a token. Values under secret-sounding keys and strings that
// look like credentials are replaced before anything is logged.
export const REDACTED = '[REDACTED]';

const SENSITIVE_KEY = /token|secret|passw(or)?d|credential|api[-_.]?key|private[-_.]?key|authorization|bearer|cookie/i;

const SENSITIVE_TEXT: readonly RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  // JWTs (service account tokens, OIDC id tokens): base64url header `{"` is `eyJ`.
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
];

// Deeper than any NetworkPolicy or Namespace; stops a hostile document from recursing without end.
const MAX_DEPTH = 32;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

export function redactText(text: string): string {
  return SENSITIVE_TEXT.reduce((out, pattern) => out.replace(pattern, REDACTED), text);
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[...]';
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  // fromEntries defines properties, so a `__proto__` key from JSON stays a plain key.
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, isSensitiveKey(key) ? REDACTED : redact(inner, depth + 1)]));
}
