import { describe, it, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIndex, writeIndex } from '../../src/index/index-store.js';
import { CANDIDATE_CAPACITY, createKernelMemory, instantiateNormKernel, scoreErrorScale, simdSupport } from '../../src/index/simd-kernel.js';
import { allocateVectors, isSealed, sealVectors, upperNorm, vectorMemoryOf, writeRows } from '../../src/index/vector-memory.js';
import { normalizeVector, topK } from '../../src/index/vector-search.js';
import type { ChunkRecord, LoadedIndex } from '../../src/types/retrieval.js';
import { seededRandom } from '../support/seeded-random.js';

/** The same values twice in WebAssembly memory: one matrix sealed (the norm kernel), one not (the |product| kernel). */
function pair(values: ArrayLike<number>, dimensions: number): { sealed: Float32Array; unsealed: Float32Array } {
  const sealed = allocateVectors(values.length / dimensions, dimensions);
  const unsealed = allocateVectors(values.length / dimensions, dimensions);
  sealed.set(values);
  unsealed.set(values);
  sealVectors(sealed, dimensions);
  return { sealed, unsealed };
}

/** The obvious algorithm: every row's double-precision dot product in dimension order, sorted, the first k. */
function bruteForce(query: Float32Array, vectors: Float32Array, dimensions: number, k: number, accept?: (row: number) => boolean) {
  const scored: { row: number; score: number }[] = [];
  for (let row = 0; row < vectors.length / dimensions; row++) {
    if (accept !== undefined && !accept(row)) continue;
    let score = 0;
    for (let index = 0; index < dimensions; index++) score += query[index]! * vectors[row * dimensions + index]!;
    if (!Number.isNaN(score)) scored.push({ row, score });
  }
  scored.sort((first, second) => second.score - first.score || first.row - second.row);
  return scored.slice(0, k);
}

/** Sealed and unsealed search both return the brute-force reference, rows and scores bit for bit. */
function expectBothExact(values: ArrayLike<number>, dimensions: number, queries: Float32Array[], ks: number[], accept?: (row: number) => boolean): void {
  const { sealed, unsealed } = pair(values, dimensions);
  for (const query of queries) {
    for (const k of ks) {
      const expected = bruteForce(query, sealed, dimensions, k, accept);
      expect(topK(query, sealed, dimensions, k, accept)).toEqual(expected);
      expect(topK(query, unsealed, dimensions, k, accept)).toEqual(expected);
    }
  }
}

function nextFloat32(value: number, direction: 1 | -1): number {
  const bits = new Int32Array(Float32Array.of(value).buffer);
  bits[0] = bits[0]! + (value > 0 === (direction > 0) ? 1 : -1);
  return new Float32Array(bits.buffer)[0]!;
}

const randomUnit = (random: () => number, dimensions: number) => normalizeVector(Array.from({ length: dimensions }, () => random() * 2 - 1));

describe('sealed vectors', () => {
  it('are searched with the norm kernel, which compiles for rows of 1, 2, 3 and more quads', () => {
    expect(simdSupport.available).toBe(true);
    const vectors = allocateVectors(3, 8);
    const memory = vectorMemoryOf(vectors, 8)!;
    expect(memory.sealed).toBe(false);
    sealVectors(vectors, 8);
    expect(memory.sealed).toBe(true);
    expect(isSealed(vectors)).toBe(true);
    for (const dimensions of [4, 8, 12, 16, 768]) expect(typeof instantiateNormKernel(dimensions, createKernelMemory(1))).toBe('function');
  });

  it('hold each row norm computed in double and rounded up, at least the exact norm', () => {
    const random = seededRandom(5);
    const dimensions = 24;
    const values = Array.from({ length: 50 * dimensions }, (_, index) => (random() - 0.5) * 10 ** ((index % 9) - 4));
    const { sealed } = pair(values, dimensions);
    const { norms } = vectorMemoryOf(sealed, dimensions)!;
    for (let row = 0; row < 50; row++) {
      let sum = 0;
      for (let index = 0; index < dimensions; index++) sum += sealed[row * dimensions + index]! ** 2;
      expect(norms[row]).toBeGreaterThan(Math.sqrt(sum));
      expect(norms[row]).toBeLessThan(Math.sqrt(sum) * (1 + 1e-9));
      expect(norms[row]).toBe(upperNorm(sealed, row * dimensions, dimensions));
    }
  });

  it('refuse writes through writeRows once sealed, and accept them before', () => {
    const vectors = allocateVectors(4, 8);
    writeRows(vectors, 8, 1, new Float32Array(16).fill(2));
    expect(vectors[8]).toBe(2);
    expect(vectors[23]).toBe(2);
    expect(vectors[24]).toBe(0);
    expect(() => writeRows(vectors, 8, 3, new Float32Array(16))).toThrow(RangeError);
    sealVectors(vectors, 8);
    expect(() => writeRows(vectors, 8, 0, new Float32Array(8))).toThrow(/sealed/);
    expect(vectors[0]).toBe(0);
    // A plain array (the JavaScript kernel's) is sealed too, though it has no norms to compute.
    const plain = allocateVectors(2, 3);
    sealVectors(plain, 3);
    expect(() => writeRows(plain, 3, 0, [1, 2, 3])).toThrow(/sealed/);
    // Sealing again changes nothing.
    sealVectors(vectors, 8);
    expect(isSealed(vectors)).toBe(true);
  });

  it('cannot be scanned by norm before they are sealed', () => {
    const vectors = allocateVectors(2, 8);
    expect(() => vectorMemoryOf(vectors, 8)!.scanByNorm(0, 2, Number.NEGATIVE_INFINITY, 64, 1)).toThrow(/not sealed/);
  });

  it('come sealed from readIndex', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rlm-sealed-'));
    try {
      const rows = 6;
      const dimensions = 8;
      const chunks: ChunkRecord[] = Array.from({ length: rows }, (_, row) => ({ path: `f${row}.ts`, startLine: 1, endLine: 2, sha256: '0'.repeat(64), text: `row ${row}` }));
      const vectors = Float32Array.from({ length: rows * dimensions }, (_, index) => Math.sin(index));
      const index: LoadedIndex = {
        manifest: { version: 1, name: 'sealed', root: '/p', model: 'm', dimensions, chunkCount: rows, fileCount: rows, chunkLines: 40, overlapLines: 8, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() },
        chunks,
        vectors,
      };
      await writeIndex(dataDir, index);
      const loaded = (await readIndex(dataDir, 'sealed'))!;
      expect(isSealed(loaded.vectors)).toBe(true);
      expect(vectorMemoryOf(loaded.vectors, dimensions)!.sealed).toBe(true);
      expect(() => writeRows(loaded.vectors, dimensions, 0, new Float32Array(dimensions))).toThrow(/sealed/);
      const query = normalizeVector(Array.from({ length: dimensions }, (_, index) => Math.cos(index)));
      expect(topK(query, loaded.vectors, dimensions, 3)).toEqual(bruteForce(query, vectors, dimensions, 3));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the norm kernel', () => {
  it('drops exactly the finite-score rows whose upper bound by norm is below the cutoff, as ExactSelection computes it', () => {
    const random = seededRandom(9);
    const dimensions = 16;
    const rows = 300;
    const values = Array.from({ length: rows * dimensions }, () => random() * 2 - 1);
    values[7 * dimensions] = Number.NaN;
    values[8 * dimensions + 3] = Number.POSITIVE_INFINITY;
    const { sealed } = pair(values, dimensions);
    const memory = vectorMemoryOf(sealed, dimensions)!;
    const query = Float32Array.from({ length: dimensions }, () => random() * 2 - 1);
    memory.setQuery(query);
    const scale = scoreErrorScale(dimensions).scale * upperNorm(query, 0, dimensions);
    const all = memory.scanByNorm(0, rows, Number.NEGATIVE_INFINITY, CANDIDATE_CAPACITY, scale);
    expect(all).toBe(rows);
    const scores = [...memory.candidateScores.subarray(0, rows)];
    const { floor } = memory.error;
    for (const cutoff of [-2, 0, 0.5, 1, 2, 3]) {
      const count = memory.scanByNorm(0, rows, cutoff, CANDIDATE_CAPACITY, scale);
      const expected = scores.flatMap((score, row) => (Number.isFinite(score) && score + (scale * memory.norms[row]! + floor) < cutoff ? [] : [row]));
      expect([...memory.candidateRows.subarray(0, count)]).toEqual(expected);
      expect(expected).toContain(7);
      expect(expected).toContain(8);
    }
  });

  it('keeps a row whose float32 score overflowed to −∞ although its exact score is the best', () => {
    const dimensions = 8;
    // Lane 0 sums dimensions 0 and 4 to −3.6e38 (−∞ in float32), lanes 1 and 2 add 6.6e38 after it:
    // float32 says −∞, the reference +3e38, far above every other row.
    const overflowing = [-1.8e38, 3.3e38, 3.3e38, 0, -1.8e38, 0, 0, 0];
    // Last, so that the cutoff is finite (and high) by the time the kernel reaches it.
    const values: number[] = [];
    for (let row = 0; row < 200; row++) values.push(...Array.from({ length: dimensions }, (_, index) => Math.sin(row * 13 + index)));
    values.push(...overflowing);
    const query = Float32Array.from([1, 1, 1, 0, 1, 0, 0, 0]);
    const { sealed } = pair(values, dimensions);
    const memory = vectorMemoryOf(sealed, dimensions)!;
    memory.setQuery(query);
    memory.scanByNorm(200, 201, Number.NEGATIVE_INFINITY, 1, 1);
    expect(memory.candidateScores[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isFinite(memory.norms[200]!)).toBe(true);
    // With a finite cutoff, −∞ plus any finite margin is below it: only the finiteness test keeps the row.
    expect(memory.scanByNorm(200, 201, 1, 1, 1)).toBe(1);
    expect(topK(query, sealed, dimensions, 1)[0]!.row).toBe(200);
    expectBothExact(values, dimensions, [query], [1, 2, 10, 50]);
  });
});

describe('sealed and unsealed search return the reference', () => {
  it('on random data of several sizes and k', () => {
    const random = seededRandom(42);
    for (const [rows, dimensions] of [
      [7, 4],
      [100, 8],
      [300, 12],
      [400, 24],
      [2500, 64],
      [1000, 768],
    ] as const) {
      const values: number[] = [];
      for (let row = 0; row < rows; row++) values.push(...randomUnit(random, dimensions));
      const queries = [0, 1, 2].map(() => randomUnit(random, dimensions));
      expectBothExact(values, dimensions, queries, [1, 2, 10, 99, 600, 1500, rows, rows + 5]);
      expectBothExact(values, dimensions, queries.slice(0, 1), [1, 10], (row) => row % 3 !== 1);
    }
  });

  it('on near-ties: float32 scores equal, double-precision scores one float32 step apart', () => {
    const random = seededRandom(11);
    const dimensions = 32;
    const base = normalizeVector(Array.from({ length: dimensions }, () => random() - 0.5));
    const values: number[] = [];
    for (let copy = 0; copy < 60; copy++) {
      const row = Float32Array.from(base);
      const component = copy % dimensions;
      if (copy % 3 === 1) row[component] = nextFloat32(row[component]!, +1);
      if (copy % 3 === 2) row[component] = nextFloat32(row[component]!, -1);
      values.push(...row);
    }
    for (let row = 0; row < 500; row++) values.push(...normalizeVector(Array.from({ length: dimensions }, () => random() - 0.5)));
    expectBothExact(values, dimensions, [normalizeVector(base)], [1, 5, 10, 25, 59, 60, 61, 100]);
  });

  it('on rows of wildly different magnitudes, huge and tiny, in one matrix', () => {
    const random = seededRandom(23);
    const dimensions = 16;
    const values: number[] = [];
    for (let row = 0; row < 600; row++) {
      const magnitude = 10 ** ((row % 13) * 6 - 36); // 1e-36 … 1e36
      const unit = randomUnit(random, dimensions);
      values.push(...Array.from(unit, (value) => value * magnitude));
    }
    // Near-duplicates of a huge row, whose scores differ in the last float32 bits.
    const huge = values.slice(12 * dimensions, 13 * dimensions);
    for (let copy = 0; copy < 20; copy++) {
      const row = Float32Array.from(huge);
      row[copy % dimensions] = nextFloat32(row[copy % dimensions]!, copy % 2 === 0 ? 1 : -1);
      values.push(...row);
    }
    const queries = [randomUnit(random, dimensions), Float32Array.from(huge, (value) => value * 1e-36), Float32Array.from(randomUnit(random, dimensions), (value) => value * 1e30)];
    expectBothExact(values, dimensions, queries, [1, 3, 10, 21, 40]);
  });

  it('where float32 overflows or underflows and double precision does not', () => {
    const dimensions = 8;
    const huge = [
      [3e19, 1e19, 2e19, 0, 0, 0, 0, 1],
      [1e20, -1e19, 0, 0, 0, 0, 0, 0],
      [-1e20, 0, 0, 0, 0, 0, 0, 0],
      [5e19, 5e19, 0, 0, 0, 0, 0, 0],
      [1, 1, 0, 0, 0, 0, 0, 0],
      [1e18, 0, 0, 0, 0, 0, 0, 0],
    ].flat();
    expectBothExact(huge, dimensions, [Float32Array.from([1e20, 1e20, 0, 0, 0, 0, 0, 0])], [1, 2, 3, 4]);
    const tiny = Array.from({ length: 40 * dimensions }, (_, index) => ((index * 7919) % 13) * 1e-25);
    expectBothExact(tiny, dimensions, [Float32Array.from({ length: dimensions }, (_, index) => (index + 1) * 1e-25)], [1, 3, 10]);
    // Subnormal products only: every score is a few multiples of 2⁻¹⁴⁹, or zero in float32.
    const subnormal = Array.from({ length: 30 * dimensions }, (_, index) => ((index * 31) % 7) * 2 ** -75);
    expectBothExact(subnormal, dimensions, [Float32Array.from({ length: dimensions }, (_, index) => (index % 3) * 2 ** -74)], [1, 5, 10]);
  });

  it('with NaN and infinite rows, and a NaN query', () => {
    const dimensions = 8;
    const random = seededRandom(3);
    const values: number[] = [];
    for (let row = 0; row < 300; row++) {
      const unit = Array.from(randomUnit(random, dimensions));
      if (row % 17 === 0) unit[row % dimensions] = Number.NaN;
      if (row % 23 === 0) unit[(row + 1) % dimensions] = Number.POSITIVE_INFINITY;
      if (row % 29 === 0) unit[(row + 2) % dimensions] = Number.NEGATIVE_INFINITY;
      values.push(...unit);
    }
    const queries = [randomUnit(random, dimensions), Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]), Float32Array.from([Number.NaN, 1, 0, 0, 0, 0, 0, 0])];
    expectBothExact(values, dimensions, queries, [1, 3, 10, 64, 200]);
  });

  it('on 4,000 rows of 768 dimensions with a cluster of near-duplicates, k = 10, with and without a filter', () => {
    const random = seededRandom(2025);
    const dimensions = 768;
    const values: number[] = [];
    for (let row = 0; row < 4000; row++) values.push(...randomUnit(random, dimensions));
    const centre = values.slice(0, dimensions);
    for (let row = 3000; row < 3300; row++) {
      const noisy = normalizeVector(centre.map((value) => value + (random() - 0.5) * 1e-4));
      for (let index = 0; index < dimensions; index++) values[row * dimensions + index] = noisy[index]!;
    }
    const inRanges = (row: number) => (row >= 100 && row < 1250) || (row >= 2990 && row < 3100) || row === 3999;
    const queries = [0, 1, 2, 3, 4, 5].map((trial) =>
      trial % 2 === 0 ? normalizeVector(centre.map((value) => value + (random() - 0.5) * 1e-3)) : randomUnit(random, dimensions),
    );
    expectBothExact(values, dimensions, queries, [10]);
    expectBothExact(values, dimensions, queries, [10], inRanges);
  });
});
