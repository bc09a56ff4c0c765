// The work one review may do, counted in steps rather than time: a step is one unit the checks repeat
// (a rule or peer compared with an endpoint, a policy visited, an endpoint or namespace enumerated), so
// the same review on the same state stops at the same point on every replica, in CI and in the webhook,
// whatever the machine's load. docs/checks.md ("Review budget") says how the limit was chosen.

/** Thrown by `spend` past the limit; judge() turns it into a `review-budget` denial. */
export class BudgetExceeded extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`the review needs more than ${limit} steps`);
    this.name = 'BudgetExceeded';
    this.limit = limit;
  }
}

export class Budget {
  readonly limit: number;
  #left: number;
  /** Made on first use: most reviews use no index. */
  #charged: Set<object> | undefined;

  constructor(limit: number) {
    this.limit = limit;
    this.#left = limit;
  }

  /** Counts `steps` of work about to be done; throws once the review has used more than its limit. */
  spend(steps: number): void {
    this.#left -= steps;
    if (this.#left < 0) throw new BudgetExceeded(this.limit);
  }

  /**
   * Charges work kept across reviews (the index of a policy of the cluster) to each review that uses it,
   * as if that review had done it: the count must not depend on what earlier reviews left behind.
   */
  spendOnce(work: object, steps: number): void {
    this.#charged ??= new Set();
    if (this.#charged.has(work)) return;
    this.#charged.add(work);
    this.spend(steps);
  }

  get used(): number {
    return this.limit - this.#left;
  }
}
