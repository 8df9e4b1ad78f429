import { describe, expect, it } from 'vitest';
import { parseTools, toOllamaTools } from '../../src/api/chat/chat-tools.js';
import { expectInvalid } from './expect-invalid.js';

describe('parseTools', () => {
  it('treats absent, null and empty as no tools', () => {
    expect(parseTools({})).toBeUndefined();
    expect(parseTools({ tools: null })).toBeUndefined();
    expect(parseTools({ tools: [] })).toBeUndefined();
  });

  it('fills missing parameters with an empty object schema and drops strict', () => {
    expect(parseTools({ tools: [{ type: 'function', function: { name: 'now', strict: true } }] })).toEqual([
      { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
    ]);
  });

  it('requires type function and a name, with the path', () => {
    expectInvalid(() => parseTools({ tools: [{ type: 'custom', function: { name: 'x' } }] }), 'tools[0].type', /'custom'/);
    expectInvalid(() => parseTools({ tools: [{ function: { name: 'x' } }] }), 'tools[0].type');
    expectInvalid(() => parseTools({ tools: [{ type: 'function', function: { name: 'a' } }, { type: 'function', function: {} }] }), 'tools[1].function.name');
    expectInvalid(() => parseTools({ tools: [{ type: 'function' }] }), 'tools[0].function');
    expectInvalid(() => parseTools({ tools: [{ type: 'function', function: { name: 'a', parameters: 'x' } }] }), 'tools[0].function.parameters');
    expectInvalid(() => parseTools({ tools: {} }), 'tools');
  });
});

describe('toOllamaTools', () => {
  const tools = [{ type: 'function' as const, function: { name: 'f', description: 'd' } }];

  it('keeps the shape and defaults parameters', () => {
    expect(toOllamaTools(tools, undefined)).toEqual([
      { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} } } },
    ]);
  });

  it('offers no tools when tool_choice is none', () => {
    expect(toOllamaTools(tools, 'none')).toBeUndefined();
    expect(toOllamaTools(tools, 'required')).toHaveLength(1);
    expect(toOllamaTools([], 'auto')).toBeUndefined();
  });
});
