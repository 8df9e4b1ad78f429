/**
 * An index's vectors kept inside a WebAssembly.Memory, so that the SIMD kernel reads them where they
 * are: they are read from disk straight into it (index-store.ts), never copied per query. The
 * memory is laid out as
 *
 *   [query: dimensions float32, padded to 64 bytes][vectors: rows × dimensions][scores: rows][bounds: rows]
 *
 * and is never grown, so the Float32Array views over it stay valid for its lifetime.
 */
import { endianness } from 'node:os';
import { createKernelMemory, instantiateKernel, QUERY_ADDRESS, simdFits, simdSupport } from './simd-kernel.js';
import type { KernelMemory, ScoreRows } from './simd-kernel.js';

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
  /** The float32 scores of the last `score` call, by row. */
  readonly scores: Float32Array;
  /** The matching sums of absolute products, by row (see scoreErrorScale). */
  readonly bounds: Float32Array;
  /** Sets the query for the following `score` calls. */
  setQuery(query: Float32Array): void;
  /** Scores rows [start, end) into `scores` and `bounds`. */
  score(start: number, end: number): void;
}

const memories = new WeakMap<Float32Array, VectorMemory>();

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
  const queryBytes = Math.ceil((dimensions * 4) / 64) * 64;
  const vectorsAddress = QUERY_ADDRESS + queryBytes;
  const scoresAddress = vectorsAddress + rowCount * dimensions * 4;
  const boundsAddress = scoresAddress + rowCount * 4;
  const pages = Math.ceil((boundsAddress + rowCount * 4) / PAGE_BYTES);
  if (pages > MAX_PAGES) return plain();
  let memory: KernelMemory;
  let scoreRows: ScoreRows;
  try {
    memory = createKernelMemory(pages);
    scoreRows = instantiateKernel(dimensions, memory);
  } catch {
    // Out of address space or memory for another WebAssembly.Memory: the plain array still searches.
    return plain();
  }
  const { buffer } = memory;
  const vectors = new Float32Array(buffer, vectorsAddress, rowCount * dimensions);
  const query = new Float32Array(buffer, QUERY_ADDRESS, dimensions);
  const stride = dimensions * 4;
  memories.set(vectors, {
    dimensions,
    rowCount,
    scores: new Float32Array(buffer, scoresAddress, rowCount),
    bounds: new Float32Array(buffer, boundsAddress, rowCount),
    setQuery: (values) => query.set(values),
    score: (start, end) => scoreRows(vectorsAddress + start * stride, end - start, scoresAddress + start * 4, boundsAddress + start * 4),
  });
  return vectors;
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
