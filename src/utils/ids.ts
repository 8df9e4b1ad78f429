import { randomFillSync } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Random bytes drawn a page at a time: each request takes two ids, and asking the system's random
 * source for 24 bytes each time (OpenSSL checks its pid on every call, a system call) cost 2-3 %
 * of a pass-through's CPU. Each byte is used once.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** A new random id such as "chatcmpl-3kT9…": prefix, dash, 24 base62 characters (~143 bits). */
export function newId(prefix: string, length = 24): string {
  if (length > POOL_BYTES) throw new RangeError(`newId: at most ${POOL_BYTES} characters`);
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let suffix = '';
  for (let index = offset; index < offset + length; index++) suffix += ALPHABET[(pool[index] as number) % ALPHABET.length];
  offset += length;
  return `${prefix}-${suffix}`;
}

/** A deterministic id generator for tests and replays: prefix-1, prefix-2, … */
export function counterIds(): (prefix: string) => string {
  let next = 0;
  return (prefix) => `${prefix}-${++next}`;
}
