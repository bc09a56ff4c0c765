// A paged list ends on the first page without a continue token. The apiserver never repeats a token (each
// encodes the key the next page starts after), so a server or proxy that hands one back a second time
// would have a reader page forever, holding a replica unready or a CLI run until its timeout: it is an
// error instead, named at once.

/** Remembers the tokens of one paged list. */
export class PageTokens {
  readonly #path: string;
  readonly #seen = new Set<string>();

  constructor(path: string) {
    this.#path = path;
  }

  /** The token to ask the next page with, or undefined when the list is complete. */
  next(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    if (this.#seen.has(token)) {
      throw new Error(`GET ${this.#path}: page ${this.#seen.size + 1} repeats the continue token of an earlier page; the list would never end`);
    }
    this.#seen.add(token);
    return token;
  }
}
