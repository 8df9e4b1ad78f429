/**
 * The search's inner loop as a WebAssembly SIMD module, written by wasm-encoder.ts when first needed
 * and specialised to the vectors' dimensions (so row strides, the loop bound, the error bound's
 * constants and the memory layout are constants).
 *
 * For each row it computes, in float32, the dot product with the query and the sum of the absolute
 * products. The second number bounds the first one's rounding error (see `scoreErrorScale`), which
 * is what lets the caller return exactly what a double-precision scan would (top-k.ts). A row whose
 * upper bound `score + scale·bound + floor` (in double precision, as top-k.ts computes it) is below
 * the caller's cutoff cannot be in the top k and is dropped inside the kernel; the others, a few
 * hundred of 100,000 once the cutoff has risen, are written to the candidate arrays, and the call
 * returns when `limit` of them are written, so the caller can raise the cutoff and go on.
 * Sealed vectors, whose row norms are known and fixed, use normKernelModule instead, which bounds
 * the error by the norms and computes the dot product alone.
 *
 * The module for 768 dimensions, in the text format (the unroll is 4 quads when the quads divide by
 * 4, else 2 or 1; quad u adds into accumulator pair u mod 2; ROWS, SCORES, BOUNDS and VECTORS are
 * the addresses of kernelLayout):
 *
 *   (module
 *     (import "env" "memory" (memory 1))            ;; the query at address 0, see kernelLayout
 *     (func (export "scan") (param $first i32) (param $rows i32) (param $limit i32) (param $cutoff f64)
 *                           (result i32)            ;; the number of candidates written
 *       (local $at i32) (local $address i32) (local $rowAddress i32) (local $slot i32) (local $row i32)
 *       (local $score f32) (local $bound f32) (local $product v128) (local $mask v128)
 *       (local $dot0 v128) (local $dot1 v128) (local $abs0 v128) (local $abs1 v128)
 *       (local.set $mask (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
 *       (local.set $limit (i32.mul (local.get $limit) (i32.const 4)))   ;; in bytes, as $slot
 *       (local.set $rowAddress (i32.add (i32.mul (local.get $first) (i32.const 3072)) (i32.const VECTORS)))
 *       (local.set $row (local.get $first))
 *       block $done
 *         loop $next_row
 *           (br_if $done (i32.eqz (local.get $rows)))
 *           ;; $dot0, $dot1, $abs0, $abs1 = 0; $at = 0
 *           loop $next_quads
 *             (local.set $address (i32.add (local.get $rowAddress) (local.get $at)))
 *             ;; for u = 0…3, offset 16u, pair p = u mod 2:
 *             (local.set $product (f32x4.mul (v128.load offset=16u (local.get $at))
 *                                            (v128.load offset=16u (local.get $address))))
 *             (local.set $dot_p (f32x4.add (local.get $dot_p) (local.get $product)))
 *             (local.set $abs_p (f32x4.add (local.get $abs_p) (v128.and (local.get $product) (local.get $mask))))
 *             (br_if $next_quads (i32.ne (local.tee $at (i32.add (local.get $at) (i32.const 64)))
 *                                        (i32.const 3072)))
 *           end
 *           ;; $score: the lanes of $dot0 + $dot1 summed as (l0 + l1) + (l2 + l3); $bound the same for $abs
 *           block $dropped
 *             (br_if $dropped (f64.lt (f64.add (f64.promote_f32 (local.get $score))
 *                                              (f64.add (f64.mul (f64.const SCALE) (f64.promote_f32 (local.get $bound)))
 *                                                       (f64.const FLOOR)))
 *                                     (local.get $cutoff)))
 *             (i32.store offset=ROWS (local.get $slot) (local.get $row))
 *             (f32.store offset=SCORES (local.get $slot) (local.get $score))
 *             (f32.store offset=BOUNDS (local.get $slot) (local.get $bound))
 *             (br_if $done (i32.eq (local.tee $slot (i32.add (local.get $slot) (i32.const 4))) (local.get $limit)))
 *           end
 *           ;; $rowAddress += 3072, $row += 1, $rows -= 1
 *           br $next_row
 *         end
 *       end
 *       (i32.shr_u (local.get $slot) (i32.const 2))))
 *
 * Measured on an AMD EPYC (Zen 4) under V8 11.3, where the loop is as much bound by instructions as
 * by memory: one row at a time, front to back, keeps the reads one sequential stream; scoring two or
 * four rows per pass (one query load for several rows, the JavaScript kernel's trick) ran 2-3×
 * slower, as interleaved 3 KB streams defeat the hardware prefetcher. `f32x4.abs` costs V8 three
 * instructions (it rebuilds the mask each time), `v128.and` with the mask in a local one. The
 * cutoff test costs a few instructions a row, against the 100,000-row loop in JavaScript it replaced
 * (0.3-0.4 ms a query) and the 800 KB of scores and bounds it no longer writes.
 */
import { functionBody, functionExport, functionType, instruction as op, memoryImport, MODULE_HEADER, section, SECTION, unsigned, VALUE_TYPE, vector } from './wasm-encoder.js';
import type { Bytes } from './wasm-encoder.js';

/**
 * The part of the WebAssembly JavaScript API used here. TypeScript declares it in lib.dom, which
 * this project leaves out, and @types/node does not.
 */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => KernelMemory;
}

export interface KernelMemory {
  readonly buffer: ArrayBuffer;
}

const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/**
 * `scan(firstRow, rowCount, limit, cutoff)`: scores rows firstRow… in order, writes each one whose
 * upper bound is not below `cutoff` to the candidate arrays, and returns how many it wrote: `limit`
 * when it stopped early, just after the last candidate's row.
 */
export type ScanRows = (firstRow: number, rowCount: number, limit: number, cutoff: number) => number;

/**
 * `scan(firstRow, rowCount, limit, cutoff, scale, norms)`: the kernel for sealed vectors
 * (normKernelModule). It computes the dot product alone and bounds its error with the row's L2 norm,
 * a float64 at `norms + 8·row`: a row is written as a candidate unless its score is finite and
 * `score + (scale·norm + floor)` is below `cutoff`, with `scale` = scoreErrorScale's scale times the
 * query's norm.
 */
export type ScanRowsByNorm = (firstRow: number, rowCount: number, limit: number, cutoff: number, scale: number, norms: number) => number;

/** Where the kernel expects the query: the start of memory. */
export const QUERY_ADDRESS = 0;

/** Candidates one scan call can write: a call returns to JavaScript at least every this many. */
export const CANDIDATE_CAPACITY = 1024;

/**
 * Where the kernel for `dimensions` finds its data, in bytes: the query at 0 (padded to 64 bytes),
 * then the candidate rows (int32), scores and bounds (float32), CANDIDATE_CAPACITY each, then the
 * vectors, row after row, 64-byte aligned.
 */
export function kernelLayout(dimensions: number): { candidateRows: number; candidateScores: number; candidateBounds: number; vectors: number } {
  const candidateRows = QUERY_ADDRESS + Math.ceil((dimensions * 4) / 64) * 64;
  const candidateScores = candidateRows + CANDIDATE_CAPACITY * 4;
  const candidateBounds = candidateScores + CANDIDATE_CAPACITY * 4;
  return { candidateRows, candidateScores, candidateBounds, vectors: candidateBounds + CANDIDATE_CAPACITY * 4 };
}

/**
 * Two pairs of (dot, |product|) accumulators: with four, V8 ran out of the 15 XMM registers it
 * allocates and spilled one to the stack on every pass.
 */
const ACCUMULATOR_PAIRS = 2;
/** Every bit but the sign: `v128.and` with it is |x| for four float32 lanes. */
const ABSOLUTE_MASK: Bytes = [0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f];

/** Whether this runtime runs WebAssembly SIMD, and if not, why, for the logs. */
export const simdSupport: { available: boolean; reason: string } = detectSimd();

const modules = new Map<string, object>();

/** The kernel needs whole quads of float32: other dimension counts use the JavaScript kernel. */
export function simdFits(dimensions: number): boolean {
  return simdSupport.available && Number.isInteger(dimensions) && dimensions >= 4 && dimensions % 4 === 0;
}

/** A fixed-size memory of `pages` 64 KiB pages for instantiateKernel. Throws where there is no WebAssembly, or no room. */
export function createKernelMemory(pages: number): KernelMemory {
  if (webAssembly === undefined) throw new Error('this runtime has no WebAssembly');
  return new webAssembly.Memory({ initial: pages, maximum: pages });
}

/** The kernel for `dimensions`, bound to `memory` (compiled once per dimension count). */
export function instantiateKernel(dimensions: number, memory: KernelMemory): ScanRows {
  return instantiate(`products ${dimensions}`, () => kernelModule(dimensions), memory) as ScanRows;
}

/** The norm-bounded kernel for `dimensions` (normKernelModule), bound to `memory`. */
export function instantiateNormKernel(dimensions: number, memory: KernelMemory): ScanRowsByNorm {
  return instantiate(`norms ${dimensions}`, () => normKernelModule(dimensions), memory) as ScanRowsByNorm;
}

function instantiate(key: string, build: () => Bytes, memory: KernelMemory): unknown {
  if (webAssembly === undefined) throw new Error('this runtime has no WebAssembly');
  let module = modules.get(key);
  if (module === undefined) {
    module = new webAssembly.Module(new Uint8Array(build()));
    modules.set(key, module);
  }
  const instance = new webAssembly.Instance(module, { env: { memory } });
  return instance.exports.scan;
}

/**
 * The error bound of the kernel's scores: with `bound` the kernel's sum of absolute products of a
 * row, the kernel's float32 score and the double-precision score summed in dimension order (what
 * the JavaScript kernel returns) differ by at most `scale * bound + floor`.
 *
 * Higham's bound for a sum of products evaluated in any order with at most m roundings on the way
 * of each term: |computed − exact| ≤ γ(m)·Σ|xᵢyᵢ|, γ(m) = m·u / (1 − m·u). The kernel rounds each
 * term once for its product, at most d/4 times in its lane's accumulator and 3 times combining
 * accumulators and lanes, so m ≤ d + 8 with u = 2⁻²⁴; the double sum has m ≤ d with u = 2⁻⁵³. The
 * kernel's own sum of absolute values is low by at most the same factor, hence the division by
 * (1 − γ). The floor covers products that underflow into float32's subnormals (each off by at most
 * 2⁻¹⁵⁰), and the 1 % margin covers the doubles the caller computes the bounds in.
 */
export function scoreErrorScale(dimensions: number): { scale: number; floor: number } {
  const single = gamma(dimensions + 8, 2 ** -24);
  const double = gamma(dimensions, 2 ** -53);
  return { scale: (1.01 * (single + double)) / (1 - single), floor: (dimensions + 8) * 2 ** -149 };
}

function gamma(roundings: number, unitRoundoff: number): number {
  const product = roundings * unitRoundoff;
  return product < 0.5 ? product / (1 - product) : Number.POSITIVE_INFINITY;
}

/** How many quads one pass of the inner loop handles: as many as divide the row, up to 4. */
function unrollFor(quads: number): number {
  return quads % 4 === 0 ? 4 : quads % 2 === 0 ? 2 : 1;
}

export function kernelModule(dimensions: number): Bytes {
  const { i32, f32, f64, v128 } = VALUE_TYPE;
  const stride = dimensions * 4;
  const unroll = unrollFor(dimensions / 4);
  const pairs = Math.min(ACCUMULATOR_PAIRS, unroll);
  const layout = kernelLayout(dimensions);
  const { scale, floor } = scoreErrorScale(dimensions);
  // Parameters, then locals, in index order.
  const [first, rows, limit, cutoff, at, address, rowAddress, slot, row, score, bound, product, mask] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const dot = (pair: number) => 13 + pair;
  const abs = (pair: number) => 13 + pairs + pair;
  const zero = op.v128Const(new Array<number>(16).fill(0));
  // (l0 + l1) + (l2 + l3) of a sum of accumulators, left on the stack.
  const laneSum = (local: number): Bytes[] => [
    op.localGet(local), op.f32x4ExtractLane(0), op.localGet(local), op.f32x4ExtractLane(1), op.f32Add(),
    op.localGet(local), op.f32x4ExtractLane(2), op.localGet(local), op.f32x4ExtractLane(3), op.f32Add(),
    op.f32Add(),
  ];
  const body: Bytes[] = [op.v128Const(ABSOLUTE_MASK), op.localSet(mask)];
  body.push(op.localGet(limit), op.i32Const(4), op.i32Mul(), op.localSet(limit));
  body.push(op.localGet(first), op.i32Const(stride), op.i32Mul(), op.i32Const(layout.vectors), op.i32Add(), op.localSet(rowAddress));
  body.push(op.localGet(first), op.localSet(row));
  body.push(op.block(), op.loop(), op.localGet(rows), op.i32Eqz(), op.brIf(1));
  for (let pair = 0; pair < pairs; pair++) body.push(zero, op.localSet(dot(pair)), zero, op.localSet(abs(pair)));
  body.push(op.i32Const(0), op.localSet(at), op.loop());
  body.push(op.localGet(rowAddress), op.localGet(at), op.i32Add(), op.localSet(address));
  for (let quad = 0; quad < unroll; quad++) {
    const pair = quad % pairs;
    body.push(op.localGet(at), op.v128Load(QUERY_ADDRESS + 16 * quad), op.localGet(address), op.v128Load(16 * quad), op.f32x4Mul(), op.localTee(product));
    body.push(op.localGet(dot(pair)), op.f32x4Add(), op.localSet(dot(pair)));
    body.push(op.localGet(product), op.localGet(mask), op.v128And(), op.localGet(abs(pair)), op.f32x4Add(), op.localSet(abs(pair)));
  }
  body.push(op.localGet(at), op.i32Const(16 * unroll), op.i32Add(), op.localTee(at), op.i32Const(stride), op.i32Ne(), op.brIf(0), op.end());
  if (pairs === 2) {
    body.push(op.localGet(dot(0)), op.localGet(dot(1)), op.f32x4Add(), op.localSet(dot(0)));
    body.push(op.localGet(abs(0)), op.localGet(abs(1)), op.f32x4Add(), op.localSet(abs(0)));
  }
  body.push(...laneSum(dot(0)), op.localSet(score), ...laneSum(abs(0)), op.localSet(bound));
  // The same double-precision test as ExactSelection.consider, so the kernel drops only rows it would drop.
  body.push(op.block());
  body.push(op.localGet(score), op.f64PromoteF32(), op.f64Const(scale), op.localGet(bound), op.f64PromoteF32(), op.f64Mul(), op.f64Const(floor), op.f64Add(), op.f64Add());
  body.push(op.localGet(cutoff), op.f64Lt(), op.brIf(0));
  body.push(op.localGet(slot), op.localGet(row), op.i32Store(layout.candidateRows));
  body.push(op.localGet(slot), op.localGet(score), op.f32Store(layout.candidateScores));
  body.push(op.localGet(slot), op.localGet(bound), op.f32Store(layout.candidateBounds));
  body.push(op.localGet(slot), op.i32Const(4), op.i32Add(), op.localTee(slot), op.localGet(limit), op.i32Eq(), op.brIf(2));
  body.push(op.end());
  body.push(op.localGet(rowAddress), op.i32Const(stride), op.i32Add(), op.localSet(rowAddress));
  body.push(op.localGet(row), op.i32Const(1), op.i32Add(), op.localSet(row));
  body.push(op.localGet(rows), op.i32Const(1), op.i32Sub(), op.localSet(rows));
  body.push(op.br(0), op.end(), op.end());
  body.push(op.localGet(slot), op.i32Const(2), op.i32ShrU());
  return [
    ...MODULE_HEADER,
    ...section(SECTION.type, vector([functionType([i32, i32, i32, f64], [i32])])),
    ...section(SECTION.import, vector([memoryImport('env', 'memory', 1)])),
    ...section(SECTION.function, vector([unsigned(0)])),
    ...section(SECTION.export, vector([functionExport('scan', 0)])),
    ...section(SECTION.code, vector([functionBody([[5, i32], [2, f32], [2 + 2 * pairs, v128]], body)])),
  ];
}

/**
 * The kernel for sealed vectors: kernelModule without the sum of absolute products, whose work it
 * saves (the `v128.and` and `f32x4.add` per quad). By Cauchy-Schwarz Σ|qᵢxᵢ| ≤ ‖q‖·‖x‖, so
 * scoreErrorScale's bound holds with the norms in place of the sum: the row norms are computed in
 * double once, when the vectors are sealed (vector-memory.ts), and the query's per search. A norm is
 * only an upper bound on Σ|qᵢxᵢ| while the row is unchanged, which is what sealing guarantees.
 *
 * A float32 score that is not finite (an overflow on the way, or a NaN) says nothing about the exact
 * score, whatever the norm: such a row is always written, and the caller rescores it.
 *
 *   ;; after the dot-product loop of kernelModule ($score as there):
 *   block $dropped
 *     (br_if $dropped (i32.and
 *       (f64.lt (f64.add (f64.promote_f32 (local.get $score))
 *                        (f64.add (f64.mul (local.get $scale) (f64.load (local.get $normAddress)))
 *                                 (f64.const FLOOR)))
 *               (local.get $cutoff))
 *       (f64.lt (f64.abs (f64.promote_f32 (local.get $score))) (f64.const inf))))
 *     ;; rows and scores stored as in kernelModule (the bounds array is left alone)
 *   end
 *   ;; $normAddress += 8
 */
export function normKernelModule(dimensions: number): Bytes {
  const { i32, f32, f64, v128 } = VALUE_TYPE;
  const stride = dimensions * 4;
  const unroll = unrollFor(dimensions / 4);
  const accumulators = Math.min(NORM_ACCUMULATORS, unroll);
  const layout = kernelLayout(dimensions);
  const { floor } = scoreErrorScale(dimensions);
  // Parameters, then locals, in index order; the norms parameter is advanced row by row.
  const [first, rows, limit, cutoff, scale, normAddress, at, address, rowAddress, slot, row, score] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const dot = (accumulator: number) => 12 + accumulator;
  const zero = op.v128Const(new Array<number>(16).fill(0));
  const laneSum = (local: number): Bytes[] => [
    op.localGet(local), op.f32x4ExtractLane(0), op.localGet(local), op.f32x4ExtractLane(1), op.f32Add(),
    op.localGet(local), op.f32x4ExtractLane(2), op.localGet(local), op.f32x4ExtractLane(3), op.f32Add(),
    op.f32Add(),
  ];
  const body: Bytes[] = [];
  body.push(op.localGet(limit), op.i32Const(4), op.i32Mul(), op.localSet(limit));
  body.push(op.localGet(first), op.i32Const(stride), op.i32Mul(), op.i32Const(layout.vectors), op.i32Add(), op.localSet(rowAddress));
  body.push(op.localGet(normAddress), op.localGet(first), op.i32Const(8), op.i32Mul(), op.i32Add(), op.localSet(normAddress));
  body.push(op.localGet(first), op.localSet(row));
  body.push(op.block(), op.loop(), op.localGet(rows), op.i32Eqz(), op.brIf(1));
  for (let accumulator = 0; accumulator < accumulators; accumulator++) body.push(zero, op.localSet(dot(accumulator)));
  body.push(op.i32Const(0), op.localSet(at), op.loop());
  body.push(op.localGet(rowAddress), op.localGet(at), op.i32Add(), op.localSet(address));
  for (let quad = 0; quad < unroll; quad++) {
    const accumulator = quad % accumulators;
    body.push(op.localGet(at), op.v128Load(QUERY_ADDRESS + 16 * quad), op.localGet(address), op.v128Load(16 * quad), op.f32x4Mul());
    body.push(op.localGet(dot(accumulator)), op.f32x4Add(), op.localSet(dot(accumulator)));
  }
  body.push(op.localGet(at), op.i32Const(16 * unroll), op.i32Add(), op.localTee(at), op.i32Const(stride), op.i32Ne(), op.brIf(0), op.end());
  if (accumulators === 4) {
    body.push(op.localGet(dot(0)), op.localGet(dot(1)), op.f32x4Add(), op.localSet(dot(0)));
    body.push(op.localGet(dot(2)), op.localGet(dot(3)), op.f32x4Add(), op.localSet(dot(2)));
    body.push(op.localGet(dot(0)), op.localGet(dot(2)), op.f32x4Add(), op.localSet(dot(0)));
  } else if (accumulators === 2) {
    body.push(op.localGet(dot(0)), op.localGet(dot(1)), op.f32x4Add(), op.localSet(dot(0)));
  }
  body.push(...laneSum(dot(0)), op.localSet(score));
  body.push(op.block());
  body.push(op.localGet(score), op.f64PromoteF32(), op.localGet(scale), op.localGet(normAddress), op.f64Load(0), op.f64Mul(), op.f64Const(floor), op.f64Add(), op.f64Add());
  body.push(op.localGet(cutoff), op.f64Lt());
  body.push(op.localGet(score), op.f64PromoteF32(), op.f64Abs(), op.f64Const(Number.POSITIVE_INFINITY), op.f64Lt(), op.i32And(), op.brIf(0));
  body.push(op.localGet(slot), op.localGet(row), op.i32Store(layout.candidateRows));
  body.push(op.localGet(slot), op.localGet(score), op.f32Store(layout.candidateScores));
  body.push(op.localGet(slot), op.i32Const(4), op.i32Add(), op.localTee(slot), op.localGet(limit), op.i32Eq(), op.brIf(2));
  body.push(op.end());
  body.push(op.localGet(rowAddress), op.i32Const(stride), op.i32Add(), op.localSet(rowAddress));
  body.push(op.localGet(normAddress), op.i32Const(8), op.i32Add(), op.localSet(normAddress));
  body.push(op.localGet(row), op.i32Const(1), op.i32Add(), op.localSet(row));
  body.push(op.localGet(rows), op.i32Const(1), op.i32Sub(), op.localSet(rows));
  body.push(op.br(0), op.end(), op.end());
  body.push(op.localGet(slot), op.i32Const(2), op.i32ShrU());
  return [
    ...MODULE_HEADER,
    ...section(SECTION.type, vector([functionType([i32, i32, i32, f64, f64, i32], [i32])])),
    ...section(SECTION.import, vector([memoryImport('env', 'memory', 1)])),
    ...section(SECTION.function, vector([unsigned(0)])),
    ...section(SECTION.export, vector([functionExport('scan', 0)])),
    ...section(SECTION.code, vector([functionBody([[5, i32], [1, f32], [accumulators, v128]], body)])),
  ];
}

/**
 * Dot accumulators of the norm kernel: four (the registers of the |product| ones are free) measured
 * no faster than two.
 */
const NORM_ACCUMULATORS = 2;

function detectSimd(): { available: boolean; reason: string } {
  if (webAssembly === undefined) return { available: false, reason: 'this runtime has no WebAssembly' };
  try {
    if (webAssembly.validate(new Uint8Array(kernelModule(4)))) return { available: true, reason: 'WebAssembly SIMD' };
    return { available: false, reason: 'this runtime does not validate WebAssembly SIMD' };
  } catch (error) {
    return { available: false, reason: `WebAssembly SIMD check failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
