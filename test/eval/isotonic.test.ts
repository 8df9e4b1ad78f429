import { describe, expect, it } from 'vitest';
import { applyCalibration, fitIsotonic, type CalibrationPoint } from '../../src/eval/isotonic.js';
import { brierScore } from '../../src/eval/metrics.js';
import { seededRandom } from '../../src/utils/seeded-random.js';

const points = (pairs: readonly [number, boolean, number?][]): CalibrationPoint[] =>
  pairs.map(([score, correct, weight]) => (weight === undefined ? { score, correct } : { score, correct, weight }));
const summary = (map: ReturnType<typeof fitIsotonic>) => map.blocks.map((block) => [block.low, block.high, block.count, block.probability]);

describe('fitIsotonic', () => {
  it('pools adjacent violators, by hand: 1 0 1 0 1', () => {
    // (1,2) pool at 0.5; (3,4) pool at 0.5, not above it, so all four pool at 0.5; 5 stays at 1.
    const map = fitIsotonic(points([[1, true], [2, false], [3, true], [4, false], [5, true]]));
    expect(summary(map)).toEqual([
      [1, 4, 4, 0.5],
      [5, 5, 1, 1],
    ]);
    expect(map).toMatchObject({ kind: 'isotonic', version: 1, minCount: 1, count: 5 });
  });

  it('a minimum count pools the small block with its neighbour: 3 right of 5', () => {
    expect(summary(fitIsotonic(points([[1, true], [2, false], [3, true], [4, false], [5, true]]), { minCount: 2 }))).toEqual([[1, 5, 5, 0.6]]);
  });

  it('weights: a wrong answer of weight 3 after a right one pools to 1/4', () => {
    const map = fitIsotonic(points([[0.1, false], [0.2, true], [0.3, false, 3]]));
    expect(summary(map)).toEqual([
      [0.1, 0.1, 1, 0],
      [0.2, 0.3, 2, 0.25],
    ]);
    expect(map.blocks[1]?.weight).toBe(4);
  });

  it('tied scores share one block, pooled before anything else', () => {
    const map = fitIsotonic(points([[0.9, true], [0.5, true], [0.5, false], [0.5, false], [0.2, true]]));
    // 0.2 -> 1 is above 0.5 -> 1/3, so they pool: 2/4 = 0.5; then 0.9 -> 1.
    expect(summary(map)).toEqual([
      [0.2, 0.5, 4, 0.5],
      [0.9, 0.9, 1, 1],
    ]);
  });

  it('all scores equal: one block at the base rate', () => {
    expect(summary(fitIsotonic(points([[0.7, true], [0.7, false], [0.7, true], [0.7, true]])))).toEqual([[0.7, 0.7, 4, 0.75]]);
  });

  it('pools the smallest block toward the closer value, then the smaller neighbour', () => {
    // PAV: [1..4] 1 of 4 = 0.25, [5,6] 1 of 2 = 0.5, [7..10] 1. With minCount 3 the middle block
    // is 0.25 from the left and 0.5 from the right, so it pools left: 2 of 6.
    const closer = points([[1, true], [2, false], [3, false], [4, false], [5, true], [6, false], [7, true], [8, true], [9, true], [10, true]]);
    expect(summary(fitIsotonic(closer))).toEqual([
      [1, 4, 4, 0.25],
      [5, 6, 2, 0.5],
      [7, 10, 4, 1],
    ]);
    expect(summary(fitIsotonic(closer, { minCount: 3 }))).toEqual([
      [1, 6, 6, 2 / 6],
      [7, 10, 4, 1],
    ]);
    // PAV: [1..3] 0 (3 points), [4,5] 0.5 (2), [6..9] 1 (4). The middle block is 0.5 from both,
    // so it pools with the neighbour with fewer points, the left: 1 of 5.
    const tie = points([[1, false], [2, false], [3, false], [4, true], [5, false], [6, true], [7, true], [8, true], [9, true]]);
    expect(summary(fitIsotonic(tie, { minCount: 3 }))).toEqual([
      [1, 5, 5, 0.2],
      [6, 9, 4, 1],
    ]);
  });

  it('refuses what it cannot fit', () => {
    expect(() => fitIsotonic([])).toThrow(RangeError);
    expect(() => fitIsotonic(points([[Number.NaN, true]]))).toThrow(/finite/);
    expect(() => fitIsotonic(points([[0.5, true, 0]]))).toThrow(/positive/);
    expect(() => fitIsotonic(points([[0.5, true]]), { minCount: 0 })).toThrow(/minCount/);
  });
});

describe('applyCalibration', () => {
  const map = fitIsotonic(points([[0.2, false], [0.3, false], [0.6, true], [0.6, false], [0.9, true], [1, true]]));

  it('is constant in a block, linear across a gap, and flat beyond the ends', () => {
    expect(summary(map)).toEqual([
      [0.2, 0.3, 2, 0],
      [0.6, 0.6, 2, 0.5],
      [0.9, 1, 2, 1],
    ]);
    expect(applyCalibration(map, 0)).toBe(0);
    expect(applyCalibration(map, 0.25)).toBe(0);
    expect(applyCalibration(map, 0.45)).toBeCloseTo(0.25, 12);
    expect(applyCalibration(map, 0.6)).toBe(0.5);
    expect(applyCalibration(map, 0.7)).toBeCloseTo(0.5 + 0.5 / 3, 12);
    expect(applyCalibration(map, 0.95)).toBe(1);
    expect(applyCalibration(map, 7)).toBe(1);
    expect(() => applyCalibration(map, Number.NaN)).toThrow(RangeError);
  });

  it('survives JSON', () => {
    const copy = JSON.parse(JSON.stringify(map));
    expect(copy).toEqual(map);
    expect(applyCalibration(copy, 0.45)).toBe(applyCalibration(map, 0.45));
  });
});

describe('on random data', () => {
  it('is monotone, keeps the minimum count, fits each block to its own share, and never scores worse than the base rate', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const data: CalibrationPoint[] = Array.from({ length: 20 + Math.floor(random() * 200) }, () => {
        const score = Math.round(random() * 50) / 50;
        return { score, correct: random() < score * 0.8 + 0.1 };
      });
      const minCount = 1 + Math.floor(random() * 15);
      const map = fitIsotonic(data, { minCount });
      for (let index = 1; index < map.blocks.length; index++) {
        const [before, block] = [map.blocks[index - 1], map.blocks[index]] as const;
        expect(block?.probability as number).toBeGreaterThan(before?.probability as number);
        expect(block?.low as number).toBeGreaterThan(before?.high as number);
      }
      if (map.blocks.length > 1) for (const block of map.blocks) expect(block.count).toBeGreaterThanOrEqual(minCount);
      expect(map.blocks.reduce((sum, block) => sum + block.count, 0)).toBe(data.length);
      for (const block of map.blocks) {
        const inside = data.filter((point) => point.score >= block.low && point.score <= block.high);
        expect(block.probability).toBeCloseTo(inside.filter((point) => point.correct).length / inside.length, 12);
      }
      let previous = -Infinity;
      for (let raw = -0.1; raw <= 1.1; raw += 0.005) {
        const calibrated = applyCalibration(map, raw);
        expect(calibrated).toBeGreaterThanOrEqual(previous);
        previous = calibrated;
      }
      const baseRate = data.filter((point) => point.correct).length / data.length;
      const fitted = brierScore(data.map((point) => ({ probability: applyCalibration(map, point.score), correct: point.correct }))) as number;
      const constant = brierScore(data.map((point) => ({ probability: baseRate, correct: point.correct }))) as number;
      expect(fitted).toBeLessThanOrEqual(constant + 1e-12);
    }
  });
});
