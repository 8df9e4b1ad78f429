import { describe, expect, it } from 'vitest';
import { toChatCompletion, toFinishReason, toOpenAIToolCalls, toUsage } from '../../src/api/chat/chat-response.js';
import type { ChatResponseContext } from '../../src/api/chat/chat-response.js';
import type { OllamaChatResponse } from '../../src/types/ollama.js';

function context(): ChatResponseContext {
  let next = 0;
  return { id: 'chatcmpl-1', created: 1700000000, model: 'my-model', newToolCallId: () => `call_${++next}` };
}

function response(message: Partial<OllamaChatResponse['message']>, extra: Partial<OllamaChatResponse> = {}): OllamaChatResponse {
  return {
    model: 'llama3.2',
    created_at: '2025-10-26T17:15:24.121485Z',
    message: { role: 'assistant', content: '', ...message },
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 26,
    eval_count: 3,
    ...extra,
  };
}

describe('toChatCompletion', () => {
  it('builds a plain answer', () => {
    expect(toChatCompletion(response({ content: 'Hello!' }), context())).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'my-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 26, completion_tokens: 3, total_tokens: 29 },
    });
  });

  it('has no system_fingerprint and keeps an empty answer as ""', () => {
    const completion = toChatCompletion(response({}), context());
    expect(completion).not.toHaveProperty('system_fingerprint');
    expect(completion.choices[0]?.message).toEqual({ role: 'assistant', content: '' });
  });

  it('adds reasoning_content only when there is thinking', () => {
    expect(toChatCompletion(response({ content: 'Three.', thinking: 'count' }), context()).choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'Three.',
      reasoning_content: 'count',
    });
    expect(toChatCompletion(response({ content: 'x', thinking: '' }), context()).choices[0]?.message).not.toHaveProperty('reasoning_content');
  });

  it('returns tool calls with fresh ids, null content and finish_reason tool_calls', () => {
    const completion = toChatCompletion(
      response({ tool_calls: [{ id: 'call_k3j2l1m0', function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } }] }),
      context(),
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('keeps text next to tool calls', () => {
    const message = toChatCompletion(response({ content: 'Let me check.', tool_calls: [{ function: { name: 'f', arguments: {} } }] }), context()).choices[0]?.message;
    expect(message?.content).toBe('Let me check.');
  });
});

describe('toFinishReason', () => {
  it('maps done reasons', () => {
    expect(toFinishReason('stop', false)).toBe('stop');
    expect(toFinishReason(undefined, false)).toBe('stop');
    expect(toFinishReason('load', false)).toBe('stop');
    expect(toFinishReason('length', false)).toBe('length');
    expect(toFinishReason('length', true)).toBe('length');
    expect(toFinishReason('stop', true)).toBe('tool_calls');
    expect(toFinishReason(undefined, true)).toBe('tool_calls');
  });
});

describe('toUsage', () => {
  it('sums the counts and reads absent ones as 0', () => {
    expect(toUsage({ prompt_eval_count: 10, eval_count: 5 })).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(toUsage({})).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe('toOpenAIToolCalls', () => {
  it('stringifies arguments and always generates ids', () => {
    const ids = ['call_a', 'call_b'];
    const calls = toOpenAIToolCalls(
      [
        { id: 'upstream', function: { name: 'a', arguments: { x: 1, nested: { y: [true] } } } },
        { function: { name: 'b', arguments: {} } },
      ],
      () => ids.shift() ?? 'none',
    );
    expect(calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1,"nested":{"y":[true]}}' } },
      { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } },
    ]);
  });
});

describe('logprobs', () => {
  // As real Ollama 0.24 sends them (docs/real-ollama-captures.md): bytes and alternatives per token.
  const native = [
    { token: 'I', logprob: -2.47, bytes: [73], top_logprobs: [{ token: 'I', logprob: -2.47, bytes: [73] }, { token: 'Sure', logprob: -2.54, bytes: [83, 117, 114, 101] }] },
    { token: "'m", logprob: -0.64, bytes: [39, 109] },
  ];

  it('are passed on in OpenAI shape, one entry per token', () => {
    const completion = toChatCompletion(response({ content: "I'm" }, { logprobs: native }), context());
    expect(completion.choices[0]!.logprobs).toEqual({
      content: [
        { token: 'I', logprob: -2.47, bytes: [73], top_logprobs: [{ token: 'I', logprob: -2.47, bytes: [73] }, { token: 'Sure', logprob: -2.54, bytes: [83, 117, 114, 101] }] },
        { token: "'m", logprob: -0.64, bytes: [39, 109], top_logprobs: [] },
      ],
      refusal: null,
    });
  });

  it('are null when Ollama sent none', () => {
    expect(toChatCompletion(response({ content: 'Hi' }), context()).choices[0]!.logprobs).toBeNull();
  });
});
