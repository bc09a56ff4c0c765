// Where each object of a file starts, for reports that point at it (check's JSON, SARIF and JUnit): the
// YAML document (0-based, as a multi-document file counts them), the item of a List in it, and the line
// and column of the object's first key. state-file.ts splits the objects; this reads the same text again
// for positions only, keyed by the `where` it gives each object.
import { LineCounter, isMap, isSeq, parseAllDocuments } from 'yaml';

export interface ObjectSource {
  /** The file as named on the command line; `-` for standard input. */
  readonly file: string;
  readonly document: number;
  /** The index in the `items` of a List document; null for a document that is the object itself. */
  readonly item: number | null;
  /** 1-based; null when the text could not be located (JSON that YAML reads otherwise). */
  readonly line: number | null;
  readonly column: number | null;
}

/**
 * The source of every document of `text` and every item of a top-level `items` list, by the `where`
 * state-file.ts gives the object there (`FILE document N`, `FILE document N item M`, both 1-based).
 */
export function locateObjects(text: string, where: string, file: string): Map<string, ObjectSource> {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = new LineCounter();
  const out = new Map<string, ObjectSource>();
  const position = (offset: number | undefined): { line: number | null; column: number | null } => {
    if (offset === undefined) return { line: null, column: null };
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  parseAllDocuments(source, { lineCounter: lines }).forEach((doc, index) => {
    const documentWhere = `${where} document ${index + 1}`;
    const contents = doc.contents;
    out.set(documentWhere, { file, document: index, item: null, ...position(contents?.range?.[0]) });
    const items = isMap(contents) ? contents.get('items', true) : undefined;
    if (!isSeq(items)) return;
    items.items.forEach((node, item) => {
      const range = (node as { range?: readonly number[] } | null)?.range;
      out.set(`${documentWhere} item ${item + 1}`, { file, document: index, item, ...position(range?.[0]) });
    });
  });
  return out;
}

/**
 * The source of the object state-file.ts named `where`. The positions pass parses the same text, so it
 * sees every document and item; should YAML ever read a JSON text otherwise, the indexes still come from
 * the name, and the line is left unknown rather than guessed.
 */
export function sourceOf(sources: ReadonlyMap<string, ObjectSource>, where: string, file: string): ObjectSource {
  const known = sources.get(where);
  if (known !== undefined) return known;
  const [, document, item] = / document (\d+)(?: item (\d+))?$/.exec(where) ?? [];
  return { file, document: Number(document ?? 1) - 1, item: item === undefined ? null : Number(item) - 1, line: null, column: null };
}
