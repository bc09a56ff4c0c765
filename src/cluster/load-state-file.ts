// Loads a state file into a fresh ClusterState. A JSON `List` (what `kubectl get -o json` and
// bench/generate-cluster.ts write) is streamed: read in chunks, each item parsed, checked and added on
// its own, so a 100 MB dump costs the state it fills plus one chunk and one item, not the whole file
// as text and as objects several times over. Anything else (YAML, several documents, a single object)
// is read whole by state-file.ts as before. Results and error messages are the same either way.
import { open, stat } from 'node:fs/promises';
import type { ClusterStateOptions } from './cluster-state.ts';
import { ClusterState } from './cluster-state.ts';
import { JsonListScanner, JsonSyntaxError, NotOneObject } from './json-list-stream.ts';
import type { ListHandler } from './json-list-stream.ts';
import type { LoadReport } from './state-file.ts';
import { listItem, listItems, loadState, ObjectLoader, parseError, readError, readObjectsFromFile, requireHead } from './state-file.ts';

export interface LoadedState {
  readonly state: ClusterState;
  readonly report: LoadReport;
}

export interface LoadStateFileOptions extends ClusterStateOptions {
  /** Bytes read at a time; tests make it tiny so items and characters straddle reads. */
  readonly chunkSize?: number;
  /**
   * Broken JSON up to this size is read again whole, for today's exact message (the YAML parser
   * names the line, and may even accept it as flow-style YAML). Larger files get a JSON error here:
   * parsing them as YAML costs about 80 times their size in memory.
   */
  readonly rereadLimit?: number;
  /**
   * Shown every object of the file once it is in the state (also those the state does not keep), for a
   * caller that reads more of them than the cluster view holds (`nsguard audit`: Calico objects, images).
   */
  readonly observe?: ObjectObserver;
}

export type ObjectObserver = (object: Readonly<Record<string, unknown>>, where: string) => void;

const CHUNK_SIZE = 1 << 20;
const REREAD_LIMIT = 1 << 20;

/**
 * Reads `file` into a new ClusterState, returned only once the whole file loaded: a caller never sees a
 * half-filled state, so a file view keeps its previous snapshot when a new version is bad.
 */
export async function loadStateFile(file: string, options: LoadStateFileOptions = {}): Promise<LoadedState> {
  try {
    return await streamList(file, options);
  } catch (error) {
    if (!(error instanceof NotOneObject || error instanceof JsonSyntaxError)) throw error;
    const { size } = await stat(file).catch((cause: unknown) => Promise.reject(readError(file, cause)));
    if (error instanceof JsonSyntaxError && size > (options.rereadLimit ?? REREAD_LIMIT)) {
      const where = `${file} document 1${error.item === undefined ? '' : ` item ${error.item}`}`;
      throw parseError(where, `not valid JSON: ${error.message} at ${await lineAndColumn(file, error.offset)}`, error);
    }
    const state = new ClusterState(options);
    const objects = await readObjectsFromFile(file, 'state');
    const report = loadState(objects, state);
    if (options.observe !== undefined) for (const { object, where } of objects) options.observe(object, where);
    return { state, report };
  }
}

async function streamList(file: string, options: LoadStateFileOptions): Promise<LoadedState> {
  const state = new ClusterState(options);
  const list = new ListLoader(`${file} document 1`, state, options.observe);
  const scanner = new JsonListScanner(list);
  await readChunks(file, options.chunkSize ?? CHUNK_SIZE, (chunk) => scanner.push(chunk));
  scanner.end();
  return { state, report: list.finish() };
}

/** Feeds `file` to `take` in chunks of one reused buffer. */
async function readChunks(file: string, chunkSize: number, take: (chunk: Buffer) => void): Promise<void> {
  const buffer = Buffer.allocUnsafe(chunkSize);
  const handle = await open(file).catch((cause: unknown) => Promise.reject(readError(file, cause)));
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null).catch((cause: unknown) => Promise.reject(readError(file, cause)));
      if (bytesRead === 0) return;
      take(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** "line L, column C" of a byte offset, both 1-based, the column in characters: read again, on errors only. */
async function lineAndColumn(file: string, offset: number): Promise<string> {
  let line = 1;
  let column = 1;
  let at = 0;
  await readChunks(file, CHUNK_SIZE, (chunk) => {
    for (let i = 0; i < chunk.length && at < offset; i++, at++) {
      const b = chunk[i] as number;
      if (b === 0x0a) {
        line++;
        column = 1;
      } else if ((b & 0xc0) !== 0x80) column++; // not a UTF-8 continuation byte
    }
  });
  return `line ${line}, column ${column}`;
}

/**
 * Checks and loads the items of the streamed list as they come, and reports the first problem by the
 * same precedence the whole-file path has: the list's own head, then item heads, then object contents,
 * each in item order. After a problem nothing more is added (the state is dropped anyway), but heads
 * are still checked while no head failed: a bad head further on outranks a bad object.
 */
class ListLoader implements ListHandler {
  readonly #where: string;
  readonly #state: ClusterState;
  readonly #objects = new ObjectLoader();
  readonly #observe: ObjectObserver | undefined;
  /** The list's fields but its items; a Map, as a key like `__proto__` must stay data. */
  readonly #fields = new Map<string, unknown>();
  /** The list's apiVersion and kind, once both are read and valid. */
  #list: Record<string, unknown> | undefined;
  /**
   * Items read before the list's apiVersion and kind that need them (typed lists lend them), kept as
   * text; once one waits, later ones wait too, so items still go in in file order.
   */
  #waiting: { text: string; index: number }[] = [];
  // Items are added in file order, so the first error of each rank is the one to report.
  #headError: unknown;
  #objectError: unknown;

  constructor(where: string, state: ClusterState, observe: ObjectObserver | undefined) {
    this.#where = where;
    this.#state = state;
    this.#observe = observe;
  }

  field(key: string, value: unknown): void {
    this.#fields.set(key, value);
    if (this.#list !== undefined || !this.#fields.has('apiVersion') || !this.#fields.has('kind')) return;
    let list: Record<string, unknown>;
    try {
      list = requireHead(Object.fromEntries(this.#fields), this.#where);
    } catch {
      return; // finish() reports it, ahead of anything an item could report
    }
    const kind = list['kind'] as string;
    // Not a list at all (a single object, even one with an `items` field): read it whole.
    if (kind !== 'List' && !kind.endsWith('List')) throw new NotOneObject();
    this.#list = list;
    for (const { text, index } of this.#waiting) this.#add(JSON.parse(text), index, list);
    this.#waiting = [];
  }

  item(value: unknown, text: string, index: number): void {
    if (this.#list !== undefined) this.#add(value, index, this.#list);
    else if (this.#waiting.length === 0 && hasHead(value, this.#where)) this.#add(value, index, undefined);
    else this.#waiting.push({ text, index });
  }

  finish(): LoadReport {
    const list = requireHead(Object.fromEntries(this.#fields), this.#where);
    // A typed list whose items are no array is an ordinary object; `List` with bad items throws here.
    if (listItems(list, this.#where) === undefined) throw new NotOneObject();
    for (const { text, index } of this.#waiting) this.#add(JSON.parse(text), index, list);
    if (this.#headError !== undefined) throw this.#headError;
    if (this.#objectError !== undefined) throw this.#objectError;
    return this.#objects.report();
  }

  /** `list` is undefined for an item with its own apiVersion and kind, read before the list's. */
  #add(value: unknown, index: number, list: Record<string, unknown> | undefined): void {
    if (this.#headError !== undefined) return;
    const where = `${this.#where} item ${index}`;
    let object: Record<string, unknown>;
    try {
      object = list === undefined ? requireHead(value, where) : listItem(list, value, where).object;
    } catch (error) {
      this.#headError = error;
      return;
    }
    if (this.#objectError !== undefined) return;
    try {
      this.#objects.parse(object, where)?.(this.#state);
      this.#observe?.(object, where);
    } catch (error) {
      this.#objectError = error;
    }
  }
}

/** Whether an item carries its own apiVersion and kind, so the list's cannot change them. */
function hasHead(value: unknown, where: string): boolean {
  try {
    requireHead(value, where);
    return true;
  } catch {
    return false;
  }
}
