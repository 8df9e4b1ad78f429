import { describe, it, expect } from 'vitest';
import { allocateVectors, searchKernel } from '../../src/index/vector-memory.js';
import { normalizeVector, searchIndex, topK } from '../../src/index/vector-search.js';
import type { ChunkRecord, LoadedIndex } from '../../src/types/retrieval.js';
import { seededRandom } from '../support/seeded-random.js';

type Kernel = 'wasm-simd' | 'js';

/** The matrix in the storage that selects `kernel`: WebAssembly memory, or a plain Float32Array. */
function matrix(kernel: Kernel, values: ArrayLike<number>, dimensions: number): Float32Array {
  const vectors = allocateVectors(values.length / dimensions, dimensions, { simd: kernel === 'wasm-simd' });
  vectors.set(values);
  return vectors;
}

function randomVectors(random: () => number, rows: number, dimensions: number, kernel: Kernel = 'js'): Float32Array {
  const vectors = matrix(kernel, new Float32Array(rows * dimensions), dimensions);
  for (let row = 0; row < rows; row++) {
    const raw = Array.from({ length: dimensions }, () => random() * 2 - 1);
    vectors.set(normalizeVector(raw), row * dimensions);
  }
  return vectors;
}

/** The obvious algorithm: score every row, sort everything, keep the first k. */
function bruteForce(query: Float32Array, vectors: Float32Array, dimensions: number, k: number, accept?: (row: number) => boolean) {
  const scored: { row: number; score: number }[] = [];
  for (let row = 0; row < vectors.length / dimensions; row++) {
    if (accept !== undefined && !accept(row)) continue;
    let score = 0;
    for (let index = 0; index < dimensions; index++) score += query[index]! * vectors[row * dimensions + index]!;
    scored.push({ row, score });
  }
  scored.sort((first, second) => second.score - first.score || first.row - second.row);
  return scored.slice(0, k);
}

/** Rows and scores alike: the search sums each row in dimension order, as the naive loop does, so scores are bit-equal. */
function expectSameRanking(actual: { row: number; score: number }[], expected: { row: number; score: number }[]): void {
  expect(actual).toEqual(expected);
}

/** The float32 next to `value` towards +∞ (direction 1) or −∞ (direction −1); `value` is finite and not zero. */
function nextFloat32(value: number, direction: 1 | -1): number {
  const bits = new Int32Array(Float32Array.of(value).buffer);
  bits[0] = bits[0]! + (value > 0 === (direction > 0) ? 1 : -1);
  return new Float32Array(bits.buffer)[0]!;
}

describe('normalizeVector', () => {
  it('scales to unit length into a new Float32Array', () => {
    const input = [3, 4];
    const normalized = normalizeVector(input);
    expect(normalized).toBeInstanceOf(Float32Array);
    expect([...normalized]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(input).toEqual([3, 4]);
  });

  it('keeps a zero vector zero (no NaN)', () => {
    expect([...normalizeVector([0, 0, 0])]).toEqual([0, 0, 0]);
    expect(normalizeVector([])).toHaveLength(0);
  });

  it('gives unit norm for random vectors of any length, from a Float32Array too', () => {
    const random = seededRandom(7);
    for (const dimensions of [1, 5, 768]) {
      const raw = Float32Array.from({ length: dimensions }, () => (random() - 0.5) * 100);
      const normalized = normalizeVector(raw);
      const norm = Math.sqrt(normalized.reduce((sum, value) => sum + value * value, 0));
      expect(norm).toBeCloseTo(1, 6);
      expect(Math.sign(normalized[0]!)).toBe(Math.sign(raw[0]!));
    }
  });
});

describe.each(['wasm-simd', 'js'] as const)('topK with the %s kernel', (kernel) => {
  const vectorsOf = (values: ArrayLike<number>, dimensions: number) => matrix(kernel, values, dimensions);

  it('matches a brute-force sort on random data of several sizes and k', () => {
    const random = seededRandom(42);
    for (const [rows, dimensions] of [
      [1, 1],
      [7, 3],
      [100, 8],
      [1000, 17],
      [2500, 64],
      [300, 4],
      [300, 12],
      [400, 24],
      [1000, 768],
    ] as const) {
      const vectors = randomVectors(random, rows, dimensions, kernel);
      for (let trial = 0; trial < 3; trial++) {
        const query = normalizeVector(Array.from({ length: dimensions }, () => random() * 2 - 1));
        // 600 and 1500 over 2,500 rows: a scan limit of 1,024 candidates, and k above it.
        for (const k of [1, 2, 10, 99, 600, 1500, rows, rows + 5]) {
          expectSameRanking(topK(query, vectors, dimensions, k), bruteForce(query, vectors, dimensions, k));
        }
      }
    }
  });

  it('returns every row, best first, when k exceeds the row count; nothing for k = 0 or no rows', () => {
    const vectors = vectorsOf([1, 0, 0, 1, 0.6, 0.8], 2);
    const query = Float32Array.from([1, 0]);
    expect(topK(query, vectors, 2, 50).map((hit) => hit.row)).toEqual([0, 2, 1]);
    expect(topK(query, vectors, 2, 0)).toEqual([]);
    expect(topK(query, vectorsOf([], 2), 2, 3)).toEqual([]);
  });

  it('breaks ties by the lower row, inside the result and at the k-th place', () => {
    // Rows 1, 3, 4 and 6 are identical, so their scores are bit-identical.
    const dimensions = 4;
    const same = [0.5, 0.5, 0.5, 0.5];
    const other = [0.5, -0.5, 0.5, -0.5];
    const vectors = vectorsOf([other, same, other, same, same, other, same].flat(), dimensions);
    const query = Float32Array.from(same);
    expect(topK(query, vectors, dimensions, 2).map((hit) => hit.row)).toEqual([1, 3]);
    expect(topK(query, vectors, dimensions, 5).map((hit) => hit.row)).toEqual([1, 3, 4, 6, 0]);
    expect(topK(query, vectors, dimensions, 10).map((hit) => hit.row)).toEqual([1, 3, 4, 6, 0, 2, 5]);
    const allEqual = vectorsOf(new Float32Array(9 * dimensions).fill(0.5), dimensions);
    expect(topK(query, allEqual, dimensions, 4).map((hit) => hit.row)).toEqual([0, 1, 2, 3]);
  });

  it('scores only the rows `accept` lets through', () => {
    const random = seededRandom(3);
    const dimensions = 12;
    const vectors = randomVectors(random, 500, dimensions, kernel);
    const query = normalizeVector(Array.from({ length: dimensions }, () => random() - 0.5));
    const accept = (row: number) => row % 3 === 0;
    const hits = topK(query, vectors, dimensions, 20, accept);
    expect(hits.every((hit) => hit.row % 3 === 0)).toBe(true);
    expectSameRanking(hits, bruteForce(query, vectors, dimensions, 20, accept));
    expect(topK(query, vectors, dimensions, 5, () => false)).toEqual([]);
  });

  it('never returns a row whose score is NaN', () => {
    const vectors = vectorsOf([Number.NaN, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0], 4);
    expect(topK(Float32Array.from([1, 0, 0, 0]), vectors, 4, 3).map((hit) => hit.row)).toEqual([1, 2]);
    expect(topK(Float32Array.from([1, 0, 0, 0]), vectors, 4, 1).map((hit) => hit.row)).toEqual([1]);
  });

  it('runs the kernel it is named after', () => {
    expect(searchKernel(vectorsOf(new Float32Array(768 * 3), 768), 768).kernel).toBe(kernel);
    expect(searchKernel(vectorsOf(new Float32Array(4 * 3), 4), 4).kernel).toBe(kernel);
    // Rows that are not whole quads of float32 always take the JavaScript kernel, and say why.
    expect(searchKernel(vectorsOf(new Float32Array(3 * 3), 3), 3)).toEqual({ kernel: 'js', reason: '3 dimensions are not whole quads of float32' });
  });

  it('orders rows whose float32 scores tie but whose double-precision scores differ, as the reference does', () => {
    const random = seededRandom(11);
    const dimensions = 32;
    const base = normalizeVector(Array.from({ length: dimensions }, () => random() - 0.5));
    const query = normalizeVector(base);
    const values: number[] = [];
    // 60 copies of the best row, some exact, some one float32 step up or down in one component: their
    // scores differ by about 1e-9, below float32's resolution near 1, and some are bit-equal ties.
    for (let copy = 0; copy < 60; copy++) {
      const row = Float32Array.from(base);
      const component = copy % dimensions;
      if (copy % 3 === 1) row[component] = nextFloat32(row[component]!, +1);
      if (copy % 3 === 2) row[component] = nextFloat32(row[component]!, -1);
      values.push(...row);
    }
    for (let row = 0; row < 500; row++) values.push(...normalizeVector(Array.from({ length: dimensions }, () => random() - 0.5)));
    const vectors = vectorsOf(values, dimensions);
    for (const k of [1, 5, 10, 25, 59, 60, 61, 100]) {
      expectSameRanking(topK(query, vectors, dimensions, k), bruteForce(query, vectors, dimensions, k));
    }
  });

  it('matches the reference where float32 overflows or underflows and double precision does not', () => {
    const dimensions = 8;
    // Products past 3.4e38 are infinite in float32: these rows score +∞, NaN (+∞ − ∞), −∞, +∞, and two finite values.
    const huge = [
      [3e19, 1e19, 2e19, 0, 0, 0, 0, 1],
      [1e20, -1e19, 0, 0, 0, 0, 0, 0],
      [-1e20, 0, 0, 0, 0, 0, 0, 0],
      [5e19, 5e19, 0, 0, 0, 0, 0, 0],
      [1, 1, 0, 0, 0, 0, 0, 0],
      [1e18, 0, 0, 0, 0, 0, 0, 0],
    ].flat();
    const hugeQuery = Float32Array.from([1e20, 1e20, 0, 0, 0, 0, 0, 0]);
    const hugeVectors = vectorsOf(huge, dimensions);
    for (const k of [1, 2, 3, 4]) expectSameRanking(topK(hugeQuery, hugeVectors, dimensions, k), bruteForce(hugeQuery, hugeVectors, dimensions, k));
    expect(topK(hugeQuery, hugeVectors, dimensions, 3).map((hit) => hit.row)).toEqual([3, 1, 0]);
    // Products near 1e-50 are zero in float32 (its subnormals end near 1e-45) but not in double.
    const tiny = Array.from({ length: 40 * dimensions }, (_, index) => ((index * 7919) % 13) * 1e-25);
    const tinyQuery = Float32Array.from({ length: dimensions }, (_, index) => (index + 1) * 1e-25);
    const tinyVectors = vectorsOf(tiny, dimensions);
    for (const k of [1, 3, 10]) expectSameRanking(topK(tinyQuery, tinyVectors, dimensions, k), bruteForce(tinyQuery, tinyVectors, dimensions, k));
    // A row holding infinity scores NaN or ±infinity exactly as the reference does.
    const infinite = vectorsOf([Infinity, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, -Infinity, 1, 0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0], dimensions);
    const unit = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]);
    for (const k of [1, 2, 3]) expectSameRanking(topK(unit, infinite, dimensions, k), bruteForce(unit, infinite, dimensions, k));
  });

  it('matches the reference on 4,000 rows of 768 dimensions over many queries, k = 10, with and without a filter', () => {
    const random = seededRandom(2025);
    const dimensions = 768;
    const vectors = randomVectors(random, 4000, dimensions, kernel);
    // Clustered rows too: a real index holds near-duplicate chunks whose scores crowd together.
    const centre = vectors.slice(0, dimensions);
    for (let row = 3000; row < 3300; row++) {
      const noisy = Array.from(centre, (value) => value + (random() - 0.5) * 1e-4);
      vectors.set(normalizeVector(noisy), row * dimensions);
    }
    const inRanges = (row: number) => (row >= 100 && row < 1250) || (row >= 2990 && row < 3100) || row === 3999;
    for (let trial = 0; trial < 12; trial++) {
      const query = trial % 3 === 0 ? normalizeVector(Array.from(centre, (value) => value + (random() - 0.5) * 1e-3)) : normalizeVector(Array.from({ length: dimensions }, () => random() - 0.5));
      expectSameRanking(topK(query, vectors, dimensions, 10), bruteForce(query, vectors, dimensions, 10));
      expectSameRanking(topK(query, vectors, dimensions, 10, inRanges), bruteForce(query, vectors, dimensions, 10, inRanges));
    }
  });

  it('throws RangeError on a dimension mismatch, a ragged matrix, or a bad k', () => {
    const vectors = vectorsOf(new Float32Array(12), 4);
    expect(() => topK(new Float32Array(3), vectors, 4, 1)).toThrow(RangeError);
    expect(() => topK(new Float32Array(5), vectors, 5, 1)).toThrow(/whole number/);
    expect(() => topK(new Float32Array(0), vectors, 0, 1)).toThrow(RangeError);
    expect(() => topK(new Float32Array(4), vectors, 4, -1)).toThrow(RangeError);
    expect(() => topK(new Float32Array(4), vectors, 4, 1.5)).toThrow(RangeError);
  });
});

describe('searchIndex', () => {
  function makeIndex(paths: string[], rows: number[][]): LoadedIndex {
    const dimensions = rows[0]!.length;
    const chunks: ChunkRecord[] = paths.map((path, row) => ({ path, startLine: row + 1, endLine: row + 2, sha256: `hash${row}`, text: `text ${row}` }));
    const vectors = new Float32Array(rows.length * dimensions);
    rows.forEach((row, position) => vectors.set(normalizeVector(row), position * dimensions));
    const manifest = {
      version: 1 as const,
      name: 'test',
      root: '/project',
      model: 'embed',
      dimensions,
      chunkCount: rows.length,
      fileCount: new Set(paths).size,
      chunkLines: 40,
      overlapLines: 5,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    return { manifest, chunks, vectors };
  }

  const index = makeIndex(
    ['src/a.ts', 'src/b.ts', 'test/a.test.ts', 'src/index/c.ts'],
    [
      [1, 0, 0],
      [0.9, 0.1, 0],
      [1, 0.05, 0],
      [0, 1, 0],
    ],
  );

  it('normalises the query and maps rows to hits, best first', () => {
    const hits = searchIndex(index, [10, 0, 0], { k: 2 });
    expect(hits.map((hit) => hit.path)).toEqual(['src/a.ts', 'test/a.test.ts']);
    expect(hits[0]).toEqual({ path: 'src/a.ts', startLine: 1, endLine: 2, score: 1, text: 'text 0' });
    expect(hits[1]!.score).toBeGreaterThan(0.99);
    expect(hits[1]!.score).toBeLessThanOrEqual(1);
  });

  it('keeps only chunks under pathPrefix', () => {
    expect(searchIndex(index, [1, 0, 0], { k: 10, pathPrefix: 'src/' }).map((hit) => hit.path)).toEqual(['src/a.ts', 'src/b.ts', 'src/index/c.ts']);
    expect(searchIndex(index, [1, 0, 0], { k: 1, pathPrefix: 'test/' }).map((hit) => hit.path)).toEqual(['test/a.test.ts']);
    expect(searchIndex(index, [1, 0, 0], { k: 3, pathPrefix: 'docs/' })).toEqual([]);
    expect(searchIndex(index, [1, 0, 0], { k: 10, pathPrefix: '' })).toHaveLength(4);
  });

  it('rejects a query from a model with other dimensions, and an inconsistent index', () => {
    expect(() => searchIndex(index, [1, 0], { k: 1 })).toThrow(RangeError);
    expect(() => searchIndex({ ...index, chunks: index.chunks.slice(1) }, [1, 0, 0], { k: 1 })).toThrow(/3 chunks/);
  });
});
