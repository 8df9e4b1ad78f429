/**
 * An index's vectors kept inside a WebAssembly.Memory, so that the SIMD kernel reads them where they
 * are: they are read from disk straight into it (index-store.ts), never copied per query. The
 * memory is laid out as
 *
 *   [query: dimensions float32, padded to 64 bytes][candidates: 1,024 rows, scores, bounds][vectors: rows × dimensions][norms: rows float64]
 *
 * (kernelLayout), and is never grown, so the typed-array views over it stay valid for its lifetime.
 * A search allocates nothing in it: the query and the candidates are overwritten by each.
 *
 * Sealing (sealVectors, which readIndex calls once the file is read) computes every row's L2 norm in
 * double and declares the vectors final: from then on writeRows refuses, and the search uses the
 * kernel that bounds its error with the norms instead of summing |products| (normKernelModule),
 * 6-11 % less work a row. JavaScript cannot freeze a typed array, so a direct element assignment to
 * the Float32Array is not caught: code that holds sealed vectors must not write to them (nothing in
 * rlm does; an index is replaced by loading a new one). Unsealed vectors are searched with the
 * |product| kernel, which needs no such promise.
 */
import { endianness } from 'node:os';
import { CANDIDATE_CAPACITY, createKernelMemory, instantiateKernel, instantiateNormKernel, kernelLayout, QUERY_ADDRESS, scoreErrorScale, simdFits, simdSupport } from './simd-kernel.js';
import type { KernelMemory, ScanRows, ScanRowsByNorm } from './simd-kernel.js';

const PAGE_BYTES = 65_536;
/** A 32-bit WebAssembly memory holds at most 4 GiB. */
const MAX_PAGES = 65_536;
/** WebAssembly memory is little-endian; a Float32Array over it reads it right only on a little-endian host. */
const LITTLE_ENDIAN = endianness() === 'LE';

/** Which kernel searches a matrix, and why, for logs and the benchmark. */
export interface SearchKernel {
  kernel: 'wasm-simd' | 'js';
  reason: string;
}

/** The scratch and the kernel that belong to one allocated matrix. */
export interface VectorMemory {
  readonly dimensions: number;
  readonly rowCount: number;
  /** The kernel's error bound: |float32 score − exact score| ≤ scale · bound + floor (scoreErrorScale). */
  readonly error: { scale: number; floor: number };
  /** The candidates of the last `scan` call, in row order: their rows, float32 scores and sums of |products|. */
  readonly candidateRows: Int32Array;
  readonly candidateScores: Float32Array;
  readonly candidateBounds: Float32Array;
  /** Sets the query for the following `scan` calls. */
  setQuery(query: Float32Array): void;
  /**
   * Scores rows start… below end and writes those whose upper bound is not below `cutoff` as
   * candidates; returns how many, at most `limit` (1 to CANDIDATE_CAPACITY). A scan that returns
   * `limit` stopped at its last candidate's row: the next one goes on after it.
   */
  scan(start: number, end: number, cutoff: number, limit: number): number;
  /** Whether sealVectors was called: the norms are set and the vectors must not change. */
  readonly sealed: boolean;
  /** Each row's L2 norm, computed in double when sealed and rounded up (zeros before). */
  readonly norms: Float64Array;
  /**
   * The sealed matrix's scan (normKernelModule): like `scan`, with the bound of row r being
   * `norms[r]` and `scale` the error scale times the query's norm; writes no candidate bounds.
   * Throws on unsealed vectors.
   */
  scanByNorm(start: number, end: number, cutoff: number, limit: number, scale: number): number;
}

/**
 * A norm computed in double is within d·2⁻⁵³ (relative) of the exact one; this factor makes it an
 * upper bound with room to spare, so that ‖q‖·‖x‖ ≥ Σ|qᵢxᵢ| holds for the computed numbers too.
 */
export const NORM_ROUND_UP = 1 + 2 ** -36;

/** The L2 norm of `length` values from `offset`, in double, rounded up (NORM_ROUND_UP). */
export function upperNorm(values: Float32Array, offset: number, length: number): number {
  let sum = 0;
  for (let index = offset; index < offset + length; index++) {
    const value = values[index]!;
    sum += value * value;
  }
  return Math.sqrt(sum) * NORM_ROUND_UP;
}

export { CANDIDATE_CAPACITY } from './simd-kernel.js';

const memories = new WeakMap<Float32Array, VectorMemory>();
/** Sealed vectors, the plain Float32Array ones included (they have no VectorMemory). */
const sealedVectors = new WeakSet<Float32Array>();

/**
 * A zeroed rows × dimensions matrix for the search. Where WebAssembly SIMD runs (and the matrix fits
 * in 4 GiB), it lives in its own WebAssembly.Memory with the kernel bound to it; otherwise, or with
 * `simd: false`, it is a plain Float32Array, searched by the JavaScript kernel. Either way the
 * search returns the same results.
 */
export function allocateVectors(rowCount: number, dimensions: number, options: { simd?: boolean } = {}): Float32Array {
  if (!Number.isInteger(rowCount) || rowCount < 0 || !Number.isInteger(dimensions) || dimensions < 1) {
    throw new RangeError(`allocateVectors: ${rowCount} rows of ${dimensions} dimensions is not a matrix.`);
  }
  const plain = (): Float32Array => new Float32Array(rowCount * dimensions);
  if (options.simd === false || rowCount === 0 || !LITTLE_ENDIAN || !simdFits(dimensions)) return plain();
  const layout = kernelLayout(dimensions);
  const normsAddress = layout.vectors + rowCount * dimensions * 4;
  const pages = Math.ceil((normsAddress + rowCount * 8) / PAGE_BYTES);
  if (pages > MAX_PAGES) return plain();
  let memory: KernelMemory;
  let scanRows: ScanRows;
  let scanRowsByNorm: ScanRowsByNorm;
  try {
    memory = createKernelMemory(pages);
    scanRows = instantiateKernel(dimensions, memory);
    scanRowsByNorm = instantiateNormKernel(dimensions, memory);
  } catch {
    // Out of address space or memory for another WebAssembly.Memory: the plain array still searches.
    return plain();
  }
  const { buffer } = memory;
  const vectors = new Float32Array(buffer, layout.vectors, rowCount * dimensions);
  const query = new Float32Array(buffer, QUERY_ADDRESS, dimensions);
  const norms = new Float64Array(buffer, normsAddress, rowCount);
  // The kernel trusts its arguments: rows outside the matrix or a limit past the arrays would
  // read or write other parts of the memory.
  const check = (start: number, end: number, limit: number): void => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= rowCount)) {
      throw new RangeError(`scan: rows ${start} to ${end} are not within the ${rowCount} rows.`);
    }
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= CANDIDATE_CAPACITY)) {
      throw new RangeError(`scan: limit must be 1 to ${CANDIDATE_CAPACITY}, got ${limit}.`);
    }
  };
  memories.set(vectors, {
    dimensions,
    get sealed() {
      return sealedVectors.has(vectors);
    },
    norms,
    rowCount,
    error: scoreErrorScale(dimensions),
    candidateRows: new Int32Array(buffer, layout.candidateRows, CANDIDATE_CAPACITY),
    candidateScores: new Float32Array(buffer, layout.candidateScores, CANDIDATE_CAPACITY),
    candidateBounds: new Float32Array(buffer, layout.candidateBounds, CANDIDATE_CAPACITY),
    setQuery: (values) => query.set(values),
    scan: (start, end, cutoff, limit) => {
      check(start, end, limit);
      return scanRows(start, end - start, limit, cutoff);
    },
    scanByNorm: (start, end, cutoff, limit, scale) => {
      if (!sealedVectors.has(vectors)) throw new Error('scanByNorm: the vectors are not sealed, so their norms are not set.');
      check(start, end, limit);
      return scanRowsByNorm(start, end - start, limit, cutoff, scale, normsAddress);
    },
  });
  return vectors;
}

/**
 * Declares `vectors` final: computes each row's norm (for vectors from allocateVectors) and makes
 * writeRows refuse from now on. Sealing twice does nothing more. See the file comment for what
 * sealing cannot prevent.
 */
export function sealVectors(vectors: Float32Array, dimensions: number): void {
  if (sealedVectors.has(vectors)) return;
  const memory = memories.get(vectors);
  if (memory !== undefined && memory.dimensions === dimensions) {
    const { norms, rowCount } = memory;
    for (let row = 0; row < rowCount; row++) norms[row] = upperNorm(vectors, row * dimensions, dimensions);
  }
  sealedVectors.add(vectors);
}

/** Whether sealVectors was called on `vectors`. */
export function isSealed(vectors: Float32Array): boolean {
  return sealedVectors.has(vectors);
}

/** Copies `values` into `vectors` from row `firstRow`; refused (throws) once the vectors are sealed. */
export function writeRows(vectors: Float32Array, dimensions: number, firstRow: number, values: ArrayLike<number>): void {
  if (sealedVectors.has(vectors)) throw new Error('writeRows: the vectors are sealed (their norms are computed); load a new index instead.');
  if (values.length % dimensions !== 0 || !Number.isInteger(firstRow) || firstRow < 0 || firstRow * dimensions + values.length > vectors.length) {
    throw new RangeError(`writeRows: ${values.length} values from row ${firstRow} do not fit the ${vectors.length / dimensions} rows.`);
  }
  vectors.set(values, firstRow * dimensions);
}

/** The kernel and scratch of a matrix from allocateVectors, when it is searched as that matrix. */
export function vectorMemoryOf(vectors: Float32Array, dimensions: number): VectorMemory | undefined {
  const memory = memories.get(vectors);
  return memory !== undefined && memory.dimensions === dimensions ? memory : undefined;
}

/** Which kernel `topK(query, vectors, dimensions, …)` uses, and why. */
export function searchKernel(vectors: Float32Array, dimensions: number): SearchKernel {
  if (vectorMemoryOf(vectors, dimensions) !== undefined) return { kernel: 'wasm-simd', reason: simdSupport.reason };
  if (!simdSupport.available) return { kernel: 'js', reason: simdSupport.reason };
  if (!LITTLE_ENDIAN) return { kernel: 'js', reason: 'a big-endian host cannot view WebAssembly memory as float32' };
  if (!simdFits(dimensions)) return { kernel: 'js', reason: `${dimensions} dimensions are not whole quads of float32` };
  return { kernel: 'js', reason: 'the vectors are not in WebAssembly memory (not from allocateVectors, or too large for it)' };
}
