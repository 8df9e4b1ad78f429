import { describe, expect, it } from 'vitest';
import { fitCalibration } from '../../src/eval/calibration-fit.js';
import { applyCalibration } from '../../src/eval/isotonic.js';

describe('fitCalibration', () => {
  it('keeps a few wrong answers at the bottom from flattening the map: bins of minCount first, then PAV', () => {
    const points = [
      ...Array.from({ length: 5 }, (_, index) => ({ score: 0.4 + index * 0.01, correct: false })),
      ...Array.from({ length: 15 }, (_, index) => ({ score: 0.5 + index * 0.001, correct: true })),
      ...Array.from({ length: 180 }, (_, index) => ({ score: 0.9 + (index % 9) * 0.005, correct: true })),
    ];
    const map = fitCalibration(points, { minCount: 20 });
    expect(map).toMatchObject({ minCount: 20, count: 200 });
    expect(map.blocks.map((block) => block.probability)).toEqual([0.75, 1]);
    expect(applyCalibration(map, 0.41)).toBe(0.75);
    expect(applyCalibration(map, 0.95)).toBe(1);
    // Between the two bins' means the map rises, so a higher raw score never ranks lower.
    const between = applyCalibration(map, 0.7);
    expect(between).toBeGreaterThan(0.75);
    expect(between).toBeLessThan(1);
  });

  it('never splits equal scores, and a short last bin joins the one before', () => {
    const points = [
      ...Array.from({ length: 30 }, () => ({ score: 0.5, correct: false })),
      ...Array.from({ length: 25 }, () => ({ score: 0.8, correct: true })),
    ];
    const map = fitCalibration(points, { minCount: 20 });
    expect(map.blocks.map((block) => [block.low, block.high, block.count > 0, block.probability])).toEqual([
      [0.5, 0.5, true, 0],
      [0.8, 0.8, true, 1],
    ]);
    const short = fitCalibration([...points, { score: 0.9, correct: false }], { minCount: 20 });
    expect(short.blocks.at(-1)?.probability).toBeCloseTo(25 / 26, 10);
  });

  it('is monotone: a higher raw score never gets a lower probability', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const points = Array.from({ length: 500 }, () => {
      const score = random();
      return { score, correct: random() < score };
    });
    const map = fitCalibration(points, { minCount: 20 });
    let previous = -Infinity;
    for (let raw = 0; raw <= 1; raw += 0.01) {
      const value = applyCalibration(map, raw);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
  });
});
