/**
 * Calibration by isotonic regression: a monotone map from the pipeline's raw confidence score to
 * the observed probability that an answer with that score is right, fitted by pool-adjacent-
 * violators (Ayer et al. 1955; Zadrozny and Elkan 2002 for classifier scores).
 *
 * Fitting: the points are sorted by score and equal scores pooled into one block (a score must map
 * to one probability). Going up the scores, a block whose share of right answers is not above the
 * block before it is pooled with it, again and again, until every block is strictly above the
 * one before: the least-squares monotone fit, each block's value the weighted share of right
 * answers in it. Then, so that no probability rests on a handful of answers, the block with the
 * fewest points under `minCount` is pooled with the neighbour whose value is closer (the one with
 * fewer points on a tie, then the lower one), until every block has `minCount` points or one block
 * is left. Pooling two neighbours of a monotone fit leaves it monotone, since the pooled value lies
 * between theirs.
 *
 * Applying (the interpolation rule): within a block's score range, [lowest, highest score in it],
 * the block's value; between two blocks, linear between the end of one and the start of the next;
 * below the first block or above the last, that block's value. So every score the fit was made
 * on gets exactly its fitted value, a score in a gap that no eval answer had gets a value between
 * its neighbours' rather than a jump at an arbitrary boundary, and nothing is extrapolated beyond
 * what was observed. (scikit-learn's IsotonicRegression interpolates the same way.)
 *
 * The map is plain data and survives JSON, so it can be stored beside the eval that produced it.
 */

export interface CalibrationPoint {
  /** The raw score: any finite number; only its order matters to the fit. */
  score: number;
  correct: boolean;
  /** A positive weight, 1 unless given. */
  weight?: number;
}

export interface IsotonicBlock {
  /** The lowest and highest raw score in the block. */
  low: number;
  high: number;
  /** Points in the block, which `minCount` counts, and their total weight. */
  count: number;
  weight: number;
  /** The weighted share of right answers in the block. */
  probability: number;
}

export interface CalibrationMap {
  kind: 'isotonic';
  version: 1;
  /** How applyCalibration reads the blocks; see the file comment. */
  interpolation: 'constant-in-blocks-linear-between';
  minCount: number;
  /** Points fitted on. */
  count: number;
  /** In increasing order of score and of probability. */
  blocks: IsotonicBlock[];
}

interface Pool {
  low: number;
  high: number;
  count: number;
  weight: number;
  /** The weight of the right answers. */
  rightWeight: number;
}

const share = (pool: Pool) => pool.rightWeight / pool.weight;

export function fitIsotonic(points: readonly CalibrationPoint[], options: { minCount?: number } = {}): CalibrationMap {
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`fitIsotonic: minCount must be a whole number of at least 1, got ${minCount}.`);
  if (points.length === 0) throw new RangeError('fitIsotonic: there are no points to fit.');
  for (const point of points) {
    if (!Number.isFinite(point.score)) throw new RangeError(`fitIsotonic: scores must be finite numbers, got ${point.score}.`);
    const weight = point.weight ?? 1;
    if (!(Number.isFinite(weight) && weight > 0)) throw new RangeError(`fitIsotonic: weights must be positive numbers, got ${weight}.`);
  }
  const sorted = [...points].sort((left, right) => left.score - right.score);
  // One pool per distinct score, then pool-adjacent-violators over them.
  const ties: Pool[] = [];
  for (const point of sorted) {
    const weight = point.weight ?? 1;
    const pool: Pool = { low: point.score, high: point.score, count: 1, weight, rightWeight: point.correct ? weight : 0 };
    const last = ties[ties.length - 1];
    if (last !== undefined && last.high === point.score) mergeInto(last, pool);
    else ties.push(pool);
  }
  const monotone: Pool[] = [];
  for (const pool of ties) pushPooling(monotone, pool);
  enforceMinCount(monotone, minCount);
  return {
    kind: 'isotonic',
    version: 1,
    interpolation: 'constant-in-blocks-linear-between',
    minCount,
    count: points.length,
    blocks: monotone.map((pool) => ({ low: pool.low, high: pool.high, count: pool.count, weight: pool.weight, probability: share(pool) })),
  };
}

/** The calibrated probability for a raw score (see the interpolation rule above). */
export function applyCalibration(map: CalibrationMap, raw: number): number {
  if (!Number.isFinite(raw)) throw new RangeError(`applyCalibration: the raw score must be a finite number, got ${raw}.`);
  const blocks = map.blocks;
  const first = blocks[0];
  if (first === undefined) throw new RangeError('applyCalibration: the calibration has no blocks.');
  if (raw <= first.high) return first.probability;
  // The first block whose high end is at or above the score (binary search: blocks are sorted).
  let low = 1;
  let high = blocks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((blocks[middle] as IsotonicBlock).high < raw) low = middle + 1;
    else high = middle;
  }
  if (low === blocks.length) return (blocks[blocks.length - 1] as IsotonicBlock).probability;
  const block = blocks[low] as IsotonicBlock;
  if (raw >= block.low) return block.probability;
  const previous = blocks[low - 1] as IsotonicBlock;
  const along = (raw - previous.high) / (block.low - previous.high);
  return previous.probability + along * (block.probability - previous.probability);
}

/** Pushes `pool`, pooling it with the blocks before it while they are not below it. */
function pushPooling(pools: Pool[], pool: Pool): void {
  pools.push(pool);
  while (pools.length > 1) {
    const last = pools[pools.length - 1] as Pool;
    const before = pools[pools.length - 2] as Pool;
    if (share(before) < share(last)) break;
    mergeInto(before, last);
    pools.pop();
  }
}

function enforceMinCount(pools: Pool[], minCount: number): void {
  while (pools.length > 1) {
    let smallest = -1;
    for (let index = 0; index < pools.length; index++) {
      const count = (pools[index] as Pool).count;
      if (count < minCount && (smallest < 0 || count < (pools[smallest] as Pool).count)) smallest = index;
    }
    if (smallest < 0) return;
    const pool = pools[smallest] as Pool;
    const left = pools[smallest - 1];
    const right = pools[smallest + 1];
    let intoLeft: boolean;
    if (left === undefined || right === undefined) intoLeft = left !== undefined;
    else {
      const leftGap = share(pool) - share(left);
      const rightGap = share(right) - share(pool);
      intoLeft = leftGap !== rightGap ? leftGap < rightGap : left.count <= right.count;
    }
    if (intoLeft) {
      mergeInto(left as Pool, pool);
      pools.splice(smallest, 1);
    } else {
      mergeInto(pool, right as Pool);
      pools.splice(smallest + 1, 1);
    }
  }
}

/** Adds `later` (higher scores) into `target`. */
function mergeInto(target: Pool, later: Pool): void {
  target.low = Math.min(target.low, later.low);
  target.high = Math.max(target.high, later.high);
  target.count += later.count;
  target.weight += later.weight;
  target.rightWeight += later.rightWeight;
}
