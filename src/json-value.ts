// Small readers of untyped JSON shared by every layer that meets outside data.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A client's value as it appears in a message: JSON, cut short (it may be megabytes). */
export function quoteValue(value: unknown, max = 80): string {
  if (value === undefined) return 'missing';
  return clip(truncatedJson(value, max), max);
}

/** At most `max` characters, the cut marked with `...`. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** JSON.stringify without building megabytes for a long string. */
function truncatedJson(value: unknown, max: number): string {
  if (typeof value === 'string' && value.length > max) return JSON.stringify(value.slice(0, max));
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Only reachable for values that are not JSON (a BigInt, a cycle): say what they are.
    return `(${typeof value})`;
  }
}
