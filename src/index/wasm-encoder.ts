/**
 * Just enough of the WebAssembly binary format to write the search kernel in TypeScript, so that rlm
 * needs no compiler, no toolchain and no binary file in the package. Each instruction is a function
 * returning its bytes; a function body is a flat list of them. The encodings are those of the
 * WebAssembly Core Specification 2.0, section 5 (Binary Format), including the fixed-width SIMD
 * instructions (prefix 0xFD, then the opcode as an unsigned LEB128).
 */

export type Bytes = number[];

/** §5.2.2: unsigned LEB128. */
export function unsigned(value: number): Bytes {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`Not a u32: ${value}`);
  const bytes: Bytes = [];
  let rest = value;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

/** §5.2.2: signed LEB128, for i32 constants. */
export function signed(value: number): Bytes {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) throw new RangeError(`Not an i32: ${value}`);
  const bytes: Bytes = [];
  let rest = value;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    bytes.push(done ? low : low | 0x80);
    if (done) return bytes;
  }
}

/** §5.1.3: a vector is its length, then its elements. */
export function vector(elements: Bytes[]): Bytes {
  return [...unsigned(elements.length), ...elements.flat()];
}

/** §5.2.4: a name is a vector of UTF-8 bytes. */
export function name(text: string): Bytes {
  return vector([...new TextEncoder().encode(text)].map((byte) => [byte]));
}

/** §5.5.2: a section is its id, its size, then its contents. */
export function section(id: number, contents: Bytes): Bytes {
  return [id, ...unsigned(contents.length), ...contents];
}

export const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
export const VALUE_TYPE = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
const FUNCTION_TYPE = 0x60;
const EMPTY_BLOCK = 0x40;
const SIMD_PREFIX = 0xfd;
/** §5.5.16: the magic number `\0asm` and version 1. */
export const MODULE_HEADER: Bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** §5.3.6: `(func (param …) (result …))`. */
export function functionType(parameters: number[], results: number[]): Bytes {
  return [FUNCTION_TYPE, ...vector(parameters.map((type) => [type])), ...vector(results.map((type) => [type]))];
}

/** §5.5.5: an imported memory with only a minimum size in 64 KiB pages, so any larger memory fits. */
export function memoryImport(module: string, field: string, minimumPages: number): Bytes {
  return [...name(module), ...name(field), 0x02, 0x00, ...unsigned(minimumPages)];
}

/** §5.5.10: a function export. */
export function functionExport(exportName: string, functionIndex: number): Bytes {
  return [...name(exportName), 0x00, ...unsigned(functionIndex)];
}

/** §5.5.13: a function body: its locals as (count, type) runs, its instructions, `end`, all prefixed by the size. */
export function functionBody(locals: Array<[count: number, type: number]>, instructions: Bytes[]): Bytes {
  const body = [...vector(locals.map(([count, type]) => [...unsigned(count), type])), ...instructions.flat(), 0x0b];
  return [...unsigned(body.length), ...body];
}

/** §5.4.7: the memory argument of a load or store: log2 of the alignment, then the constant offset. */
function memoryArgument(alignmentLog2: number, offset: number): Bytes {
  return [...unsigned(alignmentLog2), ...unsigned(offset)];
}

/** §5.2.3: an f64 constant's immediate is its IEEE 754 bits, little-endian. */
function float64(value: number): Bytes {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return [...bytes];
}

function simd(opcode: number, ...immediates: Bytes): Bytes {
  return [SIMD_PREFIX, ...unsigned(opcode), ...immediates];
}

/** The instructions the kernel uses (§5.4), by their text-format names. */
export const instruction = {
  block: (): Bytes => [0x02, EMPTY_BLOCK],
  loop: (): Bytes => [0x03, EMPTY_BLOCK],
  end: (): Bytes => [0x0b],
  br: (depth: number): Bytes => [0x0c, ...unsigned(depth)],
  brIf: (depth: number): Bytes => [0x0d, ...unsigned(depth)],
  localGet: (index: number): Bytes => [0x20, ...unsigned(index)],
  localSet: (index: number): Bytes => [0x21, ...unsigned(index)],
  localTee: (index: number): Bytes => [0x22, ...unsigned(index)],
  f64Load: (offset = 0): Bytes => [0x2b, ...memoryArgument(3, offset)],
  i32Store: (offset = 0): Bytes => [0x36, ...memoryArgument(2, offset)],
  f32Store: (offset = 0): Bytes => [0x38, ...memoryArgument(2, offset)],
  i32Const: (value: number): Bytes => [0x41, ...signed(value)],
  f64Const: (value: number): Bytes => [0x44, ...float64(value)],
  i32Eqz: (): Bytes => [0x45],
  i32Eq: (): Bytes => [0x46],
  i32Ne: (): Bytes => [0x47],
  f64Lt: (): Bytes => [0x63],
  i32Add: (): Bytes => [0x6a],
  i32Sub: (): Bytes => [0x6b],
  i32And: (): Bytes => [0x71],
  i32Mul: (): Bytes => [0x6c],
  i32ShrU: (): Bytes => [0x76],
  f32Add: (): Bytes => [0x92],
  f64Abs: (): Bytes => [0x99],
  f64Add: (): Bytes => [0xa0],
  f64Mul: (): Bytes => [0xa2],
  f64PromoteF32: (): Bytes => [0xbb],
  v128Load: (offset = 0): Bytes => simd(0x00, ...memoryArgument(4, offset)),
  v128Const: (bytes: Bytes): Bytes => simd(0x0c, ...bytes),
  f32x4ExtractLane: (lane: number): Bytes => simd(0x1f, lane),
  v128And: (): Bytes => simd(0x4e),
  f32x4Add: (): Bytes => simd(0xe4),
  f32x4Mul: (): Bytes => simd(0xe6),
} as const;
