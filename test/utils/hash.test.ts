import { describe, it, expect } from 'vitest';
import { canonicalJson, hashJson, sha256Hex } from '../../src/utils/hash.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the insertion order', () => {
    expect(canonicalJson({ model: 'm', messages: [] })).toBe(canonicalJson({ messages: [], model: 'm' }));
  });

  it('omits properties holding undefined and writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: [undefined, 2] })).toBe('{"b":1,"c":[null,2]}');
    expect(canonicalJson([1, , 3])).toBe('[1,null,3]');
  });

  it('writes primitives as JSON does', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(1e21)).toBe('1e+21');
    expect(canonicalJson('é"\n')).toBe('"é\\"\\n"');
    expect(canonicalJson({ 'k"ey': 1 })).toBe('{"k\\"ey":1}');
  });

  it('uses toJSON (Dates become ISO strings)', () => {
    expect(canonicalJson({ at: new Date('2025-01-01T00:00:00Z') })).toBe('{"at":"2025-01-01T00:00:00.000Z"}');
  });

  it('throws TypeError on values that cannot be hashed stably', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson([Symbol('s')])).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(new Map([[1, 2]]))).toThrow(TypeError);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => canonicalJson(circular)).toThrow(TypeError);
  });

  it('names where the bad value is', () => {
    expect(() => canonicalJson({ options: { temperature: Number.NaN } })).toThrow('$.options.temperature');
  });

  it('walks any depth without overflowing the call stack', () => {
    const nest = (depth: number): unknown => {
      let value: unknown = 1;
      for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { a: value };
      return value;
    };
    expect(canonicalJson(nest(1000))).toBe(JSON.stringify(nest(1000)));
    const deep = nest(100_000);
    // What a recursive walk does at this depth, JSON.stringify included.
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(canonicalJson(deep)).toBe(`${'{"a":['.repeat(50_000)}1${']}'.repeat(50_000)}`);
  });

  it('names where a cycle or a bad value is, however deep', () => {
    const root: Record<string, unknown> = { list: [{ inner: {} }] };
    ((root.list as unknown[])[0] as { inner: Record<string, unknown> }).inner.back = root;
    expect(() => canonicalJson(root)).toThrow('$.list[0].inner.back refers back to itself');
    expect(() => canonicalJson([[[{ x: Number.POSITIVE_INFINITY }]]])).toThrow('$[0][0][0].x is Infinity');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});

describe('sha256Hex and hashJson', () => {
  it('hashes strings and bytes identically', () => {
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(expected);
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(expected);
  });

  it('hashJson is sha256 of the canonical text', () => {
    expect(hashJson({ b: 2, a: 1 })).toBe(sha256Hex('{"a":1,"b":2}'));
    expect(hashJson({ a: 1, b: 2, c: undefined })).toBe(hashJson({ b: 2, a: 1 }));
  });
});
