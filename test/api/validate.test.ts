import { describe, expect, it } from 'vitest';
import {
  describeValue,
  invalidValue,
  isPresent,
  isRecord,
  optionalArray,
  optionalBoolean,
  optionalEnum,
  optionalNumber,
  optionalRecord,
  optionalString,
  requireBody,
  requireModel,
  requiredString,
  unknownFields,
  withoutUndefined,
} from '../../src/api/validate.js';
import { expectInvalid } from './expect-invalid.js';

describe('type guards', () => {
  it('isRecord accepts plain objects only', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('x')).toBe(false);
  });

  it('isPresent treats null like undefined', () => {
    expect(isPresent(null)).toBe(false);
    expect(isPresent(undefined)).toBe(false);
    expect(isPresent(0)).toBe(true);
    expect(isPresent('')).toBe(true);
  });

  it('describes values as OpenAI does', () => {
    expect(describeValue('a')).toBe('a string');
    expect(describeValue(1)).toBe('an integer');
    expect(describeValue(1.5)).toBe('a decimal number');
    expect(describeValue([])).toBe('an array');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(true)).toBe('a boolean');
  });
});

describe('optionalNumber', () => {
  it('returns undefined for absent and null', () => {
    expect(optionalNumber({}, 'temperature')).toBeUndefined();
    expect(optionalNumber({ temperature: null }, 'temperature')).toBeUndefined();
  });

  it('names the type error in OpenAI wording', () => {
    expectInvalid(
      () => optionalNumber({ temperature: '0.5' }, 'temperature'),
      'temperature',
      "Invalid type for 'temperature': expected a number, but got a string instead.",
    );
  });

  it('enforces bounds and integers, with the path', () => {
    expect(optionalNumber({ t: 2 }, 't', { min: 0, max: 2 })).toBe(2);
    const above = expectInvalid(
      () => optionalNumber({ t: 2.5 }, 't', { max: 2 }),
      't',
      "Invalid 't': decimal above maximum value. Expected a value <= 2, but got 2.5 instead.",
    );
    expect(above.code).toBe('decimal_above_max_value');
    expectInvalid(() => optionalNumber({ t: -1 }, 't', { min: 0 }), 't', /below minimum value/);
    expectInvalid(
      () => optionalNumber({ seed: 1.5 }, 'seed', { integer: true, path: 'options.seed' }),
      'options.seed',
      "Invalid type for 'options.seed': expected an integer, but got a decimal number instead.",
    );
  });
});

describe('other field helpers', () => {
  it('optionalString, optionalBoolean, optionalArray, optionalRecord check types', () => {
    expect(optionalString({ a: 'x' }, 'a')).toBe('x');
    expect(optionalString({ a: null }, 'a')).toBeUndefined();
    expectInvalid(() => optionalString({ a: 1 }, 'a', 'x.a'), 'x.a', /expected a string, but got an integer/);
    expect(optionalBoolean({ a: false }, 'a')).toBe(false);
    expectInvalid(() => optionalBoolean({ a: 'true' }, 'a'), 'a');
    expect(optionalArray({ a: [1] }, 'a')).toEqual([1]);
    expectInvalid(() => optionalArray({ a: {} }, 'a'), 'a', /expected an array, but got an object/);
    expect(optionalRecord({ a: { b: 1 } }, 'a')).toEqual({ b: 1 });
    expectInvalid(() => optionalRecord({ a: [] }, 'a'), 'a');
  });

  it('requiredString refuses absent and empty values', () => {
    expect(requiredString({ a: 'x' }, 'a')).toBe('x');
    expectInvalid(() => requiredString({ a: '' }, 'a', 'p.a'), 'p.a', "Missing required parameter: 'p.a'.");
    expectInvalid(() => requiredString({}, 'a'), 'a');
  });

  it('optionalEnum lists the supported values', () => {
    expect(optionalEnum({ a: 'x' }, 'a', ['x', 'y'])).toBe('x');
    expectInvalid(
      () => optionalEnum({ a: 'z' }, 'a', ['x', 'y', 'w']),
      'a',
      "Invalid value for 'a': 'z'. Supported values are: 'x', 'y', and 'w'.",
    );
    expect(invalidValue('a', 'z', ['x']).message).toBe("Invalid value for 'a': 'z'. Supported values are: 'x'.");
  });

  it('requireBody and requireModel', () => {
    expectInvalid(() => requireBody([]), null, /must be a JSON object/);
    expectInvalid(() => requireModel({}), 'model', 'you must provide a model parameter');
    expectInvalid(() => requireModel({ model: '' }), 'model', 'you must provide a model parameter');
    expectInvalid(() => requireModel({ model: 3 }), 'model', /Invalid type for 'model'/);
    expect(requireModel({ model: 'llama3.2' })).toBe('llama3.2');
  });

  it('withoutUndefined and unknownFields copy without touching the input', () => {
    const input = { a: 1, b: undefined, c: null };
    expect(Object.keys(withoutUndefined(input))).toEqual(['a', 'c']);
    expect(Object.keys(input)).toEqual(['a', 'b', 'c']);
    expect(unknownFields({ a: 1, b: 2 }, new Set(['a']))).toEqual({ b: 2 });
  });
});
