import { describe, it, expect } from 'vitest';
import { CANDIDATE_CAPACITY, kernelLayout, kernelModule, scoreErrorScale, simdSupport } from '../../src/index/simd-kernel.js';
import { allocateVectors, vectorMemoryOf } from '../../src/index/vector-memory.js';
import type { VectorMemory } from '../../src/index/vector-memory.js';
import { seededRandom } from '../support/seeded-random.js';

/** A matrix in WebAssembly memory with its kernel. */
function kernelOver(values: ArrayLike<number>, dimensions: number): { vectors: Float32Array; memory: VectorMemory } {
  const vectors = allocateVectors(values.length / dimensions, dimensions);
  vectors.set(values);
  const memory = vectorMemoryOf(vectors, dimensions);
  if (memory === undefined) throw new Error('expected the vectors in WebAssembly memory');
  return { vectors, memory };
}

/** Every row of [start, end) as a candidate (a cutoff of −∞), copied out of the candidate arrays. */
function scanAll(memory: VectorMemory, start: number, end: number): { rows: number[]; scores: number[]; bounds: number[] } {
  const count = memory.scan(start, end, Number.NEGATIVE_INFINITY, CANDIDATE_CAPACITY);
  return {
    rows: [...memory.candidateRows.subarray(0, count)],
    scores: [...memory.candidateScores.subarray(0, count)],
    bounds: [...memory.candidateBounds.subarray(0, count)],
  };
}

/** The double-precision dot product in dimension order and the exact-enough sum of |products|. */
function reference(query: Float32Array, vectors: Float32Array, row: number, dimensions: number): { dot: number; absolute: number } {
  let dot = 0;
  let absolute = 0;
  for (let index = 0; index < dimensions; index++) {
    const product = query[index]! * vectors[row * dimensions + index]!;
    dot += product;
    absolute += Math.abs(product);
  }
  return { dot, absolute };
}

describe('the SIMD kernel', () => {
  it('runs on every Node this project supports (WebAssembly SIMD is on by default since Node 16.4)', () => {
    expect(simdSupport).toEqual({ available: true, reason: 'WebAssembly SIMD' });
  });

  it('compiles for rows of 1, 2, 3 and more quads (unrolled by 1, 2 or 4), specialised to the row length', () => {
    for (const dimensions of [4, 8, 12, 16, 20, 384, 768, 1020, 4096]) {
      const { memory } = kernelOver(new Float32Array(2 * dimensions).fill(1), dimensions);
      memory.setQuery(new Float32Array(dimensions).fill(0.5));
      expect(scanAll(memory, 0, 2).scores).toEqual([dimensions / 2, dimensions / 2]);
    }
    expect(kernelModule(768)).not.toEqual(kernelModule(384));
  });

  it('scores every row within its error bound, and its bound is the sum of |products|', () => {
    const random = seededRandom(5);
    for (const dimensions of [4, 8, 12, 20, 768]) {
      const rows = 37;
      const values = Float32Array.from({ length: rows * dimensions }, () => (random() - 0.5) * (random() < 0.1 ? 1000 : 1));
      const { vectors, memory } = kernelOver(values, dimensions);
      const query = Float32Array.from({ length: dimensions }, () => random() - 0.5);
      const { scale, floor } = scoreErrorScale(dimensions);
      memory.setQuery(query);
      const scanned = scanAll(memory, 0, rows);
      expect(scanned.rows).toEqual(Array.from({ length: rows }, (_, row) => row));
      for (let row = 0; row < rows; row++) {
        const { dot, absolute } = reference(query, vectors, row, dimensions);
        const score = scanned.scores[row]!;
        const bound = scanned.bounds[row]!;
        expect(Math.abs(score - dot)).toBeLessThanOrEqual(scale * bound + floor);
        expect(bound).toBeGreaterThanOrEqual(Math.abs(score));
        expect(Math.abs(bound - absolute)).toBeLessThanOrEqual(1e-5 * absolute);
      }
    }
  });

  it('keeps its bound where cancellation makes float32 lose every digit of the score', () => {
    // Each row sums +1e4·x and −1e4·x with a small remainder: the float32 score is off by far more
    // than the score itself, but never by more than the bound.
    const dimensions = 16;
    const rows = 20;
    const random = seededRandom(9);
    const values: number[] = [];
    for (let row = 0; row < rows; row++) {
      for (let pair = 0; pair < dimensions / 2; pair++) {
        const large = 1e4 * (1 + random());
        values.push(large, -large + random() * 1e-3);
      }
    }
    const { vectors, memory } = kernelOver(values, dimensions);
    const query = Float32Array.from({ length: dimensions }, () => 1 + random() * 1e-3);
    const { scale, floor } = scoreErrorScale(dimensions);
    memory.setQuery(query);
    const { scores, bounds } = scanAll(memory, 0, rows);
    for (let row = 0; row < rows; row++) {
      const { dot } = reference(query, vectors, row, dimensions);
      expect(Math.abs(scores[row]! - dot)).toBeLessThanOrEqual(scale * bounds[row]! + floor);
    }
  });

  it('scans only the rows it is asked to, and names each candidate by its row', () => {
    const dimensions = 8;
    const values = Float32Array.from({ length: 10 * dimensions }, (_, index) => (index % dimensions === 0 ? Math.floor(index / dimensions) : 0));
    const { memory } = kernelOver(values, dimensions);
    memory.setQuery(Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(scanAll(memory, 3, 6)).toEqual({ rows: [3, 4, 5], scores: [3, 4, 5], bounds: [3, 4, 5] });
    expect(scanAll(memory, 9, 10).rows).toEqual([9]);
    expect(scanAll(memory, 4, 4).rows).toEqual([]);
  });

  it('drops exactly the rows whose upper bound, computed as ExactSelection computes it, is below the cutoff', () => {
    const dimensions = 8;
    // Row r scores r / 10 with a bound of r / 10.
    const values = Float32Array.from({ length: 20 * dimensions }, (_, index) => (index % dimensions === 0 ? Math.fround(Math.floor(index / dimensions) / 10) : 0));
    const { memory } = kernelOver(values, dimensions);
    memory.setQuery(Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    const { scale, floor } = memory.error;
    const upper = (row: number): number => values[row * dimensions]! + (scale * values[row * dimensions]! + floor);
    for (const cutoff of [0.5, upper(7), upper(7) + 1e-17, Math.fround(1.35), 5]) {
      const count = memory.scan(0, 20, cutoff, CANDIDATE_CAPACITY);
      const expected = Array.from({ length: 20 }, (_, row) => row).filter((row) => !(upper(row) < cutoff));
      expect([...memory.candidateRows.subarray(0, count)]).toEqual(expected);
    }
  });

  it('keeps rows whose score or bound is not a number, whatever the cutoff', () => {
    const dimensions = 4;
    const values = Float32Array.from([1, 0, 0, 0, Number.NaN, 0, 0, 0, 3e38, 3e38, 0, 0, -3e38, -3e38, 0, 0]);
    const { memory } = kernelOver(values, dimensions);
    memory.setQuery(Float32Array.from([1, 1, 0, 0]));
    const count = memory.scan(0, 4, 10, CANDIDATE_CAPACITY);
    // Row 0 scores 1 (out); NaN, +∞ and −∞ with an infinite bound are kept.
    expect([...memory.candidateRows.subarray(0, count)]).toEqual([1, 2, 3]);
  });

  it('stops after `limit` candidates, so the caller can raise the cutoff and go on after the last one', () => {
    const dimensions = 4;
    const { memory } = kernelOver(new Float32Array(10 * dimensions).fill(1), dimensions);
    memory.setQuery(new Float32Array(dimensions).fill(1));
    expect(memory.scan(0, 10, Number.NEGATIVE_INFINITY, 3)).toBe(3);
    expect([...memory.candidateRows.subarray(0, 3)]).toEqual([0, 1, 2]);
    expect(memory.scan(3, 10, Number.NEGATIVE_INFINITY, 7)).toBe(7);
    expect([...memory.candidateRows.subarray(0, 7)]).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(memory.scan(3, 10, Number.NEGATIVE_INFINITY, 8)).toBe(7);
  });

  it('refuses rows outside the matrix and limits past the candidate arrays, which the kernel would not check', () => {
    const { memory } = kernelOver(new Float32Array(3 * 4), 4);
    expect(() => memory.scan(0, 4, 0, 1)).toThrow(RangeError);
    expect(() => memory.scan(2, 1, 0, 1)).toThrow(RangeError);
    expect(() => memory.scan(-1, 1, 0, 1)).toThrow(RangeError);
    expect(() => memory.scan(0, 1.5, 0, 1)).toThrow(RangeError);
    expect(() => memory.scan(0, 3, 0, 0)).toThrow(RangeError);
    expect(() => memory.scan(0, 3, 0, CANDIDATE_CAPACITY + 1)).toThrow(RangeError);
  });

  it('lays out the query, the candidates and the vectors 64-byte aligned, the vectors after the rest', () => {
    for (const dimensions of [4, 12, 768]) {
      const layout = kernelLayout(dimensions);
      expect(layout.candidateRows).toBeGreaterThanOrEqual(dimensions * 4);
      expect(layout.candidateScores - layout.candidateRows).toBe(4 * CANDIDATE_CAPACITY);
      expect(layout.candidateBounds - layout.candidateScores).toBe(4 * CANDIDATE_CAPACITY);
      expect(layout.vectors - layout.candidateBounds).toBe(4 * CANDIDATE_CAPACITY);
      expect(layout.vectors % 64).toBe(0);
    }
  });

  it('states an error scale of γ(d + 8) in float32 plus γ(d) in double, with a margin', () => {
    const { scale, floor } = scoreErrorScale(768);
    expect(scale).toBeGreaterThan(776 * 2 ** -24);
    expect(scale).toBeLessThan(1.02 * 776 * 2 ** -24);
    expect(floor).toBeGreaterThan(0);
    expect(floor).toBeLessThan(1e-40);
  });
});

describe('allocateVectors', () => {
  it('puts rows of whole quads in WebAssembly memory, and anything else, or simd: false, in a plain array', () => {
    expect(vectorMemoryOf(allocateVectors(3, 8), 8)).toBeDefined();
    expect(vectorMemoryOf(allocateVectors(3, 8), 4)).toBeUndefined();
    expect(vectorMemoryOf(allocateVectors(3, 8, { simd: false }), 8)).toBeUndefined();
    expect(vectorMemoryOf(allocateVectors(3, 6), 6)).toBeUndefined();
    expect(vectorMemoryOf(allocateVectors(0, 8), 8)).toBeUndefined();
    const vectors = allocateVectors(3, 8);
    expect(vectors).toHaveLength(24);
    expect([...vectors].every((value) => value === 0)).toBe(true);
    // A view of the matrix is not the matrix: it is searched by the JavaScript kernel.
    expect(vectorMemoryOf(vectors.subarray(0, 16), 8)).toBeUndefined();
    expect(() => allocateVectors(-1, 8)).toThrow(RangeError);
    expect(() => allocateVectors(2, 0)).toThrow(RangeError);
  });
});
