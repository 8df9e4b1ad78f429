import { describe, expect, it } from 'vitest';
import { parseChatRequest, toOllamaChatRequest, toOllamaThink } from '../../src/api/chat/chat-request.js';
import type { OpenAIReasoningEffort } from '../../src/types/openai.js';
import { expectInvalid } from './expect-invalid.js';

const SETTINGS = { model: 'llama3.2', numCtx: 0, stream: true };
const USER = [{ role: 'user', content: 'hi' }];

function upstream(body: Record<string, unknown>, settings = SETTINGS): ReturnType<typeof toOllamaChatRequest> {
  return toOllamaChatRequest(parseChatRequest({ model: 'm', messages: USER, ...body }), settings);
}

describe('parseChatRequest', () => {
  it('requires a JSON object, a model and messages', () => {
    expectInvalid(() => parseChatRequest('x'), null);
    expectInvalid(() => parseChatRequest({ messages: USER }), 'model', 'you must provide a model parameter');
    expectInvalid(() => parseChatRequest({ model: 'm' }), 'messages', "'messages' must be a non-empty array.");
  });

  it('keeps unknown fields, drops nulls and does not mutate the body', () => {
    const body = { model: 'm', messages: USER, user: 'me', temperature: null, stop: null, metadata: { a: 1 } };
    const snapshot = structuredClone(body);
    const request = parseChatRequest(body);
    expect(request).toEqual({ model: 'm', messages: USER, user: 'me', metadata: { a: 1 } });
    expect('temperature' in request).toBe(false);
    expect(body).toEqual(snapshot);
  });

  it('validates the typed fields with their path', () => {
    expectInvalid(
      () => parseChatRequest({ model: 'm', messages: USER, temperature: 'hot' }),
      'temperature',
      "Invalid type for 'temperature': expected a number, but got a string instead.",
    );
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, temperature: 2.1 }), 'temperature');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, top_p: 1.5 }), 'top_p');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, seed: 1.5 }), 'seed');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, presence_penalty: -3 }), 'presence_penalty');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, frequency_penalty: 3 }), 'frequency_penalty');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, max_tokens: 0 }), 'max_tokens');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, max_completion_tokens: 2.5 }), 'max_completion_tokens');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, stop: ['a', 3] }), 'stop[1]');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, stream: 'yes' }), 'stream');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, stream_options: { include_usage: 1 } }), 'stream_options.include_usage');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, logprobs: 1 }), 'logprobs');
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, top_logprobs: 21 }), 'top_logprobs');
  });

  it('refuses n > 1 and accepts n = 1', () => {
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, n: 2 }), 'n', 'n > 1 is not supported');
    expect(parseChatRequest({ model: 'm', messages: USER, n: 1 })).not.toHaveProperty('n');
  });

  it('lists the valid reasoning efforts', () => {
    const error = expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, reasoning_effort: 'ultra' }), 'reasoning_effort');
    expect(error.message).toBe(
      "Invalid value for 'reasoning_effort': 'ultra'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'.",
    );
  });

  it('validates response_format', () => {
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, response_format: { type: 'xml' } }), 'response_format.type', /'xml'/);
    expectInvalid(
      () => parseChatRequest({ model: 'm', messages: USER, response_format: { type: 'json_schema', json_schema: { name: 'x' } } }),
      'response_format.json_schema.schema',
    );
    expectInvalid(() => parseChatRequest({ model: 'm', messages: USER, response_format: { type: 'json_schema' } }), 'response_format.json_schema');
  });
});

describe('toOllamaChatRequest', () => {
  it('sends only what the client set (no invented defaults)', () => {
    expect(upstream({})).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true });
  });

  it('takes model and stream from the settings, and num_ctx when > 0', () => {
    const request = upstream({ stream: false }, { model: 'qwen3:8b', numCtx: 8192, stream: true });
    expect(request.model).toBe('qwen3:8b');
    expect(request.stream).toBe(true);
    expect(request.options).toEqual({ num_ctx: 8192 });
  });

  it('maps the sampling options', () => {
    const request = upstream({
      temperature: 0,
      top_p: 0.5,
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: -0.1,
      stop: '###',
      max_tokens: 100,
    });
    expect(request.options).toEqual({ temperature: 0, top_p: 0.5, seed: 7, frequency_penalty: 0.1, presence_penalty: -0.1, stop: ['###'], num_predict: 100 });
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    expect(upstream({ max_tokens: 100, max_completion_tokens: 50 }).options).toEqual({ num_predict: 50 });
  });

  it('omits an empty stop array', () => {
    expect(upstream({ stop: [] }).options).toBeUndefined();
    expect(upstream({ stop: ['a', 'b'] }).options).toEqual({ stop: ['a', 'b'] });
  });

  it('maps response_format to format', () => {
    const schema = { type: 'object', properties: { age: { type: 'integer' } } };
    expect(upstream({ response_format: { type: 'json_object' } }).format).toBe('json');
    expect(upstream({ response_format: { type: 'json_schema', json_schema: { name: 'p', schema, strict: true } } }).format).toEqual(schema);
    expect(upstream({ response_format: { type: 'text' } })).not.toHaveProperty('format');
  });

  it('maps reasoning_effort to think', () => {
    const cases: [OpenAIReasoningEffort, boolean | string][] = [
      ['none', false],
      ['minimal', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['xhigh', 'max'],
      ['max', 'max'],
    ];
    for (const [effort, think] of cases) expect(upstream({ reasoning_effort: effort }).think).toBe(think);
    expect(upstream({})).not.toHaveProperty('think');
    expect(toOllamaThink(undefined)).toBeUndefined();
  });

  it('passes logprobs and top_logprobs through', () => {
    const request = upstream({ logprobs: true, top_logprobs: 3 });
    expect(request.logprobs).toBe(true);
    expect(request.top_logprobs).toBe(3);
  });

  it('maps tools and honours tool_choice none', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    expect(upstream({ tools }).tools).toEqual(tools);
    expect(upstream({ tools, tool_choice: 'auto' }).tools).toEqual(tools);
    expect(upstream({ tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).tools).toEqual(tools);
    expect(upstream({ tools, tool_choice: 'none' })).not.toHaveProperty('tools');
    expect(upstream({ tools: [] })).not.toHaveProperty('tools');
  });

  it('converts a whole conversation', () => {
    const request = upstream({
      messages: [
        { role: 'developer', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/webp;base64,AAAA' } }] },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'look', images: ['AAAA'] },
    ]);
  });

  it('converts a Responses-shaped body (Cursor) through parseChatRequest', () => {
    const request = toOllamaChatRequest(
      parseChatRequest({ model: 'm', instructions: 'sys', input: 'hello', tools: [{ type: 'function', name: 'f' }] }),
      SETTINGS,
    );
    expect(request.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hello' },
    ]);
    expect(request.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]);
  });

  it('prefers messages when both messages and input are present', () => {
    const request = parseChatRequest({ model: 'm', messages: USER, input: 'other' });
    expect(request.messages).toEqual(USER);
  });
});
