/**
 * Choosing the k best rows: a bounded heap, and the exact top k from float32 scores whose error is
 * bounded, so that a fast float32 kernel returns exactly what a double-precision scan returns.
 */

export interface ScoredRow {
  row: number;
  score: number;
}

/**
 * The exact top k from approximate scores with bounded errors, fed one candidate row at a time in
 * increasing row order: the same rows and scores as offering every row's `exactScore` to a
 * BoundedHeap.
 *
 * A row's approximate score is within `error(row) = scale * bound + floor` of `exactScore(row)`
 * whenever both are finite. The selection keeps the k highest lower bounds `approximate − error` in
 * a heap: its root, the cutoff, only rises, and at least k rows score at least the cutoff. A row
 * whose upper bound `approximate + error` is below the cutoff so far loses to those k rows and is
 * dropped at once; so a caller may leave out any row whose upper bound is below some earlier
 * cutoff (the SIMD kernel does, simd-kernel.ts). The others are kept, and at the end those still
 * reaching the final cutoff are rescored exactly, with every row whose bound is not a number (a
 * row that overflowed float32, or holds NaN). On real data that is a handful of rows; `rescored`
 * says how many.
 */
export class ExactSelection {
  private readonly scale: number;
  private readonly floor: number;
  private readonly lowerBounds: BoundedHeap;
  private readonly keptRows: number[] = [];
  private readonly keptUpperBounds: number[] = [];
  /** Rows whose upper bound is below this cannot be in the top k. */
  cutoff = Number.NEGATIVE_INFINITY;

  constructor(k: number, error: { scale: number; floor: number }) {
    this.scale = error.scale;
    this.floor = error.floor;
    this.lowerBounds = new BoundedHeap(k);
  }

  consider(row: number, approximate: number, bound: number): void {
    const margin = this.scale * bound + this.floor;
    // Written as "not below" so that NaN (an unknown bound) is kept.
    if (approximate + margin < this.cutoff) return;
    this.keptRows.push(row);
    this.keptUpperBounds.push(approximate + margin);
    this.lowerBounds.offer(row, approximate - margin);
    this.cutoff = this.lowerBounds.kthScore();
  }

  /** The top k, best first, equal scores by lower row, and how many rows were scored exactly. */
  finish(exactScore: (row: number) => number): { rows: ScoredRow[]; rescored: number } {
    const best = new BoundedHeap(this.lowerBounds.capacity);
    let rescored = 0;
    for (let slot = 0; slot < this.keptRows.length; slot++) {
      if (this.keptUpperBounds[slot]! < this.cutoff) continue;
      const row = this.keptRows[slot]!;
      rescored++;
      best.offer(row, exactScore(row));
    }
    return { rows: best.sorted(), rescored };
  }
}

/**
 * ExactSelection over every row of `runs` (flat [start, end) pairs, in increasing order), with the
 * approximate scores and bounds by row.
 */
export function exactTopK(
  runs: readonly number[],
  approximate: Float32Array,
  bounds: Float32Array,
  error: { scale: number; floor: number },
  k: number,
  exactScore: (row: number) => number,
): { rows: ScoredRow[]; rescored: number } {
  const selection = new ExactSelection(k, error);
  for (let run = 0; run < runs.length; run += 2) {
    const end = runs[run + 1]!;
    for (let row = runs[run]!; row < end; row++) selection.consider(row, approximate[row]!, bounds[row]!);
  }
  return selection.finish(exactScore);
}

/**
 * The best `capacity` (row, score) pairs offered so far: a min-heap in two typed arrays whose root
 * is the worst entry held (the lowest score, and of equal scores the highest row).
 */
export class BoundedHeap {
  readonly capacity: number;
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;
  /** The root's score once the heap is full; until then every (non-NaN) score gets in. */
  private threshold = Number.NEGATIVE_INFINITY;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.scores = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  /** Rows must be offered in increasing order: a later row with an equal score then loses the tie. */
  offer(row: number, score: number): void {
    if (this.size === this.capacity) {
      // Strictly greater (and false for NaN), so equal scores keep the lower row.
      if (!(score > this.threshold)) return;
      this.scores[0] = score;
      this.rows[0] = row;
      this.siftDown();
      this.threshold = this.scores[0]!;
      return;
    }
    if (Number.isNaN(score)) return; // NaN would break the heap's ordering.
    this.scores[this.size] = score;
    this.rows[this.size] = row;
    this.siftUp(this.size);
    this.size++;
    if (this.size === this.capacity) this.threshold = this.scores[0]!;
  }

  /** The k-th best score once `capacity` scores are held; −∞ before. */
  kthScore(): number {
    return this.size === this.capacity && this.capacity > 0 ? this.threshold : Number.NEGATIVE_INFINITY;
  }

  /** Best first; equal scores by lower row. */
  sorted(): ScoredRow[] {
    const results: ScoredRow[] = [];
    for (let slot = 0; slot < this.size; slot++) results.push({ row: this.rows[slot]!, score: this.scores[slot]! });
    return results.sort((first, second) => second.score - first.score || first.row - second.row);
  }

  private isWorse(first: number, second: number): boolean {
    const firstScore = this.scores[first]!;
    const secondScore = this.scores[second]!;
    return firstScore < secondScore || (firstScore === secondScore && this.rows[first]! > this.rows[second]!);
  }

  private swap(first: number, second: number): void {
    const score = this.scores[first]!;
    this.scores[first] = this.scores[second]!;
    this.scores[second] = score;
    const row = this.rows[first]!;
    this.rows[first] = this.rows[second]!;
    this.rows[second] = row;
  }

  private siftUp(start: number): void {
    let child = start;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.isWorse(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(): void {
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const worstChild = right < this.size && this.isWorse(right, left) ? right : left;
      if (!this.isWorse(worstChild, parent)) return;
      this.swap(worstChild, parent);
      parent = worstChild;
    }
  }
}
