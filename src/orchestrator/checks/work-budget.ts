/**
 * A count of the steps one piece of checking may take: schema nodes visited, pattern states
 * stepped, values compared. Checking a client's schema runs on the server's only thread, so work
 * that grows with the client's input must stop at a fixed count, not after a time that never comes.
 * Running out throws; the caller turns that into a failed check (fail closed), never into a pass.
 */
export class WorkBudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} steps of checking`);
    this.name = 'WorkBudgetExceeded';
  }
}

export interface WorkBudget {
  readonly limit: number;
  /** Steps taken so far (at most limit + the last spend). */
  readonly used: number;
  /** Takes `steps` more; throws WorkBudgetExceeded once the total passes the limit. */
  spend(steps: number): void;
}

export function createWorkBudget(limit: number): WorkBudget {
  let used = 0;
  return {
    limit,
    get used() {
      return used;
    },
    spend(steps) {
      used += steps;
      if (used > limit) throw new WorkBudgetExceeded(limit);
    },
  };
}
