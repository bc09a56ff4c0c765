// The JSON report in pieces: exactly `JSON.stringify(report, null, 2)`, but the top-level arrays
// (findings, namespaces, workloads) one element at a time, so a report of 10,000 namespaces never sits
// in memory as one string of tens of MiB beside the report itself (bench/audit.ts measures the peak).

/** Lines of the document, in order; join them with newlines for the whole. */
export function* jsonChunks(value: object): Generator<string> {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (const [i, [key, field]] of entries.entries()) {
    const comma = i < entries.length - 1 ? ',' : '';
    const head = `  ${JSON.stringify(key)}: `;
    if (Array.isArray(field) && field.length > 0) {
      yield `${head}[`;
      for (const [j, item] of field.entries()) yield `    ${indent(JSON.stringify(item, null, 2), '    ')}${j < field.length - 1 ? ',' : ''}`;
      yield `  ]${comma}`;
    } else yield `${head}${indent(JSON.stringify(field, null, 2), '  ')}${comma}`;
  }
  yield '}';
}

function indent(text: string, prefix: string): string {
  return text.replace(/\n/g, `\n${prefix}`);
}
