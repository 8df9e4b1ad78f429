/**
 * The parsed requests are built in one object, field by field: the same fields in the same order
 * as a spread of the checked fields would give (unknown fields first), and a "__proto__" key, which
 * JSON.parse makes an ordinary field, stays a field and never becomes the copy's prototype.
 */
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../src/api/chat/chat-request.js';
import { parseCompletionRequest } from '../../src/api/completion-mapping.js';
import { unknownFields, withoutUndefined } from '../../src/api/validate.js';

const USER = [{ role: 'user', content: 'hi' }];

describe('parsed request fields', () => {
  it('chat: unknown fields, then model and messages, then the known fields in checking order', () => {
    const request = parseChatRequest({
      top_logprobs: 2,
      logprobs: true,
      user: 'me',
      max_tokens: 5,
      temperature: 0.5,
      stream: true,
      messages: USER,
      model: 'm',
      seed: 3,
      tool_choice: 'auto',
      stream_options: { include_usage: true },
    });
    expect(Object.keys(request)).toEqual(['user', 'model', 'messages', 'stream', 'stream_options', 'temperature', 'seed', 'max_tokens', 'tool_choice', 'logprobs', 'top_logprobs']);
  });

  it('completions: the same order', () => {
    const request = parseCompletionRequest({ max_tokens: 4, suffix: '}', extra: 1, prompt: 'a', model: 'm', stream: false, top_p: 0.5 });
    expect(Object.keys(request)).toEqual(['extra', 'model', 'prompt', 'suffix', 'stream', 'top_p', 'max_tokens']);
  });

  it('a "__proto__" field stays a field: its values are neither inherited nor taken as checked fields', () => {
    const body = JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi"}],"__proto__":{"temperature":9,"stream":"yes"}}') as Record<string, unknown>;
    const request = parseChatRequest(body) as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(request)).toBe(Object.prototype);
    expect(request.temperature).toBeUndefined();
    expect(request.stream).toBeUndefined();
    expect(Object.hasOwn(request, '__proto__')).toBe(true);

    const copy = unknownFields(JSON.parse('{"__proto__":{"a":1},"b":2}') as Record<string, unknown>, new Set());
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'b']);
    const cleaned = withoutUndefined(JSON.parse('{"__proto__":{"a":1}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(cleaned)).toBe(Object.prototype);
    expect((cleaned as { a?: number }).a).toBeUndefined();
  });
});
