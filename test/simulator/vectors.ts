/**
 * Deterministic embeddings. Each word seeds a PRNG with its hash and adds that pseudo-random
 * direction, so equal texts give equal vectors and texts that share words have a positive cosine,
 * which keeps retrieval demos meaningful.
 */
import { fnv1a } from './tokens.js';

/** mulberry32: tiny, fast, good enough for test vectors. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const WORD = /[\p{L}\p{N}]+/gu;

export function normalise(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? [...vector] : vector.map((value) => value / norm);
}

/** An L2-normalised float64 vector of `dimensions` values. */
export function embedText(text: string, dimensions: number): number[] {
  const words = text.toLowerCase().match(WORD) ?? [text];
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of words) {
    const random = mulberry32(fnv1a(word));
    for (let index = 0; index < dimensions; index += 1) vector[index] = (vector[index] ?? 0) + random() * 2 - 1;
  }
  return normalise(vector);
}

/** Rounds to float32 and prints it the way Go does: the shortest decimal that reads back the same. */
export function float32(value: number): number {
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits += 1) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(9));
}
