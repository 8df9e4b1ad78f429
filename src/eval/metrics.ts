/**
 * How good a set of answers and their confidences are, as pure functions: accuracy with its Wilson
 * 95 % interval, the Brier score, the expected calibration error over equal-width bins, and the area
 * under the ROC curve. The policy benchmark reports them today; `rlm eval` will fit the confidence
 * against them.
 *
 * A prediction pairs the confidence given with whether the answer was in fact right. Where a
 * metric has no value (no predictions; one class only, for AUROC) it is null, never NaN, so that
 * it survives JSON and cannot be averaged in by mistake. Probabilities outside [0, 1], and scores
 * that are not finite, are a RangeError: a silently clamped input would report a better model
 * than the one measured.
 */

export interface Prediction {
  /** The confidence that the answer is right: a probability for Brier and ECE, any finite score for AUROC. */
  probability: number;
  /** Whether the answer was right. */
  correct: boolean;
}

/** The normal quantile for a two-sided 95 % interval, Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

export interface Proportion {
  successes: number;
  trials: number;
  /** successes / trials; null for no trials. */
  estimate: number | null;
  /** The Wilson score interval at 95 %; null for no trials. */
  low: number | null;
  high: number | null;
}

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927):
 *
 *   centre = (p̂ + z²/2n) / (1 + z²/n)
 *   half   = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²)
 *
 * Unlike p̂ ± z·√(p̂(1 − p̂)/n) it stays inside [0, 1] and does not collapse to a point at 0 or n
 * successes: 10 out of 10 gives [n/(n + z²), 1] = [0.722, 1], not [1, 1]. Null for no trials.
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): { low: number; high: number } | null {
  if (!Number.isInteger(trials) || trials < 0 || !Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: need whole numbers 0 <= successes <= trials, got ${successes} of ${trials}.`);
  }
  if (trials === 0) return null;
  const share = successes / trials;
  const zz = z * z;
  const denominator = 1 + zz / trials;
  const centre = (share + zz / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((share * (1 - share)) / trials + zz / (4 * trials * trials));
  // At 0 or n successes one bound is exact in arithmetic (0 or 1) and only rounding moves it.
  return { low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === trials ? 1 : Math.min(1, centre + half) };
}

/** The share of right answers, with its Wilson 95 % interval. */
export function accuracy(correct: readonly boolean[]): Proportion {
  const successes = correct.filter(Boolean).length;
  const interval = wilsonInterval(successes, correct.length);
  return { successes, trials: correct.length, estimate: interval === null ? null : successes / correct.length, low: interval?.low ?? null, high: interval?.high ?? null };
}

/**
 * The Brier score (Brier 1950): the mean of (probability − outcome)², outcome 1 for a right
 * answer, 0 for a wrong one. 0 is perfect; always saying the base rate b scores b(1 − b), which is
 * what a confidence must beat to carry any information. Null for no predictions.
 */
export function brierScore(predictions: readonly Prediction[]): number | null {
  if (predictions.length === 0) return null;
  let sum = 0;
  for (const prediction of predictions) {
    const probability = checkedProbability(prediction.probability, 'brierScore');
    const outcome = prediction.correct ? 1 : 0;
    sum += (probability - outcome) ** 2;
  }
  return sum / predictions.length;
}

export interface CalibrationBin {
  /** The bin holds probabilities p with low <= p < high; the last bin also holds p = 1. */
  low: number;
  high: number;
  count: number;
  /** The mean probability in the bin; null when it is empty. */
  meanProbability: number | null;
  /** The share of right answers in the bin; null when it is empty. */
  accuracy: number | null;
}

/**
 * The reliability diagram's data: `bins` equal-width bins over [0, 1], bin k holding
 * k/bins <= p < (k + 1)/bins (index ⌊p·bins⌋), with 1 in the last bin.
 */
export function calibrationBins(predictions: readonly Prediction[], bins = 10): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`calibrationBins: bins must be a whole number of at least 1, got ${bins}.`);
  const counts = new Array<number>(bins).fill(0);
  const probabilitySums = new Array<number>(bins).fill(0);
  const correctCounts = new Array<number>(bins).fill(0);
  for (const prediction of predictions) {
    const probability = checkedProbability(prediction.probability, 'calibrationBins');
    const index = Math.min(bins - 1, Math.floor(probability * bins));
    counts[index] = (counts[index] as number) + 1;
    probabilitySums[index] = (probabilitySums[index] as number) + probability;
    if (prediction.correct) correctCounts[index] = (correctCounts[index] as number) + 1;
  }
  return counts.map((count, index) => ({
    low: index / bins,
    high: (index + 1) / bins,
    count,
    meanProbability: count === 0 ? null : (probabilitySums[index] as number) / count,
    accuracy: count === 0 ? null : (correctCounts[index] as number) / count,
  }));
}

/**
 * The expected calibration error (Naeini et al. 2015; Guo et al. 2017): over equal-width bins,
 * Σ (n_bin / n) · |accuracy_bin − mean probability_bin|. 0 when every bin's confidence matches its
 * accuracy. It depends on the binning (10 bins here, as is usual) and, unlike Brier, ignores how
 * well the confidence separates right from wrong: a constant base rate has an ECE of 0. Null for
 * no predictions.
 */
export function expectedCalibrationError(predictions: readonly Prediction[], bins = 10): number | null {
  if (predictions.length === 0) return null;
  let sum = 0;
  for (const bin of calibrationBins(predictions, bins)) {
    if (bin.count === 0) continue;
    sum += bin.count * Math.abs((bin.accuracy as number) - (bin.meanProbability as number));
  }
  return sum / predictions.length;
}

/**
 * The area under the ROC curve of the score as a predictor of a right answer: the probability
 * that a right answer, picked at random, scores above a wrong one, ties counting one half. It is
 * computed as the Mann–Whitney U statistic: rank every score, tied scores sharing the mean of
 * their ranks (midranks), then
 *
 *   AUROC = (R₊ − n₊(n₊ + 1)/2) / (n₊ · n₋)
 *
 * with R₊ the sum of the right answers' ranks. 1 separates perfectly, 0.5 is chance (or a
 * constant), 0 is perfectly reversed. Only the order of the scores matters, so calibration does
 * not. Null when the answers are all right or all wrong: there is no pair to compare.
 */
export function auroc(predictions: readonly Prediction[]): number | null {
  for (const prediction of predictions) {
    if (!Number.isFinite(prediction.probability)) throw new RangeError(`auroc: scores must be finite numbers, got ${prediction.probability}.`);
  }
  const positives = predictions.filter((prediction) => prediction.correct).length;
  const negatives = predictions.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const sorted = [...predictions].sort((left, right) => left.probability - right.probability);
  let positiveRankSum = 0;
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end + 1 < sorted.length && (sorted[end + 1] as Prediction).probability === (sorted[start] as Prediction).probability) end++;
    // Ranks are 1-based: the tied run start..end shares the mean of ranks start + 1 … end + 1.
    const midrank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index++) if ((sorted[index] as Prediction).correct) positiveRankSum += midrank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function checkedProbability(probability: number, metric: string): number {
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`${metric}: probabilities must lie in [0, 1], got ${probability}.`);
  return probability;
}
