import { describe, expect, it } from 'vitest';
import { parseSamplingFields, toOllamaOptions } from '../../src/api/sampling-options.js';
import { expectInvalid } from './expect-invalid.js';

describe('parseSamplingFields', () => {
  it('returns only the fields that were sent', () => {
    expect(parseSamplingFields({})).toEqual({});
    expect(parseSamplingFields({ temperature: null, top_p: null, stop: null })).toEqual({});
  });

  it('normalises stop to an array without empty strings', () => {
    expect(parseSamplingFields({ stop: '\n' })).toEqual({ stop: ['\n'] });
    expect(parseSamplingFields({ stop: ['a', '', 'b'] })).toEqual({ stop: ['a', 'b'] });
    expect(parseSamplingFields({ stop: [] })).toEqual({});
    expect(parseSamplingFields({ stop: '' })).toEqual({});
    expectInvalid(() => parseSamplingFields({ stop: 5 }), 'stop', /expected a string or an array of strings/);
  });

  it('checks the ranges at the edges', () => {
    expect(parseSamplingFields({ temperature: 0, top_p: 1, frequency_penalty: -2, presence_penalty: 2 })).toEqual({
      temperature: 0,
      top_p: 1,
      frequency_penalty: -2,
      presence_penalty: 2,
    });
    expectInvalid(() => parseSamplingFields({ top_p: -0.1 }), 'top_p');
    expectInvalid(() => parseSamplingFields({ max_tokens: -5 }), 'max_tokens', /integer below minimum value/);
  });
});

describe('toOllamaOptions', () => {
  it('returns undefined when nothing was set', () => {
    expect(toOllamaOptions({}, undefined)).toBeUndefined();
    expect(toOllamaOptions({ temperature: null }, null, 0)).toBeUndefined();
  });

  it('maps a string stop and the token limits', () => {
    expect(toOllamaOptions({ stop: 'END' }, 10, 4096)).toEqual({ stop: ['END'], num_predict: 10, num_ctx: 4096 });
  });
});
