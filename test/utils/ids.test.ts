import { describe, expect, it } from 'vitest';
import { counterIds, newId } from '../../src/utils/ids.js';

describe('newId', () => {
  it('prefix, dash and 24 base62 characters, fresh every time, across refills of the random pool', () => {
    const ids = Array.from({ length: 2000 }, () => newId('chatcmpl'));
    for (const id of ids) expect(id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('other lengths, and not more than the pool holds', () => {
    expect(newId('x', 3)).toMatch(/^x-[A-Za-z0-9]{3}$/);
    expect(newId('x', 4096)).toHaveLength(2 + 4096);
    expect(() => newId('x', 4097)).toThrow(RangeError);
  });

  it('uses the whole alphabet', () => {
    const seen = new Set(Array.from({ length: 400 }, () => newId('p')).join('').replace(/^p-|-/g, ''));
    expect(seen.size).toBeGreaterThanOrEqual(62);
  });

  it('counterIds counts per generator', () => {
    const next = counterIds();
    expect([next('a'), next('b')]).toEqual(['a-1', 'b-2']);
  });
});
