import { describe, expect, it } from 'vitest';
import { accuracy, auroc, brierScore, calibrationBins, expectedCalibrationError, wilsonInterval, Z_95, type Prediction } from '../../src/eval/metrics.js';

const predictions = (pairs: readonly [number, boolean][]): Prediction[] => pairs.map(([probability, correct]) => ({ probability, correct }));

describe('accuracy and the Wilson interval', () => {
  it('8 of 10: 0.8 in [0.4902, 0.9433], the textbook values', () => {
    const interval = wilsonInterval(8, 10) as { low: number; high: number };
    expect(interval.low).toBeCloseTo(0.4902, 4);
    expect(interval.high).toBeCloseTo(0.9433, 4);
    // By the formula: centre (0.8 + z²/20) / (1 + z²/10), half z / (1 + z²/10) · √(0.016 + z²/400).
    const zz = Z_95 ** 2;
    const centre = (0.8 + zz / 20) / (1 + zz / 10);
    const half = (Z_95 / (1 + zz / 10)) * Math.sqrt(0.016 + zz / 400);
    expect(interval.low).toBeCloseTo(centre - half, 12);
    expect(interval.high).toBeCloseTo(centre + half, 12);
  });

  it('all correct: [n / (n + z²), 1], not a point', () => {
    const result = accuracy(new Array(10).fill(true));
    expect(result).toMatchObject({ successes: 10, trials: 10, estimate: 1, high: 1 });
    expect(result.low).toBeCloseTo(10 / (10 + Z_95 ** 2), 12);
    expect(result.low).toBeCloseTo(0.7225, 4);
  });

  it('none correct: [0, z² / (n + z²)]', () => {
    const result = accuracy(new Array(10).fill(false));
    expect(result).toMatchObject({ successes: 0, trials: 10, estimate: 0, low: 0 });
    expect(result.high).toBeCloseTo(Z_95 ** 2 / (10 + Z_95 ** 2), 12);
  });

  it('the interval is symmetric under swapping right and wrong', () => {
    const right = wilsonInterval(3, 17) as { low: number; high: number };
    const wrong = wilsonInterval(14, 17) as { low: number; high: number };
    expect(right.low).toBeCloseTo(1 - wrong.high, 12);
    expect(right.high).toBeCloseTo(1 - wrong.low, 12);
  });

  it('no trials: nulls, not NaN', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(accuracy([])).toEqual({ successes: 0, trials: 0, estimate: null, low: null, high: null });
  });

  it('impossible counts are a RangeError', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError);
  });
});

describe('brierScore', () => {
  it('the mean squared gap between probability and outcome', () => {
    // (0.9 − 1)² + (0.2 − 0)² + (0.6 − 0)² = 0.01 + 0.04 + 0.36 = 0.41, over 3.
    expect(brierScore(predictions([[0.9, true], [0.2, false], [0.6, false]]))).toBeCloseTo(0.41 / 3, 12);
  });

  it('perfect, perfectly wrong, and the constant base rate b(1 − b)', () => {
    expect(brierScore(predictions([[1, true], [0, false]]))).toBe(0);
    expect(brierScore(predictions([[0, true], [1, false]]))).toBe(1);
    // Base rate 0.7 said every time: 0.7 · 0.3² + 0.3 · 0.7² = 0.21.
    const constant = [...new Array(7).fill([0.7, true]), ...new Array(3).fill([0.7, false])] as [number, boolean][];
    expect(brierScore(predictions(constant))).toBeCloseTo(0.7 * 0.3, 12);
  });

  it('no predictions: null; a probability outside [0, 1] or NaN: RangeError', () => {
    expect(brierScore([])).toBeNull();
    expect(() => brierScore(predictions([[1.2, true]]))).toThrow(RangeError);
    expect(() => brierScore(predictions([[Number.NaN, true]]))).toThrow(RangeError);
  });
});

describe('expected calibration error, 10 equal-width bins', () => {
  it('weights each bin by its share: 2/5 · |0.5 − 0.05| + 3/5 · |2/3 − 0.95| = 0.35', () => {
    const sample = predictions([[0.05, true], [0.05, false], [0.95, true], [0.95, true], [0.95, false]]);
    expect(expectedCalibrationError(sample)).toBeCloseTo(0.35, 12);
  });

  it('bins are closed below and open above; 0 goes in the first, 1 in the last', () => {
    const bins = calibrationBins(predictions([[0, false], [0.1, true], [0.0999, false], [0.5, true], [1, true], [0.95, false]]));
    expect(bins).toHaveLength(10);
    expect(bins.map((bin) => bin.count)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(bins[0]).toMatchObject({ low: 0, high: 0.1, count: 2, accuracy: 0 });
    expect(bins[0]?.meanProbability).toBeCloseTo(0.04995, 12);
    expect(bins[9]).toMatchObject({ low: 0.9, high: 1, count: 2, accuracy: 0.5, meanProbability: 0.975 });
    expect(bins[2]).toMatchObject({ count: 0, meanProbability: null, accuracy: null });
  });

  it('a perfectly calibrated set scores 0, and so does the constant base rate (ECE ignores discrimination)', () => {
    const calibrated = predictions([[0.25, true], [0.25, false], [0.25, false], [0.25, false], [0.75, true], [0.75, true], [0.75, true], [0.75, false]]);
    expect(expectedCalibrationError(calibrated)).toBeCloseTo(0, 12);
    const constant = predictions([[0.5, true], [0.5, false]]);
    expect(expectedCalibrationError(constant)).toBe(0);
  });

  it('all correct at full confidence: 0; all wrong at full confidence: 1', () => {
    expect(expectedCalibrationError(predictions([[1, true], [1, true]]))).toBe(0);
    expect(expectedCalibrationError(predictions([[1, false], [1, false]]))).toBe(1);
  });

  it('no predictions: null; another bin count works; a bad count or probability is a RangeError', () => {
    expect(expectedCalibrationError([])).toBeNull();
    expect(calibrationBins([], 10).every((bin) => bin.count === 0)).toBe(true);
    // Two bins: [0.2, 0.4] in the first (mean 0.3, accuracy 0.5), [0.8] in the second (accuracy 1): (2·0.2 + 1·0.2)/3.
    expect(expectedCalibrationError(predictions([[0.2, true], [0.4, false], [0.8, true]]), 2)).toBeCloseTo(0.2, 12);
    expect(() => calibrationBins([], 0)).toThrow(RangeError);
    expect(() => expectedCalibrationError(predictions([[-0.1, true]]))).toThrow(RangeError);
  });
});

describe('AUROC by midranks (Mann–Whitney U)', () => {
  it('counts a tie between a right and a wrong answer as one half', () => {
    // Right 0.9, 0.8, 0.4; wrong 0.7, 0.4, 0.2. Of 9 pairs the right answer scores higher in 7 and
    // ties in 1: 7.5 / 9. By ranks: 0.2→1, 0.4 and 0.4→2.5, 0.7→4, 0.8→5, 0.9→6; R₊ = 13.5; U = 13.5 − 6.
    const sample = predictions([[0.9, true], [0.8, true], [0.4, true], [0.7, false], [0.4, false], [0.2, false]]);
    expect(auroc(sample)).toBeCloseTo(7.5 / 9, 12);
  });

  it('perfect separation 1, reversed 0, every score tied 0.5', () => {
    expect(auroc(predictions([[0.9, true], [0.8, true], [0.3, false]]))).toBe(1);
    expect(auroc(predictions([[0.1, true], [0.8, false], [0.9, false]]))).toBe(0);
    expect(auroc(predictions([[0.6, true], [0.6, false], [0.6, false], [0.6, true], [0.6, true]]))).toBe(0.5);
  });

  it('a binary score (approved or not) gets the mean of its true- and false-positive trade-off', () => {
    // Right: 1, 1, 0; wrong: 1, 0, 0, 0. Pairs 12: right 1 over wrong 0 → 2·3 = 6; ties: 2·1 + 1·3 = 5 → 2.5.
    const sample = predictions([[1, true], [1, true], [0, true], [1, false], [0, false], [0, false], [0, false]]);
    expect(auroc(sample)).toBeCloseTo(8.5 / 12, 12);
  });

  it('depends only on the order: any increasing transform of the scores gives the same value', () => {
    const sample = predictions([[0.9, true], [0.35, true], [0.4, false], [0.1, false], [0.35, false]]);
    const squashed = sample.map((prediction) => ({ ...prediction, probability: Math.log(prediction.probability) * 10 }));
    expect(auroc(squashed)).toBeCloseTo(auroc(sample) as number, 12);
  });

  it('a single class has no pair to compare: null (all right, all wrong, empty)', () => {
    expect(auroc(predictions([[0.9, true], [0.2, true]]))).toBeNull();
    expect(auroc(predictions([[0.9, false], [0.2, false]]))).toBeNull();
    expect(auroc([])).toBeNull();
  });

  it('a score that is not finite is a RangeError; the input is left in its order', () => {
    expect(() => auroc(predictions([[Number.POSITIVE_INFINITY, true], [0.1, false]]))).toThrow(RangeError);
    const sample = predictions([[0.9, false], [0.1, true]]);
    auroc(sample);
    expect(sample.map((prediction) => prediction.probability)).toEqual([0.9, 0.1]);
  });
});
