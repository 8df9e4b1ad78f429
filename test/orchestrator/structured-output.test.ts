import { describe, expect, it } from 'vitest';
import { findDuplicateKey, readJsonObject } from '../../src/orchestrator/loop/structured-output.js';
import { seededRandom } from '../support/seeded-random.js';

describe('findDuplicateKey', () => {
  it.each([
    ['{"verdict":"REJECTED","issues":["x"],"verdict":"APPROVED"}', 'verdict'],
    ['{"a":{"b":1,"b":2}}', 'b'],
    ['[{"a":1},{"a":2,"c":[{"d":1,"d":1}]}]', 'd'],
    ['{"verdict":1,"verd\\u0069ct":2}', 'verdict'],
    ['{"a":"}{\\"a\\":","a":0}', 'a'],
  ])('%s repeats %j', (json, key) => {
    expect(findDuplicateKey(json)).toBe(key);
  });

  it.each(['{"a":1,"b":{"a":2}}', '[{"a":1},{"a":1}]', '{"a":["a","a"],"b":"a"}', '{"k":"\\"k\\":"}', '{}', '"a"', '[]'])('%s has none', (json) => {
    expect(findDuplicateKey(json)).toBeNull();
  });

  it('agrees with a count of written and parsed keys on seeded random objects', () => {
    const random = seededRandom(7);
    const keys = ['a', 'b', 'c', 'd\\u0061', 'da'];
    const pick = (count: number): number => Math.floor(random() * count);
    const build = (depth: number): string => {
      if (depth > 3 || random() < 0.3) return String(pick(10));
      if (random() < 0.3) return `[${Array.from({ length: pick(3) }, () => build(depth + 1)).join(',')}]`;
      return `{${Array.from({ length: pick(4) }, () => `"${keys[pick(keys.length)]}":${build(depth + 1)}`).join(',')}}`;
    };
    let duplicates = 0;
    for (let index = 0; index < 500; index++) {
      const json = build(0);
      const expected = writtenKeys(json) > parsedKeys(JSON.parse(json));
      if (expected) duplicates++;
      expect(findDuplicateKey(json) !== null, json).toBe(expected);
    }
    expect(duplicates).toBeGreaterThan(20);
  });

  it('reads a long output in one linear pass', () => {
    const json = `{${Array.from({ length: 50_000 }, (_, index) => `"k${index}":[{"x":1}]`).join(',')}}`;
    const started = performance.now();
    expect(findDuplicateKey(json)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

/** Keys as written (the only strings in these objects are keys), and keys left once JSON.parse kept the last of each. */
const writtenKeys = (json: string): number => (json.match(/"[^"]*":/g) ?? []).length;
function parsedKeys(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + parsedKeys(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.values(value).reduce((sum: number, item: unknown) => sum + parsedKeys(item), Object.keys(value).length);
}

describe('readJsonObject', () => {
  it('says why an output is unreadable', () => {
    expect(readJsonObject('{"verdict":"REJECTED","verdict":"APPROVED"}')).toEqual({ ok: false, reason: 'the key "verdict" appears twice in one object' });
    expect(readJsonObject('[1]')).toEqual({ ok: false, reason: 'it is not a JSON object' });
    expect(readJsonObject('nope')).toEqual({ ok: false, reason: 'it is not JSON' });
    expect(readJsonObject('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });
});
