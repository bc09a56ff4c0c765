// Splits one JSON object, fed in chunks, into its top-level fields, and its `items` array into single
// elements: a 100 MB `kubectl get -o json` dump then never exists as one string or one object graph.
// Only the byte structure is tracked here (strings, escapes, nesting); JSON.parse validates each piece,
// so what passes here, piece by piece, is exactly what JSON.parse would accept whole.
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE, isSpace } from '../json-bytes.ts';

export interface ListHandler {
  /** A top-level field, parsed; an `items` array comes as `[]` after its elements went to `item`. */
  field(key: string, value: unknown): void;
  /** One element of the top-level `items` array, parsed and as text; `index` counts from 1. */
  item(value: unknown, text: string, index: number): void;
}

/** Not one JSON object (YAML, an array, a byte order mark, several documents, a repeated key): read it whole. */
export class NotOneObject extends Error {}

/** Starts like a JSON object but is not valid JSON. */
export class JsonSyntaxError extends Error {
  /** Bytes from the start of the input to the fault. */
  readonly offset: number;
  /** The `items` element it is in, if any (1-based). */
  readonly item: number | undefined;

  constructor(message: string, offset: number, item?: number) {
    super(message);
    this.offset = offset;
    this.item = item;
  }
}


// Where the scanner is; the spans (key, value, item) may run over any number of chunks.
const BEFORE = 0; // before the object's `{`
const FIRST_KEY = 1; // after `{`: a key or `}`
const NEXT_KEY = 2; // after `,`: a key
const KEY = 3; // inside a key string
const AFTER_KEY = 4; // before `:`
const BEFORE_VALUE = 5;
const VALUE = 6; // inside a field's value
const BEFORE_ITEM = 7; // after `[` or `,` in `items`
const ITEM = 8; // inside an element of `items`
const AFTER_ITEMS = 9; // after the `]` of `items`
const AFTER = 10; // after the object's `}`

export class JsonListScanner {
  readonly #handler: ListHandler;
  #state = BEFORE;
  /** Input offset of the chunk being scanned. */
  #base = 0;
  /** Bytes of the current span from earlier chunks (copies: the caller may reuse its buffer). */
  #parts: Buffer[] = [];
  /** Input offset where the current span starts. */
  #spanStart = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #key = '';
  readonly #keys = new Set<string>();
  #items = 0;

  constructor(handler: ListHandler) {
    this.#handler = handler;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let start = 0; // where the current span starts in this chunk
    for (let i = 0; i < n; i++) {
      const b = chunk[i] as number;
      switch (this.#state) {
        case BEFORE:
          if (isSpace(b)) continue;
          if (b !== OPEN_BRACE) throw new NotOneObject();
          this.#state = FIRST_KEY;
          continue;
        case FIRST_KEY:
        case NEXT_KEY:
          if (isSpace(b)) continue;
          if (b === CLOSE_BRACE && this.#state === FIRST_KEY) this.#state = AFTER;
          else if (b !== QUOTE) throw this.#unexpected(b, i, 'a key in double quotes');
          else start = this.#begin(i, KEY);
          continue;
        case KEY:
          if (this.#escaped) this.#escaped = false;
          else if (b === BACKSLASH) this.#escaped = true;
          else if (b === QUOTE) this.#endKey(chunk, start, i + 1);
          continue;
        case AFTER_KEY:
          if (isSpace(b)) continue;
          if (b !== COLON) throw this.#unexpected(b, i, "':'");
          this.#state = BEFORE_VALUE;
          continue;
        case BEFORE_VALUE:
          if (isSpace(b)) continue;
          if (b === OPEN_BRACKET && this.#key === 'items') {
            this.#state = BEFORE_ITEM;
            continue;
          }
          start = this.#begin(i, VALUE);
          i--; // the value's first byte belongs to its span
          continue;
        case BEFORE_ITEM:
          if (isSpace(b)) continue;
          if (b === CLOSE_BRACKET && this.#items === 0) {
            this.#endItems();
            continue;
          }
          start = this.#begin(i, ITEM);
          i--;
          continue;
        case VALUE:
        case ITEM:
          i = this.#scanSpan(chunk, i);
          if (i < n) this.#endSpan(chunk, start, i);
          continue;
        case AFTER_ITEMS:
          if (isSpace(b)) continue;
          if (b === COMMA) this.#state = NEXT_KEY;
          else if (b === CLOSE_BRACE) this.#state = AFTER;
          else throw this.#unexpected(b, i, "',' or '}'");
          continue;
        default: // AFTER
          if (!isSpace(b)) throw new NotOneObject();
      }
    }
    if (this.#state === KEY || this.#state === VALUE || this.#state === ITEM) this.#parts.push(Buffer.from(chunk.subarray(start)));
    this.#base += n;
  }

  /** The input is complete. */
  end(): void {
    if (this.#state === BEFORE) throw new NotOneObject(); // empty or only white space
    if (this.#state !== AFTER) {
      throw new JsonSyntaxError('the file ends inside the object', this.#base, this.#state === ITEM ? this.#items + 1 : undefined);
    }
  }

  #begin(i: number, state: number): number {
    this.#state = state;
    this.#spanStart = this.#base + i;
    this.#parts = [];
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    return i;
  }

  /** Finds the `,` or closing bracket that ends the current value or item; `chunk.length` if none yet. */
  #scanSpan(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    let i = from;
    for (; i < n; i++) {
      const b = chunk[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (depth === 0) break;
        depth--;
      } else if (b === COMMA && depth === 0) break;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    return i;
  }

  /** `chunk[end]` ends the span: a `,`, or the `}` of the object or the `]` of `items`. */
  #endSpan(chunk: Buffer, start: number, end: number): void {
    const b = chunk[end] as number;
    const text = this.#spanText(chunk, start, end);
    if (this.#state === VALUE) {
      if (b === CLOSE_BRACKET) throw this.#unexpected(b, end, "',' or '}'");
      this.#handler.field(this.#key, this.#parse(text));
      this.#state = b === COMMA ? NEXT_KEY : AFTER;
      return;
    }
    if (b === CLOSE_BRACE) throw this.#unexpected(b, end, "',' or ']'", this.#items + 1);
    this.#items++;
    this.#handler.item(this.#parse(text, this.#items), text, this.#items);
    if (b === COMMA) this.#state = BEFORE_ITEM;
    else this.#endItems();
  }

  #endKey(chunk: Buffer, start: number, end: number): void {
    const key = this.#parse(this.#spanText(chunk, start, end)) as string;
    // JSON.parse keeps the last of repeated keys; items already streamed cannot be taken back.
    if (this.#keys.has(key)) throw new NotOneObject();
    this.#keys.add(key);
    this.#key = key;
    this.#state = AFTER_KEY;
  }

  #endItems(): void {
    this.#handler.field('items', []);
    this.#state = AFTER_ITEMS;
  }

  #spanText(chunk: Buffer, start: number, end: number): string {
    if (this.#parts.length === 0) return chunk.toString('utf8', start, end);
    // Decoded only when whole, so a character split between chunks stays one character.
    const text = Buffer.concat([...this.#parts, chunk.subarray(start, end)]).toString('utf8');
    this.#parts = [];
    return text;
  }

  #parse(text: string, item?: number): unknown {
    try {
      return JSON.parse(text);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      // V8 says where as "at position N" (UTF-16 units into `text`), not always.
      const at = /^(.*?) in JSON at position (\d+)/.exec(message);
      const offset = this.#spanStart + (at === null ? 0 : Buffer.byteLength(text.slice(0, Number(at[2]))));
      throw new JsonSyntaxError(at === null ? message : (at[1] as string), offset, item);
    }
  }

  #unexpected(b: number, i: number, expected: string, item?: number): JsonSyntaxError {
    const found = b < 0x80 ? `'${String.fromCharCode(b)}'` : 'a non-ASCII character';
    return new JsonSyntaxError(`expected ${expected}, found ${found}`, this.#base + i, item);
  }
}
