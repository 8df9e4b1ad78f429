import { describe, expect, it } from 'vitest';
import { parseToolArguments } from '../../src/api/chat/chat-messages.js';
import { checkJsonDepth, MAX_JSON_DEPTH, tooDeepPath } from '../../src/api/json-depth.js';
import { requireBody } from '../../src/api/validate.js';
import type { InvalidRequestError } from '../../src/utils/errors.js';
import { thrownInvalid } from './expect-invalid.js';

/** The 400 nesting_too_deep an action throws; its param and message are the caller's to check. */
function refused(action: () => unknown): InvalidRequestError {
  const error = thrownInvalid(action);
  expect(error).toMatchObject({ status: 400, code: 'nesting_too_deep' });
  return error;
}

/** `levels` nested arrays as JSON text, parsed: JSON.parse is iterative, so any depth parses. */
const brackets = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
const objects = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('tooDeepPath', () => {
  it('counts the value itself as level 1, and primitives not at all', () => {
    expect(tooDeepPath(1, 0)).toBeUndefined();
    expect(tooDeepPath('[[[', 0)).toBeUndefined();
    expect(tooDeepPath({}, 1)).toBeUndefined();
    expect(tooDeepPath({ a: {} }, 1)).toBe('a');
    expect(tooDeepPath({ a: [1, 2, { b: null }] }, 2)).toBe('a[2]');
  });

  it(`accepts ${MAX_JSON_DEPTH} levels and names the first path past them`, () => {
    expect(tooDeepPath({ x: brackets(MAX_JSON_DEPTH - 1) })).toBeUndefined();
    expect(tooDeepPath({ x: brackets(MAX_JSON_DEPTH) })).toBe(`x${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`.slice(0, 120) + '…');
    expect(tooDeepPath({ ok: [[1]], messages: [{ content: [[[[]]]] }] }, 5)).toBe('messages[0].content[0][0]');
  });

  it('walks 200,000 levels with its own stack, and wide values quickly', () => {
    expect(tooDeepPath(brackets(200_000))).toMatch(/^\[0\]\[0\]/);
    expect(tooDeepPath(objects(200_000))).toMatch(/^a\.a\.a/);
    const wide = { items: Array.from({ length: 200_000 }, (_, index) => ({ index, tags: ['a', 'b'] })) };
    expect(tooDeepPath(wide)).toBeUndefined();
  });

  it('starts paths at a given root', () => {
    expect(tooDeepPath({ a: [{}] }, 2, 'messages[1].tool_calls[0].function.arguments')).toBe('messages[1].tool_calls[0].function.arguments.a[0]');
  });
});

describe('checkJsonDepth', () => {
  it('throws a 400 nesting_too_deep naming the path', () => {
    const error = refused(() => checkJsonDepth({ response_format: objects(4100) }));
    expect(error.param).toMatch(/^response_format\.a\.a\.a/);
    expect(error.message).toMatch(/^The request body nests more than 100 levels of arrays and objects \(at 'response_format\.a\.a/);
  });
});

describe('every body parser refuses a body nested too deep', () => {
  it('requireBody', () => {
    const error = refused(() => requireBody({ model: 'rlm', messages: [{ role: 'user', content: brackets(2200) }] }));
    expect(error.param).toMatch(/^messages\[0\]\.content\[0\]\[0\]/);
    expect(requireBody({ model: 'rlm', metadata: brackets(MAX_JSON_DEPTH - 1) })).toBeDefined();
  });

  it('tool-call arguments, which arrive as a string the body check cannot see into', () => {
    const text = `{"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const error = refused(() => parseToolArguments(text, 'messages[1].tool_calls[0].function.arguments'));
    expect(error.param).toMatch(/^messages\[1\]\.tool_calls\[0\]\.function\.arguments\.deep\[0\]/);
    expect(error.message).toMatch(/^'messages\[1\]\.tool_calls\[0\]\.function\.arguments' nests more than 100 levels/);
  });
});
