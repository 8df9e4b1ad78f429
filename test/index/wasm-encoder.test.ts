import { describe, it, expect } from 'vitest';
import { name, section, signed, unsigned } from '../../src/index/wasm-encoder.js';

describe('wasm-encoder', () => {
  it('writes unsigned LEB128 (the examples of the DWARF and WebAssembly specifications)', () => {
    expect(unsigned(0)).toEqual([0x00]);
    expect(unsigned(127)).toEqual([0x7f]);
    expect(unsigned(128)).toEqual([0x80, 0x01]);
    expect(unsigned(624_485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsigned(0xffff_ffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => unsigned(-1)).toThrow(RangeError);
    expect(() => unsigned(2 ** 32)).toThrow(RangeError);
  });

  it('writes signed LEB128, with the sign bit of the last byte telling the sign', () => {
    expect(signed(0)).toEqual([0x00]);
    expect(signed(63)).toEqual([0x3f]);
    expect(signed(64)).toEqual([0xc0, 0x00]);
    expect(signed(-1)).toEqual([0x7f]);
    expect(signed(-64)).toEqual([0x40]);
    expect(signed(-65)).toEqual([0xbf, 0x7f]);
    expect(signed(-123_456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signed(3072)).toEqual([0x80, 0x18]);
    expect(() => signed(2 ** 31)).toThrow(RangeError);
  });

  it('writes names as UTF-8 vectors and sections with their size', () => {
    expect(name('env')).toEqual([3, 0x65, 0x6e, 0x76]);
    expect(name('é')).toEqual([2, 0xc3, 0xa9]);
    expect(section(7, [1, 2, 3])).toEqual([7, 3, 1, 2, 3]);
  });
});
