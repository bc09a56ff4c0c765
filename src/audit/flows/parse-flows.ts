// A flow file in one of the three formats, told apart by its first record: JSON lines of Calico flow logs
// or of Hubble, or the documented CSV. Every line is checked; the first bad one is an error naming it.
import type { FlowFormat, FlowRecord, ParsedFlows } from './flow-record.ts';
import { flowError } from './flow-record.ts';
import { calicoRecord, isCalicoFlow } from './calico-flows.ts';
import { parseCsvFlows } from './csv-flows.ts';
import { hubbleRecord, isHubbleLine } from './hubble-flows.ts';

export function parseFlows(text: string, file: string): ParsedFlows {
  const lines = text.split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first === undefined) return { format: 'csv', records: [], skipped: 0 };
  if (!first.trim().startsWith('{')) return parseCsvFlows(lines, file);
  let format: FlowFormat | undefined;
  const records: FlowRecord[] = [];
  let skipped = 0;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const text = raw.trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw flowError(file, line, `not valid JSON: ${(error as Error).message}`, error);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw flowError(file, line, 'expected a JSON object (one flow record a line)');
    const object = value as Readonly<Record<string, unknown>>;
    const kind: FlowFormat | undefined = isCalicoFlow(object) ? 'calico' : isHubbleLine(object) ? 'hubble' : undefined;
    if (kind === undefined) throw flowError(file, line, 'neither a Calico flow log record (dest_port, source_namespace) nor a Hubble flow (flow, l4, IP)');
    format ??= kind;
    if (kind !== format) throw flowError(file, line, `a ${kind} record in a file of ${format} records`);
    const record = kind === 'calico' ? calicoRecord(object, file, line) : hubbleRecord(object, file, line);
    if (record === undefined) skipped++;
    else records.push(record);
  });
  return { format: format ?? 'calico', records, skipped };
}
