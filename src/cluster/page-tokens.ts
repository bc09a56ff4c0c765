// A paged list ends on the first page without a continue token. The apiserver never repeats a token (each
// encodes the key the next page starts after), so a server or proxy that hands one back a second time
// would have a reader page forever, holding a replica unready or a CLI run until its timeout: it is an
// error instead, named at once. So is a list of more pages than any cluster has: a server handing out new
// tokens forever would otherwise grow the tokens kept here without end.

/**
 * Pages of one list at most: 10 million objects at the 500 a page nsguard asks for, against about 300
 * pages for 150k pods. The tokens kept stay a few MiB at worst.
 */
export const MAX_LIST_PAGES = 20_000;

/** Remembers the tokens of one paged list. */
export class PageTokens {
  readonly #path: string;
  readonly #maxPages: number;
  readonly #seen = new Set<string>();

  constructor(path: string, { maxPages = MAX_LIST_PAGES }: { readonly maxPages?: number } = {}) {
    this.#path = path;
    this.#maxPages = maxPages;
  }

  /** The token to ask the next page with, or undefined when the list is complete. */
  next(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    if (this.#seen.has(token)) {
      throw new Error(`GET ${this.#path}: page ${this.#seen.size + 1} repeats the continue token of an earlier page; the list would never end`);
    }
    if (this.#seen.size >= this.#maxPages) throw new Error(`GET ${this.#path}: the list goes on past ${this.#maxPages} pages, more than any cluster holds`);
    this.#seen.add(token);
    return token;
  }
}
