import { describe, it, expect } from 'vitest';
import { kernelModule, scoreErrorScale, simdSupport } from '../../src/index/simd-kernel.js';
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
      memory.score(0, 2);
      expect([...memory.scores]).toEqual([dimensions / 2, dimensions / 2]);
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
      memory.score(0, rows);
      for (let row = 0; row < rows; row++) {
        const { dot, absolute } = reference(query, vectors, row, dimensions);
        const score = memory.scores[row]!;
        const bound = memory.bounds[row]!;
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
    memory.score(0, rows);
    for (let row = 0; row < rows; row++) {
      const { dot } = reference(query, vectors, row, dimensions);
      expect(Math.abs(memory.scores[row]! - dot)).toBeLessThanOrEqual(scale * memory.bounds[row]! + floor);
    }
  });

  it('writes only the rows it is asked to score, at their own places', () => {
    const dimensions = 8;
    const values = Float32Array.from({ length: 10 * dimensions }, (_, index) => (index % dimensions === 0 ? Math.floor(index / dimensions) : 0));
    const { memory } = kernelOver(values, dimensions);
    memory.scores.fill(-1);
    memory.setQuery(Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    memory.score(3, 6);
    expect([...memory.scores]).toEqual([-1, -1, -1, 3, 4, 5, -1, -1, -1, -1]);
    memory.score(9, 10);
    expect(memory.scores[9]).toBe(9);
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
