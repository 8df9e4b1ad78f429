import { describe, it, expect } from 'vitest';
import { BoundedHeap, exactTopK } from '../../src/index/top-k.js';
import type { ScoredRow } from '../../src/index/top-k.js';
import { seededRandom } from '../support/seeded-random.js';

/** Every row of the runs offered to one heap: the definition exactTopK must meet. */
function reference(runs: number[], exact: Float64Array, k: number): ScoredRow[] {
  const heap = new BoundedHeap(k);
  for (let run = 0; run < runs.length; run += 2) for (let row = runs[run]!; row < runs[run + 1]!; row++) heap.offer(row, exact[row]!);
  return heap.sorted();
}

describe('exactTopK', () => {
  it('returns the exact top k whatever the approximations, as long as they keep within their bounds', () => {
    const random = seededRandom(77);
    const rows = 3000;
    const error = { scale: 1e-3, floor: 1e-9 };
    for (let trial = 0; trial < 40; trial++) {
      // Scores on a coarse grid, so exact ties and near-ties are common.
      const exact = Float64Array.from({ length: rows }, () => Math.round(random() * 200) / 1000 + (random() < 0.3 ? random() * 1e-4 : 0));
      const bounds = Float32Array.from({ length: rows }, () => random() * 2);
      // Errors anywhere in the allowed band, often at its very edges.
      const approximate = Float32Array.from(exact, (score, row) => {
        const margin = error.scale * bounds[row]! + error.floor;
        const draw = random();
        const offset = draw < 0.25 ? -margin : draw < 0.5 ? margin : (random() * 2 - 1) * margin;
        const value = Math.fround(score + offset);
        // Rounding to float32 must not push it out of the band.
        return Math.abs(value - score) <= margin ? value : Math.fround(score);
      });
      const runs = trial % 2 === 0 ? [0, rows] : [5, 700, 701, 702, 1500, 2999];
      for (const k of [1, 3, 10, 50]) {
        const { rows: best, rescored } = exactTopK(runs, approximate, bounds, error, k, (row) => exact[row]!);
        expect(best).toEqual(reference(runs, exact, k));
        expect(rescored).toBeGreaterThanOrEqual(best.length);
      }
    }
  });

  it('rescores the rows whose bound is not a number, and drops NaN scores as the heap does', () => {
    const exact = Float64Array.from([0.1, 5, 0.2, Number.NaN, 0.3]);
    const approximate = Float32Array.from([0.1, Number.NaN, 0.2, Number.NaN, 0.3]);
    const bounds = Float32Array.from([0, Number.POSITIVE_INFINITY, 0, Number.NaN, 0]);
    const error = { scale: 1e-6, floor: 0 };
    const { rows, rescored } = exactTopK([0, 5], approximate, bounds, error, 2, (row) => exact[row]!);
    expect(rows).toEqual([
      { row: 1, score: 5 },
      { row: 4, score: 0.3 },
    ]);
    expect(rescored).toBe(4);
  });

  it('rescores a handful of rows when the scores are spread out', () => {
    const random = seededRandom(3);
    const rows = 100_000;
    const exact = Float64Array.from({ length: rows }, () => random() - 0.5);
    const approximate = Float32Array.from(exact);
    const bounds = new Float32Array(rows).fill(0.6);
    const { rows: best, rescored } = exactTopK([0, rows], approximate, bounds, { scale: 5e-5, floor: 0 }, 10, (row) => exact[row]!);
    expect(best).toEqual(reference([0, rows], exact, 10));
    expect(rescored).toBeLessThan(20);
  });
});

describe('BoundedHeap', () => {
  it('reports the k-th best score once full, and −∞ before', () => {
    const heap = new BoundedHeap(2);
    expect(heap.kthScore()).toBe(Number.NEGATIVE_INFINITY);
    heap.offer(0, 3);
    expect(heap.kthScore()).toBe(Number.NEGATIVE_INFINITY);
    heap.offer(1, 1);
    expect(heap.kthScore()).toBe(1);
    heap.offer(2, 2);
    expect(heap.kthScore()).toBe(2);
    expect(new BoundedHeap(0).kthScore()).toBe(Number.NEGATIVE_INFINITY);
  });
});
